"""Read the canonical long CSV written by :func:`samverkan.save`, checking every row."""

from __future__ import annotations

from .errors import Problem, problems_frame
from .files import RawTable
from .instrument import CANONICAL_COLUMNS, Survey, load_instrument, normalize_text


def _check_header(raw: RawTable, survey: Survey) -> list[Problem]:
    expected = list(CANONICAL_COLUMNS) + [i.id for i in survey.background_items]
    problems = []
    for name in raw.header:
        if name not in expected:
            problems.append(Problem(str(raw.path), 1, name, name, f"okänd kolumn {name!r}; förväntade {expected}"))
    for name in expected:
        if name not in raw.header:
            problems.append(Problem(str(raw.path), None, name, None, f"kolumnen {name} saknas i filen"))
    return problems


def _check_record(record: dict[str, str], survey: Survey, forbund, wave, lookup) -> list[tuple[str, str]]:
    """Problems of one row as ``(column, message)``."""
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
        if hit is None or hit[1] != record["region"]:
            found.append(("unit", f"enheten {record['unit']!r} i regionen {record['region']!r} finns inte i regions"))
    answer_ids = {i.id: i for i in survey.answer_items}
    item = answer_ids.get(record["item"])
    if item is None:
        found.append(("item", f"okänd fråga {record['item']!r} för enkäten {survey.name}"))
        return found
    return found + _check_value(record, item)


def _check_value(record: dict[str, str], item) -> list[tuple[str, str]]:
    value, label, reason = record["value"], record["label"], record["missing_reason"]
    if not value:
        if label or reason not in load_instrument().missing_reasons:
            return [("missing_reason", f"saknat svar kräver tom label och ett skäl bland {load_instrument().missing_reasons}")]
        return []
    if reason:
        return [("missing_reason", "missing_reason ska vara tom när value finns")]
    if not value.isdigit() or not 1 <= int(value) <= len(item.labels):
        return [("value", f"värdet {value!r} ligger utanför 1–{len(item.labels)} för frågan {item.id}")]
    if item.labels[int(value) - 1] != label:
        return [("label", f"label {label!r} hör inte till värdet {value} ({item.labels[int(value) - 1]!r})")]
    return []


def read_canonical(raw: RawTable, survey: Survey, *, forbund, wave, lookup):
    """Return a :class:`samverkan.load.ReadResult` for a canonical long CSV."""
    import pandas as pd

    from .load import ReadResult, canonical_dtypes

    file = str(raw.path)
    problems = _check_header(raw, survey)
    rejected: list[Problem] = []
    kept = []
    for cells, row in zip(raw.rows, raw.row_numbers):
        record = dict(zip(raw.header, cells))
        record.update({c: record.get(c, "") for c in CANONICAL_COLUMNS})
        found = [] if problems else _check_record(record, survey, forbund, wave, lookup)
        for column, message in found:
            problem = Problem(file, row, column, record.get(column), message, record["respondent_id"], record["item"])
            problems.append(problem)
        if found:
            rejected.append(Problem(file, row, found[0][0], record.get(found[0][0]), found[0][1],
                                    record["respondent_id"], record["item"]))
        else:
            kept.append(record)
    for row, cells in raw.bad_rows:
        problems.append(Problem(file, row, None, None, "raden har fler celler än rubrikraden"))
    frame = pd.DataFrame.from_records(kept, columns=raw.header).replace("", None)
    empty = pd.DataFrame(columns=["respondent_id", "item", "text"]).astype("string")
    return ReadResult(
        answers=canonical_dtypes(frame, survey),
        rejected=problems_frame([p for p in problems if p.row in (None, 1)] + rejected),
        comments=empty,
        problems=problems,
        cells_read=len(raw.rows),
    )
