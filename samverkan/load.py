"""Load survey exports into the canonical tidy answers table, and save it losslessly.

Two input forms are read:

* a **wide survey export** (CSV or XLSX): one row per respondent, one column per
  question; headers are question ids or the question's Swedish wording; cells are
  Swedish labels or numeric codes (1-based step on the scale / position among the
  values); a ``kommun`` / ``mysam_grupp`` cell may name several units;
* the **canonical long CSV** written by :func:`save` (detected by its header).

Accounting: every *answer cell* read — each cell of an answer-item column, and each
non-blank cell of a comment or unknown column (or of a row longer than its header)
— is either kept (a row of ``answers`` for the respondent and item, or a row of
``comments``) or listed in ``rejected`` with its reason. The key cells
(``respondent_id`` and the unit column) are not answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import instrument
from .canonical import read_canonical
from .errors import DataError, Problem, problems_frame
from .files import RawTable, encoding_error, read_raw
from .read_result import ReadResult, respondents_per_unit
from .instrument import CANONICAL_COLUMNS, Item, Survey, did_you_mean, normalize_text
from .tidy import canonical_dtypes

ERRORS_ALLOWED = ("raise", "collect")
COMMENT_COLUMNS = ("forbund", "wave", "survey", "respondent_id", "item", "text")
_SPLIT = re.compile(r"\s*[,;\n]\s*")


@dataclass
class _Collector:
    """Mutable state while reading one wide file."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    records: list[tuple] = field(default_factory=list)
    background: list[dict[str, str | None]] = field(default_factory=list)
    comments: list[tuple[str, str, str]] = field(default_factory=list)
    cells_read: int = 0
    parsed: dict[tuple[str, str], tuple] = field(default_factory=dict)

    def parse(self, text: str, item: Item, codebook: dict[str, tuple[int, str]]) -> tuple:
        """:func:`parse_answer`, remembered per (item, cell text): exports repeat a few labels many times."""
        key = (item.id, text)
        if key not in self.parsed:
            self.parsed[key] = parse_answer(text, item, codebook)
        return self.parsed[key]

    def reject(self, row: int | None, column: str | None, value: str, reason: str, rid=None, item=None) -> None:
        self.rejected.append(Problem(self.file, row, column, _printable(value), reason, rid, item))

    def problem(self, row: int | None, column: str | None, value: str | None, reason: str, rid=None, item=None) -> None:
        self.problems.append(Problem(self.file, row, column, _printable(value), reason, rid, item))


def _printable(value: str | None) -> str | None:
    """``value`` with bytes that were not utf-8 shown as U+FFFD, so tables of problems can be written."""
    if value is None:
        return None
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --------------------------------------------------------------------------- labels


def _codebook(item: Item) -> dict[str, tuple[int, str]]:
    return {normalize_text(label): (pos, label) for pos, label in enumerate(item.labels, start=1)}


def _as_code(text: str) -> int | None:
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _expected(item: Item) -> str:
    labels = ", ".join(repr(label) for label in item.labels)
    return f"ett av {labels} eller en kod 1–{len(item.labels)}"


def _match_one(text: str, item: Item, codebook: dict[str, tuple[int, str]]) -> tuple[int, str] | str:
    """A single answer: ``(value, label)`` or an error message."""
    hit = codebook.get(normalize_text(text))
    if hit is not None:
        return hit
    code = _as_code(text)
    if code is not None:
        if 1 <= code <= len(item.labels):
            return code, item.labels[code - 1]
        return f"koden {text} ligger utanför 1–{len(item.labels)} för frågan {item.id}"
    return f"okänt svar {text!r} på frågan {item.id}; förväntat {_expected(item)}{did_you_mean(text, item.labels)}"


def parse_answer(text: str, item: Item, codebook: dict[str, tuple[int, str]] | None = None) -> tuple:
    """Parse one cell of ``item``.

    Returns
    -------
    tuple
        ``(entries, missing_reason, error)``: ``entries`` a tuple of ``(value, label)``
        (several only for multiselect items), ``missing_reason`` set when the answer is
        missing, ``error`` a message when the cell is bad (then nothing else is set).

    Examples
    --------
    >>> item = instrument.survey("operativ").item("lyssnar")
    >>> parse_answer(" För det  mesta", item)
    (((5, 'för det mesta'),), None, None)
    >>> parse_answer("Vet ej", item)
    ((), 'vet_ej', None)
    >>> parse_answer("7", item)[2]
    'koden 7 ligger utanför 1–6 för frågan lyssnar'
    """
    codebook = _codebook(item) if codebook is None else codebook
    if not text:
        return (), "blank", None
    bad_bytes = encoding_error(text)
    if bad_bytes:
        return (), None, bad_bytes
    reason = instrument.load_instrument().non_substantive.get(normalize_text(text))
    if reason is not None:
        return (), reason, None
    if item.kind == "multiselect":
        return _parse_multiselect(text, item, codebook)
    hit = _match_one(text, item, codebook)
    if isinstance(hit, tuple):
        return (hit,), None, None
    parts = [p for p in _SPLIT.split(text) if p]
    if len(parts) > 1 and all(isinstance(_match_one(p, item, codebook), tuple) for p in parts):
        return (), None, f"flera svar ({text!r}) på frågan {item.id}, som bara tillåter ett svar"
    return (), None, hit


def _parse_multiselect(text: str, item: Item, codebook: dict[str, tuple[int, str]]) -> tuple:
    entries: dict[int, str] = {}
    non_substantive = instrument.load_instrument().non_substantive
    for part in (p for p in _SPLIT.split(text) if p):
        if normalize_text(part) in non_substantive:
            return (), None, f"{part!r} kan inte kombineras med andra svar på frågan {item.id}"
        hit = _match_one(part, item, codebook)
        if not isinstance(hit, tuple):
            return (), None, hit
        entries[hit[0]] = hit[1]
    return tuple(sorted(entries.items())), None, None


# ---------------------------------------------------------------------------- units


def _unit_lookup(regions: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, str]] | None:
    if regions is None:
        return None
    if not isinstance(regions, Mapping):
        raise ValueError(f"regions must be a mapping region -> list of units, got {type(regions).__name__}")
    lookup: dict[str, tuple[str, str]] = {}
    for region, units in regions.items():
        if isinstance(units, str) or not isinstance(units, Sequence):
            raise ValueError(f"regions[{region!r}] must be a list of units, got {units!r}")
        for unit in units:
            key = normalize_text(unit)
            if key in lookup and lookup[key][1] != region:
                raise ValueError(f"unit {unit!r} is in two regions: {lookup[key][1]!r} and {region!r}")
            lookup[key] = (str(unit), str(region))
    return lookup


def _parse_units(text: str, lookup: dict[str, tuple[str, str]] | None, column: str) -> list[tuple[str, str | None]] | str:
    """Units of one cell as ``[(unit, region)]``, or an error message."""
    parts = list(dict.fromkeys(p for p in _SPLIT.split(text) if p))
    if not parts:
        return f"{column} saknas: svaren kan inte knytas till någon enhet"
    if lookup is None:
        return [(p, None) for p in parts]
    units, unknown = [], []
    for part in parts:
        hit = lookup.get(normalize_text(part))
        (units.append(hit) if hit else unknown.append(part))
    if unknown:
        known = [u for u, _ in lookup.values()]
        hints = "".join(did_you_mean(u, known) for u in unknown[:1])
        return f"enheten {', '.join(map(repr, unknown))} finns inte i förbundets regions{hints}"
    return list(dict.fromkeys(units))


# --------------------------------------------------------------------------- header


def _header_lookup(survey: Survey) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for item in survey.items:
        lookup[normalize_text(item.id)] = item.id
        lookup[normalize_text(item.text)] = item.id
    for cid, text in survey.comments:
        lookup[normalize_text(cid)] = cid
        lookup[normalize_text(text)] = cid
    return lookup


def _resolve_header(raw: RawTable, survey: Survey, out: _Collector) -> list[str | None]:
    """Column id per header position (``None``: unknown or repeated column)."""
    lookup = _header_lookup(survey)
    known_ids = [i.id for i in survey.items] + list(survey.comment_ids)
    columns: list[str | None] = []
    for name in raw.header:
        column = lookup.get(normalize_text(name))
        if column is None:
            reason = f"okänd kolumn {name!r} för enkäten {survey.name}{did_you_mean(name, known_ids)}"
            out.problem(1, name, name, reason)
        elif column in columns:
            out.problem(1, name, name, f"kolumnen {column} förekommer två gånger")
            column = None
        columns.append(column)
    for item_id in known_ids:
        if item_id not in columns and item_id not in survey.comment_ids:
            out.problem(None, item_id, None, f"kolumnen {item_id} saknas i filen")
    return columns


# ----------------------------------------------------------------------------- rows


def _answer_columns(columns: list[str | None], survey: Survey) -> list[tuple[int, Item]]:
    answer_ids = {i.id for i in survey.answer_items}
    return [(pos, survey.item(c)) for pos, c in enumerate(columns) if c in answer_ids]


def _reject_row(out: _Collector, raw: RawTable, cells, row: int, columns, survey, reason: str, rid, codebooks) -> None:
    """Reject every answer cell of a row whose key is bad, still listing each cell's own problem."""
    answer_ids = {i.id for i in survey.answer_items}
    key_ids = {"respondent_id", survey.unit_item}
    for pos, column in enumerate(columns):
        if column in key_ids or (column not in answer_ids and not cells[pos]):
            continue
        out.cells_read += 1
        error = parse_answer(cells[pos], survey.item(column), codebooks[column])[2] if column in answer_ids else None
        if error:
            out.problem(row, raw.header[pos], cells[pos], error, rid, column)
        out.reject(row, raw.header[pos], cells[pos], error or reason, rid, column)


def _unused_column_reason(name: str, survey: Survey) -> str:
    known = _header_lookup(survey).get(normalize_text(name))
    return f"kolumnen {known} förekommer två gånger" if known else f"okänd kolumn {name!r}"


def _apply_asked_if(parsed: dict[str, tuple], survey: Survey) -> None:
    """Blank answers to questions the respondent was not asked become ``ej_tillfragad``."""
    for item in survey.answer_items:
        if not item.asked_if or item.id not in parsed or parsed[item.id][1] != "blank":
            continue
        for condition, allowed in item.asked_if.items():
            entries = parsed.get(condition, ((), None, None))[0]
            if condition in parsed and not any(label in allowed for _, label in entries):
                parsed[item.id] = ((), "ej_tillfragad", None)
                break


def _read_row(out: _Collector, raw: RawTable, cells, row: int, columns, survey: Survey, codebooks) -> dict | None:
    """Parse the answer cells of one respondent; ``None`` if any key cell is bad."""
    parsed: dict[str, tuple] = {}
    rid = cells[columns.index("respondent_id")]
    for pos, item in _answer_columns(columns, survey):
        out.cells_read += 1
        entries, reason, error = out.parse(cells[pos], item, codebooks[item.id])
        if error:
            out.problem(row, raw.header[pos], cells[pos], error, rid, item.id)
            out.reject(row, raw.header[pos], cells[pos], error, rid, item.id)
        else:
            parsed[item.id] = (entries, reason, error)
    for pos, column in enumerate(columns):
        if column in survey.comment_ids and cells[pos]:
            out.cells_read += 1
            bad_bytes = encoding_error(cells[pos])
            if bad_bytes:
                out.problem(row, raw.header[pos], cells[pos], bad_bytes, rid, column)
                out.reject(row, raw.header[pos], cells[pos], bad_bytes, rid, column)
            else:
                out.comments.append((rid, column, cells[pos]))
        elif column is None and cells[pos]:
            out.cells_read += 1
            out.reject(row, raw.header[pos], cells[pos], _unused_column_reason(raw.header[pos], survey), rid)
    _apply_asked_if(parsed, survey)
    return parsed


def _emit(out: _Collector, rid: str, units, parsed: dict[str, tuple], survey: Survey) -> None:
    background = {
        item.id: (parsed[item.id][0][0][1] if item.id in parsed and parsed[item.id][0] else None)
        for item in survey.background_items
    }
    for unit, region in units:
        for item in survey.answer_items:
            if item.id not in parsed:
                continue
            entries, reason, _ = parsed[item.id]
            for value, label in entries or ((None, None),):
                out.records.append((rid, unit, region, item.id, value, label, reason))
                out.background.append(background)


def _read_rows(out: _Collector, raw: RawTable, columns, survey: Survey, lookup) -> None:
    codebooks = {item.id: _codebook(item) for item in survey.items}
    id_pos, unit_pos = columns.index("respondent_id"), columns.index(survey.unit_item)
    first_row: dict[str, int] = {}
    for cells, row in zip(raw.rows, raw.row_numbers):
        rid = cells[id_pos]
        if not rid:
            out.problem(row, raw.header[id_pos], "", "respondent_id saknas")
            _reject_row(out, raw, cells, row, columns, survey, "raden förkastad: respondent_id saknas", None, codebooks)
            continue
        if rid in first_row:
            reason = f"respondent_id {rid!r} förekommer redan på rad {first_row[rid]}"
            out.problem(row, raw.header[id_pos], rid, reason, rid)
            _reject_row(out, raw, cells, row, columns, survey, f"raden förkastad: {reason}", rid, codebooks)
            continue
        first_row[rid] = row
        units = _parse_units(cells[unit_pos], lookup, survey.unit_item)
        if isinstance(units, str):
            out.problem(row, raw.header[unit_pos], cells[unit_pos], units, rid, survey.unit_item)
            _reject_row(out, raw, cells, row, columns, survey, f"raden förkastad: {units}", rid, codebooks)
            continue
        parsed = _read_row(out, raw, cells, row, columns, survey, codebooks)
        _emit(out, rid, units, parsed, survey)


def _reject_bad_rows(out: _Collector, raw: RawTable) -> None:
    for row, cells, width in raw.bad_rows:
        reason = f"raden har fler celler ({width}) än rubrikraden har kolumner ({len(raw.header)})"
        out.problem(row, None, None, reason)
        for cell in cells:
            out.cells_read += 1
            out.reject(row, None, cell, f"raden förkastad: {reason}")


# ---------------------------------------------------------------------------- frames


def _answers_frame(out: _Collector, survey: Survey, forbund, wave) -> pd.DataFrame:
    columns = ["respondent_id", "unit", "region", "item", "value", "label", "missing_reason"]
    frame = pd.DataFrame.from_records(out.records, columns=columns)
    frame.insert(0, "survey", survey.name)
    frame.insert(0, "wave", wave)
    frame.insert(0, "forbund", forbund)
    background = pd.DataFrame.from_records(out.background, columns=[i.id for i in survey.background_items])
    return canonical_dtypes(pd.concat([frame, background], axis=1), survey)


def _comments_frame(out: _Collector, survey: Survey, forbund, wave) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(out.comments, columns=["respondent_id", "item", "text"])
    frame.insert(0, "survey", survey.name)
    frame.insert(0, "wave", wave)
    frame.insert(0, "forbund", forbund)
    return frame.astype("string")


def _score_header(survey: Survey):
    lookup = _header_lookup(survey)
    return lambda header: sum(normalize_text(h) in lookup for h in header)


def _is_canonical(header: list[str]) -> bool:
    return set(CANONICAL_COLUMNS) <= {normalize_text(h) for h in header}


def _check_errors_arg(errors: str) -> None:
    if errors not in ERRORS_ALLOWED:
        raise ValueError(f"errors={errors!r} is not allowed; expected one of {ERRORS_ALLOWED}")


def read_export(
    path: str | Path,
    *,
    survey: str,
    forbund: str | None = None,
    wave: str | None = None,
    regions: Mapping[str, Sequence[str]] | None = None,
) -> ReadResult:
    """Read one file completely, keeping every problem instead of raising on it.

    Parameters are those of :func:`load`. Raises :class:`DataError` only when the file
    cannot be read at all (missing, empty, unreadable) or has no ``respondent_id`` or
    unit column.

    Returns
    -------
    ReadResult
        ``answers``, ``rejected``, ``comments``, ``problems`` and ``cells_read``.
    """
    spec = instrument.survey(survey)
    lookup = _unit_lookup(regions)
    raw = read_raw(path, _score_header(spec))
    if _is_canonical(raw.header):
        return read_canonical(raw, spec, forbund=forbund, wave=wave, lookup=lookup)
    out = _Collector(file=str(path))
    columns = _resolve_header(raw, spec, out)
    missing_keys = [k for k in ("respondent_id", spec.unit_item) if k not in columns]
    if missing_keys:
        raise DataError(out.problems)
    _read_rows(out, raw, columns, spec, lookup)
    _reject_bad_rows(out, raw)
    return ReadResult(
        problems=out.problems,
        cells_read=out.cells_read,
        respondents_per_unit=respondents_per_unit((record[1], record[0]) for record in out.records),
        tables=lambda: (_answers_frame(out, spec, forbund, wave),
                        problems_frame([p for p in out.problems if p.row in (None, 1)] + out.rejected),
                        _comments_frame(out, spec, forbund, wave)),
    )


def load(
    path: str | Path,
    *,
    survey: str,
    forbund: str | None = None,
    wave: str | None = None,
    regions: Mapping[str, Sequence[str]] | None = None,
    errors: str = "raise",
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Load a survey export (wide CSV/XLSX) or a canonical long CSV as tidy answers.

    Parameters
    ----------
    path
        The file. Wide exports: ``.csv``/``.txt``/``.tsv`` (utf-8, utf-8 with BOM or
        cp1252; ``,`` ``;`` or tab) or ``.xlsx`` (first sheet).
    survey
        ``"operativ"`` or ``"chefsgrupp"`` (see ``data/schema/instrument.yaml``).
    forbund, wave
        Written into every row of a wide export; checked against a canonical file.
    regions
        Region → units (kommuner or Mysam groups). Fills ``region``; a unit not in the
        mapping is a problem. Without it, units are kept as written and ``region`` is
        missing.
    errors
        ``"raise"``: raise :class:`DataError` listing every problem. ``"collect"``:
        return the kept answers and a table of the rejected answers.

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        The answers, one row per (respondent, unit, item) — for multiselect items one
        row per chosen option — with columns ``forbund, wave, survey, respondent_id,
        unit, region, item, value`` (Int64, 1-based step or position), ``label``,
        ``missing_reason`` (``blank``, ``vet_ej``, ``ej_aktuellt``, ``ej_tillfragad``;
        set exactly when ``value`` is missing), then one column per background
        question of the survey holding the respondent's label. With
        ``errors="collect"`` also the rejected answers: ``file, row, column, value,
        respondent_id, item, reason`` (``row`` as the user sees it, header = 1).
        Comment texts are never in the answers: see :func:`load_comments`.

    Raises
    ------
    DataError
        Bad input (``errors="raise"``), or a file that cannot be read at all.
    ValueError
        A bad argument (``survey``, ``errors``, ``regions``).

    Examples
    --------
    >>> import samverkan as sv
    >>> answers = sv.load(sv.sample_path("gavleborg", "2016", "chefsgrupp"), survey="chefsgrupp")
    >>> answers["respondent_id"].nunique()
    54
    """
    _check_errors_arg(errors)
    result = read_export(path, survey=survey, forbund=forbund, wave=wave, regions=regions)
    if errors == "collect":
        return result.answers, result.rejected
    if result.problems:
        raise DataError(result.problems)
    return result.answers


def load_comments(
    path: str | Path,
    *,
    survey: str,
    forbund: str | None = None,
    wave: str | None = None,
    regions: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Free-text comments of a wide export, for internal reading only (never published).

    Returns
    -------
    pandas.DataFrame
        ``forbund, wave, survey, respondent_id, item, text``: one row per non-blank
        comment cell of a respondent kept by :func:`load` with the same arguments.
    """
    return read_export(path, survey=survey, forbund=forbund, wave=wave, regions=regions).comments


def save(answers: pd.DataFrame, path: str | Path) -> Path:
    """Write tidy answers as the canonical long CSV (utf-8, ``,``, ``\\n``).

    :func:`load` reads it back to an equal DataFrame (lossless round trip).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    surveys = answers["survey"].dropna().unique()
    if len(surveys) != 1:
        raise ValueError(f"answers must hold exactly one survey to be saved, got {list(surveys)}")
    frame = canonical_dtypes(answers, instrument.survey(str(surveys[0])))
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path
