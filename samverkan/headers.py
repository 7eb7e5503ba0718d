"""Which question each column of a wide export holds.

A header is matched, in this order (the first rule that matches wins):

1. the ``columns`` mapping: export header → question id, ``<id> = <option>`` for one
   option's column of a multi-choice question, or ``ignore``;
2. the question id or the question's Swedish wording, or a respondent-id header that
   survey tools write (``Svars-ID``, ``ID``, …: ``export_columns.respondent_id`` in the
   instrument);
3. a survey tool's metadata column (``Starttid``, ``Språk``, ``Slutförd``, …:
   ``export_columns.metadata``): ignored, and listed as ignored;
4. rule 2 after removing a leading question number (``Q7.``, ``7.``, ``7)``, ``Fråga 7:``);
5. one option's column of the unit question or of a multi-select item:
   ``<question> - <option>``, ``<question>: <option>`` or ``<question> [<option>]``.

Matching folds case, whitespace and dashes (:func:`samverkan.instrument.normalize_text`).
An SPSS variable is matched by its name, then by its variable label. A header that
matches nothing is an unknown column, named with a did-you-mean hint.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from . import instrument
from .header_rows import MAX_HEADER_CHARS
from .instrument import Survey, did_you_mean, normalize_text

#: The ``columns`` target that drops a column (listed as ignored, never read as answers).
IGNORE = "ignore"
#: How a column was matched (Swedish: shown by ``samverkan init`` and ``samverkan validate``).
HOW_MAPPED = "columns"
HOW_ID = "frågans id"
HOW_TEXT = "frågans formulering"
HOW_RESPONDENT = "respondent-id"
HOW_METADATA = "metadata från enkätverktyget"
HOW_NUMBERED = "numrerad rubrik"
HOW_OPTION = "en kolumn per alternativ"

#: A leading question number, with (second) or without (first) a sub-question letter: "Q7.", "7)", "Fråga 7:", "12.a".
_NUMBERS = tuple(re.compile(r"^(?:(?:fråga|question|q|f)\s*)?\d+(?:[._]\d+)*" + letter
                            + r"(?:\s*[.:)]\s*|\s*-\s+|\s+)(?=\S)") for letter in ("", r"[._]?[a-z]"))
# (?<!\s): a match starts at the first space of a run, so a long run of spaces is scanned once, not once per space
_SEPARATOR = re.compile(r"(?<!\s)\s+[-\u2013\u2014](?:\s+|$)|:(?:\s+|$)")
_BRACKET = re.compile(r"^(.*\S)\s*\[([^\[\]]*)\]$")


@dataclass(frozen=True)
class Column:
    """One header of an export and what it holds.

    ``kind`` is ``"single"`` (one cell per respondent of ``target``: the respondent id,
    the unit, an item or a comment), ``"option"`` (one option of ``target``: ``option``
    is the instrument's label, or the unit's name), ``"ignored"`` or ``"unknown"``
    (unknown, repeated or wrongly mapped: ``reason`` says which). ``how`` says how the
    header was matched; ``mapped`` is the folded ``columns`` key that matched it;
    ``guess`` the closest question id of an unknown column.
    """

    position: int
    header: str
    kind: str
    target: str | None = None
    option: str | None = None
    how: str = ""
    reason: str | None = None
    guess: str | None = None
    mapped: str | None = None


@dataclass
class Layout:
    """Every column of an export resolved: where each question's cells are.

    Attributes
    ----------
    columns : list of Column
        One per header position.
    single : dict
        Id → position of its one column (respondent id, unit, items, comments).
    options : dict
        Id → ``[(position, option)]`` of its option columns (unit and multi-select items).
    problems : list of (row, column, reason)
        Problems of the header: unknown, repeated or wrongly mapped columns (row 1),
        missing questions (row ``None``).
    """

    columns: list[Column]
    single: dict[str, int] = field(default_factory=dict)
    options: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    problems: list[tuple[int | None, str | None, str]] = field(default_factory=list)

    def has(self, item_id: str) -> bool:
        """Whether the export holds ``item_id`` (one column or option columns)."""
        return item_id in self.single or item_id in self.options

    @property
    def ignored(self) -> list[Column]:
        """Columns left out on purpose (metadata, ``ignore`` in the mapping)."""
        return [c for c in self.columns if c.kind == "ignored"]

    @property
    def unused(self) -> list[Column]:
        """Unknown, repeated or wrongly mapped columns: their non-blank cells are rejected."""
        return [c for c in self.columns if c.kind == "unknown"]


# ------------------------------------------------------------------------- mapping


def parse_target(target: object, survey: Survey) -> tuple[str | None, str | None] | str:
    """A mapping target as ``(id, option)`` (``(None, None)`` for ``ignore``), or why it is bad.

    >>> parse_target("lyssnar", instrument.survey("operativ"))
    ('lyssnar', None)
    >>> parse_target("kommun = Bollnäs", instrument.survey("operativ"))
    ('kommun', 'Bollnäs')
    >>> parse_target("lyssnr", instrument.survey("operativ"))
    "'lyssnr' är inte en fråga i enkäten operativ; menade du 'lyssnar'?"
    """
    if not isinstance(target, str) or not target.strip():
        return f"målet ska vara ett fråge-id, '<id> = <alternativ>' eller {IGNORE}, inte {target!r}"
    if normalize_text(target) == IGNORE:
        return None, None
    item_id, equals, option = (part.strip() for part in target.partition("="))
    known = [i.id for i in survey.items] + list(survey.comment_ids)
    if item_id not in known:
        return f"{item_id!r} är inte en fråga i enkäten {survey.name}{did_you_mean(item_id, known)}"
    if not equals:
        return item_id, None
    item = survey.item(item_id) if item_id not in survey.comment_ids else None
    if item is None or item.kind not in ("multiselect", "unit"):
        return f"'{item_id} = …' går bara för enhetsfrågan och flervalsfrågor, inte {item_id}"
    if not option:
        return f"'{target}' saknar alternativet efter ="
    if item.kind == "unit":
        return item_id, option
    label = _option_label(option, item)
    return (item_id, label) if label else _unknown_option(option, item)


def check_mapping(columns: Mapping[str, object] | None, survey: Survey) -> dict[str, tuple[str | None, str | None]]:
    """The mapping folded for matching: folded header → ``(id, option)``.

    Raises
    ------
    ValueError
        ``columns`` is not a mapping of text to text, or a target is not ``ignore``,
        an id of ``survey`` or ``<id> = <option>``; the message names the header and
        the allowed values.
    """
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise ValueError(f"columns must be a mapping export header -> question id or {IGNORE!r}, "
                         f"got {type(columns).__name__}")
    folded: dict[str, tuple[str | None, str | None]] = {}
    for header, target in columns.items():
        parsed = parse_target(target, survey)
        if isinstance(parsed, str):
            raise ValueError(f"columns[{header!r}]: {parsed}")
        folded[normalize_text(header)] = parsed
    return folded


# ------------------------------------------------------------------------- lookups


@functools.cache
def _names(survey_name: str) -> dict[str, tuple[str, str]]:
    """Folded id, wording or respondent-id header → ``(id, how)``."""
    survey = instrument.survey(survey_name)
    names: dict[str, tuple[str, str]] = {}
    for synonym in instrument.load_instrument().export_columns.respondent_id:
        names[synonym] = ("respondent_id", HOW_RESPONDENT)
    for item_id, text in [(i.id, i.text) for i in survey.items] + list(survey.comments):
        names[normalize_text(text)] = (item_id, HOW_TEXT)
        names[normalize_text(item_id)] = (item_id, HOW_ID)
    return names


def strip_number(folded: str) -> str:
    """A folded header without its leading question number (``q7.``, ``7)``, ``fråga 7:``).

    >>> strip_number("fråga 12: hur ofta?"), strip_number("q7. hur"), strip_number("2019")
    ('hur ofta?', 'hur', '2019')
    """
    return _NUMBERS[0].sub("", folded, count=1)


def _stripped(folded: str) -> list[str]:
    """``folded`` without a leading question number, read with and without a sub-question letter."""
    return list(dict.fromkeys(n.sub("", folded, count=1) for n in _NUMBERS))


def _match_name(text: str, survey: Survey) -> tuple[str, str] | None:
    """``(id, how)`` of a header text by rules 2 and 4, or ``None``."""
    folded = normalize_text(text)
    names = _names(survey.name)
    if folded in names:
        return names[folded]
    for stripped in _stripped(folded):
        if stripped != folded and stripped in names and names[stripped][1] != HOW_RESPONDENT:
            return names[stripped][0], HOW_NUMBERED
    return None


def _option_label(option: str, item) -> str | None:
    """The instrument's label (or a non-substantive answer as written) for an option's text."""
    folded = normalize_text(option)
    for label in item.labels:
        if normalize_text(label) == folded:
            return label
    if folded in instrument.load_instrument().non_substantive:
        return option.strip()
    return None


def _unknown_option(option: str, item) -> str:
    return (f"okänt alternativ {option!r} för frågan {item.id}; alternativen är "
            f"{', '.join(item.labels)}{did_you_mean(option, item.labels)}")


def _option_column(text: str, survey: Survey) -> tuple[str, str | None, str | None] | None:
    """``(id, option, problem)`` if ``text`` is ``<question> - <option>`` of a unit or multi-select item."""
    splits = [(m.start(), m.end()) for m in _SEPARATOR.finditer(text)][::-1]
    bracket = _BRACKET.match(text)
    if bracket:
        splits.insert(0, (bracket.end(1), bracket.start(2)))
    for start, end in splits:
        hit = _match_name(text[:start], survey)
        if hit is None or hit[0] in survey.comment_ids or survey.item(hit[0]).kind not in ("unit", "multiselect"):
            continue
        item = survey.item(hit[0])
        option = text[end:].rstrip("]").strip()
        if not option:
            return item.id, None, f"kolumnen för ett alternativ av frågan {item.id} saknar alternativet efter frågan"
        if item.kind == "unit":
            return item.id, option, None
        label = _option_label(option, item)
        return (item.id, label, None) if label else (item.id, None, _unknown_option(option, item))
    return None


# ------------------------------------------------------------------------ resolving


def _from_mapping(position: int, header: str, folded: str, target: tuple[str | None, str | None]) -> Column:
    item_id, option = target
    if item_id is None:
        return Column(position, header, "ignored", how=HOW_MAPPED, reason=f"columns: {IGNORE}", mapped=folded)
    kind = "option" if option is not None else "single"
    return Column(position, header, kind, item_id, option, how=HOW_MAPPED, mapped=folded)


def resolve_column(position: int, header: str, survey: Survey, mapping: Mapping[str, tuple], label: str = "") -> Column:
    """What the column ``header`` (and an SPSS variable's ``label``) holds; see the module docstring."""
    if len(header) > MAX_HEADER_CHARS:  # no question is worded so long: not matched (a hostile cell costs nothing)
        reason = (f"rubriken i kolumn {position + 1} är {len(header)} tecken lång; ingen fråga har en så lång "
                  f"formulering (högst {MAX_HEADER_CHARS} tecken läses som rubrik)")
        return Column(position, f"kolumn {position + 1}", "unknown", reason=reason)
    for text in [header] + ([label] if label and label != header else []):
        by = "" if text is header else " (variabeletiketten)"
        folded = normalize_text(text)
        if folded in mapping:
            return _from_mapping(position, header, folded, mapping[folded])
        hit = _names(survey.name).get(folded)
        if hit is not None:
            return Column(position, header, "single", hit[0], how=hit[1] + by)
        if folded in instrument.load_instrument().export_columns.metadata:
            return Column(position, header, "ignored", how=HOW_METADATA, reason=HOW_METADATA)
        hit = _match_name(text, survey)
        if hit is not None:
            return Column(position, header, "single", hit[0], how=hit[1] + by)
        option = _option_column(text.strip(), survey)
        if option is not None:
            item_id, value, problem = option
            if problem:
                return Column(position, header, "unknown", item_id, how=HOW_OPTION + by, reason=problem)
            return Column(position, header, "option", item_id, value, how=HOW_OPTION + by)
    return _unknown(position, header, survey, label)


def _unknown(position: int, header: str, survey: Survey, label: str) -> Column:
    shown = header if not label or label == header else f"{header} ({label})"
    candidates = [strip_number(normalize_text(t)) for t in [header, label] if t]
    guess = next((g for g in (closest_id(c, survey) for c in candidates) if g), None)
    hint = f"; menade du {guess!r}?" if guess else ""
    reason = (f"okänd kolumn {shown!r} för enkäten {survey.name}{hint} (ange den i columns: "
              f"ett fråge-id eller {IGNORE})")
    return Column(position, header, "unknown", reason=reason, guess=guess)


def closest_id(folded: str, survey: Survey, cutoff: float = 0.6) -> str | None:
    """The id whose id or wording is closest to the folded text ``folded`` (difflib), or ``None``.

    >>> closest_id("ovrig_kommentar", instrument.survey("operativ"))
    'ovrigt_kommentar'
    """
    choices = {name: item_id for name, (item_id, how) in _names(survey.name).items() if how != HOW_RESPONDENT}
    close = difflib.get_close_matches(folded, list(choices), n=1, cutoff=cutoff)
    return choices[close[0]] if close else None


def resolve_header(header: Sequence[str], survey: Survey, mapping: Mapping[str, tuple] | None = None,
                   labels: Sequence[str] = ()) -> Layout:
    """Resolve every header of an export: where each question is, and the header's problems.

    Parameters
    ----------
    header
        The export's header cells.
    survey
        The survey the export is of.
    mapping
        :func:`check_mapping` of the ``columns`` mapping.
    labels
        SPSS variable labels, one per header cell (``""`` where there is none).

    Returns
    -------
    Layout
    """
    labels = list(labels) + [""] * (len(header) - len(labels))
    columns = [resolve_column(pos, name, survey, mapping or {}, labels[pos]) for pos, name in enumerate(header)]
    layout = Layout(columns=[])
    for column in columns:
        layout.columns.append(_place(column, layout))
    _check_complete(layout, survey)
    return layout


def _place(column: Column, layout: Layout) -> Column:
    """Record ``column`` in ``layout``; a repeated question or option becomes an unknown column."""
    if column.kind == "unknown":
        layout.problems.append((1, column.header, column.reason))
        return column
    if column.kind == "ignored":
        return column
    target, position = column.target, column.position
    if column.kind == "single" and not layout.has(target):
        layout.single[target] = position
        return column
    taken = [o for _, o in layout.options.get(target, [])]
    if column.kind == "option" and target not in layout.single and normalize_text(column.option) not in map(
            normalize_text, taken):
        layout.options.setdefault(target, []).append((position, column.option))
        return column
    what = target if column.kind == "single" else f"{target} = {column.option}"
    reason = f"kolumnen {what} förekommer två gånger"
    if column.kind != "single" and target in layout.single:
        reason = f"frågan {target} finns redan som en kolumn; den kan inte också ha en kolumn per alternativ"
    elif column.kind == "single" and target in layout.options:
        reason = f"frågan {target} finns redan som en kolumn per alternativ; den kan inte också ha en egen kolumn"
    layout.problems.append((1, column.header, reason))
    return Column(position, column.header, "unknown", target, column.option, column.how, reason,
                  mapped=column.mapped)


def _check_complete(layout: Layout, survey: Survey) -> None:
    """A problem for every question of ``survey`` the export lacks (comments may be left out)."""
    ignored = {c.header: c for c in layout.ignored if c.how == HOW_MAPPED}
    for item in survey.items:
        if layout.has(item.id):
            continue
        reason = f"kolumnen {item.id} saknas i filen"
        would_be = [h for h in ignored if resolve_column(0, h, survey, {}).target == item.id]
        if would_be:
            reason += f": kolumnen {would_be[0]!r} är den, men columns säger {IGNORE}"
        elif item.id == "respondent_id":
            reason += ("; ange i columns vilken kolumn som identifierar varje svar "
                       "(t.ex. \"Svars-ID\": respondent_id)")
        layout.problems.append((None, item.id, reason))
