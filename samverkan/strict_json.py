"""Result tables as strict JSON: no ``NaN``, ``Infinity`` or ``-Infinity``, which strict parsers reject.

Python's ``json`` writes infinite odds ratios as ``Infinity`` unless told not to. Here a
missing value is ``null``; an infinite one is ``null`` with a sibling ``<column>_note``
saying it was infinite and why (the row's ``note``, e.g. no discordant pairs the other
way); a value that a test row should have but that is undefined (``0/0``: no variation)
is ``null`` with a ``<column>_note`` too. The text is written with ``allow_nan=False``,
so nothing non-finite can slip through.
"""

from __future__ import annotations

import json
import math

import pandas as pd

from .display import plain

#: Columns of a tests row whose missing value means "undefined" when the row has a test.
DEFINED_WITH_A_TEST = ("statistic", "pvalue", "effect_size")


def _reason(row: dict) -> str:
    note = row.get("note")
    return note if isinstance(note, str) and note else ""


def strict_record(row: dict) -> dict:
    """One row as plain JSON values, non-finite numbers replaced as the module docstring says."""
    out = {}
    tested = isinstance(row.get("test"), str) and not row.get("suppressed", False)
    for key, value in row.items():
        value = plain(value)
        if isinstance(value, float) and math.isinf(value):
            sign = "+" if value > 0 else "−"
            out[key], out[f"{key}_note"] = None, f"oändligt värde ({sign}∞)" + (f": {_reason(row)}" if _reason(row)
                                                                                 else "")
        else:
            out[key] = value
            if value is None and tested and key in DEFINED_WITH_A_TEST:
                out[f"{key}_note"] = "odefinierat värde" + (f": {_reason(row)}" if _reason(row) else "")
    return out


def strict_records(table: pd.DataFrame) -> list[dict]:
    """Every row of ``table`` as a :func:`strict_record`."""
    return [strict_record(row) for row in table.astype(object).to_dict("records")]


def dumps(content) -> str:
    """``content`` as strict JSON text (sorted keys, one space indent, UTF-8 characters kept)."""
    return json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False) + "\n"
