"""The report notebook executed by papermill, its published outputs, and the privacy scan."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import openpyxl
import papermill
import pytest
from PIL import Image

import samverkan as sv
from samverkan import params as config, publish
from samverkan.display import Table

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
NOTEBOOKS = ROOT / "notebooks"


#: The report's charts: one per indicator item of each survey, named <survey>_<item>.png.
FIGURES = {f"{survey}_{item.id}.png" for survey in ("operativ", "chefsgrupp")
           for item in sv.instrument.survey(survey).indicator_items}


@pytest.fixture(scope="module")
def reports(sample_batch):
    """Two reports of the session's warm batch (tests/conftest.py): the largest förbund and the one with a tiny region."""
    return {f: sample_batch["out"] / f for f in ("gavleborg", "fjallmarken")}


# ------------------------------------------------------------------ outputs


@pytest.mark.parametrize("forbund", ["gavleborg", "fjallmarken"])
def test_every_output_is_written(reports, forbund):
    folder = reports[forbund]
    for name in ("report.ipynb", "report.html", "tables.xlsx", "results.json"):
        assert (folder / name).stat().st_size > 0, name
    assert {p.name for p in (folder / "figures").glob("*")} == FIGURES
    assert not list(folder.parent.glob(".*tmp*")), "temporary folders left behind"


def test_html_has_no_code_and_states_data_wave_version_and_date(reports):
    page = (reports["gavleborg"] / "report.html").read_text(encoding="utf-8")
    assert "build_report" not in page and "import samverkan" not in page
    assert "injected-parameters" not in page and "output_dir" not in page
    assert "Samordningsförbund Gävleborg (syntetiska data)" in page
    assert "mätning 2019" in page and "Jämförelse med mätningen 2016" in page
    assert f"samverkan {sv.__version__}" in page and re.search(r"körd \d{4}-\d{2}-\d{2}", page)
    embedded = {base64.b64decode(m) for m in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)}
    assert {p.read_bytes() for p in (reports["gavleborg"] / "figures").glob("*.png")} <= embedded
    assert len(FIGURES) == 14


def test_workbook_has_swedish_headers(reports):
    book = openpyxl.load_workbook(reports["gavleborg"] / "tables.xlsx", read_only=True)
    assert {"strukturerad", "regioner", "parade", "undertryckt"} <= set(book.sheetnames)
    header = [c.value for c in next(book["strukturerad"].iter_rows(max_row=1))]
    assert "Justerat p-värde" in header and "Effektstorlek" in header and "pvalue" not in header


def test_results_json_holds_scores_and_tests(reports):
    results = json.loads((reports["gavleborg"] / "results.json").read_text(encoding="utf-8"))
    assert results["forbund"] == "gavleborg" and results["baseline_wave"] == "2016"
    assert results["tests"] and results["scores"]
    assert {"item", "comparison", "pvalue_adjusted", "effect_size"} <= set(results["tests"][0])


def test_change_since_baseline_is_tested(reports):
    results = json.loads((reports["gavleborg"] / "results.json").read_text(encoding="utf-8"))
    waves = [t for t in results["tests"] if t["comparison"].startswith("wave:")]
    assert waves and {t["group"] for t in waves} == {"2019"} and {t["reference"] for t in waves} == {"2016"}


# ------------------------------------------------------------------ privacy


def _respondent_ids(forbund: str) -> set[str]:
    params = config.load_params(PARAMS / f"{forbund}.yaml")
    ids = set()
    for path in params.data.values():
        ids |= set(sv.load(path, survey=path.stem, errors="collect")[0]["respondent_id"].astype(str))
    return ids


def _comments(forbund: str) -> set[str]:
    params = config.load_params(PARAMS / f"{forbund}.yaml")
    return {text for path in params.data.values()
            for text in sv.load_comments(path, survey=path.stem)["text"].astype(str) if len(text) > 12}


def _texts(folder: Path):
    for path in folder.rglob("*"):
        if path.suffix in (".html", ".ipynb", ".json"):
            yield path, path.read_text(encoding="utf-8")
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                yield path, " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        elif path.suffix == ".png":
            yield path, json.dumps(Image.open(path).info, default=str)


def test_no_respondent_id_or_comment_in_any_output(reports):
    folder = reports["fjallmarken"]
    ids, comments = _respondent_ids("fjallmarken"), _comments("fjallmarken")
    assert ids and comments
    pattern = re.compile("|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True)))
    for path, text in _texts(folder):
        found = pattern.search(text)
        assert found is None, f"{path}: respondent id {found.group(0)!r}"
        assert not [c for c in comments if c in text], f"{path}: a comment text"


def test_no_unsuppressed_small_group_in_results(reports):
    results = json.loads((reports["fjallmarken"] / "results.json").read_text(encoding="utf-8"))
    min_n = results["min_n"]
    for row in results["scores"]:
        if row.get("n") is not None:
            assert row["n"] >= min_n, row
    for row in results["tests"]:
        for key in ("n", "n_reference"):
            if row.get(key) is not None and row.get("pvalue") is not None:
                assert row[key] >= min_n, row
    regions = {row.get("region") for row in results["scores"] if row.get("share_high") is not None}
    assert "Fjällbyarna" not in regions  # the region with 3 staff and 2 managers


def test_suppression_log_goes_with_the_report(reports):
    book = openpyxl.load_workbook(reports["fjallmarken"] / "tables.xlsx", read_only=True)
    rows = list(book["undertryckt"].iter_rows(values_only=True))
    assert len(rows) > 1 and any("Fjällbyarna" in str(cell) for row in rows for cell in row)


def test_the_small_region_cannot_be_worked_out_from_the_totals(reports):
    book = openpyxl.load_workbook(reports["fjallmarken"] / "tables.xlsx", read_only=True)
    header, *rows = list(book["data"].iter_rows(values_only=True))
    shown = [dict(zip(header, row)) for row in rows]
    staff = [r for r in shown if r["Enkät"] == "operativ"]
    total = next(r["Respondenter"] for r in staff if r["Region"] == "Alla")
    parts = [r["Respondenter"] for r in staff if r["Region"] != "Alla"]
    hidden = [p for p in parts if p is None]
    assert hidden and (len(hidden) >= 2 or total is None)


# ------------------------------------------------------------------ failures, params (determinism: test_batch.py)


def test_every_params_key_is_a_notebook_parameter():
    parameters = papermill.inspect_notebook(str(NOTEBOOKS / "forbund_report.ipynb"))
    assert set(config.PARAMS_KEYS) | {"output_dir"} == set(parameters)
    for path in config.params_paths(PARAMS):
        keys = set(__import__("yaml").safe_load(path.read_text(encoding="utf-8")))
        assert keys <= set(parameters), path


def test_broken_params_fail_before_any_kernel_starts(tmp_path, monkeypatch):
    broken = tmp_path / "broken.yaml"
    broken.write_text((PARAMS / "sjobygden.yaml").read_text(encoding="utf-8").replace("regions:", "regoins:"),
                      encoding="utf-8")
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("a kernel was started"))
    with pytest.raises(sv.DataError, match="menade du 'regions'"):
        publish.run_report(broken, tmp_path / "out")
    result = subprocess.run([sys.executable, "-m", "samverkan.cli", "report", str(broken), "--out", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "regoins" in result.stdout and "ingen rapport kördes" in result.stderr


def test_a_failing_notebook_keeps_its_executed_copy_and_names_the_cell(tmp_path, warm_kernel):
    notebook = nbformat.read(NOTEBOOKS / "forbund_report.ipynb", as_version=4)
    notebook.cells.insert(4, nbformat.v4.new_code_cell("raise RuntimeError('avsiktligt fel')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(notebook, broken)
    with pytest.raises(publish.ReportError, match=r"sjobygden: cell \d+ misslyckades: RuntimeError: avsiktligt fel"):
        publish.run_report(PARAMS / "sjobygden.yaml", tmp_path / "out", notebook=broken, kernel=warm_kernel)
    assert (tmp_path / "out" / "sjobygden.failed.ipynb").exists()
    assert not (tmp_path / "out" / "sjobygden").exists()
    assert not list((tmp_path / "out").glob(".*tmp*"))


@pytest.mark.kernel
def test_plain_papermill_run_works(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "papermill"), str(NOTEBOOKS / "forbund_report.ipynb"),
         str(tmp_path / "out.ipynb"), "-f", str(PARAMS / "kustbygden.yaml"), "--cwd", str(NOTEBOOKS),
         "-k", "python3", "--no-progress-bar"],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Kustbygdens" in (tmp_path / "out.ipynb").read_text(encoding="utf-8")


# ------------------------------------------------------------------ the other notebooks


def test_explore_notebook_runs(tmp_path, warm_kernel):  # the reproduction notebook: tests/test_reproduce.py
    executed = warm_kernel.execute(NOTEBOOKS / "explore.ipynb", tmp_path / "explore.ipynb", {}, NOTEBOOKS)
    text = json.dumps([c.get("outputs", []) for c in executed.cells if c.cell_type == "code"], ensure_ascii=False)
    assert "statistiskt säkerställd" in text and "lyssnar" in text  # describe_test's sentence


def test_committed_notebooks_have_no_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), path
        code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
        assert "def " not in code and "for " not in code, path


# ------------------------------------------------------------------ display tables


def test_display_table_text_html_and_plain_text():
    import pandas as pd

    table = pd.DataFrame({"region": ["Gävle", "<Hälsingland>"], "share_high": [0.3069, None],
                          "n": [1215, 3], "suppressed": [False, True], "note": [None, None]})
    shown = sv.display_table(table)
    assert list(shown.frame.columns) == ["Region", "Andel höga värden", "Antal svar"]  # hidden and empty dropped
    assert shown.frame.values.tolist() == [["Gävle", "30,7 %", "1 215"], ["<Hälsingland>", "–", "3"]]
    html = shown.to_html()
    assert "<td>&lt;Hälsingland&gt;</td>" in html and "<Hälsingland>" not in html
    assert repr(shown).splitlines() == [
        "       Region  Andel höga värden  Antal svar",
        "        Gävle             30,7 %       1 215",
        "<Hälsingland>                  –           3",
    ]
    assert repr(Table(pd.DataFrame())) == "(tom tabell)"
