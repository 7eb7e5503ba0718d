"""Make the survey-tool export corpus in ``tests/exports/`` (seeded: the same files every time).

    .venv/bin/python tests/exports/make_exports.py [--out tests/exports]

Six styles, each a staff (``operativ``) and a manager (``chefsgrupp``) export of a
fictional förbund, written the way the named kind of tool writes them — made by this
project, not downloaded: the headers, metadata columns, answer wording, multi-choice
layout, encoding and file format of each style are in :data:`STYLES` (see README.md
here). The answers are drawn from the instrument (``samverkan/data/schema/instrument.yaml``,
read as YAML, not through samverkan) with a fixed seed per style.

XLSX files get fixed document dates; CSV files are byte-identical run to run; the SPSS
writer stamps the creation time, so ``.sav`` files are identical in content (cells,
labels, missing codes), not in bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
INSTRUMENT = yaml.safe_load((HERE.parents[1] / "samverkan" / "data" / "schema" / "instrument.yaml")
                            .read_text(encoding="utf-8"))
SURVEYS = INSTRUMENT["surveys"]
KOMMUNER = ["Åsby", "Björkala", "Ekträsk", "Öby"]
GROUPS = ["Mysam Åsby", "Mysam Björkala", "Mysam Ekträsk"]
SIZES = {"operativ": 90, "chefsgrupp": 26}
COMMENTS = ["Bra samarbete med FK.", "Vi behöver fler gemensamma möten.", "Ring mig gärna, 070-000 00 00."]

#: A respondent's value of one item: a label, a list of labels, None (blank) or a missing code.
VET_EJ, EJ_AKTUELLT, CODED = "<vet_ej>", "<ej_aktuellt>", "<kodat>"


def _labels(item: dict) -> list[str]:
    if item["kind"] == "ordinal":
        return list(INSTRUMENT["scales"][item["scale"]]["labels"])
    return list(item.get("values") or item.get("options") or [])


# ---------------------------------------------------------------------------- answers


def _answer(rng, item: dict, spss: bool) -> object:
    labels = _labels(item)
    draw = rng.random()
    if item["kind"] == "multiselect":
        return [o for o in labels if rng.random() < 0.3]
    if item.get("indicator") and draw < 0.05:
        return VET_EJ
    if item.get("indicator") and draw < 0.08:
        return EJ_AKTUELLT
    if item.get("indicator") and spss and draw < 0.10:
        return CODED
    if item.get("indicator") and draw < 0.12:
        return None
    weights = np.linspace(1, 2, len(labels))  # a little more of the higher steps
    return labels[rng.choice(len(labels), p=weights / weights.sum())]


def _asked(item: dict, record: dict) -> bool:
    for condition, allowed in (item.get("asked_if") or {}).items():
        if record.get(condition) not in allowed:
            return False
    return True


def respondents(survey: str, rng, spss: bool = False) -> list[dict]:
    """Respondents of ``survey``: item id → value, in questionnaire order."""
    units = KOMMUNER if survey == "operativ" else GROUPS
    records = []
    for index in range(SIZES[survey]):
        record: dict = {}
        for item in SURVEYS[survey]["items"]:
            if item["kind"] == "id":
                record[item["id"]] = f"{1001 + index}"
            elif item["kind"] == "unit":
                count = 2 if rng.random() < 0.2 else 1
                record[item["id"]] = sorted(rng.choice(units, size=count, replace=False).tolist(), key=units.index)
            elif not _asked(item, record):
                record[item["id"]] = [] if item["kind"] == "multiselect" else None
            elif item["id"] == "kontakt_malgrupp":
                record[item["id"]] = "ja" if rng.random() < 0.9 else "nej"
            elif item["id"] == "erfarenhet_samverkan":
                record[item["id"]] = "ja" if rng.random() < 0.88 else "nej"
            else:
                record[item["id"]] = _answer(rng, item, spss)
        for comment in SURVEYS[survey].get("comments", [])[:1]:
            record[comment["id"]] = COMMENTS[index % 3] if rng.random() < 0.15 else ""
        records.append(record)
    return records


# ---------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class Style:
    """How one kind of tool writes an export."""

    name: str
    suffix: str
    id_header: str | None
    question: str  # format of a question header: {n} number, {text} wording
    option: str  # format of an option column header: {question} header, {option} text; "" = one cell
    unit_option: bool  # the unit question as one column per unit
    chosen: str  # an option column's cell when chosen: "text", or the mark itself
    not_chosen: str
    joiner: str  # between several values in one cell
    vet_ej: str
    ej_aktuellt: str
    codes: bool  # answers as numeric codes
    capitalise: bool
    encoding: str = "utf-8"
    delimiter: str = ","


STYLES = {
    "netigate": Style("netigate", ".xlsx", "Svars-ID", "Q{n}. {text}", "{question} - {option}", True, "text", "",
                      ", ", "Vet inte", "Ej relevant", False, True),
    "esmaker": Style("esmaker", ".csv", "Löpnummer", "Fråga {n}: {text}", "{question} - {option}", True, "1", "0",
                     ", ", "Vet ej", "Ej aktuellt", True, False, encoding="utf-8-sig", delimiter=";"),
    "msforms": Style("msforms", ".xlsx", "ID", "{text}", "", False, "", "", ";", "Ingen åsikt", "Ej aktuellt",
                     False, True),
    "googleforms": Style("googleforms", ".csv", None, "{text}", "", False, "", "", ", ", "Vet inte", "Ej relevant",
                         False, True),
    "spss": Style("spss", ".sav", "id", "q{n}", "{question}_{k}", True, "1", "0", ", ", "98", "97", True, True),
    "excel_cp1252": Style("excel_cp1252", ".csv", "Svars-ID", "{n}. {text}", "{question} - {option}", False, "x", "",
                          "; ", "Vet ej/ej aktuellt", "Ej aktuellt", False, False, encoding="cp1252", delimiter=";"),
}


def _metadata(style: Style, rng, index: int) -> list[tuple[str, object]]:
    start = dt.datetime(2019, 3, 4, 8, 0) + dt.timedelta(minutes=int(37 * index + rng.integers(0, 30)))
    end = start + dt.timedelta(minutes=int(rng.integers(4, 20)))
    stamp = start.strftime("%Y-%m-%d %H:%M:%S")
    return {
        "netigate": [("Starttid", stamp), ("Sluttid", end.strftime("%Y-%m-%d %H:%M:%S")), ("Språk", "Svenska"),
                     ("Slutförd", "Ja")],
        "esmaker": [("Datum", start.strftime("%Y-%m-%d")), ("Status", "Komplett")],
        "msforms": [("Starttid", start.strftime("%Y-%m-%d %H:%M")), ("Sluttid", end.strftime("%Y-%m-%d %H:%M")),
                    ("E-post", "anonymous"), ("Namn", ""), ("Senast ändrad", "")],
        "googleforms": [("Tidstämpel", start.strftime("%Y/%m/%d %H:%M:%S")),
                        ("E-postadress", "")],
        "spss": [("Starttid", start)],
        "excel_cp1252": [("Starttid", stamp), ("IP-adress", f"10.0.{index // 200}.{index % 200}")],
    }[style.name]


def _text(style: Style, label: str) -> str:
    return label[:1].upper() + label[1:] if style.capitalise else label


def _cell(style: Style, item: dict, value) -> str:
    """One answer cell of a single-answer item."""
    if value is None:
        return ""
    if value in (VET_EJ, EJ_AKTUELLT):
        return style.vet_ej if value == VET_EJ else style.ej_aktuellt
    if value == CODED:
        return "99"
    if style.codes:
        return str(_labels(item).index(value) + 1)
    return _text(style, value)


def _joined(style: Style, values: list[str]) -> str:
    text = style.joiner.join(_text(style, v) if v not in KOMMUNER + GROUPS else v for v in values)
    return text + ";" if style.name == "msforms" and values else text


def _columns(style: Style, survey: str) -> list[tuple[str, str, str | None]]:
    """``(header, item id, option)`` of every question column, in questionnaire order."""
    columns = []
    units = KOMMUNER if survey == "operativ" else GROUPS
    number = 0
    for item in SURVEYS[survey]["items"]:
        if item["kind"] == "id":
            continue
        number += 1
        question = style.question.format(n=number, text=item["text"])
        spread = (item["kind"] == "multiselect" and style.option) or (item["kind"] == "unit" and style.unit_option)
        if not spread:
            columns.append((question, item["id"], None))
            continue
        for k, option in enumerate(units if item["kind"] == "unit" else _labels(item), start=1):
            shown = option if item["kind"] == "unit" else _text(style, option)
            pattern = style.option or "{question} - {option}"
            header = pattern.format(question=question, option=shown, k=k)
            columns.append((header, item["id"], option))
    for comment in SURVEYS[survey].get("comments", [])[:1]:
        number += 1
        columns.append((style.question.format(n=number, text=comment["text"]), comment["id"], None))
    return columns


def table(style: Style, survey: str, records: list[dict], rng) -> tuple[list[str], list[list[object]]]:
    """Header and rows of one export in ``style``."""
    items = {i["id"]: i for i in SURVEYS[survey]["items"]}
    columns = _columns(style, survey)
    meta_names = [name for name, _ in _metadata(style, rng, 0)]
    header = ([style.id_header] if style.id_header else []) + meta_names + [h for h, _, _ in columns]
    rows = []
    for index, record in enumerate(records):
        row: list[object] = [record["respondent_id"]] if style.id_header else []
        row += [value for _, value in _metadata(style, rng, index)]
        for _, item_id, option in columns:
            value = record.get(item_id, "")
            if item_id not in items:  # a comment
                row.append(value)
            elif option is not None:
                asked = bool(value) or _asked(items[item_id], record)
                chosen = option in value
                mark = (_text(style, option) if items[item_id]["kind"] != "unit" else option) \
                    if style.chosen == "text" else style.chosen
                row.append(mark if chosen else (style.not_chosen if asked else ""))
            elif isinstance(value, list):
                row.append(_joined(style, value))
            else:
                row.append(_cell(style, items[item_id], value))
        rows.append(row)
    return header, rows


# ---------------------------------------------------------------------------- writing


def _write_csv(path: Path, style: Style, header, rows) -> None:
    with open(path, "w", encoding=style.encoding, newline="") as handle:
        csv.writer(handle, delimiter=style.delimiter, lineterminator="\r\n").writerows([header, *rows])


def _write_xlsx(path: Path, header, rows) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Svar"
    sheet.append(header)
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    book.properties.created = book.properties.modified = dt.datetime(2019, 4, 1)
    book.save(path)


def _write_sav(path: Path, survey: str, header, rows) -> None:
    """Coded variables with value labels, user-missing 97/98/99, dichotomies, variable labels."""
    import pandas as pd
    import pyreadstat

    items = {i["id"]: i for i in SURVEYS[survey]["items"]}
    texts = {i["id"]: i["text"] for i in SURVEYS[survey]["items"]}
    texts |= {c["id"]: c["text"] for c in SURVEYS[survey]["comments"]}
    columns = dict(zip(header, zip(*rows)))
    frame, labels, value_labels, missing = {}, {}, {}, {}
    for name, (_, item_id, option) in zip(header[2:], _columns(STYLES["spss"], survey)):
        cells = list(columns[name])
        item = items.get(item_id)
        if item is None or item["kind"] == "unit" and option is None:
            frame[name], labels[name] = [str(c) for c in cells], texts[item_id]
            continue
        if option is not None:
            frame[name] = [float(c) if c != "" else float("nan") for c in cells]
            shown = option if item["kind"] == "unit" else option[:1].upper() + option[1:]
            labels[name] = f"{item['text']} - {shown}"
            value_labels[name] = {0.0: "Ej vald", 1.0: "Vald"}
            continue
        frame[name] = [float(c) if c != "" else float("nan") for c in cells]
        labels[name] = item["text"]
        value_labels[name] = {float(k): v[:1].upper() + v[1:] for k, v in enumerate(_labels(item), start=1)} | {
            97.0: "Ej aktuellt", 98.0: "Vet ej", 99.0: "Ej svar"}
        missing[name] = [97.0, 98.0, 99.0]
    data = pd.DataFrame({"id": list(columns["id"]), "Starttid": pd.to_datetime(list(columns["Starttid"])), **frame})
    pyreadstat.write_sav(data, str(path), column_labels={"id": "Respondent-ID", **labels},
                         variable_value_labels=value_labels, missing_ranges=missing)


def write_style(style: Style, out: Path) -> list[Path]:
    """Both surveys' exports of ``style`` into ``out/<style>/``."""
    folder = out / style.name
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for offset, survey in enumerate(("operativ", "chefsgrupp")):
        seed = 2026 + 10 * list(STYLES).index(style.name) + offset
        rng = np.random.default_rng(seed)
        records = respondents(survey, rng, spss=style.name == "spss")
        header, rows = table(style, survey, records, np.random.default_rng(seed + 1000))
        path = folder / f"{survey}{style.suffix}"
        if style.suffix == ".csv":
            _write_csv(path, style, header, rows)
        elif style.suffix == ".xlsx":
            _write_xlsx(path, header, rows)
        else:
            _write_sav(path, survey, header, rows)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    written = [p for style in STYLES.values() for p in write_style(style, args.out)]
    for path in written:
        print(path)
    return written


if __name__ == "__main__":
    main()
