"""Read a survey file as raw text cells (:class:`samverkan.raw_table.RawTable`): CSV (utf-8, utf-8 with
BOM, cp1252, UTF-16/UTF-32 with BOM; ``,`` ``;`` tab) or XLSX here, SPSS ``.sav`` by :mod:`samverkan.sav`.

Nothing here knows the instrument except through the ``score_header`` callback that
picks the delimiter under which the header makes most sense, and finds the header below
a title or the sheet of answers after an information sheet (:mod:`samverkan.header_rows`).
The rows above the header are kept in :attr:`RawTable.above_header`, the sheets skipped in
:attr:`RawTable.other_sheets`, and the loader lists both, never dropping them silently.

Hostile files are refused fast, with a :class:`~samverkan.errors.DataError` naming
the file (and the row and column where there is one), never a traceback, a hang or
a memory blow-up. The limits (:data:`LIMITS`):

* a file over :data:`MAX_FILE_BYTES`; an ``.xlsx`` whose parts unpack to more than
  :data:`MAX_UNPACKED_BYTES` (a zip bomb);
* more than :data:`MAX_ROWS` rows, :data:`MAX_COLUMNS` columns or :data:`MAX_CELLS`
  cells — in an ``.xlsx`` both the *declared* dimension (read before any row) and the
  rows actually read, as they stream (openpyxl's read-only mode);
* a cell over :data:`MAX_CELL_CHARS` characters (Excel's own limit);
* malformed XML, formula cells ("formel i cellen, spara som värden": the export must
  hold values, not formulas whose results openpyxl cannot compute), a workbook whose
  first sheet is empty while another holds the data;
* binary data named ``.csv`` (NUL bytes, control characters, a zip or an old ``.xls``),
  UTF-16 without a byte-order mark (named: save as UTF-8); UTF-16 and UTF-32 with a
  byte-order mark are read;
* a quoted CSV cell whose closing quote is missing, so that it swallowed the row
  separator and the rows after it (named with the row and column where it opened).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import yaml

from .errors import DataError, Problem
from .header_rows import MAX_HEADER_CHARS, MAX_TITLE_ROWS, header_position, names_questions, remembered
from .raw_table import RawTable
from .sav import read_sav

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SPSS_SUFFIXES = (".sav", ".zsav")  # read by samverkan.sav (pyreadstat)
DELIMITERS = (",", ";", "\t")

#: Largest file read (bytes): a survey export of 10 000 respondents is a few MB.
MAX_FILE_BYTES = 100 * 1024**2
#: Largest total size of an ``.xlsx`` workbook's unpacked parts (bytes).
MAX_UNPACKED_BYTES = 500 * 1024**2
MAX_ROWS = 100_000
MAX_COLUMNS = 2_000
#: Largest rows × columns of a sheet (declared or read).
MAX_CELLS = 5_000_000
#: Longest cell, in characters (Excel's own limit per cell).
MAX_CELL_CHARS = 32_767
LIMITS = {"bytes": MAX_FILE_BYTES, "unpacked_bytes": MAX_UNPACKED_BYTES, "rows": MAX_ROWS,
          "columns": MAX_COLUMNS, "cells": MAX_CELLS, "cell_chars": MAX_CELL_CHARS, "header_chars": MAX_HEADER_CHARS}
#: Formula cells listed by name before "och N till".
_SHOWN = 10

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_MAGIC = ((b"PK\x03\x04", "en zip-fil (troligen en Excel-arbetsbok): spara den som .xlsx eller exportera CSV"),
          (b"\xd0\xcf\x11\xe0", "en äldre Excel-fil (.xls) eller en lösenordsskyddad arbetsbok: spara som .xlsx "
                                "utan lösenord eller som CSV"),
          (b"%PDF", "en PDF-fil"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: UTF-8 read as Windows-1252 and saved again: å ä ö Å Ä Ö é become these pairs ("SÃ¶derhamn").
_DOUBLE_ENCODED = re.compile("\u00c3[\u00a5\u00a4\u00b6\u2026\u201e\u2013\u00a9]")
#: So many such pairs make a file double-encoded (one could be a typing accident).
DOUBLE_ENCODED_PAIRS = 3


def _fail(path: Path, reason: str, row: int | None = None, column: str | None = None) -> DataError:
    return DataError([Problem(file=str(path), row=row, column=column, value=None, reason=reason)])


def _cell_text(value: object) -> str:
    """Text of an Excel cell: integral floats without ``.0``, ``None`` as blank."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:.0f} MB"


# ----------------------------------------------------------------------------- bytes → text

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _line_of(data: bytes | str, position: int) -> int:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, position) + 1


def _not_text(path: Path, data: bytes) -> None:
    """Refuse what is not a text file: a zip, an old workbook, a PDF, UTF-16 without BOM, NUL bytes."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _fail(path, f"filen är inte en textfil utan {what}")
    nul = data.find(b"\x00")
    if nul < 0:
        return
    head = data[:4096]
    if head[1::2].count(0) > 0.4 * len(head[1::2]) or head[0::2].count(0) > 0.4 * len(head[0::2]):
        raise _fail(path, "filen verkar vara UTF-16 utan byte-ordningsmärke (BOM); spara den som UTF-8 (eller "
                          "UTF-16 med BOM)")
    raise _fail(path, "filen innehåller binära data (en NUL-byte), inte text: är det rätt fil?", _line_of(data, nul))


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """Text of a CSV: by its byte-order mark (utf-8, UTF-16, UTF-32), else utf-8, else cp1252.

    A utf-8 file with a few bytes in another encoding (a cell pasted from elsewhere)
    is read as utf-8 with those bytes kept as surrogate escapes, so that the loader
    names each such cell instead of turning the whole file into mojibake.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise _fail(path, f"filen börjar som {encoding.upper()} (byte-ordningsmärke) men går inte att läsa "
                                  f"som {encoding.upper()} (byte {error.start})") from error
    _not_text(path, data)
    try:
        return data.decode("utf-8"), "utf-8-sig"
    except UnicodeDecodeError as error:
        if _UTF8_MULTIBYTE.search(data):
            return data.decode("utf-8", errors="surrogateescape"), "utf-8-sig"
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise _fail(path, "filen kan inte läsas som text (förväntad kodning utf-8 eller cp1252)") from error


def _double_encoded(path: Path, text: str) -> None:
    """Refuse text saved twice with the wrong encoding: one clear message instead of an unknown answer per cell."""
    found = [m.start() for m, _ in zip(_DOUBLE_ENCODED.finditer(text), range(DOUBLE_ENCODED_PAIRS))]
    if len(found) < DOUBLE_ENCODED_PAIRS:
        return
    raise _fail(path, "texten verkar ha sparats två gånger med fel teckenkodning (å, ä och ö står som 'Ã¥', 'Ã¤' "
                      "och 'Ã¶'): exportera filen på nytt från enkätverktyget, eller öppna den som UTF-8 och spara "
                      "den som UTF-8", text.count("\n", 0, found[0]) + 1)


def _control_characters(path: Path, text: str) -> None:
    """Refuse text full of control characters (binary data that happened to decode)."""
    found = _CONTROL.search(text)
    if found is None:
        return
    if found.group() == "\x00" or len(_CONTROL.findall(text[:65536])) > 0.01 * min(len(text), 65536):
        raise _fail(path, f"filen innehåller binära data (styrtecken 0x{ord(found.group()):02x}), inte text: "
                          "är det rätt fil?", _line_of(text, found.start()))


def encoding_error(text: str) -> str | None:
    """A message when ``text`` holds bytes that were not utf-8 (surrogate escapes), else ``None``."""
    bad = [ord(ch) - 0xDC00 for ch in text if "\udc80" <= ch <= "\udcff"]
    if not bad:
        return None
    return (f"cellen är inte giltig utf-8 (byte 0x{bad[0]:02x}) fast resten av filen är utf-8; "
            "spara hela filen som utf-8")


# ------------------------------------------------------------------------------------ CSV


def _check_size(path: Path, rows: int, columns: int, cells: int, what: str = "filen", row: int | None = None) -> None:
    """Refuse more rows, columns or cells than the limits (``what`` names the file or sheet, ``row`` the row read)."""
    if rows > MAX_ROWS:
        raise _fail(path, f"{what} har fler än {MAX_ROWS} rader; större exporter läses inte", row)
    if columns > MAX_COLUMNS:
        raise _fail(path, f"{what} har fler än {MAX_COLUMNS} kolumner ({columns}); större exporter läses inte", row)
    if cells > MAX_CELLS:
        raise _fail(path, f"{what} har fler än {MAX_CELLS} celler; större exporter läses inte", row)


def _csv_records(path: Path, text: str, delimiter: str) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """The records of ``text`` and each record's first and last line in the file, within the limits."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, spans, cells, last_line = [], [], 0, 0
    try:
        for record in reader:
            records.append(record)
            spans.append((last_line + 1, reader.line_num))
            last_line = reader.line_num
            cells += len(record)
            _check_size(path, len(records), len(record), cells, row=len(records))
    except csv.Error as error:
        row = len(records) + 1
        if "field larger than field limit" in str(error):
            raise _fail(path, f"en cell är längre än {MAX_CELL_CHARS} tecken", row) from error
        raise _fail(path, f"filen kan inte tolkas som CSV: {error}", row) from error
    return records, spans


def _pick_delimiter(text: str, score_header: Callable[[list[str]], int]) -> str:
    """The delimiter whose header has most known columns (ties: most columns, then file order)."""
    def header(delimiter: str) -> list[str]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        first: list[list[str]] = []
        try:  # the rows that may hold the header; a broken row further down is named when the file is read
            for _, record in zip(range(MAX_TITLE_ROWS + 1), reader):
                first.append(record)
        except csv.Error:
            pass
        index = header_position(first, score_header)
        return first[index] if index is not None else []

    headers = {d: header(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (score_header(headers[d]), len(headers[d])))


def _column_name(header: list[str], position: int) -> str:
    return header[position] if position < len(header) and header[position] else f"kolumn {position + 1}"


def _swallowed_rows(path: Path, records: list[list[str]], spans: list[tuple[int, int]], header_index: int,
                    delimiter: str) -> list[Problem]:
    """Cells whose opening quote was never closed, so that they hold the row separator and whole rows after it.

    A cell holding a line break is a legitimate multi-line comment unless a line after
    the break looks like (part of) a row of the file: at least two delimiters, and
    either at least half as many as the header has or a record that came out with
    another number of cells than the header.
    """
    header = records[header_index]
    enough = max(2, (len(header) - 1) // 2)
    problems = []
    for index in range(header_index, len(records)):
        needed = 2 if len(records[index]) != len(header) or index == header_index else enough
        for position, cell in enumerate(records[index]):
            lines = cell.splitlines()
            if len(lines) > 1 and any(line.count(delimiter) >= needed for line in lines[1:]):
                first, last = spans[index]
                column = _column_name(header, position) if index > header_index else f"kolumn {position + 1}"
                problems.append(Problem(str(path), index + 1, column, None,
                                        f"citattecknet som inleder cellen stängs inte före radslutet, så cellen "
                                        f"slukade radbrytningen och rader efter den (filens rader {first}–{last}); "
                                        "rätta citattecknen och läs in filen igen"))
                break
    return problems


def _long_cells(path: Path, records: list[list[str]], header_index: int) -> list[Problem]:
    """Cells over :data:`MAX_CELL_CHARS` characters, with their row and column."""
    header = records[header_index]
    return [Problem(str(path), index + 1, _column_name(header, position), None,
                    f"cellen är {len(cell)} tecken lång; högst {MAX_CELL_CHARS} läses")
            for index, record in enumerate(records) for position, cell in enumerate(record)
            if len(cell) > MAX_CELL_CHARS]


def _read_csv(path: Path, score_header: Callable[[list[str]], int]) -> RawTable:
    data = path.read_bytes()
    text, encoding = _decode(path, data)
    _control_characters(path, text)
    _double_encoded(path, text)
    delimiter = _pick_delimiter(text, score_header)
    records, spans = _csv_records(path, text, delimiter)
    header_index = _header_index(path, records, score_header)
    problems = _long_cells(path, records, header_index) + _swallowed_rows(path, records, spans, header_index,
                                                                           delimiter)
    if problems:
        raise DataError(problems)
    return _records_to_table(path, records, score_header, encoding=encoding, delimiter=delimiter)


# ------------------------------------------------------------------------------- records


def _header_index(path: Path, records: list[list[str]], score_header: Callable[[list[str]], int]) -> int:
    index = header_position(records, score_header)
    if index is None:
        raise _fail(path, "filen är tom")
    return index


def _records_to_table(path: Path, records: list[list[str]], score_header: Callable[[list[str]], int],
                      **meta: str | None) -> RawTable:
    records = [[cell.strip() for cell in record] for record in records]
    header_index = _header_index(path, records, score_header)
    above = tuple((i + 1, sum(bool(c) for c in r)) for i, r in enumerate(records[:header_index]) if any(r))
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
    return RawTable(path=path, header=header, rows=rows, row_numbers=numbers, bad_rows=bad_rows, above_header=above,
                    **meta)


# ------------------------------------------------------------------------------------ XLSX


def _check_archive(path: Path) -> None:
    """Refuse a workbook that is not a zip, or whose parts unpack to more than :data:`MAX_UNPACKED_BYTES`."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        with open(path, "rb") as handle:
            start = handle.read(8)
        what = next((w for magic, w in _MAGIC[1:] if start.startswith(magic)), None)
        reason = (f"filen är {what}" if what else
                  "filen kan inte läsas som Excel-arbetsbok (.xlsx): den är skadad eller inte en arbetsbok")
        raise _fail(path, reason) from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise _fail(path, f"arbetsboken packas upp till {_megabytes(unpacked)}; högst "
                          f"{_megabytes(MAX_UNPACKED_BYTES)} läses (en zip-bomb?)")


def _declared_size(path: Path, sheet) -> None:
    """Refuse a sheet whose declared dimension (``<dimension ref="A1:XFD1048576"/>``) exceeds the limits."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    what = f"bladet {sheet.title!r} anger storleken {rows} rader × {columns} kolumner, och"
    _check_size(path, rows, columns, rows * columns, what)


def _formula_problems(path: Path, header: list[str], formulas: list[tuple[int, int]]) -> list[Problem]:
    shown = [Problem(str(path), row, _column_name(header, column), None, "formel i cellen, spara som värden")
             for row, column in formulas[:_SHOWN]]
    if len(formulas) > _SHOWN:
        shown.append(Problem(str(path), None, None, None,
                             f"och {len(formulas) - _SHOWN} celler till med formler; spara arbetsboken som värden"))
    return shown


def _sheet_rows(path: Path, sheet) -> Iterator[tuple[int, list[str], list[int], list[int]]]:
    """``(row number, texts, formula columns, too-long columns)`` of each row, streamed within the limits."""
    _declared_size(path, sheet)
    sheet.reset_dimensions()  # never pad rows to a declared dimension: a row is as wide as its last cell
    cells = 0
    for number, row in enumerate(sheet.iter_rows(), start=1):
        cells += len(row)
        _check_size(path, number, len(row), cells, f"bladet {sheet.title!r}", number)
        texts = [_cell_text(cell.value) for cell in row]
        formulas = [c for c, cell in enumerate(row) if getattr(cell, "data_type", None) == "f"]
        long = [c for c, text in enumerate(texts) if len(text) >= MAX_CELL_CHARS]  # openpyxl cuts longer cells
        yield number, texts, formulas, long


def _read_sheet(path: Path, sheet) -> list[list[str]]:
    """The rows of one sheet as text; every formula cell and over-long cell is a problem."""
    records, formulas, problems = [], [], []
    for number, texts, formula_columns, long in _sheet_rows(path, sheet):
        records.append(texts)
        formulas += [(number, c) for c in formula_columns]
        problems += [(number, c, len(texts[c])) for c in long]
    header = next((r for r in records if any(t.strip() for t in r)), [])
    found = _formula_problems(path, header, formulas)
    found += [Problem(str(path), row, _column_name(header, c), None,
                      f"cellen når gränsen {MAX_CELL_CHARS} tecken och kan vara avkortad") for row, c, _ in problems]
    if found:
        raise DataError(found)
    return records


def _has_data(path: Path, sheet) -> bool:
    return any(any(t.strip() for t in texts) for _, texts, _, _ in _sheet_rows(path, sheet))


def _filled(rows) -> int:
    return sum(bool(text.strip()) for texts in rows for text in texts)


def _answers_sheet(path: Path, workbook, score_header: Callable[[list[str]], int],
                   first: list[list[str]]) -> tuple[list[list[str]], list[tuple[str, int]]]:
    """The sheet of answers when the first sheet (``first``, its rows) names no question, and the sheets before it.

    Only the first rows of the other sheets are read to find it; ``([], [])`` when none names questions.
    """
    for position, sheet in enumerate(workbook.worksheets[1:], start=1):
        head = [texts for _, (_, texts, _, _) in zip(range(MAX_TITLE_ROWS + 1), _sheet_rows(path, sheet))]
        if names_questions(head, score_header):
            between = workbook.worksheets[1:position]
            skipped = [(workbook.worksheets[0].title, _filled(first)),
                       *[(s.title, _filled(texts for _, texts, _, _ in _sheet_rows(path, s))) for s in between]]
            return _read_sheet(path, sheet), skipped
    return [], []


def _first_sheet(path: Path, workbook, score_header: Callable[[list[str]], int]
                 ) -> tuple[list[list[str]], list[tuple[str, int]]]:
    """The rows of the answers' sheet and the sheets skipped before it, as ``(title, filled cells)``.

    The first sheet, unless it names no question and a later sheet does (an information
    sheet first: that sheet is read, the ones before it listed); an empty first sheet beside
    a sheet with data is named as such.
    """
    if not workbook.worksheets:
        raise _fail(path, "arbetsboken har inga kalkylblad")
    first = workbook.worksheets[0]
    records = _read_sheet(path, first)
    if any(any(t.strip() for t in r) for r in records):
        if len(workbook.worksheets) > 1 and not names_questions(records, score_header):
            answers, skipped = _answers_sheet(path, workbook, score_header, records)
            if answers:
                return answers, skipped
        return records, []
    other = next((s.title for s in workbook.worksheets[1:] if _has_data(path, s)), None)
    if other is not None:
        raise _fail(path, f"det första bladet ({first.title!r}) är tomt; svaren finns på bladet {other!r}: "
                          "flytta det först i arbetsboken eller spara det som en egen fil")
    raise _fail(path, "filen är tom")


def _read_excel(path: Path, score_header: Callable[[list[str]], int]) -> tuple[list[list[str]], list[tuple[str, int]]]:
    import openpyxl

    _check_archive(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises KeyError, ValueError, TypeError, XML errors … for broken files
        raise _fail(path, "filen kan inte läsas som Excel-arbetsbok (.xlsx): den är skadad eller inte en "
                          f"arbetsbok ({type(error).__name__})") from error
    try:
        return _first_sheet(path, workbook, score_header)
    except DataError:
        raise
    except Exception as error:  # malformed XML inside a sheet (ParseError), bad cell types, …
        raise _fail(path, f"arbetsboken är skadad och kan inte läsas ({type(error).__name__}: "
                          f"{str(error)[:200]})") from error
    finally:
        workbook.close()


# ----------------------------------------------------------------------------------- entry


def _check_path(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + EXCEL_SUFFIXES + SPSS_SUFFIXES:
        allowed = ", ".join(CSV_SUFFIXES + EXCEL_SUFFIXES + SPSS_SUFFIXES)
        raise _fail(path, f"okänd filtyp {suffix or '(ingen)'!r}; förväntad en av {allowed}")
    if path.is_dir():
        raise _fail(path, "sökvägen är en mapp, inte en fil")
    if not path.exists():
        raise _fail(path, "filen finns inte")
    if not path.is_file():
        raise _fail(path, "sökvägen är inte en vanlig fil")
    size = path.stat().st_size
    if size == 0:
        raise _fail(path, "filen är tom")
    if size > MAX_FILE_BYTES:
        raise _fail(path, f"filen är {size} byte; högst {MAX_FILE_BYTES} byte ({_megabytes(MAX_FILE_BYTES)}) läses")


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
        The file is missing, a folder, empty, too large (:data:`LIMITS`), not text in a
        known encoding, not a workbook, holds formulas, has a quote that swallowed rows,
        or has no data rows (see the module docstring).
    """
    path = Path(path)
    _check_path(path)
    score_header = remembered(score_header)  # the delimiter, the title search and the sheet search ask alike
    if path.suffix.lower() in EXCEL_SUFFIXES:
        records, skipped = _read_excel(path, score_header)
        return replace(_records_to_table(path, records, score_header), other_sheets=tuple(skipped))
    if path.suffix.lower() in SPSS_SUFFIXES:
        return read_sav(path)
    return _read_csv(path, score_header)


# ------------------------------------------------------------------------------------ YAML

#: Largest params file read (bytes).
MAX_YAML_BYTES = 1024**2


class _NoAnchors:
    """Composer step that refuses anchors and aliases (``&name``, ``*name``).

    Params files never need them, and aliases are how a few hundred bytes of YAML
    expand into billions of nodes (the "billion laughs"); refusing them while the
    document is composed means nothing is ever built from one.
    """

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "ankare och alias (&namn, *namn) är inte tillåtna i en params-fil; skriv ut värdena",
                event.start_mark)
        return super().compose_node(parent, index)


class StrictSafeLoader(_NoAnchors, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, refusing anchors and aliases."""


_FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictFastLoader(_NoAnchors, yaml.composer.Composer, _FAST_SAFE_LOADER):
    """libyaml's parser (where PyYAML has it) under PyYAML's composer, refusing anchors and aliases."""

    def __init__(self, stream):
        _FAST_SAFE_LOADER.__init__(self, stream)
        yaml.composer.Composer.__init__(self)


_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomically(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary)`` on a new hidden file beside ``path``, then rename it onto ``path``.

    Readers never see a half-written file, and an interrupted write leaves the old one.
    The temporary file is created anew (``O_CREAT | O_EXCL``), so a link planted
    where it would go is never followed; the rename replaces a link at ``path``
    itself, never the file it points to.
    """
    path = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        os.chmod(temporary, 0o666 & ~_UMASK)
        write(temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
