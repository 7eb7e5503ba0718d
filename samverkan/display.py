"""How tables and text are shown to readers: Swedish headers, number formats, HTML tables, workbooks.

Used by the per-förbund report and the cross-förbund overview alike. The numbers
underneath are never rounded here: a :class:`Table` holds formatted text for reading,
while workbooks and ``results.json`` keep the exact values (:func:`plain`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .files import write_atomically
from .safe_html import escape, markdown_html
from .tidy import is_missing
from .vocabulary import FAMILY_SWEDISH, ROLE_SWEDISH, SWEDISH

PERCENT_COLUMNS = {"share_high", "share_high_ci_low", "share_high_ci_high"}
P_COLUMNS = {"pvalue", "pvalue_adjusted", "test_alpha"}
#: Percentage points (one decimal) and the Swedish words of coded values, for display.
POINTS_COLUMNS = {"mdd_up_pp", "mdd_down_pp"}
CODED_COLUMNS = {"family": FAMILY_SWEDISH, "role": ROLE_SWEDISH}
HIDDEN_COLUMNS = {"suppressed", "section"}


def swedish(table: pd.DataFrame, headers: Mapping[str, str] = SWEDISH) -> pd.DataFrame:
    """``table`` with Swedish column headers (``headers``: column → header), for display and workbooks."""
    return table.rename(columns={c: headers.get(c, c) for c in table.columns})


def _format_cell(column: str, value) -> str:
    if is_missing(value):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nej"
    if column in CODED_COLUMNS:
        return CODED_COLUMNS[column].get(str(value), str(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}".replace(",", " ")
    if isinstance(value, (float, np.floating)):
        if column in PERCENT_COLUMNS:
            return f"{100 * value:.1f} %".replace(".", ",")
        if column in P_COLUMNS:
            return "< 0,001" if value < 0.001 else f"{value:.3f}".replace(".", ",")
        if column in POINTS_COLUMNS:
            return f"{value:.1f}".replace(".", ",")
        if column == "percent":
            return f"{value:.1f} %".replace(".", ",")
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def display_table(table: pd.DataFrame) -> "Table":
    """A table as readers see it: Swedish headers, decimal comma, percent, "–" for suppressed or missing.

    Returns a :class:`Table` (shown as HTML in notebooks and in the report; its
    ``frame`` holds the formatted text); the numbers underneath are unrounded, as in the
    workbook and ``results.json``.

    Examples
    --------
    >>> shown = display_table(pd.DataFrame({"region": ["Gävle"], "share_high": [0.3069], "n": [215]}))
    >>> shown.frame.values.tolist()
    [['Gävle', '30,7 %', '215']]
    >>> print(shown._repr_html_())  # doctest: +ELLIPSIS
    <table class="samverkan-table"><thead><tr><th>Region</th><th>Andel höga värden</th><th>Antal svar</th></tr>...
    """
    headers, cells = [], []
    for name, column in table.items():
        values = column.tolist()
        if name in HIDDEN_COLUMNS or all(is_missing(v) for v in values):
            continue
        headers.append(SWEDISH.get(name, name))
        cells.append([_format_cell(name, v) for v in values])
    frame = pd.DataFrame(dict(enumerate(cells)), index=pd.RangeIndex(len(table)))
    return Table(frame.set_axis(headers, axis=1))


class Table:
    """A formatted table for reading (text cells, Swedish headers), shown as a plain HTML table.

    ``frame`` is the formatted :class:`pandas.DataFrame`. The HTML is written here rather
    than by a pandas ``Styler`` because a report shows ~25 tables and a ``Styler``
    costs ~6 ms each to render, against ~0.1 ms here.
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def to_html(self) -> str:
        """The table as an HTML ``<table>`` (cells escaped)."""
        return self._repr_html_()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{escape(c)}</th>" for c in self.frame.columns)
        rows = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>"
                       for row in self.frame.itertuples(index=False, name=None))
        return f'<table class="samverkan-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'

    def __repr__(self) -> str:
        """Plain text (Jupyter's ``text/plain``): columns right-aligned, two spaces apart.

        Written here because IPython asks for it for every table shown, and
        ``DataFrame.to_string`` costs ~2 ms a table against ~0.05 ms.
        """
        if not len(self.frame.columns):
            return "(tom tabell)"
        lines = [[str(c) for c in self.frame.columns]]
        lines += [[str(v) for v in row] for row in self.frame.itertuples(index=False, name=None)]
        widths = [max(len(line[k]) for line in lines) for k in range(len(lines[0]))]
        return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in lines)


class Png:
    """A rendered chart: shown as an image in notebooks, written as-is to ``figures/``."""

    def __init__(self, data: bytes):
        self.data = data

    def _repr_png_(self) -> bytes:
        return self.data


class Markdown(str):
    """Markdown text: Jupyter and the report show it as HTML in which nothing from data can run.

    The HTML comes from :func:`samverkan.safe_html.markdown_html` (raw HTML escaped,
    harmful links neutralised, no images), the one way a report's text becomes HTML;
    elsewhere it prints as itself.
    """

    def _repr_html_(self) -> str:
        return markdown_html(self)


def comma(value: float) -> str:
    """A number in its shortest form with a decimal comma (``0.05`` → ``0,05``)."""
    return f"{value:g}".replace(".", ",")


def plain(value):
    """A cell as a plain Python value for JSON and workbooks: ``None`` for missing, int, float, bool or str."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value if isinstance(value, (int, str, bool)) else str(value)


def _sheet_name(name: str, used: set[str]) -> str:
    base = name[:31]
    candidate, k = base, 2
    while candidate in used:
        candidate = f"{base[:28]}_{k}"
        k += 1
    used.add(candidate)
    return candidate


def write_workbook(path: Path, tables: Mapping[str, pd.DataFrame], *, headers: Mapping[str, str] = SWEDISH) -> Path:
    """Write ``tables`` to an xlsx workbook atomically, one sheet each, headers renamed by ``headers``.

    Written with XlsxWriter, cell by cell with the cell's own type (number, text,
    boolean; missing values left empty; an infinite number as the text ``inf``): no text
    is ever turned into a formula or a link, and numbers keep 16 significant digits
    (XlsxWriter's precision; Excel shows 15; ``results.json`` holds the exact values).
    It takes ~80 ms for a report's ~25 sheets, against ~200 ms through
    ``DataFrame.to_excel`` and openpyxl.
    """
    import xlsxwriter

    def write(target: Path) -> None:
        book = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False, "strings_to_urls": False,
                                                 "strings_to_numbers": False})
        book.set_properties({"author": "samverkan", "title": Path(path).stem})
        used: set[str] = set()
        for name, table in tables.items():
            sheet = book.add_worksheet(_sheet_name(name, used))
            sheet.write_row(0, 0, [str(headers.get(c, c)) for c in table.columns])
            for c, (_, column) in enumerate(table.items()):  # column by column: ~4× faster than row tuples
                for r, value in enumerate(column.tolist(), start=1):
                    _write_cell(sheet, r, c, plain(value))
        book.close()

    return write_atomically(path, write)


def _write_cell(sheet, row: int, column: int, value) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, (int, float)) and math.isfinite(value):
        sheet.write_number(row, column, value)
    elif isinstance(value, float):
        sheet.write_string(row, column, "inf" if value > 0 else "-inf")  # e.g. an odds ratio with a zero cell
    else:
        sheet.write_string(row, column, str(value))
