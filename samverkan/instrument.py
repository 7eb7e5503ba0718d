"""The survey instrument: surveys, items and scales, read once from ``data/schema/``.

The instrument is data (``data/schema/instrument.yaml``); this module only reads it
and answers questions about it.

Examples
--------
>>> from samverkan import instrument
>>> instrument.survey("operativ").item("lyssnar").labels[:3]
('aldrig', 'sällan', 'ibland')
>>> instrument.survey("operativ").item("lyssnar").high
('ofta', 'för det mesta', 'alltid')
>>> instrument.survey("chefsgrupp").unit_item
'mysam_grupp'
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import yaml

from . import resources

SCHEMA_DIR = resources.SCHEMA_DIR
INSTRUMENT_PATH = SCHEMA_DIR / "instrument.yaml"
TABLE_SCHEMA_PATH = SCHEMA_DIR / "answers.schema.json"

#: Columns of the canonical tidy answers table, before the background columns.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "forbund",
    "wave",
    "survey",
    "respondent_id",
    "unit",
    "region",
    "item",
    "value",
    "label",
    "missing_reason",
)

_SEPARATOR_CHARS = (",", ";")


def normalize_text(text: Any) -> str:
    """Return ``text`` folded for matching: NFC, case-folded, dashes unified, single spaces.

    >>> normalize_text("  För  det\\tMESTA ")
    'för det mesta'
    >>> normalize_text("1-2") == normalize_text("1–2")
    True
    """
    folded = unicodedata.normalize("NFC", str(text)).casefold()
    folded = folded.replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", folded).strip()


def did_you_mean(text: Any, choices: Sequence[str]) -> str:
    """``"; menade du 'x'?"`` for the closest of ``choices`` (folded as :func:`normalize_text`), or ``""``.

    >>> did_you_mean("oftta", ["aldrig", "ofta"])
    "; menade du 'ofta'?"
    """
    folded = {normalize_text(c): c for c in choices}
    close = difflib.get_close_matches(normalize_text(text), list(folded), n=1, cutoff=0.6)
    return f"; menade du {folded[close[0]]!r}?" if close else ""


@dataclass(frozen=True)
class Scale:
    """An ordered answer scale and its high-value set ("de högre värdena")."""

    name: str
    labels: tuple[str, ...]
    high: tuple[str, ...]
    question_stem: str = ""
    high_text: str = ""


@dataclass(frozen=True)
class Item:
    """One question of a survey."""

    id: str
    kind: str
    text: str
    scale: Scale | None = None
    label: str = ""
    values: tuple[str, ...] = ()
    nominal_high: tuple[str, ...] = ()
    background: bool = False
    indicator: bool = False
    asked_if: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @functools.cached_property
    def labels(self) -> tuple[str, ...]:
        """The answer labels in questionnaire order (scale steps, values or options)."""
        return self.scale.labels if self.scale is not None else self.values

    @functools.cached_property
    def high(self) -> tuple[str, ...]:
        """Labels counted as high values (scale's high set, or ``high`` of a nominal item)."""
        return self.scale.high if self.scale is not None else self.nominal_high

    @functools.cached_property
    def high_text(self) -> str:
        """How the high values read in a sentence: ``"ofta eller oftare"``, ``"ja"``."""
        if self.scale is not None and self.scale.high_text:
            return self.scale.high_text
        return " eller ".join(self.high)

    @functools.cached_property
    def high_values(self) -> tuple[int, ...]:
        """1-based positions of the high labels."""
        return tuple(self.labels.index(label) + 1 for label in self.high)

    @functools.cached_property
    def is_scored(self) -> bool:
        """Whether :func:`samverkan.score` scores the item (ordinal, or nominal with a high set)."""
        return self.kind == "ordinal" or (self.kind == "nominal" and bool(self.nominal_high))

    @functools.cached_property
    def multiple(self) -> bool:
        """Whether one cell may hold several answers."""
        return self.kind in ("multiselect", "unit")

    @functools.cached_property
    def is_answer(self) -> bool:
        """Whether the item's cells become rows of the tidy answers table."""
        return self.kind in ("ordinal", "nominal", "multiselect")


@dataclass(frozen=True)
class Survey:
    """A survey: its items in questionnaire order and its comment fields."""

    name: str
    title: str
    unit_item: str
    items: tuple[Item, ...]
    comments: tuple[tuple[str, str], ...]

    def item(self, item_id: str) -> Item:
        """Return the item ``item_id``; ``KeyError`` naming the known ids otherwise."""
        found = self._by_id.get(item_id)
        if found is not None:
            return found
        known = ", ".join(i.id for i in self.items)
        raise KeyError(f"survey {self.name!r} has no item {item_id!r}; known items: {known}")

    @functools.cached_property
    def _by_id(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}

    @functools.cached_property
    def answer_items(self) -> tuple[Item, ...]:
        """Items whose answers are rows of the tidy table (ordinal, nominal, multiselect)."""
        return tuple(i for i in self.items if i.is_answer)

    @functools.cached_property
    def background_items(self) -> tuple[Item, ...]:
        """Items spread as columns onto every answer row of a respondent."""
        return tuple(i for i in self.items if i.background)

    @functools.cached_property
    def indicator_items(self) -> tuple[Item, ...]:
        """The NNS indicator items of this survey."""
        return tuple(i for i in self.items if i.indicator)

    @functools.cached_property
    def comment_ids(self) -> tuple[str, ...]:
        """Ids of the free-text comment fields (``<id>_kommentar``)."""
        return tuple(cid for cid, _ in self.comments)


@dataclass(frozen=True)
class ExportColumns:
    """What survey tools add to an export besides the questions (``export_columns`` in the instrument).

    Every entry is folded with :func:`normalize_text`.
    """

    respondent_id: frozenset[str] = frozenset()
    metadata: frozenset[str] = frozenset()
    option_chosen: frozenset[str] = frozenset()
    option_not_chosen: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Instrument:
    """Every survey the package knows, plus the non-substantive answer vocabulary."""

    surveys: dict[str, Survey]
    scales: dict[str, Scale]
    non_substantive: dict[str, str]
    missing_reasons: tuple[str, ...]
    export_columns: ExportColumns = ExportColumns()


def _check_label(label: str, where: str) -> None:
    if any(sep in label for sep in _SEPARATOR_CHARS):
        raise ValueError(f"{INSTRUMENT_PATH}: label {label!r} of {where} contains a separator (, or ;)")


def _parse_scale(name: str, spec: dict[str, Any]) -> Scale:
    labels = tuple(spec["labels"])
    high = tuple(spec["high"])
    for label in labels:
        _check_label(label, f"scale {name}")
    unknown = [h for h in high if h not in labels]
    if unknown:
        raise ValueError(f"{INSTRUMENT_PATH}: scale {name}: high labels {unknown} are not on the scale")
    return Scale(name=name, labels=labels, high=high, question_stem=spec.get("question_stem", ""),
                 high_text=spec.get("high_text", ""))


def _parse_item(spec: dict[str, Any], scales: dict[str, Scale], survey: str) -> Item:
    kind = spec["kind"]
    scale = scales[spec["scale"]] if kind == "ordinal" else None
    values = tuple(spec.get("values") or spec.get("options") or ())
    for label in values:
        _check_label(label, f"{survey}.{spec['id']}")
    asked_if = {key: tuple(allowed) for key, allowed in (spec.get("asked_if") or {}).items()}
    nominal_high = tuple(spec.get("high", ())) if kind == "nominal" else ()
    if any(h not in values for h in nominal_high):
        raise ValueError(f"{INSTRUMENT_PATH}: {survey}.{spec['id']}: high {nominal_high} not among {values}")
    return Item(
        id=spec["id"],
        kind=kind,
        text=spec["text"],
        label=spec.get("label") or spec["text"],
        scale=scale,
        values=values,
        nominal_high=nominal_high,
        background=bool(spec.get("background", False)),
        indicator=bool(spec.get("indicator", False)),
        asked_if=asked_if,
    )


def _parse_survey(name: str, spec: dict[str, Any], scales: dict[str, Scale]) -> Survey:
    items = tuple(_parse_item(item, scales, name) for item in spec["items"])
    comments = tuple((c["id"], c["text"]) for c in spec.get("comments", ()))
    return Survey(name=name, title=spec["title"], unit_item=spec["unit_item"], items=items, comments=comments)


#: libyaml's safe loader where PyYAML has it (the same documents, ~10× faster than the pure-Python one).
FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def load_instrument(path: Path = INSTRUMENT_PATH) -> Instrument:
    """Read and check the instrument file (cached: read once per process).

    Returns
    -------
    Instrument
        ``surveys`` (name → :class:`Survey`), ``scales`` (name → :class:`Scale`),
        ``non_substantive`` (folded label → missing reason), ``missing_reasons`` and
        ``export_columns`` (:class:`ExportColumns`).
    """
    with open(path, encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=FAST_SAFE_LOADER)
    scales = {name: _parse_scale(name, s) for name, s in spec["scales"].items()}
    surveys = {name: _parse_survey(name, s, scales) for name, s in spec["surveys"].items()}
    non_substantive = {normalize_text(k): v for k, v in spec["non_substantive"].items()}
    unknown = sorted(set(non_substantive.values()) - set(spec["missing_reasons"]))
    if unknown:
        raise ValueError(f"{path}: non_substantive reasons {unknown} are not among missing_reasons")
    return Instrument(
        surveys=surveys,
        scales=scales,
        non_substantive=non_substantive,
        missing_reasons=tuple(spec["missing_reasons"]),
        export_columns=_parse_export_columns(spec.get("export_columns") or {}),
    )


def _parse_export_columns(spec: dict[str, Any]) -> ExportColumns:
    return ExportColumns(**{key: frozenset(normalize_text(v) for v in spec.get(key) or ())
                            for key in ("respondent_id", "metadata", "option_chosen", "option_not_chosen")})


def survey(name: str) -> Survey:
    """Return the survey ``name`` ("operativ" or "chefsgrupp").

    Raises
    ------
    ValueError
        If ``name`` is not a known survey; the message lists the known ones.
    """
    surveys = load_instrument().surveys
    if name not in surveys:
        raise ValueError(f"survey={name!r} is not a known survey; expected one of {sorted(surveys)}")
    return surveys[name]


def survey_names() -> tuple[str, ...]:
    """Names of every survey in the instrument, in file order."""
    return tuple(load_instrument().surveys)


def scale(name: str) -> Scale:
    """Return the scale ``name`` (frequency, extent, importance, …)."""
    scales = load_instrument().scales
    if name not in scales:
        raise ValueError(f"scale={name!r} is not a known scale; expected one of {sorted(scales)}")
    return scales[name]


@functools.cache
def items_by_id() -> dict[str, Item]:
    """Every item id of every survey → its :class:`Item`, in questionnaire order.

    An id used in both surveys (``lyssnar``, ``verksamhet``, …) has the same scale or
    values in both; the first survey's item is returned.
    """
    found: dict[str, Item] = {}
    for survey_ in load_instrument().surveys.values():
        for item in survey_.items:
            found.setdefault(item.id, item)
    return found


def label(item_id: str, survey_name: str | None = None) -> str:
    """The short Swedish label readers see for ``item_id`` (``instrument.yaml``'s ``label``).

    An id that both surveys ask has the same label in both; ``survey_name`` picks the
    survey's own item when given. An unknown id is returned as it is.

    >>> label("lyssnar"), label("synsatt")
    ('De andra parterna lyssnar', 'Gemensamt synsätt på målgruppens behov')
    """
    if survey_name is not None and survey_name in load_instrument().surveys:
        found = survey(survey_name)._by_id.get(item_id)
        if found is not None:
            return found.label
    found = items_by_id().get(item_id)
    return found.label if found is not None else str(item_id)


def item(item_id: str) -> Item:
    """Return the item ``item_id`` of any survey.

    Raises
    ------
    ValueError
        If no survey has such an item; the message lists the known ids.
    """
    found = items_by_id()
    if item_id not in found:
        raise ValueError(f"item {item_id!r} is not a question of any survey; known items: {list(found)}")
    return found[item_id]
