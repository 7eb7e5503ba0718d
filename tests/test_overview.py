"""The cross-förbund overview: collecting results.json, funnel limits, flags, suppression, the notebook."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import openpyxl
import pandas as pd
import papermill
import pytest
from numpy.testing import assert_allclose
from PIL import Image
from scipy import stats

import samverkan as sv
from samverkan import overview, plots, publish

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ITEMS = [i.id for i in sv.instrument.survey("operativ").indicator_items]
MANAGER_ITEMS = [i.id for i in sv.instrument.survey("chefsgrupp").indicator_items]


# ------------------------------------------------------------------ hand-made results.json


def _score(table: str, item: str, region, n, share, **extra) -> dict:
    """One scores record as ForbundReport.results() writes it (suppressed: n and share None, note set)."""
    suppressed = n is None
    return {"table": table, "item": item, "region": region, "n": n, "n_missing": None if suppressed else 2,
            "mean": None if suppressed else 4.0, "share_high": share,
            "share_high_ci_low": None if suppressed else max(share - 0.1, 0),
            "share_high_ci_high": None if suppressed else min(share + 0.1, 1),
            "mdd_up": None, "mdd_down": None, "n_for_mdd_10": None,
            "suppression_note": "färre än 5 svar" if suppressed else "", **extra}


def results_content(forbund: str, name: str, n, share, *, wave: str = "2019", overrides=None) -> dict:
    """A results.json of one förbund: every staff indicator at respondent level (n, share) and unit level.

    ``overrides`` maps item → (n, share) for the respondent-level row; ``(None, None)`` is
    a row the report suppressed.
    """
    overrides = overrides or {}
    scores, detectable = [], []
    for item in ITEMS:
        item_n, item_share = overrides.get(item, (n, share))
        unit_n = None if item_n is None else item_n + 7
        scores += [_score(f"operativ_{item}", item, "Alla", unit_n, item_share),
                   _score(f"operativ_{item}", item, "Norra", None if unit_n is None else unit_n - 3, item_share)]
        detectable.append({**_score("pavisbar", item, None, item_n, item_share), "share_high_ci_low": None,
                           "share_high_ci_high": None, "mean": None, "n_missing": None,
                           "suppression_note": None, "mdd_up": 0.1, "mdd_down": 0.1, "n_for_mdd_10": 300.0})
    for item in MANAGER_ITEMS:
        scores.append(_score(f"chefsgrupp_{item}", item, "Alla", 20, 0.6))
    test = {"item": "lyssnar", "comparison": "strukturerad: ja mot nej", "group": "ja", "reference": "nej",
            "n": 30, "n_reference": 60, "test": "mann-whitney", "statistic": 1000.5, "df": None, "pvalue": 0.01,
            "pvalue_adjusted": 0.2, "effect_size": 0.3, "effect_size_name": "rank-biserial", "ci_low": 0.1,
            "ci_high": 0.5, "note": "", "suppressed": False, "suppression_note": "", "unit": None}
    return {"forbund": forbund, "name": name, "wave": wave, "baseline_wave": None, "min_n": 5, "alpha": 0.05,
            "p_adjust": "holm", "scores": scores + detectable, "tests": [test]}


def write_results(root: Path, content: dict, folder: str | None = None) -> Path:
    path = root / (folder or content["forbund"]) / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return path


@pytest.fixture
def reports_dir(tmp_path):
    """Three ordinary förbund, one far above, one far below, one small, one suppressed in its own report."""
    root = tmp_path / "reports"
    for forbund, name, n, share in [("alby", "Alby samordningsförbund", 120, 0.60),
                                    ("borga", "Borgå samordningsförbund", 80, 0.62),
                                    ("cederby", "Cederby samordningsförbund", 200, 0.58)]:
        write_results(root, results_content(forbund, name, n, share))
    write_results(root, results_content("hogby", "Högby samordningsförbund", 150, 0.60,
                                        overrides={"lyssnar": (300, 0.95)}))
    write_results(root, results_content("lagby", "Lågby samordningsförbund", 150, 0.60,
                                        overrides={"lyssnar": (250, 0.20)}))
    write_results(root, results_content("litenby", "Litenby samordningsförbund", 3, 1.0))
    write_results(root, results_content("dolda", "Dolda samordningsförbund", 40, 0.6,
                                        overrides={"lyssnar": (None, None)}))
    return root


# ------------------------------------------------------------------ collecting


def test_collect_results_stacks_every_forbund(reports_dir):
    (reports_dir / "tom_mapp").mkdir()  # no results.json: skipped
    write_results(reports_dir, results_content("dold", "Dold", 50, 0.5), folder=".tmp-dold")  # hidden: skipped
    results = overview.collect_results(reports_dir)
    scores = results["scores"]
    assert set(results["forbund"]["forbund"]) == {"alby", "borga", "cederby", "hogby", "lagby", "litenby", "dolda"}
    assert list(scores.columns[:8]) == ["forbund", "name", "wave", "table", "survey", "level", "item", "region"]
    assert len(scores) == 7 * (9 * 3 + 5)  # per förbund: 9 items × (Alla, Norra, respondent) + 5 manager items
    respondent = scores[scores["level"] == "respondent"]
    assert set(respondent["table"]) == {"pavisbar"} and set(respondent["region"]) == {"Alla"}
    assert set(scores.loc[scores["table"].str.startswith("chefsgrupp_"), "survey"]) == {"chefsgrupp"}
    row = scores[(scores["forbund"] == "alby") & (scores["item"] == "synsatt") & (scores["level"] == "unit")
                 & (scores["region"] == "Alla")].iloc[0]
    assert (row["name"], row["wave"], row["n"], row["share_high"]) == ("Alby samordningsförbund", "2019", 127, 0.6)
    assert str(scores["n"].dtype) == "Int64"
    hidden = scores[(scores["forbund"] == "dolda") & (scores["item"] == "lyssnar") & (scores["survey"] == "operativ")]
    assert hidden["suppressed"].all() and hidden["n"].isna().all()
    assert results["tests"][["forbund", "item", "pvalue"]].shape == (7, 3)
    assert results["problems"].empty


def test_corrupt_json_is_reported_not_fatal(reports_dir):
    (reports_dir / "trasig").mkdir()
    (reports_dir / "trasig" / "results.json").write_text('{"forbund": "trasig", "scores": [', encoding="utf-8")
    (reports_dir / "ofullstandig").mkdir()
    (reports_dir / "ofullstandig" / "results.json").write_text('{"forbund": "x", "name": "X"}', encoding="utf-8")
    write_results(reports_dir, results_content("alby", "Alby igen", 10, 0.5), folder="alby_kopia")
    old_format = results_content("gammal", "Gammal", 10, 0.5)
    old_format["scores"] = [{"item": "lyssnar", "n": 10}]  # no table or share columns
    write_results(reports_dir, old_format)
    with pytest.warns(UserWarning, match="trasig: results.json är ingen giltig JSON"):
        results = overview.collect_results(reports_dir)
    problems = results["problems"].set_index("folder")["problem"]
    assert set(problems.index) == {"trasig", "ofullstandig", "alby_kopia", "gammal"}
    assert problems["gammal"].startswith("okänt format (KeyError")
    assert "ingen giltig JSON (rad 1" in problems["trasig"]
    assert "saknar wave, scores, tests" in problems["ofullstandig"]
    assert "finns redan" in problems["alby_kopia"]
    assert len(results["forbund"]) == 7  # the others are still collected
    summary = overview.collection_summary(results)
    assert "**7 förbund**" in summary and "`trasig`: results.json är ingen giltig JSON" in summary


def test_collect_results_needs_a_folder(tmp_path):
    with pytest.raises(ValueError, match="is not a folder"):
        overview.collect_results(tmp_path / "finns_inte")
    empty = overview.collect_results(tmp_path)
    assert empty["scores"].empty and empty["forbund"].empty
    assert overview.funnel_table(empty["scores"], item="lyssnar").empty
    assert overview.outside_limits(empty["scores"]).empty


# ------------------------------------------------------------------ funnel limits


def test_control_limits_equal_the_formula(reports_dir):
    scores = overview.collect_results(reports_dir)["scores"]
    table = overview.funnel_table(scores, item="synsatt")
    shown = {"alby": (120, 0.60), "borga": (80, 0.62), "cederby": (200, 0.58), "hogby": (150, 0.60),
             "lagby": (150, 0.60), "dolda": (40, 0.60)}  # litenby (n = 3) is left out
    p = sum(n * s for n, s in shown.values()) / sum(n for n, _ in shown.values())
    kept = table[~table["suppressed"]].set_index("forbund")
    assert set(kept.index) == set(shown)
    for forbund, (n, _) in shown.items():
        row = kept.loc[forbund]
        assert row["pooled"] == pytest.approx(p, rel=1e-12)
        for z, label in [(stats.norm.ppf(0.975), "95"), (stats.norm.ppf(0.999), "998")]:
            half = z * np.sqrt(p * (1 - p) / n)
            assert_allclose([row[f"limit_{label}_low"], row[f"limit_{label}_high"]], [p - half, p + half],
                            rtol=1e-12)


def test_control_limits_are_clipped_to_0_and_1():
    low, high = plots.funnel_limits(0.97, [5, 10_000], coverage=0.998)
    assert 0.7 < low[0] < 0.97 and high[0] == 1.0 and high[1] < 1
    low, _ = plots.funnel_limits(0.02, [5], coverage=0.95)
    assert low[0] == 0.0
    with pytest.raises(ValueError, match="pooled=1.5"):
        plots.funnel_limits(1.5, [10], coverage=0.95)


def test_far_outside_is_flagged_with_its_direction(reports_dir):
    scores = overview.collect_results(reports_dir)["scores"]
    table = overview.funnel_table(scores, item="lyssnar").set_index("forbund")
    assert table.loc["hogby", "outside_998"] and table.loc["lagby", "outside_998"]
    assert not table.loc[["alby", "borga", "cederby"], "outside_95"].any()
    outside = overview.outside_limits(scores)
    assert outside[["item", "forbund", "direction"]].values.tolist() == [["lyssnar", "hogby", "över"],
                                                                         ["lyssnar", "lagby", "under"]]
    assert "rank" not in " ".join(outside.columns)


def test_tables_are_sorted_by_item_and_name_never_by_share(tmp_path):
    root = tmp_path / "reports"
    for forbund, name, share in [("o", "Örnsköldsvik", 0.8), ("a", "Ängelholm", 0.79), ("b", "Borås", 0.10),
                                 ("z", "Zinkgruvan", 0.5), ("m", "Mora", 0.5), ("k", "Kalix", 0.5)]:
        write_results(root, results_content(forbund, name, 400, share,
                                            overrides={"synsatt": (400, 0.5), "lyssnar": (400, share)}))
    scores = overview.collect_results(root)["scores"]
    names = overview.funnel_table(scores, item="lyssnar")["name"].tolist()
    assert names == ["Borås", "Kalix", "Mora", "Zinkgruvan", "Ängelholm", "Örnsköldsvik"]
    outside = overview.outside_limits(scores, items=["vet_tillfora", "lyssnar"])
    assert outside["item"].tolist()[0] == "vet_tillfora" and outside["item"].tolist()[-1] == "lyssnar"
    assert outside.loc[outside["item"] == "lyssnar", "name"].tolist() == ["Borås", "Ängelholm", "Örnsköldsvik"]


def test_small_and_suppressed_forbund_are_left_out_and_noted(reports_dir):
    scores = overview.collect_results(reports_dir)["scores"]
    table = overview.funnel_table(scores, item="lyssnar").set_index("forbund")
    for forbund in ("litenby", "dolda"):  # n = 3 here; suppressed in its own report
        row = table.loc[forbund]
        assert row["suppressed"] and pd.isna(row["n"]) and np.isnan(row["share_high"]) and pd.isna(row["outside_95"])
        assert row["suppression_note"] == "färre än 5 svar: visas inte i trattdiagrammet"
    shown = table[~table["suppressed"]]
    assert table["pooled"].dropna().iloc[0] == pytest.approx(
        (shown["n"] * shown["share_high"]).sum() / shown["n"].sum())
    assert "litenby" not in set(overview.outside_limits(scores)["forbund"])
    ax = plots.funnel(table.reset_index(), item="lyssnar", group="name")
    assert len(ax.collections[0].get_offsets()) == 5
    assert any(t.get_text().startswith("Visas inte (färre än 5 svar): Dolda samordningsförbund, Litenby")
               for t in ax.texts)
    assert not any("Litenby" in t.get_text() for t in ax.texts if not t.get_text().startswith("Visas inte"))
    plt.close(ax.figure)
    higher = overview.funnel_table(scores, item="lyssnar", min_n=100)
    assert set(higher.loc[higher["suppressed"], "forbund"]) == {"borga", "litenby", "dolda"}


def test_level_and_argument_errors(reports_dir):
    scores = overview.collect_results(reports_dir)["scores"]
    unit = overview.funnel_table(scores, item="synsatt", level="unit").set_index("forbund")
    assert unit.loc["alby", "n"] == 127  # the item table's "Alla" row: respondent–kommun rows
    managers = overview.funnel_table(scores, item="forebyggande", survey="chefsgrupp", level="unit")
    assert managers["n"].tolist() == [20] * 7
    with pytest.raises(ValueError, match="level='kommun' is not allowed"):
        overview.funnel_table(scores, item="synsatt", level="kommun")
    with pytest.raises(ValueError, match="item='synsätt' is not allowed; expected one of"):
        overview.funnel_table(scores, item="synsätt")
    with pytest.raises(ValueError, match="level='respondent' is not in results.json for survey='chefsgrupp'"):
        overview.funnel_table(scores, item="forebyggande", survey="chefsgrupp")
    with pytest.raises(ValueError, match="pass collect_results"):
        overview.funnel_table(scores.drop(columns="level"), item="synsatt")


# ------------------------------------------------------------------ outputs


def test_write_overview_writes_tables_and_figures(reports_dir, tmp_path):
    results = overview.collect_results(reports_dir)
    assert overview.write_overview(results, "") == []
    written = overview.write_overview(results, tmp_path / "oversikt")
    assert {p.name for p in written} == {"tables.xlsx", *[f"funnel_operativ_{i}.png" for i in ITEMS]}
    book = openpyxl.load_workbook(tmp_path / "oversikt" / "tables.xlsx", read_only=True)
    assert book.sheetnames == ["forbund", "tratt", "utanfor_granserna", "test", "problem"]
    header = [c.value for c in next(book["utanfor_granserna"].iter_rows(max_row=1))]
    assert {"Förbund", "Fråga", "Sammanvägd andel", "Riktning", "Utanför 99,8 %"} <= set(header)
    assert book["tratt"].max_row == 1 + 9 * 7
    with Image.open(tmp_path / "oversikt" / "figures" / "funnel_operativ_lyssnar.png") as image:
        assert image.size[0] > 600


def test_display_funnel_table_is_swedish(reports_dir):
    scores = overview.collect_results(reports_dir)["scores"]
    html = overview.display_funnel_table(overview.outside_limits(scores)).to_html()
    assert "Sammanvägd andel" in html and "över" in html and "hogby" not in html and "," in html
    assert overview.display_funnel_table(overview.outside_limits(scores, items=["synsatt"]),
                                         empty_text="Inget förbund.") == "Inget förbund."


# ------------------------------------------------------------------ the notebook


def test_notebook_parameters_and_one_funnel_cell_per_item():
    parameters = papermill.inspect_notebook(str(NOTEBOOKS / "overview.ipynb"))
    assert {k: (v["inferred_type_name"], v["default"]) for k, v in parameters.items()} == {
        "reports_dir": ("str", '"../reports"'), "output_dir": ("str", '""')}
    notebook = nbformat.read(NOTEBOOKS / "overview.ipynb", as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    for item in ITEMS:
        assert sum(f'item="{item}"' in cell and "oversikt.funnel(" in cell for cell in code) == 1, item


def test_notebook_executes_and_writes_its_outputs(reports_dir, tmp_path, warm_kernel):
    (reports_dir / "trasig").mkdir()
    (reports_dir / "trasig" / "results.json").write_text("inte json", encoding="utf-8")
    out = tmp_path / "overview.ipynb"
    executed = warm_kernel.execute(NOTEBOOKS / "overview.ipynb", out, {"reports_dir": str(reports_dir),
                                   "output_dir": str(tmp_path / "ut")}, NOTEBOOKS)
    text = json.dumps([c.get("outputs", []) for c in executed.cells if c.cell_type == "code"], ensure_ascii=False)
    assert "7 förbund" in text and "trasig" in text
    assert "Högby samordningsförbund" in text and "under" in text
    assert text.count('"image/png"') >= 9
    assert (tmp_path / "ut" / "tables.xlsx").exists()
    assert len(list((tmp_path / "ut" / "figures").glob("funnel_operativ_*.png"))) == 9
    shown = {base64.b64decode(o["data"]["image/png"]) for c in executed.cells if c.cell_type == "code"
             for o in c.get("outputs", []) if "image/png" in o.get("data", {})}
    written = {p.read_bytes() for p in (tmp_path / "ut" / "figures").glob("funnel_operativ_*.png")}
    assert shown == written  # each funnel plot drawn once: the files are the very images shown
    page = publish.to_html(out, tmp_path / "overview.html", "Översikt")
    html = page.read_text(encoding="utf-8")
    assert "collect_results" not in html and "from samverkan" not in html and "reports_dir" not in html


def test_notebook_writes_only_through_write_outputs(reports_dir, tmp_path):
    """The notebook's one writing call, and what it does with an empty output_dir (executed once, above)."""
    notebook = nbformat.read(NOTEBOOKS / "overview.ipynb", as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert [c for c in code if "output_dir" in c and "output_dir: str" not in c] == ["oversikt.write_outputs(output_dir);"]
    assert overview.Overview(overview.collect_results(reports_dir)).write_outputs("") == []


# ------------------------------------------------------------------ a real report


def test_collects_the_real_reports_of_the_batch(sample_batch):
    """The table names and columns of real results.json files (ForbundReport.results()) are what collect_results reads."""
    out = sample_batch["out"]
    results = overview.collect_results(out)
    assert results["problems"].empty
    assert results["forbund"]["forbund"].tolist() == sorted(sample_batch["paths"])
    scores = results["scores"]
    table = overview.funnel_table(scores, item="lyssnar").set_index("forbund")
    assert table.loc["kustbygden", "n"] > 50
    managers = overview.funnel_table(scores, item="lyssnar", survey="chefsgrupp")  # respondents too, since 2026-12
    assert "kustbygden" in set(managers["forbund"])
    with pytest.raises(ValueError, match="level='unit' is not in results.json"):  # every table counts respondents
        overview.funnel_table(scores, item="lyssnar", level="unit")
    content = json.loads((out / "kustbygden" / "results.json").read_text(encoding="utf-8"))
    detectable = [r for r in content["scores"] if r["table"] == "pavisbar" and r["item"] == "synsatt"][0]
    overall = [r for r in content["scores"] if r["table"] == "operativ_synsatt" and r["region"] == "Alla"][0]
    row = overview.funnel_table(scores, item="synsatt").set_index("forbund").loc["kustbygden"]
    assert (row["n"], row["share_high"]) == (overall["n"], overall["share_high"])
    assert (row["n"], row["share_high"]) == (detectable["n"], detectable["share_high"])  # the same respondents
    tables = scores[scores["table"] != "pavisbar"]  # the planning table is not a funnel source since 2026-12
    assert set(tables["survey"]) == {"operativ", "chefsgrupp"} and (tables["level"] == "respondent").all()
    assert scores.loc[scores["table"] == "pavisbar", "level"].isna().all()
