"""Read the canonical long CSV written by :func:`samverkan.save`, checking every row.

Each data row is one answer; it is kept or rejected as a whole (the first problem of
the row is its rejection reason; every problem is listed).
"""

from __future__ import annotations

import pandas as pd

from .errors import Problem, problems_frame
from .raw_table import RawTable
from .read_result import ReadResult, respondents_per_unit
from .instrument import CANONICAL_COLUMNS, Survey, did_you_mean, load_instrument, normalize_text
from .tidy import canonical_dtypes


def _listed(values) -> str:
    return ", ".join(str(v) for v in values)


def _check_header(raw: RawTable, survey: Survey) -> list[Problem]:
    expected = list(CANONICAL_COLUMNS) + [i.id for i in survey.background_items]
    problems = []
    for name in raw.header:
        if name not in expected:
            problems.append(Problem(str(raw.path), 1, name, name,
                                    f"okänd kolumn {name!r}; en kanonisk fil har kolumnerna {_listed(expected)}"))
    for name in expected:
        if name not in raw.header:
            problems.append(Problem(str(raw.path), None, name, None, f"kolumnen {name} saknas i filen"))
    return problems


def _check_keys(record: dict[str, str], survey: Survey, forbund, wave, lookup) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if record["survey"] != survey.name:
        found.append(("survey", f"enkäten {record['survey']!r} är inte den begärda {survey.name!r}"))
    for key, wanted in (("forbund", forbund), ("wave", wave)):
        if wanted is not None and record[key] != str(wanted):
            found.append((key, f"{key} {record[key]!r} stämmer inte med den begärda {wanted!r}"))
    if not record["respondent_id"]:
        found.append(("respondent_id", "respondent_id saknas"))
    if lookup is not None:
        hit = lookup.get(normalize_text(record["unit"]))
        if hit is None:
            found.append(("unit", f"enheten {record['unit']!r} finns inte i förbundets regions"))
        elif hit[1] != record["region"]:
            found.append(("region", f"enheten {record['unit']!r} hör till regionen {hit[1]!r}, inte {record['region']!r}"))
    return found


def _check_value(record: dict[str, str], item) -> list[tuple[str, str]]:
    value, label, reason = record["value"], record["label"], record["missing_reason"]
    reasons = load_instrument().missing_reasons
    if not value:
        if reason not in reasons:
            return [("missing_reason", f"skälet {reason!r} för ett saknat svar är inte ett av {_listed(reasons)}")]
        if label:
            return [("label", f"label {label!r} ska vara tom när svaret saknas")]
        return []
    if reason:
        return [("missing_reason", f"missing_reason {reason!r} ska vara tom när value finns")]
    if not value.isdigit():
        return [("value", f"värdet {value!r} är inte ett heltal (steg 1–{len(item.labels)})")]
    if not 1 <= int(value) <= len(item.labels):
        return [("value", f"värdet {value} ligger utanför 1–{len(item.labels)} för frågan {item.id}")]
    if item.labels[int(value) - 1] != label:
        return [("label", f"label {label!r} hör inte till värdet {value} ({item.labels[int(value) - 1]!r})")]
    return []


def _check_background(record: dict[str, str], survey: Survey) -> list[tuple[str, str]]:
    found = []
    for item in survey.background_items:
        text = record.get(item.id, "")
        if text and text not in item.labels:
            found.append((item.id, f"bakgrundssvaret {text!r} är inte ett av {_listed(item.labels)}"))
    return found


def _check_record(record, survey: Survey, forbund, wave, lookup, seen: dict, row: int) -> list[tuple[str, str]]:
    """Problems of one row as ``(column, message)``."""
    found = _check_keys(record, survey, forbund, wave, lookup) + _check_background(record, survey)
    answer_items = {i.id: i for i in survey.answer_items}
    item = answer_items.get(record["item"])
    if item is None:
        hint = did_you_mean(record["item"], list(answer_items))
        return found + [("item", f"okänd fråga {record['item']!r} för enkäten {survey.name}{hint}")]
    found += _check_value(record, item)
    key = (record["respondent_id"], record["unit"], record["item"]) + ((record["value"],) if item.multiple else ())
    if key in seen:
        found.append(("respondent_id", f"respondenten har redan ett svar på {record['item']} för enheten "
                                        f"{record['unit']!r} på rad {seen[key]}"))
    else:
        seen[key] = row
    return found


def read_canonical(raw: RawTable, survey: Survey, *, forbund, wave, lookup):
    """Return a :class:`samverkan.read_result.ReadResult` for a canonical long CSV."""

    file = str(raw.path)
    problems = _check_header(raw, survey)
    rejected: list[Problem] = []
    kept, seen = [], {}
    for cells, row in zip(raw.rows, raw.row_numbers):
        record = {c: "" for c in CANONICAL_COLUMNS} | dict(zip(raw.header, cells))
        found = _check_record(record, survey, forbund, wave, lookup, seen, row)
        for column, message in found:
            problems.append(Problem(file, row, column, record.get(column), message, record["respondent_id"],
                                    record["item"]))
        if found:
            column, message = found[0]
            rejected.append(Problem(file, row, column, record.get(column), message, record["respondent_id"],
                                    record["item"]))
        else:
            kept.append(record)
    for row, cells, width in raw.bad_rows:
        reason = f"raden har fler celler ({width}) än rubrikraden har kolumner ({len(raw.header)})"
        problems.append(Problem(file, row, None, None, reason))
        rejected.append(Problem(file, row, None, ", ".join(cells), f"raden förkastad: {reason}"))
    columns = [c for c in raw.header if c in CANONICAL_COLUMNS or c in {i.id for i in survey.background_items}]

    def tables():
        frame = pd.DataFrame.from_records(kept, columns=columns).replace("", None)
        empty = pd.DataFrame(columns=["respondent_id", "item", "text"]).astype("string")
        return (canonical_dtypes(frame, survey), problems_frame([p for p in problems if p.row in (None, 1)] + rejected),
                empty)

    return ReadResult(
        problems=problems,
        cells_read=len(raw.rows) + len(raw.bad_rows),
        respondents_per_unit=respondents_per_unit((r["unit"] or None, r["respondent_id"]) for r in kept),
        respondents=len({r["respondent_id"] for r in kept}),
        tables=tables,
    )
