"""A file's cells as text: :class:`RawTable`, what every reader of raw files returns.

:mod:`samverkan.files` reads CSV and XLSX into it and :mod:`samverkan.sav` SPSS files
(as its subclass ``SavTable``); the loaders (:mod:`samverkan.load`,
:mod:`samverkan.canonical`, :mod:`samverkan.wide`) read it. A module of its own so that
``files`` can hand ``.sav`` files to ``sav`` without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RawTable:
    """The cells of a file as strings.

    ``rows[i]`` is shown to the user as row ``row_numbers[i]`` (header = row 1);
    entirely blank rows are left out. Every row has ``len(header)`` cells. Rows with
    filled cells beyond the header's columns are in ``bad_rows`` instead, as
    ``(row number, non-blank cells, number of cells)``, so that the loader can list
    each of their cells. ``above_header``: the non-blank rows above the header (a
    title), as ``(row number, filled cells)``. ``other_sheets``: the sheets of a workbook
    skipped before the answers' sheet (an information sheet first), as ``(title, filled cells)``.
    """

    path: Path
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    bad_rows: list[tuple[int, list[str], int]]
    encoding: str | None = None
    delimiter: str | None = None
    above_header: tuple[tuple[int, int], ...] = ()
    other_sheets: tuple[tuple[str, int], ...] = ()
