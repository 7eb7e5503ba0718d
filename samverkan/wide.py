"""Read the rows of a wide export whose header is resolved (:mod:`samverkan.headers`).

Accounting (the ledger): every *answer cell* read — each cell of an answer-item column
or of an option column of a multi-select item, and each non-blank cell of a comment
or unknown column (or of a row longer than its header) — is either kept (part of a
row of ``answers`` for the respondent and item, or a row of ``comments``) or listed in
``rejected`` with its reason. Key cells (the respondent id and the unit's columns) are
not answers, and neither are the cells of ignored columns (survey-tool metadata,
``ignore`` in the mapping), which are listed with their number of filled cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .answers import codebook_of, parse_answer, parse_option_cell, parse_units, split_cell
from .errors import Problem
from .files import encoding_error
from .raw_table import RawTable
from .headers import Layout
from .instrument import Item, Survey

#: Why every option cell of an item is rejected when one of them is bad.
_OTHER_OPTION_BAD = "förkastad: en annan alternativkolumn av frågan {item} på raden är felaktig"


@dataclass
class Collector:
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


@dataclass
class _Plan:
    """Where each kind of cell of a row is, worked out once per file."""

    header: list[str]
    singles: list[tuple[int, Item]]
    options: list[tuple[Item, list[tuple[int, str]]]]
    comments: list[tuple[int, str]]
    unused: list[tuple[int, str]]
    codebooks: dict[str, dict]
    missing: dict[tuple[int, int], str]


@dataclass(frozen=True)
class _Row:
    """One data row: its cells, its number as the user sees it, its index among the rows, its respondent."""

    cells: list[str]
    number: int
    index: int
    rid: str | None = None


def _plan(raw: RawTable, layout: Layout, survey: Survey) -> _Plan:
    answer_ids = {i.id for i in survey.answer_items}
    return _Plan(
        header=raw.header,
        singles=[(layout.single[i.id], i) for i in survey.answer_items if i.id in layout.single],
        options=[(i, layout.options[i.id]) for i in survey.answer_items if i.id in layout.options],
        comments=[(pos, cid) for cid, pos in layout.single.items() if cid in survey.comment_ids],
        unused=[(c.position, c.reason or "") for c in layout.unused],
        codebooks={item_id: codebook_of(survey.item(item_id)) for item_id in answer_ids},
        missing=getattr(raw, "missing", None) or {},
    )


# ------------------------------------------------------------------------ one row


def _read_options(out: Collector, row: _Row, item: Item, columns, plan: _Plan):
    """The answer of a multi-select item exported as one column per option, or ``None`` if rejected."""
    out.cells_read += len(columns)
    cells, header = row.cells, plan.header
    chosen, errors, coded = [], [], []
    for pos, option in columns:
        if (row.index, pos) in plan.missing:
            coded.append(plan.missing[row.index, pos])
            continue
        mark = parse_option_cell(cells[pos], option, item.id)
        if isinstance(mark, str):
            errors.append((pos, mark))
        elif mark:
            chosen.append((pos, option))
    if not errors and not chosen and coded:
        return (), coded[0], None
    if not errors:
        entries, reason, error = out.parse(", ".join(o for _, o in chosen), item, plan.codebooks[item.id])
        if not error:
            return entries, reason, None
        errors = [(chosen[0][0], error)]
    for pos, message in errors:
        out.problem(row.number, header[pos], cells[pos], message, row.rid, item.id)
    own = dict(errors)
    for pos, _ in columns:
        reason = own.get(pos, _OTHER_OPTION_BAD.format(item=item.id))
        out.reject(row.number, header[pos], cells[pos], reason, row.rid, item.id)
    return None


def _read_single(out: Collector, row: _Row, pos: int, item: Item, plan: _Plan):
    out.cells_read += 1
    if (row.index, pos) in plan.missing:
        return (), plan.missing[row.index, pos], None
    text = row.cells[pos]
    entries, reason, error = out.parse(text, item, plan.codebooks[item.id])
    if error:
        out.problem(row.number, plan.header[pos], text, error, row.rid, item.id)
        out.reject(row.number, plan.header[pos], text, error, row.rid, item.id)
        return None
    return entries, reason, error


def _read_other(out: Collector, row: _Row, plan: _Plan) -> None:
    """Comments (kept apart, never published) and the cells of unknown columns (rejected)."""
    cells, header = row.cells, plan.header
    for pos, cid in plan.comments:
        if cells[pos]:
            out.cells_read += 1
            bad_bytes = encoding_error(cells[pos])
            if bad_bytes:
                out.problem(row.number, header[pos], cells[pos], bad_bytes, row.rid, cid)
                out.reject(row.number, header[pos], cells[pos], bad_bytes, row.rid, cid)
            else:
                out.comments.append((row.rid, cid, cells[pos]))
    for pos, reason in plan.unused:
        if cells[pos]:
            out.cells_read += 1
            out.reject(row.number, header[pos], cells[pos], reason, row.rid)


def _read_row(out: Collector, row: _Row, plan: _Plan, survey: Survey) -> dict:
    """Parse the answer cells of one respondent whose keys are good."""
    parsed: dict[str, tuple] = {}
    for pos, item in plan.singles:
        answer = _read_single(out, row, pos, item, plan)
        if answer is not None:
            parsed[item.id] = answer
    for item, columns in plan.options:
        answer = _read_options(out, row, item, columns, plan)
        if answer is not None:
            parsed[item.id] = answer
    _read_other(out, row, plan)
    _apply_asked_if(parsed, survey)
    return parsed


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


def _reject_row(out: Collector, row: _Row, plan: _Plan, reason: str) -> None:
    """Reject every answer cell of a row whose key is bad, still listing each cell's own problem."""
    cells, header, number, rid = row.cells, plan.header, row.number, row.rid
    for pos, item in plan.singles:
        out.cells_read += 1
        error = parse_answer(cells[pos], item, plan.codebooks[item.id])[2]
        if error:
            out.problem(number, header[pos], cells[pos], error, rid, item.id)
        out.reject(number, header[pos], cells[pos], error or reason, rid, item.id)
    for item, columns in plan.options:
        for pos, option in columns:
            out.cells_read += 1
            mark = parse_option_cell(cells[pos], option, item.id)
            if isinstance(mark, str):
                out.problem(number, header[pos], cells[pos], mark, rid, item.id)
            out.reject(number, header[pos], cells[pos], mark if isinstance(mark, str) else reason, rid, item.id)
    for pos, cid in plan.comments + [(pos, None) for pos, _ in plan.unused]:
        if cells[pos]:
            out.cells_read += 1
            out.reject(number, header[pos], cells[pos], reason, rid, cid)


# ------------------------------------------------------------------------ units


def _row_units(cells, index: int, layout: Layout, survey: Survey, lookup, plan: _Plan):
    """``(units, None)``, or ``(None, (column, value, message))`` when the row's units are bad."""
    unit = survey.unit_item
    if unit in layout.single:
        pos = layout.single[unit]
        units = parse_units(split_cell(cells[pos]), lookup, unit)
        return (None, (pos, cells[pos], units)) if isinstance(units, str) else (units, None)
    chosen = []
    for pos, name in layout.options[unit]:
        mark = False if (index, pos) in plan.missing else parse_option_cell(cells[pos], name, unit)
        if isinstance(mark, str):
            return None, (pos, cells[pos], mark)
        if mark:
            chosen.append(name)
    units = parse_units(chosen, lookup, unit)
    if isinstance(units, str):
        first = layout.options[unit][0][0]
        return None, (first, ", ".join(chosen), units)
    return units, None


# ------------------------------------------------------------------------ the rows


def _emit(out: Collector, rid: str, units, parsed: dict[str, tuple], survey: Survey) -> None:
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


def read_rows(out: Collector, raw: RawTable, layout: Layout, survey: Survey, lookup) -> None:
    """Read every data row of ``raw`` into ``out`` (answers, comments, problems, rejected cells)."""
    plan = _plan(raw, layout, survey)
    id_pos, header = layout.single["respondent_id"], raw.header
    first_row: dict[str, int] = {}
    for index, (cells, number) in enumerate(zip(raw.rows, raw.row_numbers)):
        rid = cells[id_pos]
        row = _Row(cells, number, index, rid or None)
        if not rid:
            out.problem(number, header[id_pos], "", "respondent_id saknas")
            _reject_row(out, row, plan, "raden förkastad: respondent_id saknas")
            continue
        if rid in first_row:
            reason = f"respondent_id {rid!r} förekommer redan på rad {first_row[rid]}"
            out.problem(number, header[id_pos], rid, reason, rid)
            _reject_row(out, row, plan, f"raden förkastad: {reason}")
            continue
        first_row[rid] = number
        units, bad = _row_units(cells, index, layout, survey, lookup, plan)
        if bad is not None:
            pos, value, message = bad
            out.problem(number, header[pos], value, message, rid, survey.unit_item)
            _reject_row(out, row, plan, f"raden förkastad: {message}")
            continue
        _emit(out, rid, units, _read_row(out, row, plan, survey), survey)


def reject_bad_rows(out: Collector, raw: RawTable) -> None:
    """Rows with cells beyond the header: every non-blank cell rejected."""
    for row, cells, width in raw.bad_rows:
        reason = f"raden har fler celler ({width}) än rubrikraden har kolumner ({len(raw.header)})"
        out.problem(row, None, None, reason)
        for cell in cells:
            out.cells_read += 1
            out.reject(row, None, cell, f"raden förkastad: {reason}")
