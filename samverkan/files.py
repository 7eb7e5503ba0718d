"""Read a survey file as raw text cells (:class:`samverkan.raw_table.RawTable`): CSV (utf-8,
utf-8 with BOM, cp1252; ``,`` ``;`` tab) or XLSX here, SPSS ``.sav`` by :mod:`samverkan.sav`.

Nothing here knows the instrument except through the ``score_header`` callback that
picks the delimiter under which the header makes most sense.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from .errors import DataError, Problem
from .raw_table import RawTable
from .sav import read_sav

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SPSS_SUFFIXES = (".sav", ".zsav")  # read by samverkan.sav (pyreadstat)
DELIMITERS = (",", ";", "\t")


def _fail(path: Path, reason: str, row: int | None = None) -> DataError:
    return DataError([Problem(file=str(path), row=row, column=None, value=None, reason=reason)])


def _cell_text(value: object) -> str:
    """Text of an Excel cell: integral floats without ``.0``, ``None`` as blank."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """Text of a CSV: utf-8 (with or without BOM), else cp1252.

    A utf-8 file with a few bytes in another encoding (a cell pasted from elsewhere)
    is read as utf-8 with those bytes kept as surrogate escapes, so that the loader
    names each such cell instead of turning the whole file into mojibake.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as error:
        if _UTF8_MULTIBYTE.search(data):
            return data.decode("utf-8-sig", errors="surrogateescape"), "utf-8-sig"
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise _fail(path, "filen kan inte läsas som text (förväntad kodning utf-8 eller cp1252)") from error


def encoding_error(text: str) -> str | None:
    """A message when ``text`` holds bytes that were not utf-8 (surrogate escapes), else ``None``."""
    bad = [ord(ch) - 0xDC00 for ch in text if "\udc80" <= ch <= "\udcff"]
    if not bad:
        return None
    return (f"cellen är inte giltig utf-8 (byte 0x{bad[0]:02x}) fast resten av filen är utf-8; "
            "spara hela filen som utf-8")


def _parse_csv(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _pick_delimiter(text: str, score_header: Callable[[list[str]], int]) -> str:
    """The delimiter whose header has most known columns (ties: most columns, then file order)."""
    first_record = {d: next(csv.reader(io.StringIO(text, newline=""), delimiter=d), []) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (score_header(first_record[d]), len(first_record[d])))


def _records_to_table(path: Path, records: list[list[str]], **meta: str | None) -> RawTable:
    records = [[cell.strip() for cell in record] for record in records]
    header_index = next((i for i, r in enumerate(records) if any(r)), None)
    if header_index is None:
        raise _fail(path, "filen är tom")
    header = records[header_index]
    while header and not header[-1]:
        header.pop()
    rows: list[list[str]] = []
    numbers: list[int] = []
    bad_rows: list[tuple[int, list[str], int]] = []
    for index in range(header_index + 1, len(records)):
        record = records[index]
        if not any(record):
            continue
        if any(record[len(header):]):
            width = max(i for i, c in enumerate(record) if c) + 1
            bad_rows.append((index + 1, [c for c in record if c], width))
            continue
        rows.append(record[: len(header)] + [""] * (len(header) - len(record)))
        numbers.append(index + 1)
    if not rows and not bad_rows:
        raise _fail(path, "filen har en rubrikrad men inga svar")
    return RawTable(path=path, header=header, rows=rows, row_numbers=numbers, bad_rows=bad_rows, **meta)


def _read_excel(path: Path) -> list[list[str]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise _fail(path, "filen kan inte läsas som Excel-arbetsbok (.xlsx): den är skadad eller inte en arbetsbok") from error
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_raw(path: str | Path, score_header: Callable[[list[str]], int]) -> RawTable:
    """Read ``path`` into text cells.

    Parameters
    ----------
    path
        A ``.csv``/``.txt``/``.tsv``, ``.xlsx`` or SPSS ``.sav`` file.
    score_header
        Called with a candidate header (list of cells); returns how many of them are
        known columns. Used to choose the CSV delimiter.

    Raises
    ------
    DataError
        The file is missing, empty, not text in a known encoding, not a workbook, or
        has no data rows.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + EXCEL_SUFFIXES + SPSS_SUFFIXES:
        allowed = ", ".join(CSV_SUFFIXES + EXCEL_SUFFIXES + SPSS_SUFFIXES)
        raise _fail(path, f"okänd filtyp {suffix or '(ingen)'!r}; förväntad en av {allowed}")
    if not path.is_file():
        raise _fail(path, "filen finns inte")
    if path.stat().st_size == 0:
        raise _fail(path, "filen är tom")
    if suffix in EXCEL_SUFFIXES:
        return _records_to_table(path, _read_excel(path))
    if suffix in SPSS_SUFFIXES:
        return read_sav(path)
    text, encoding = _decode(path, path.read_bytes())
    delimiter = _pick_delimiter(text, score_header)
    try:
        records = _parse_csv(text, delimiter)
    except csv.Error as error:
        raise _fail(path, f"filen kan inte tolkas som CSV: {error}") from error
    return _records_to_table(path, records, encoding=encoding, delimiter=delimiter)


def write_atomically(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary)`` on a hidden file beside ``path``, then rename it onto ``path``.

    Readers never see a half-written file, and an interrupted write leaves the old one.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        write(temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
