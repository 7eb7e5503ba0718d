"""Survey-tool exports to reports without editing the export (issue 10's acceptance).

``tests/exports/`` holds six styles of export (made by ``make_exports.py`` there), each
a staff and a manager file. Every style goes ``samverkan init`` → ``samverkan validate
--params`` → ``samverkan report`` with the files untouched, and each report's counts
equal an independent count of the same file made here with pandas (and pyreadstat),
knowing only how that style writes its files — not through samverkan's loader.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

CORPUS = Path(__file__).resolve().parent / "exports"
sys.path.insert(0, str(CORPUS))
import make_exports  # noqa: E402  (the corpus generator, for its styles)

STYLES = list(make_exports.STYLES)
INSTRUMENT = make_exports.INSTRUMENT
SURVEYS = ("operativ", "chefsgrupp")
FILES = {style: [CORPUS / style / f"{s}{make_exports.STYLES[style].suffix}" for s in SURVEYS] for style in STYLES}


def _digest(paths) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


# ------------------------------------------------------------------ the corpus itself


def test_the_corpus_has_six_styles_with_both_surveys():
    assert STYLES == ["netigate", "esmaker", "msforms", "googleforms", "spss", "excel_cp1252"]
    for paths in FILES.values():
        assert all(p.is_file() for p in paths), paths
    assert (CORPUS / "excel_cp1252" / "operativ.csv").read_bytes().decode("cp1252").startswith("Svars-ID;")
    assert (CORPUS / "esmaker" / "operativ.csv").read_bytes().startswith(b"\xef\xbb\xbfL\xc3\xb6pnummer;")


def _cells(path: Path):
    if path.suffix == ".xlsx":
        return [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    if path.suffix == ".sav":
        import pyreadstat

        frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
        return (frame.astype(str).values.tolist(), meta.column_names_to_labels, meta.variable_value_labels,
                meta.missing_ranges)
    return path.read_bytes()


def test_the_generator_makes_the_committed_files(tmp_path):
    make_exports.main(["--out", str(tmp_path)])
    for paths in FILES.values():
        for committed in paths:
            made = tmp_path / committed.relative_to(CORPUS)
            assert _cells(made) == _cells(committed), committed


# ------------------------------------------------------ init → validate, files untouched


@pytest.fixture(scope="module")
def initialised(tmp_path_factory, run_cli):
    """``samverkan init`` on each style's two exports: the params files, and the exports' digests before."""
    folder = tmp_path_factory.mktemp("params")
    before = _digest(p for paths in FILES.values() for p in paths)
    results = {}
    for style, paths in FILES.items():
        out = folder / f"{style}.yaml"
        results[style] = (out, run_cli("init", *map(str, paths), "--forbund", f"export-{style.replace('_', '-')}",
                                   "--name", f"Exportstil {style}", "--wave", "2019", "--out", str(out)))
    return results, before


@pytest.mark.parametrize("style", STYLES)
def test_init_writes_params_that_validate(initialised, style, run_cli):
    results, _ = initialised
    out, done = results[style]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "enkäten operativ, 90 respondenter, 4 enheter" in done.stdout
    assert "enkäten chefsgrupp, 26 respondenter, 3 enheter" in done.stdout
    validated = run_cli("validate", "--params", str(out))
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert validated.stdout.rstrip().endswith(f"{out}: inga problem")
    params = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert set(params["columns"]) == set(SURVEYS)
    assert params["regions"]["Öby"] == ["Öby"] and params["regions"]["Åsby"] == ["Åsby", "Mysam Åsby"]


def test_metadata_columns_are_listed_by_validate(initialised, run_cli):
    out, _ = initialised[0]["netigate"]
    lines = run_cli("validate", "--params", str(out)).stdout.splitlines()
    assert any("ignorerad kolumn 'Språk' (columns: ignore; 90 ifyllda celler)" in line for line in lines)
    staff = run_cli("validate", str(FILES["netigate"][0]))
    assert staff.returncode == 0, staff.stdout
    assert "  ignorerad kolumn 'Starttid' (metadata från enkätverktyget; 90 ifyllda celler)" in staff.stdout


def test_google_forms_has_no_id_column_and_init_marks_its_stand_in(initialised):
    out, done = initialised[0]["googleforms"]
    assert '"Tidstämpel": "respondent_id"   # GISSNING: filen har ingen kolumn med respondent-id' in \
        out.read_text(encoding="utf-8")
    assert f"{out}:" in done.stdout and "GISSNING" in done.stdout


def test_init_writes_a_header_of_two_columns_once_and_validate_names_it(tmp_path, run_cli):
    """A YAML key is written once; the mapping cannot tell the columns apart, so the export must be fixed."""
    source = next(p for p in FILES["googleforms"] if p.stem == "operativ")
    with open(source, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    twice = rows[0][8]
    with open(tmp_path / "operativ.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([row[:3] + [row[8]] + row[3:] for row in rows])
    out = tmp_path / "params.yaml"
    run_cli("init", str(tmp_path / "operativ.csv"), "--forbund", "dubbel", "--wave", "2019", "--out", str(out))
    lines = [line for line in out.read_text(encoding="utf-8").splitlines() if line.strip().startswith(f'"{twice}":')]
    assert len(lines) == 1 and "GRANSKA: rubriken står i kolumnerna 4, 10" in lines[0], lines
    validated = run_cli("validate", "--params", str(out))
    assert validated.returncode != 0
    assert f"operativ.csv:1:{twice}: kolumnen samverkar_tva_parter förekommer två gånger" in validated.stdout


def test_init_never_changes_an_export(initialised):
    _, before = initialised
    assert _digest(Path(p) for p in before) == before


# ------------------------------------------------------------ independent counts


def _labels(item: dict) -> list[str]:
    return make_exports._labels(item)


def _read(path: Path, style) -> pd.DataFrame:
    """The export as a table of text (SPSS: codes as numbers, user-missing codes as missing)."""
    if path.suffix == ".csv":
        return pd.read_csv(path, sep=style.delimiter, encoding=style.encoding, dtype=str, keep_default_na=False)
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str).fillna("")
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path))  # user-missing codes read as missing
    frame.attrs["labels"] = meta.column_names_to_labels
    return frame


def _column(frame: pd.DataFrame, text: str) -> list[str]:
    """Columns whose header (or SPSS variable label) holds the question ``text``."""
    labels = frame.attrs.get("labels", {})
    return [c for c in frame.columns if text in str(c) or text in str(labels.get(c) or "")]


def _decode(value, item: dict, style) -> str | None:
    """The instrument label of a cell, or ``None`` for a missing answer."""
    labels = _labels(item)
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return None
    if style.codes:
        try:
            code = int(float(value))
        except ValueError:  # "Vet ej" and the like
            return None
        return labels[code - 1] if 1 <= code <= len(labels) else None
    folded = {label.casefold(): label for label in labels}
    return folded.get(str(value).strip().casefold())


def _units(frame: pd.DataFrame, survey: str) -> list[list[str]]:
    unit_item = next(i for i in INSTRUMENT["surveys"][survey]["items"] if i["kind"] == "unit")
    columns = _column(frame, unit_item["text"])
    if len(columns) == 1:
        return [[u.strip() for u in re.split(r"[,;]", str(cell)) if u.strip()] for cell in frame[columns[0]]]
    names = {c: (frame.attrs.get("labels", {}).get(c) or c).rsplit(" - ", 1)[1] for c in columns}
    chosen = frame[columns].astype(str).apply(lambda s: ~s.isin(["", "0", "0.0", "nan"]))
    return [[names[c] for c in columns if row[c]] for _, row in chosen.iterrows()]


def independent_counts(path: Path, style_name: str, survey: str, regions: dict) -> pd.DataFrame:
    """n and number of high answers per indicator item and region (and "Alla"), as the report counts them:
    each respondent once per region (whatever number of its units lie there) and once in "Alla".

    Staff are the report's population: "ja" to both screening questions.
    """
    style = make_exports.STYLES[style_name]
    frame = _read(path, style)
    items = {i["id"]: i for i in INSTRUMENT["surveys"][survey]["items"]}
    keep = np.ones(len(frame), dtype=bool)
    for screening in ("kontakt_malgrupp", "erfarenhet_samverkan") if survey == "operativ" else ():
        [column] = _column(frame, items[screening]["text"])
        keep &= np.array([_decode(v, items[screening], style) == "ja" for v in frame[column]])
    region_of = {unit: region for region, units in regions.items() for unit in units}
    rows = []
    for item_id, item in items.items():
        if not item.get("indicator"):
            continue
        [column] = _column(frame, item["text"])
        high = set(INSTRUMENT["scales"][item["scale"]]["high"])
        for units, value, kept in zip(_units(frame, survey), frame[column], keep):
            label = _decode(value, item, style)
            if kept and label is not None:
                rows += [(item_id, region, label in high, True) for region in dict.fromkeys(region_of[u]
                                                                                            for u in units)]
                rows.append((item_id, "Alla", label in high, False))
    counted = pd.DataFrame(rows, columns=["item", "region", "high", "in_region"])
    by_region = counted[counted["in_region"]].groupby(["item", "region"])["high"].agg(["size", "sum"])
    overall = counted[~counted["in_region"]].groupby("item")["high"].agg(["size", "sum"]).assign(region="Alla")
    overall = overall.set_index("region", append=True)
    return pd.concat([by_region, overall]).rename(columns={"size": "n", "sum": "high"})


@pytest.fixture(scope="module")
def staff_only(tmp_path_factory, run_cli):
    """``samverkan init`` on the Netigate-style staff export alone: a förbund without managers."""
    out = tmp_path_factory.mktemp("personal") / "personal.yaml"
    done = run_cli("init", str(FILES["netigate"][0]), "--forbund", "personal", "--wave", "2019", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def reports(initialised, staff_only, tmp_path_factory, run_cli_process):
    """One ``samverkan report`` over the six styles' params files and the staff-only one (one warm kernel)."""
    results, _ = initialised
    out = tmp_path_factory.mktemp("reports")
    done = run_cli_process("report", *(str(results[s][0]) for s in STYLES), str(staff_only), "--out", str(out),
                           timeout=900)
    return out, done


@pytest.mark.kernel
@pytest.mark.parametrize("style", STYLES)
def test_report_counts_equal_an_independent_count_of_the_export(initialised, reports, style):
    out, done = reports
    assert done.returncode == 0, done.stdout + done.stderr
    params_path, _ = initialised[0][style]
    params = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    results = json.loads((out / params["forbund"] / "results.json").read_text(encoding="utf-8"))
    scores = pd.DataFrame(results["scores"])
    compared = 0
    for survey, path in zip(SURVEYS, FILES[style]):
        expected = independent_counts(path, style, survey, params["regions"])
        shown = scores[(scores["survey"] == survey) & scores["n"].notna()]
        for row in shown.itertuples():
            n, high = expected.loc[(row.item, row.group)]
            assert (row.n, round(row.share_high * row.n)) == (n, high), (survey, row.item, row.group)
            compared += 1
        alla = shown[shown["group"] == "Alla"]
        assert len(alla) == len({i for i in expected.index.get_level_values(0)}), "every item's total is shown"
    assert compared >= 40


@pytest.mark.kernel
def test_reports_publish_no_comment_and_no_respondent_id(initialised, reports):
    out, _ = reports
    published = "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*")
                        if p.suffix in (".html", ".json"))
    for comment in make_exports.COMMENTS:
        assert comment not in published
    assert "Tidstämpel" not in published and "2019/03/04" not in published


@pytest.mark.kernel
def test_plain_papermill_with_a_params_file_anywhere(tmp_path):
    """Relative data paths resolve from the params file's folder: with --cwd there it runs, without it the
    failure names the resolved path, the working folder and that fix."""
    import shutil

    sample = Path(__file__).resolve().parent.parent / "samverkan" / "data" / "sample" / "kustbygden" / "2019"
    (tmp_path / "data").mkdir()
    for survey in SURVEYS:
        shutil.copy(sample / f"{survey}.csv", tmp_path / "data" / f"{survey}.csv")
    params = tmp_path / "somewhere" / "kustbygden.yaml"
    params.parent.mkdir()
    committed = (Path(__file__).resolve().parent.parent / "params" / "kustbygden.yaml").read_text(encoding="utf-8")
    params.write_text(committed.replace("../data/sample/kustbygden/2019/", "../data/"), encoding="utf-8")
    notebook = Path(__file__).resolve().parent.parent / "samverkan" / "notebooks" / "forbund_report.ipynb"
    command = [sys.executable, "-m", "papermill", str(notebook), str(tmp_path / "out.ipynb"), "-f", str(params)]
    failed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=600)
    assert failed.returncode != 0
    assert str((tmp_path / "../data/operativ.csv").resolve()) in failed.stderr
    assert f"från arbetsmappen {tmp_path}" in failed.stderr and "--cwd <params-filens mapp>" in failed.stderr
    ran = subprocess.run([*command, "--cwd", str(params.parent)], cwd=tmp_path, capture_output=True, text=True,
                         check=False, timeout=600)
    assert ran.returncode == 0, ran.stderr[-3000:]


@pytest.mark.kernel
def test_a_staff_only_export_goes_from_init_to_a_report(staff_only, reports, run_cli):
    assert "chefsgrupp: null" in staff_only.read_text(encoding="utf-8")
    assert run_cli("validate", "--params", str(staff_only)).returncode == 0
    out, done = reports
    assert done.returncode == 0, done.stderr[-2000:]
    page = (out / "personal" / "report.html").read_text(encoding="utf-8")
    assert "Enkäten till lokala chefsgrupper (Mysam) ingår inte i underlaget" in page  # the section says why


@pytest.mark.parametrize("style", STYLES)
def test_every_answer_cell_of_the_corpus_is_kept(initialised, style):
    """The ledger: answer cells counted from the style (a cell per answer column and option column, and each
    filled comment cell) equal the cells the loader read; none is rejected."""
    import samverkan as sv

    params = yaml.safe_load(initialised[0][style][0].read_text(encoding="utf-8"))
    for survey, path in zip(SURVEYS, FILES[style]):
        kinds = {i["id"]: i["kind"] for i in INSTRUMENT["surveys"][survey]["items"]}
        columns = make_exports._columns(make_exports.STYLES[style], survey)
        answer_columns = [h for h, item_id, _ in columns if kinds.get(item_id) in ("ordinal", "nominal", "multiselect")]
        comment_columns = [h for h, item_id, _ in columns if item_id not in kinds]
        frame = _read(path, make_exports.STYLES[style])
        filled_comments = sum(int((frame[c].astype(str).str.strip() != "").sum()) for c in comment_columns)
        result = sv.read_export(path, survey=survey, columns=params["columns"][survey])
        assert result.cells_read == len(frame) * len(answer_columns) + filled_comments, (style, survey)
        assert result.problems == [] and result.rejected[result.rejected["row"].fillna(0) > 1].empty
        assert len(result.comments) == filled_comments
