"""How tables, charts and text are shown to readers: Swedish headers, number formats, HTML, workbooks.

Used by the per-förbund report and the cross-förbund overview alike. Every piece of
HTML made from data is rendered here by one Jinja2 environment with autoescape (the
templates are in ``samverkan/templates/``): text from params or data never reaches a
page unescaped. The numbers underneath are never rounded here: a :class:`Table` holds
formatted text for reading, while workbooks and ``results.json`` keep the exact values
(:func:`plain`).
"""

from __future__ import annotations

import base64
import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import markupsafe
import numpy as np
import pandas as pd

from . import resources
from .files import write_atomically
from .safe_html import markdown_html
from .tidy import is_missing
from .vocabulary import FAMILY_SWEDISH, ROLE_SWEDISH, SWEDISH

PERCENT_COLUMNS = {"share_high", "share_high_ci_low", "share_high_ci_high", "share_high_reference"}
P_COLUMNS = {"pvalue", "pvalue_adjusted", "test_alpha"}
#: Percentage points (one decimal) and the Swedish words of coded values, for display.
POINTS_COLUMNS = {"mdd_up_pp", "mdd_down_pp"}
CODED_COLUMNS = {"family": FAMILY_SWEDISH, "role": ROLE_SWEDISH}
HIDDEN_COLUMNS = {"suppressed", "section"}
TEMPLATES_DIR = resources.PACKAGE_DIR / "templates"

#: The page's colours. Every (text, background) pair in :data:`COLOUR_PAIRS` has a WCAG 2
#: contrast of at least 4.5 (checked in the tests).
PALETTE = {
    "page": "#ffffff", "text": "#1a1a1a", "muted": "#4d4d4d", "link": "#0b4f8a", "rule": "#c9ced6",
    "rule_strong": "#5f6b7a", "panel": "#f2f4f7", "header": "#e8edf3", "stripe": "#f7f8fa",
    "confirmatory": "#0b3d6b", "confirmatory_bg": "#dce9f7", "exploratory": "#5c3a00", "exploratory_bg": "#fbecd0",
}
COLOUR_PAIRS = [("text", "page"), ("muted", "page"), ("link", "page"), ("text", "panel"), ("muted", "panel"),
                ("text", "header"), ("text", "stripe"), ("muted", "stripe"), ("link", "panel"),
                ("confirmatory", "confirmatory_bg"), ("exploratory", "exploratory_bg")]


# ------------------------------------------------------------------ the one escaping boundary


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of every HTML fragment (autoescape on, templates in the package)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                              trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=False)


def render(template: str, **context) -> "Html":
    """Render ``templates/<template>`` with ``context`` (escaped) to an :class:`Html` fragment."""
    return Html(environment().get_template(template).render(**context))


class Html(markupsafe.Markup):
    """An HTML fragment made by :func:`render`: shown as HTML in notebooks and the report."""

    def _repr_html_(self) -> str:
        return str(self)


@functools.cache
def stylesheet() -> str:
    """The page's CSS (screen and A4 print), with :data:`PALETTE` filled in."""
    return environment().get_template("report.css.j2").render(p=PALETTE)


def css_string(text: str) -> str:
    """``text`` as a CSS string literal, every character outside a safe set escaped (``"A\\26 B"``).

    >>> css_string('Nord & "Syd" </style>')
    '"Nord \\\\26  \\\\22 Syd\\\\22  \\\\3c \\\\2f style\\\\3e "'
    """
    safe = re.compile(r"[\w ,.()\-–åäöÅÄÖéÉüÜ]")
    return '"' + "".join(c if safe.fullmatch(c) else f"\\{ord(c):x} " for c in str(text)) + '"'


# ------------------------------------------------------------------ cells


def swedish(table: pd.DataFrame, headers: Mapping[str, str] = SWEDISH) -> pd.DataFrame:
    """``table`` with Swedish column headers (``headers``: column → header), for display and workbooks."""
    return table.rename(columns={c: headers.get(c, c) for c in table.columns})


def format_cell(column: str, value) -> str:
    """One cell as readers see it: decimal comma, percent, "–" for missing, thin-space thousands."""
    if is_missing(value):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nej"
    if column in CODED_COLUMNS:
        return CODED_COLUMNS[column].get(str(value), str(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}".replace(",", "\u00a0")
    if isinstance(value, (float, np.floating)):
        if column in PERCENT_COLUMNS:
            return f"{100 * value:.1f} %".replace(".", ",")
        if column in P_COLUMNS:
            return "< 0,001" if value < 0.001 else f"{value:.3f}".replace(".", ",")
        if column in POINTS_COLUMNS:
            return f"{value:.1f}".replace(".", ",")
        if column == "percent":
            return f"{value:.1f} %".replace(".", ",")
        return f"{value:.2f}".replace(".", ",").replace("-", "−")
    return str(value)


def _is_numeric_text(values: Sequence[str]) -> bool:
    shown = [v for v in values if v not in ("–", "")]
    number = r"[<>+−-]?\s?\d[\d\u00a0 ,.]*(\s?%)?"
    return bool(shown) and all(re.fullmatch(rf"{number}(\s?(–|till|/)\s?{number})?", v) for v in shown)


def display_table(table: pd.DataFrame, *, caption: str | None = None, headers: Mapping[str, str] = SWEDISH,
                  notes: Sequence[str] = (), row_header: bool = True) -> "Table":
    """A table as readers see it: Swedish headers, decimal comma, percent, "–" for suppressed or missing.

    Columns in :data:`HIDDEN_COLUMNS` and columns without any value are left out. Returns
    a :class:`Table` (shown as HTML in notebooks and in the report; its ``frame`` holds
    the formatted text); the numbers underneath are unrounded, as in the workbook and
    ``results.json``.

    Examples
    --------
    >>> shown = display_table(pd.DataFrame({"region": ["Gävle"], "share_high": [0.3069], "n": [215]}))
    >>> shown.frame.values.tolist()
    [['Gävle', '30,7 %', '215']]
    >>> print(shown.to_html())  # doctest: +ELLIPSIS
    <div class="sv-table-wrap">
    <table class="sv-table">
    <thead><tr><th scope="col">Region</th><th scope="col" class="num">Andel höga värden</th>...
    """
    names, cells = [], []
    for name, column in table.items():
        values = column.tolist()
        if name in HIDDEN_COLUMNS or all(is_missing(v) for v in values):
            continue
        names.append(str(headers.get(name, name)))
        cells.append([format_cell(name, v) for v in values])
    frame = pd.DataFrame(dict(enumerate(cells)), index=pd.RangeIndex(len(table)))
    return Table(frame.set_axis(names, axis=1), caption=caption, notes=tuple(notes), row_header=row_header)


@dataclass(frozen=True)
class Table:
    """A formatted table for reading (text cells, Swedish headers), shown as an HTML table.

    The first column is the row header (``<th scope="row">``) when ``row_header``;
    columns of numbers are right-aligned. The HTML is rendered by a Jinja2 template
    rather than a pandas ``Styler``: a report shows ~30 tables and a ``Styler`` costs
    ~6 ms each, against ~0.2 ms here.
    """

    frame: pd.DataFrame
    caption: str | None = None
    notes: tuple[str, ...] = ()
    row_header: bool = True
    kind: str = field(default="table", init=False)

    def html(self) -> Html:
        """The table as an HTML fragment (cells escaped)."""
        columns = [self.frame[c].tolist() for c in self.frame.columns]
        numeric = [_is_numeric_text(values) for values in columns]
        wide = [max((len(str(v)) for v in values), default=0) > 24 for values in columns]
        rows = list(self.frame.itertuples(index=False, name=None))
        return render("table.html.j2", caption=self.caption, headers=[str(c) for c in self.frame.columns],
                      rows=rows, numeric=numeric, wide=wide, notes=self.notes,
                      row_header=self.row_header and len(columns) > 1)

    def to_html(self) -> str:
        """The table as an HTML string (cells escaped)."""
        return str(self.html())

    def _repr_html_(self) -> str:
        return self.to_html()

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
        text = "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in lines)
        return f"{self.caption}\n{text}" if self.caption else text


# ------------------------------------------------------------------ figures


#: SVG sizes are in points (72 per inch); CSS pixels are 96 per inch.
PX_PER_PT = 96 / 72


@dataclass(frozen=True)
class Figure:
    """A chart as SVG with its alt text (which states the chart's numbers) and caption.

    Shown in notebooks and the report as an ``<img>`` of the SVG (vector, prints
    sharply), written as-is to ``figures/<name>.svg``.
    """

    name: str
    svg: str
    alt: str
    caption: str = ""
    kind: str = field(default="figure", init=False)

    def size(self) -> tuple[int, int]:
        """Width and height in CSS pixels (from the SVG's size in points)."""
        found = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', self.svg)
        if not found:
            return 864, 400
        return round(float(found.group(1)) * PX_PER_PT), round(float(found.group(2)) * PX_PER_PT)

    def html(self) -> Html:
        """``<figure>`` with the image, its alt text and caption."""
        width, height = self.size()
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return render("figure.html.j2", data=data, alt=self.alt, caption=self.caption, width=width, height=height)

    def _repr_html_(self) -> str:
        return str(self.html())

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return f"<Figure {self.name}: {self.alt}>"

    def save(self, path: str | Path) -> Path:
        """Write the SVG to ``path`` atomically."""
        return write_atomically(Path(path), lambda p: p.write_text(self.svg, encoding="utf-8"))


# ------------------------------------------------------------------ sections


@dataclass(frozen=True)
class Paragraph:
    """A paragraph: optional bold ``lead``, then ``text``; ``style`` ``"absent"``, ``"note"`` or ``"method"``."""

    text: str
    lead: str = ""
    style: str = ""
    kind: str = field(default="paragraph", init=False)


@dataclass(frozen=True)
class Line:
    """One line of a list: optional tag (family), bold lead (the question), text."""

    text: str
    lead: str = ""
    tag: str = ""
    tag_style: str = ""


@dataclass(frozen=True)
class Bullets:
    """A list of :class:`Line`."""

    lines: tuple[Line, ...]
    kind: str = field(default="bullets", init=False)


@dataclass(frozen=True)
class Subsection:
    """A titled part of a section (``<h3>``, nested: ``<h4>``); shown on its own with ``<h3>``."""

    title: str
    parts: tuple
    key: str = ""
    kind: str = field(default="subsection", init=False)

    def html(self, level: int = 3) -> Html:
        """The subsection as HTML, its title at heading ``level``."""
        return render("parts.html.j2", subsection_part=self, level=level)

    def _repr_html_(self) -> str:
        return str(self.html())


@dataclass(frozen=True)
class Section:
    """One section of a report: key (the anchor), title, family (``confirmatory``/``exploratory`` or ``""``), parts."""

    key: str
    title: str
    parts: tuple
    family: str = ""
    family_name: str = ""

    def html(self) -> Html:
        """The section as HTML (``<section id=key>`` with its ``<h2>``)."""
        return render("section.html.j2", section=self)

    def _repr_html_(self) -> str:
        return str(self.html())

    def __repr__(self) -> str:
        return f"<Section {self.key}: {self.title}>"

    def tables(self) -> list[Table]:
        """Every table of the section, in order (also inside subsections)."""
        return [p for p in _walk(self.parts) if isinstance(p, Table)]

    def figures(self) -> list[Figure]:
        """Every figure of the section, in order."""
        return [p for p in _walk(self.parts) if isinstance(p, Figure)]


def _walk(parts) -> list:
    found = []
    for part in parts:
        found.append(part)
        if isinstance(part, Subsection):
            found += _walk(part.parts)
    return found


class Markdown(str):
    """Markdown text: Jupyter and a page show it as HTML in which nothing from data can run.

    The HTML comes from :func:`samverkan.safe_html.markdown_html` (raw HTML escaped,
    harmful links neutralised, no images); elsewhere it prints as itself. The report
    itself makes its text with :func:`render` (templates with autoescape).
    """

    def _repr_html_(self) -> str:
        return markdown_html(self)


def absent(text: str) -> Paragraph:
    """The one Swedish sentence that says why a section (or part) is left out."""
    return Paragraph(text, style="absent")


# ------------------------------------------------------------------ numbers as text


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


# ------------------------------------------------------------------ workbooks


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
