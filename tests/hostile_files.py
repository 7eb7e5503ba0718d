"""Hostile and oddly encoded files for the bad-input corpus, written into a temporary folder by the test.

``tests/bad_inputs/expected.yaml`` names a maker with ``make: <name>``; each maker
writes ``target`` (the case's ``file`` name in the test's temporary folder) and returns
it. Nothing here is committed as a binary: workbooks, UTF-16 text, sparse 100 MB files
and zip bombs are made on the spot, from the committed CSV text where there is one.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
SHEET = "xl/worksheets/sheet1.xml"


def _records(name: str) -> list[list[str]]:
    with open(CORPUS / name, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _csv_text(records: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(records)
    return buffer.getvalue()


def _cell(value: str):
    return int(value) if re.fullmatch(r"-?\d+", value) else (value or None)


def _workbook(target: Path, sheets: dict[str, list[list[str]]]) -> Path:
    """A workbook with ``sheets`` (title → records) in order; a string starting with ``=`` is a formula."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, records in sheets.items():
        sheet = book.create_sheet(title)
        for record in records:
            sheet.append([_cell(c) for c in record])
    book.save(target)
    return target


def _patch(target: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """Rewrite one member of a zip file."""
    with zipfile.ZipFile(target) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[member] = change(parts[member])
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return target


def _chefsgrupp_workbook(target: Path, **cells: str) -> Path:
    """``good_chefsgrupp.csv`` as a workbook, with ``cells`` (``"<column>_<row>"`` → text) replaced."""
    records = _records("good_chefsgrupp.csv")
    for key, value in cells.items():
        column, _, row = key.rpartition("_")
        records[int(row) - 1][records[0].index(column)] = value
    return _workbook(target, {"Svar": records})


# ------------------------------------------------------------------ encodings


def _encoded(source: str, encoding: str, bom: bytes = b"", delimiter: str = ","):
    def make(target: Path) -> Path:
        target.write_bytes(bom + _csv_text(_records(source), delimiter).encode(encoding))
        return target
    return make


def double_encoded(target: Path) -> Path:
    """UTF-8 read as Windows-1252 and saved again as UTF-8: "Mysam Gävle" becomes "Mysam GÃ¤vle"."""
    text = _csv_text(_records("good_chefsgrupp.csv"))
    target.write_text(text.encode("utf-8").decode("cp1252", errors="replace"), encoding="utf-8")
    return target


# ------------------------------------------------------------------ not text


def png_named_csv(target: Path) -> Path:
    target.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4)
    return target


def control_characters(target: Path) -> Path:
    rng = random.Random(13)
    junk = bytes(rng.choice(range(1, 9)) for _ in range(3000))
    target.write_bytes(b"respondent_id,lyssnar\n" + junk)
    return target


def nul_in_text(target: Path) -> Path:
    text = (CORPUS / "good_chefsgrupp.csv").read_bytes()
    lines = text.split(b"\n")
    lines[3] = lines[3].replace(b"delvis", b"del\x00vis", 1)
    target.write_bytes(b"\n".join(lines))
    return target


def workbook_named_csv(target: Path) -> Path:
    return _workbook(target, {"Svar": _records("good_chefsgrupp.csv")})


def _ole(target: Path) -> Path:
    target.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"\xff" * 1024)
    return target


def pdf_named_csv(target: Path) -> Path:
    target.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    return target


# ------------------------------------------------------------------ paths and sizes


def directory(target: Path) -> Path:
    target.mkdir()
    (target / "operativ.csv").write_text("respondent_id\n", encoding="utf-8")
    return target


def missing(target: Path) -> Path:
    return target


def too_large(target: Path) -> Path:
    with open(target, "wb") as handle:  # sparse: no disk used
        handle.truncate(100 * 1024**2 + 1)
    return target


# ------------------------------------------------------------------ CSV limits


def _with_cell(row: int, column: str, text: str):
    def make(target: Path) -> Path:
        records = _records("good_chefsgrupp.csv")
        records[row - 1][records[0].index(column)] = text
        target.write_text(_csv_text(records), encoding="utf-8")
        return target
    return make


def too_many_columns(target: Path) -> Path:
    records = _records("good_chefsgrupp.csv")
    records[0] += [f"extra_{k}" for k in range(2001)]
    target.write_text(_csv_text(records), encoding="utf-8")
    return target


def too_many_rows(target: Path) -> Path:
    lines = ["respondent_id,mysam_grupp,lyssnar"] + [f"C{k},Mysam Gävle,ofta" for k in range(100_001)]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


# ------------------------------------------------------------------ workbooks


def formula_cells(target: Path) -> Path:
    return _chefsgrupp_workbook(target, lyssnar_3="=2+2", ovrigt_kommentar_5="=A1&\"!\"")


def many_formulas(target: Path) -> Path:
    cells = {f"{column}_{row}": "=1" for row in (2, 3) for column in
             ("lyssnar", "vet_tillfora", "rutiner_relationer", "forebyggande", "brukare_tillvara", "vikt_delta")}
    return _chefsgrupp_workbook(target, **cells)


def array_formula(target: Path) -> Path:
    _chefsgrupp_workbook(target)
    book = openpyxl.load_workbook(target)
    book["Svar"]["H4"] = ArrayFormula("H4", "=MAX(G2:G3)")
    book.save(target)
    return target


def malformed_sheet_xml(target: Path) -> Path:
    _chefsgrupp_workbook(target)
    return _patch(target, SHEET, lambda xml: xml[: len(xml) // 2])


def malformed_workbook_xml(target: Path) -> Path:
    _chefsgrupp_workbook(target)
    return _patch(target, "xl/workbook.xml", lambda xml: xml.replace(b"<sheets>", b"<sheets><<", 1))


def huge_dimension(target: Path) -> Path:
    _chefsgrupp_workbook(target)
    return _patch(target, SHEET, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))


def tall_dimension(target: Path) -> Path:
    _chefsgrupp_workbook(target)
    return _patch(target, SHEET, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:M200000"', xml))


def wide_row(target: Path) -> Path:
    """A declared dimension of A1:M7, and row 3 with a cell in column 2 500 (CRD)."""
    _chefsgrupp_workbook(target)
    cell = b'<c r="CRD3" t="inlineStr"><is><t>x</t></is></c></row>'
    return _patch(target, SHEET, lambda xml: re.sub(rb"(<row r=\"3\".*?)</row>", lambda m: m.group(1) + cell, xml,
                                                    count=1, flags=re.S))


def far_row(target: Path) -> Path:
    """One more row, numbered 1 048 576, after the data (the declared dimension stays A1:M7)."""
    _chefsgrupp_workbook(target)
    row = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>C999</t></is></c></row></sheetData>'
    return _patch(target, SHEET, lambda xml: xml.replace(b"</sheetData>", row, 1))


def zip_bomb(target: Path) -> Path:
    """A valid workbook plus a part that unpacks to 501 MB of zeros (~0.5 MB packed)."""
    _chefsgrupp_workbook(target)
    chunk = bytes(1024**2)
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/media/image1.bin", "w", force_zip64=True) as part:
            for _ in range(501):
                part.write(chunk)
    return target


def not_a_workbook_zip(target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("readme.txt", "inte en arbetsbok")
    return target


def second_sheet(target: Path) -> Path:
    return _workbook(target, {"Blad1": [], "Svar": _records("good_chefsgrupp.csv")})


def third_sheet(target: Path) -> Path:
    return _workbook(target, {"Blad1": [], "Blad2": [[""]], "Export": _records("good_chefsgrupp.csv")})


def empty_workbook(target: Path) -> Path:
    return _workbook(target, {"Blad1": []})


def header_only_workbook(target: Path) -> Path:
    return _workbook(target, {"Svar": _records("good_chefsgrupp.csv")[:1]})


def long_cell_workbook(target: Path) -> Path:
    return _chefsgrupp_workbook(target, chefsgrupp_kommentar_4="x" * 40_000)


def formula_text_workbook(target: Path) -> Path:
    """A formula-looking *text* cell (Excel's leading apostrophe): text, read as text, an unknown label."""
    _chefsgrupp_workbook(target)
    book = openpyxl.load_workbook(target)
    cell = book["Svar"]["G4"]
    cell.value, cell.data_type = '=HYPERLINK("http://example.invalid","klicka")', "s"
    book.save(target)
    return target


def params_too_large(target: Path) -> Path:
    head = "forbund: stor\nname: Stor\nwave: \"2019\"\n"
    filler = 1024**2 + 1 - len(head.encode("utf-8"))
    target.write_text(head + ("#" * 99 + "\n") * (filler // 100) + "#" * (filler % 100), encoding="utf-8")
    return target


MAKERS: dict[str, Callable[[Path], Path]] = {
    "params_too_large": params_too_large,
    "utf16_le_bom": _encoded("xlsx_sources/bad_label.csv", "utf-16"),
    "utf16_be_bom": _encoded("xlsx_sources/bad_label.csv", "utf-16-be", b"\xfe\xff"),
    "utf32_le_bom": _encoded("xlsx_sources/bad_label.csv", "utf-32"),
    "utf16_excel_unicode_text": _encoded("xlsx_sources/bad_label.csv", "utf-16", delimiter="\t"),
    "utf16_no_bom": _encoded("xlsx_sources/bad_label.csv", "utf-16-le"),
    "double_encoded": double_encoded,
    "utf8_bom_only": lambda target: (target.write_bytes(b"\xef\xbb\xbf"), target)[1],
    "png_named_csv": png_named_csv,
    "control_characters": control_characters,
    "nul_in_text": nul_in_text,
    "workbook_named_csv": workbook_named_csv,
    "xls_named_xlsx": _ole,
    "xls_named_csv": _ole,
    "pdf_named_csv": pdf_named_csv,
    "directory": directory,
    "missing": missing,
    "too_large": too_large,
    "cell_too_long": _with_cell(3, "ovrigt_kommentar", "x" * 40_000),
    "cell_over_csv_field_limit": _with_cell(5, "chefsgrupp_kommentar", "y" * 200_000),
    "unit_with_many_spaces": _with_cell(2, "mysam_grupp", "Mysam" + " " * 30_000 + "Gälve"),
    "header_with_many_spaces": _with_cell(1, "lyssnar", "De andra parterna lyssnar" + " " * 30_000 + "x"),
    "too_many_columns": too_many_columns,
    "too_many_rows": too_many_rows,
    "formula_cells": formula_cells,
    "many_formulas": many_formulas,
    "array_formula": array_formula,
    "malformed_sheet_xml": malformed_sheet_xml,
    "malformed_workbook_xml": malformed_workbook_xml,
    "huge_dimension": huge_dimension,
    "tall_dimension": tall_dimension,
    "wide_row": wide_row,
    "far_row": far_row,
    "zip_bomb": zip_bomb,
    "not_a_workbook_zip": not_a_workbook_zip,
    "second_sheet": second_sheet,
    "third_sheet": third_sheet,
    "empty_workbook": empty_workbook,
    "header_only_workbook": header_only_workbook,
    "long_cell_workbook": long_cell_workbook,
    "formula_text_workbook": formula_text_workbook,
}


def make(name: str, target: Path) -> Path:
    """Write the file of maker ``name`` at ``target``."""
    return MAKERS[name](target)
