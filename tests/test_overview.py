"""The cross-förbund overview: collecting results.json, funnel limits, flags, suppression, the notebook."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import openpyxl
import pandas as pd
import papermill
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import samverkan as sv
from samverkan import overview, plots, publish

from .test_report import elements, parse

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ITEMS = [i.id for i in sv.instrument.survey("operativ").indicator_items]
MANAGER_ITEMS = [i.id for i in sv.instrument.survey("chefsgrupp").indicator_items]


# ------------------------------------------------------------------ hand-made results.json


def _score(survey: str, item: str, group, n, share, **extra) -> dict:
    """One scores record as ForbundReport.results() writes it (suppressed: n and share None, note set)."""
    suppressed = n is None
    return {"survey": survey, "level": "respondent", "item": item, "question": sv.instrument.label(item),
            "group_by": "region", "group": group, "n": n, "n_missing": None if suppressed else 2,
            "mean": None if suppressed else 4.0, "share_high": share,
            "share_high_ci_low": None if suppressed else max(share - 0.1, 0),
            "share_high_ci_high": None if suppressed else min(share + 0.1, 1),
            "suppressed": suppressed, "suppression_note": "färre än 5 svar" if suppressed else "", **extra}


def results_content(forbund: str, name: str, n, share, *, wave: str = "2019", overrides=None) -> dict:
    """A results.json of one förbund: every staff indicator for the whole förbund and one region.

    ``overrides`` maps item → (n, share) for the förbund's row; ``(None, None)`` is a
    row the report suppressed.
    """
    overrides = overrides or {}
    scores = []
    for item in ITEMS:
        item_n, item_share = overrides.get(item, (n, share))
        scores += [_score("operativ", item, "Alla", item_n, item_share),
                   _score("operativ", item, "Norra", None if item_n is None else item_n - 3, item_share)]
    for item in MANAGER_ITEMS:
        scores.append(_score("chefsgrupp", item, "Alla", 20, 0.6))
    test = {"item": "lyssnar", "comparison": "strukturerad: ja mot nej", "group": "ja", "reference": "nej",
            "n": 30, "n_reference": 60, "test": "mann-whitney", "statistic": 1000.5, "df": None, "pvalue": 0.01,
            "pvalue_adjusted": 0.2, "effect_size": 0.3, "effect_size_name": "rank-biserial", "ci_low": 0.1,
            "ci_high": 0.5, "note": "", "suppressed": False, "suppression_note": "", "unit": None,
            "section": "strukturerad", "family": "confirmatory"}
    return {"forbund": forbund, "name": name, "wave": wave, "baseline_wave": None, "min_n": 5, "alpha": 0.05,
            "p_adjust": "holm", "scores": scores, "tests": [test]}


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
    assert list(scores.columns[:7]) == ["forbund", "name", "wave", "survey", "level", "item", "group"]
    assert len(scores) == 7 * (9 * 2 + 5)  # per förbund: 9 items × (Alla, Norra) + 5 manager items
    assert set(scores["level"]) == {"respondent"}
    row = scores[(scores["forbund"] == "alby") & (scores["item"] == "synsatt") & (scores["group"] == "Alla")].iloc[0]
    assert (row["name"], row["wave"], row["n"], row["share_high"]) == ("Alby samordningsförbund", "2019", 120, 0.6)
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
    old_format["scores"] = [{"table": "pavisbar", "item": "lyssnar", "n": 10}]  # an older version's format
    write_results(reports_dir, old_format)
    with pytest.warns(UserWarning, match="trasig: results.json är ingen giltig JSON"):
        results = overview.collect_results(reports_dir)
    problems = results["problems"].set_index("folder")["problem"]
    assert set(problems.index) == {"trasig", "ofullstandig", "alby_kopia", "gammal"}
    assert "saknar survey, level, group, share_high" in problems["gammal"] and "kör rapporten igen" in \
        problems["gammal"]
    assert "ingen giltig JSON (rad 1" in problems["trasig"]
    assert "saknar wave, scores, tests" in problems["ofullstandig"]
    assert "finns redan" in problems["alby_kopia"]
    assert len(results["forbund"]) == 7  # the others are still collected
    summary = str(overview.collection_summary(results))
    assert "<strong>7 förbund</strong>" in summary and ">results.json är ingen giltig JSON" in summary
    assert "<caption>Kunde inte läsas och ingår inte</caption>" in summary


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
    managers = overview.funnel_table(scores, item="forebyggande", survey="chefsgrupp")
    assert managers["n"].tolist() == [20] * 7  # respondent level for both surveys
    with pytest.raises(ValueError, match="level='kommun' is not allowed"):
        overview.funnel_table(scores, item="synsatt", level="kommun")
    with pytest.raises(ValueError, match="item='synsätt' is not allowed; expected one of"):
        overview.funnel_table(scores, item="synsätt")
    with pytest.raises(ValueError, match="pass collect_results"):
        overview.funnel_table(scores.drop(columns="level"), item="synsatt")


# ------------------------------------------------------------------ outputs


def test_write_overview_writes_tables_and_figures(reports_dir, tmp_path):
    results = overview.collect_results(reports_dir)
    assert overview.write_overview(results, "") == []
    written = overview.write_overview(results, tmp_path / "oversikt")
    assert {p.name for p in written} == {"tables.xlsx", *[f"funnel_operativ_{i}.svg" for i in ITEMS]}
    book = openpyxl.load_workbook(tmp_path / "oversikt" / "tables.xlsx", read_only=True)
    assert book.sheetnames == ["forbund", "tratt", "utanfor_granserna", "test", "problem"]
    header = [c.value for c in next(book["utanfor_granserna"].iter_rows(max_row=1))]
    assert {"Förbund", "Fråga (id)", "Fråga", "Sammanvägd andel", "Riktning", "Utanför 99,8 %"} <= set(header)
    assert book["tratt"].max_row == 1 + 9 * 7
    svg = (tmp_path / "oversikt" / "figures" / "funnel_operativ_lyssnar.svg").read_text(encoding="utf-8")
    assert 'width="648pt"' in svg and "<title>Trattdiagram: De andra parterna lyssnar</title>" in svg
    assert "Högby samordningsförbund" in svg and "Lågby samordningsförbund" in svg  # outside: named on the plot
    assert "Alby samordningsförbund" not in svg  # inside the limits: listed beneath, not on the plot


def test_display_funnel_table_is_swedish(reports_dir):
    scores = overview.collect_results(reports_dir)["scores"]
    html = overview.display_funnel_table(overview.outside_limits(scores)).to_html()
    assert "Sammanvägd andel" in html and "över" in html and "hogby" not in html and "," in html
    assert "De andra parterna lyssnar" in html and ">lyssnar<" not in html  # the question's label, not its id
    empty = overview.display_funnel_table(overview.outside_limits(scores, items=["synsatt"]),
                                          empty_text="Inget förbund.")
    assert "<p>Inget förbund.</p>" in str(empty)


def test_funnel_lists_every_forbund_with_its_value_beneath(reports_dir):
    shown = overview.Overview(overview.collect_results(reports_dir)).funnel(item="lyssnar")
    html = str(shown.html())
    assert "<h3>De andra parterna lyssnar</h3>" in html and 'alt="Trattdiagram: De andra parterna lyssnar.' in html
    listing = html[html.index("<table"):]
    for name in ["Alby samordningsförbund", "Borgå samordningsförbund", "Cederby samordningsförbund",
                 "Högby samordningsförbund", "Lågby samordningsförbund", "Litenby samordningsförbund",
                 "Dolda samordningsförbund"]:
        assert re.search(f'<th scope="row"[^>]*>{name}</th>', listing), name
    assert "över 99,8 %-gränsen" in listing and "under 99,8 %-gränsen" in listing and "inom gränserna" in listing
    assert "visas inte (för få svar)" in listing
    assert listing.index("Alby") < listing.index("Borgå") < listing.index("Högby")  # by name, not by share


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
    assert text.count("data:image/svg+xml;base64,") == 9
    assert (tmp_path / "ut" / "tables.xlsx").exists()
    assert len(list((tmp_path / "ut" / "figures").glob("funnel_operativ_*.svg"))) == 9
    shown = {base64.b64decode(found) for c in executed.cells if c.cell_type == "code"
             for o in c.get("outputs", []) if "text/html" in o.get("data", {})
             for found in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", o["data"]["text/html"])}
    written = {p.read_bytes() for p in (tmp_path / "ut" / "figures").glob("funnel_operativ_*.svg")}
    assert shown == written  # each funnel plot drawn once: the files are the very images shown
    page = publish.to_html(out, tmp_path / "overview.html", "Översikt")
    html = page.read_text(encoding="utf-8")
    assert "collect_results" not in html and "from samverkan" not in html and "reports_dir" not in html
    assert '<html lang="sv">' in html and "vet_tillfora" not in html.replace('id="tratt-vet_tillfora"', "")
    root = parse(html)  # an HTML5 parser that raises on any parse error
    assert all((img.get("alt") or "").strip() for img in elements(root, "img"))
    assert all(t.find("{http://www.w3.org/1999/xhtml}caption") is not None for t in elements(root, "table"))


def test_notebook_writes_only_through_write_outputs(reports_dir, tmp_path):
    """The notebook's one writing call, and what it does with an empty output_dir (executed once, above)."""
    notebook = nbformat.read(NOTEBOOKS / "overview.ipynb", as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert [c for c in code if "output_dir" in c and "output_dir: str" not in c] == ["oversikt.write_outputs(output_dir);"]
    assert overview.Overview(overview.collect_results(reports_dir)).write_outputs("") == []


# ------------------------------------------------------------------ a real report


def test_collects_the_real_reports_of_the_batch(sample_batch):
    """The columns of real results.json files (ForbundReport.results()) are what collect_results reads."""
    out = sample_batch["out"]
    results = overview.collect_results(out)
    assert results["problems"].empty
    assert results["forbund"]["forbund"].tolist() == sorted(sample_batch["paths"])
    scores = results["scores"]
    table = overview.funnel_table(scores, item="lyssnar").set_index("forbund")
    assert table.loc["kustbygden", "n"] > 50
    managers = overview.funnel_table(scores, item="lyssnar", survey="chefsgrupp")  # respondents too
    assert "kustbygden" in set(managers["forbund"])
    with pytest.raises(ValueError, match="level='unit' is not in results.json"):  # every table counts respondents
        overview.funnel_table(scores, item="lyssnar", level="unit")
    content = json.loads((out / "kustbygden" / "results.json").read_text(encoding="utf-8"))
    whole = [r for r in content["scores"] if r["group"] == "Alla" and r["item"] == "synsatt"
             and r["survey"] == "operativ"][0]
    row = overview.funnel_table(scores, item="synsatt").set_index("forbund").loc["kustbygden"]
    assert (row["n"], row["share_high"]) == (whole["n"], whole["share_high"])
    detectable = [r for r in content["detectable"] if r["item"] == "synsatt"][0]
    assert detectable["n"] == whole["n"]  # the planning table counts the same respondents
    assert set(scores["survey"]) == {"operativ", "chefsgrupp"} and scores["level"].notna().all()
