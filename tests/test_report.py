"""The report notebook executed by papermill: what a board reads, what is published, and the privacy scan."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import html5lib
import nbformat
import openpyxl
import papermill
import pytest

import samverkan as sv
from samverkan import display, instrument, params as config, publish, sentences
from samverkan.display import Table

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK = NOTEBOOKS / "forbund_report.ipynb"


@pytest.fixture(scope="module")
def reports(sample_batch):
    """Two reports of the session's warm batch (tests/conftest.py): the largest förbund and the one with a tiny region."""
    return {f: sample_batch["out"] / f for f in ("gavleborg", "fjallmarken")}


def page(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def primary(content: dict) -> list[dict]:
    """The primary tests of a ``results.json``: one per question and comparison (companions have their own rows)."""
    return [t for t in content["tests"] if t["role"] == "primary"]


# ------------------------------------------------------------------ reading the page as a browser does

NAMESPACE = "{http://www.w3.org/1999/xhtml}"
INVISIBLE = {"style", "script", "head"}


def parse(html: str):
    """The page parsed by a conforming HTML5 parser that raises on any parse error."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(html)


def visible_text(node) -> str:
    """Every text a reader sees (no attributes, no style sheet), joined by spaces."""
    tag = str(node.tag).replace(NAMESPACE, "")
    if tag in INVISIBLE:
        return node.tail or ""
    parts = [node.text or ""] + [visible_text(child) for child in node] + [node.tail or ""]
    return " ".join(p for p in parts if p)


def elements(tree, tag: str) -> list:
    return list(tree.iter(f"{NAMESPACE}{tag}"))


def unmistakable_ids() -> list[str]:
    """Question ids that are not ordinary Swedish words of the questionnaire (``vet_tillfora``, ``synsatt``).

    Ids such as ``lyssnar`` or ``verksamhet`` are also words of the questions' wording
    and labels, so they may appear in Swedish text.
    """
    spec = instrument.load_instrument()
    words = {w.casefold() for s in spec.surveys.values() for i in s.items for w in re.findall(r"\w+", i.text + " "
                                                                                             + i.label)}
    ids = {i.id for s in spec.surveys.values() for i in s.items} | {c for s in spec.surveys.values()
                                                                   for c in s.comment_ids}
    return sorted(i for i in ids if "_" in i or i.casefold() not in words)


#: English or technical names a reader must not meet in the text (test ids, column names, comparison ids).
JARGON = ["mann-whitney", "chi2-share-high", "kruskal-wallis", "wilcoxon-signed-rank", "share_high", "rank-biserial",
          "epsilon-squared", "cramers-v", "wave:", "survey:", "strukturerad:", "region:", "confirmatory",
          "exploratory", "pvalue", "nan", "None"]


# ------------------------------------------------------------------ outputs


@pytest.mark.parametrize("forbund", ["gavleborg", "fjallmarken"])
def test_every_output_is_written(reports, forbund):
    folder = reports[forbund]
    for name in ("report.ipynb", "report.html", "tables.xlsx", "results.json"):
        assert (folder / name).stat().st_size > 0, name
    figures = sorted(p.name for p in (folder / "figures").glob("*.svg"))
    assert len(figures) == 14 and "operativ_lyssnar.svg" in figures  # 9 staff and 5 manager charts, vector
    assert not list((folder / "figures").glob("*.png"))
    assert not list(folder.parent.glob(".*tmp*")), "temporary folders left behind"


def test_html_has_no_code_and_states_data_wave_version_and_date(reports):
    html = page(reports["gavleborg"])
    assert "build_report" not in html and "import samverkan" not in html
    assert "injected-parameters" not in html and "output_dir" not in html
    assert "Samordningsförbund Gävleborg (syntetiska data)" in html
    assert "Mätning 2019" in html and "Jämförelse med mätningen 2016" in html
    assert f"samverkan {sv.__version__}" in html and re.search(r"körd \d{4}-\d{2}-\d{2}", html)
    assert html.count("data:image/svg+xml;base64,") == 14  # figures embedded, vector
    assert "Notebooken visar en färdigräknad rapport" not in html  # the notebook-only cell


@pytest.mark.parametrize("forbund", ["gavleborg", "fjallmarken"])
def test_the_page_parses_without_errors_and_is_accessible(reports, forbund):
    html = page(reports[forbund])
    tree = parse(html)  # raises on any parse error
    root = tree
    assert root.tag == f"{NAMESPACE}html" and root.get("lang") == "sv"
    (h1,) = elements(root, "h1")
    assert visible_text(h1).strip() == results(reports[forbund])["name"]
    images = elements(root, "img")
    assert images and all((img.get("alt") or "").strip() for img in images)
    assert all((svg.find(f"{{http://www.w3.org/2000/svg}}title") is not None) for svg in
               root.iter("{http://www.w3.org/2000/svg}svg"))
    tables = elements(root, "table")
    assert len(tables) > 20
    for table in tables:
        assert visible_text(table.find(f"{NAMESPACE}caption")).strip(), "a table without a caption"
        headers = elements(table.find(f"{NAMESPACE}thead"), "th")
        assert headers and all(th.get("scope") == "col" for th in headers)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert not elements(root, "script")
    anchors = {a.get("href")[1:] for a in elements(elements(root, "nav")[0], "a")}
    assert anchors <= set(ids) and len(anchors) == 12  # the table of contents reaches every section


@pytest.mark.parametrize("forbund", ["gavleborg", "fjallmarken"])
def test_no_question_id_or_jargon_is_visible_text(reports, forbund):
    text = visible_text(parse(page(reports[forbund])))
    for item_id in unmistakable_ids():
        assert not re.search(rf"(?<![\w-]){re.escape(item_id)}(?![\w-])", text, re.IGNORECASE), item_id
    for word in JARGON:
        assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), word
    html = page(reports[forbund])
    assert "vet_tillfora" in html  # the ids stay in attributes (anchors), never in the text


def test_summary_counts_equal_the_results_table(reports):
    for folder in reports.values():
        content = results(folder)
        counted = {}
        for family in ("confirmatory", "exploratory"):
            rows = [t for t in content["tests"] if t["family"] == family and t["pvalue"] is not None
                    and not t["suppressed"]]
            held = [t for t in rows if t["pvalue_adjusted"] < content["alpha"]]
            counted[family] = (len(rows), len(held))
        text = visible_text(parse(page(folder)))
        (c, e), (hc, he) = (counted["confirmatory"][0], counted["exploratory"][0]), \
            (counted["confirmatory"][1], counted["exploratory"][1])
        assert f"Rapporten prövar {c + e} skillnader med statistiska test: {c} bekräftande" in text
        assert f"och {e} utforskande" in text
        assert f"är {hc} av de bekräftande och {he} av de utforskande skillnaderna statistiskt säkerställda" in text
        assert {r["family"]: (r["tests"], r["holding"]) for r in content["test_counts"]} == counted


def test_summary_says_who_is_higher_by_how_much_and_what_did_not_change(reports):
    content = results(reports["gavleborg"])
    text = visible_text(parse(page(reports["gavleborg"])))
    structured = [t for t in primary(content) if t["section"] == "strukturerad"]
    held = [t for t in structured if t["pvalue_adjusted"] < 0.05]
    assert len(held) == 9
    for row in held:
        sentence = sentences.share_sentence(row)
        assert sentence.startswith(f"{sentences.percent(row['share_high'])} av dem i strukturerad samverkan svarar ")
        assert f", mot {sentences.percent(row['share_high_reference'])} av övriga: +" in sentence
        assert " procentenheter (95\u00a0% KI " in sentence
        assert sentence in text
    lyssnar = next(t for t in held if t["item"] == "lyssnar")
    assert math.isclose(lyssnar["share_high"] - lyssnar["share_high_reference"], lyssnar["share_difference"])
    changes = [t for t in primary(content) if t["section"] == "forandring"]
    assert changes and not [t for t in changes if t["pvalue_adjusted"] < 0.05]
    assert f"Ingen av de {len(changes)} frågorna har förändrats statistiskt säkerställt sedan 2016" in text
    assert re.search(r"hade en förändring på ungefär \d+–\d+ procentenheter kunnat påvisas", text)
    # confirmatory first within each question, exploratory labelled
    block = text[text.index("De andra parterna lyssnar", text.index("Sammanfattning")):]
    assert block.index("Bekräftande") < block.index("Utforskande")


def test_tables_put_the_group_first_count_people_and_give_both_waves(reports):
    tree = parse(page(reports["gavleborg"]))
    captions = {visible_text(t.find(f"{NAMESPACE}caption")).strip(): t for t in elements(tree, "table")}
    change = captions["Andel höga värden 2016 och 2019, operativ personal"]
    headers = [visible_text(th).strip() for th in elements(change.find(f"{NAMESPACE}thead"), "th")]
    assert headers[:4] == ["Fråga", "2016", "2019", "Skillnad (procentenheter)"]
    kommun = [t for c, t in captions.items() if c.endswith("per kommun")]
    assert kommun and all(visible_text(elements(t, "th")[0]).strip() == "Kommun" for t in kommun)
    planning = captions["Minsta påvisbara förändring vid nästa mätning"]
    cells = [visible_text(td).strip() for td in elements(planning, "td")]
    assert any(c.endswith("procentenheter") for c in cells) and not any("%" in c and "," in c for c in cells[2::7])
    people = [c for c in cells if re.fullmatch(r"\d[\d\u00a0]*", c)]
    assert people and all("," not in c for c in people)  # whole people, never "239,88"


def test_workbook_keeps_ids_in_machine_columns_beside_swedish_labels(reports):
    book = openpyxl.load_workbook(reports["gavleborg"] / "tables.xlsx", read_only=True)
    assert {"strukturerad", "regioner", "parade", "forandring", "andel", "tester", "klustring", "reliabilitet",
            "index", "undertryckt"} <= set(book.sheetnames)
    header, *rows = list(book["strukturerad"].iter_rows(values_only=True))
    assert {"Justerat p-värde", "Fråga (id)", "Fråga", "Testfamilj"} <= set(header) and "pvalue" not in header
    first = dict(zip(header, rows[0]))
    assert first["Fråga (id)"] == "lyssnar" and first["Fråga"] == "De andra parterna lyssnar"


def test_results_json_holds_scores_tests_and_counts_as_strict_json(reports):
    text = (reports["gavleborg"] / "results.json").read_text(encoding="utf-8")
    content = json.loads(text, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    assert content["forbund"] == "gavleborg" and content["baseline_wave"] == "2016"
    assert content["tests"] and content["scores"] and content["test_counts"] and content["detectable"]
    test = content["tests"][0]
    assert {"item", "comparison", "pvalue_adjusted", "family", "section", "share_high", "share_high_reference",
            "share_difference", "share_difference_ci_low", "share_difference_ci_high"} <= set(test)
    assert {t["family"] for t in primary(content)} == {"confirmatory", "exploratory"}
    assert {t["role"] for t in content["tests"]} >= {"primary", "companion"}
    assert {t["family"] for t in content["tests"] if t["role"] != "primary"} == {None}  # outside every family
    score = content["scores"][0]
    assert {"survey", "level", "item", "question", "group", "n", "share_high"} <= set(score)
    assert content["planning_alpha"] == pytest.approx(0.05 / 18)
    assert {r["test_alpha"] for r in content["detectable"]} == {content["planning_alpha"]}
    assert {(r["survey"], r["item"]) for r in content["clustering"]} >= {("operativ", "rutiner_aktorer")}
    assert {(r["survey"], r["wave"]) for r in content["reliability"]} == {(s, w) for s in ("operativ", "chefsgrupp")
                                                                          for w in ("2016", "2019")}
    index = [r for r in content["index"] if r["group"] == "Alla"]
    assert all((r["index"] is not None) == (r["reliability"] >= 0.70) for r in index)


def test_each_group_share_comes_from_the_companion_test(reports):
    """The two shares beside a primary test differ by exactly the companion's difference, with its interval."""
    for folder in reports.values():
        content = results(folder)
        companions = {(t["section"], t["item"], t["comparison"], t["unit"]): t for t in content["tests"]
                      if t["role"] == "companion" and t["effect_size_name"] == "share_high difference"}
        checked = 0
        for row in primary(content):
            companion = companions.get((row["section"], row["item"], row["comparison"], row["unit"]))
            if companion is None or row["suppressed"]:
                continue
            assert row["share_difference"] == companion["effect_size"]
            assert (row["share_difference_ci_low"], row["share_difference_ci_high"]) == \
                (companion["ci_low"], companion["ci_high"])
            assert math.isclose(row["share_high"] - row["share_high_reference"], row["share_difference"],
                                abs_tol=1e-12)
            checked += 1
        assert checked >= 9


def test_method_section_explains_families_clustering_reliability_and_the_index(reports):
    text = visible_text(parse(page(reports["gavleborg"])))
    method = text[text.index("Om metoden", text.index("Sammanfattning") + 1):]
    for phrase in ("Två testfamiljer", "justeras för flera test med Holm", "Benjamini–Hochberg",
                   "Intraklasskorrelationen (ICC)", "Cronbachs α", "McDonalds ω", "Samverkansklimatindex",
                   "Indexet redovisas för operativ personal: 2016 (ω = 0,86) och 2019 (ω = 0,85).",
                   "Indexet redovisas inte för lokala chefsgrupper (Mysam) 2019: ω = 0,69, under 0,70"):
        assert phrase in method, phrase
    tree = parse(page(reports["gavleborg"]))
    captions = {visible_text(t.find(f"{NAMESPACE}caption")).strip() for t in elements(tree, "table")}
    assert {"Hur lika svaren är inom kommunerna, operativ personal", "Reliabilitet, per enkät och mätning",
            "Samverkansklimatindex (0–100), operativ personal"} <= captions
    assert "Samverkansklimatindex (0–100), lokala chefsgrupper (Mysam)" not in captions  # ω below 0.70


def test_change_since_baseline_is_tested(reports):
    waves = [t for t in primary(results(reports["gavleborg"])) if t["comparison"].startswith("wave:")]
    assert waves and {t["group"] for t in waves} == {"2019"} and {t["reference"] for t in waves} == {"2016"}
    assert {t["family"] for t in waves} == {"confirmatory"}


# ------------------------------------------------------------------ the report is data


def test_deleting_display_cells_changes_no_output(reports, sample_batch, tmp_path, warm_kernel):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells = [c for c in notebook.cells if c.cell_type != "code" or "rapport.section" not in c.source
                      and "rapport.header" not in c.source]
    assert len([c for c in notebook.cells if c.cell_type == "code"]) == 3  # parameters, build, write
    thin = tmp_path / "thin.ipynb"
    nbformat.write(notebook, thin)
    again = publish.run_report(sample_batch["paths"]["fjallmarken"], tmp_path / "out", notebook=thin,
                               kernel=warm_kernel)
    first = reports["fjallmarken"]
    assert (again / "results.json").read_bytes() == (first / "results.json").read_bytes()
    assert _sheets(again / "tables.xlsx") == _sheets(first / "tables.xlsx")
    figures = sorted(p.name for p in (first / "figures").iterdir())
    assert figures == sorted(p.name for p in (again / "figures").iterdir())
    assert all((again / "figures" / f).read_bytes() == (first / "figures" / f).read_bytes() for f in figures)


def test_the_built_report_is_immutable_and_its_parts_do_not_change_when_shown():
    report = sv.report.build_report(config.load_params(PARAMS / "fjallmarken.yaml"))
    before = json.dumps(report.results(), sort_keys=True)
    for key in report.sections:
        report.section(key)._repr_html_()
    report.header()
    assert json.dumps(report.results(), sort_keys=True) == before
    with pytest.raises(AttributeError):
        report.name = "x"
    with pytest.raises(TypeError):
        report.tables["andel"] = None
    with pytest.raises(ValueError, match="section='okänd' is not a section"):
        report.section("okänd")


def _sheets(path: Path) -> dict:
    book = openpyxl.load_workbook(path, read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


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
        if path.suffix in (".html", ".ipynb", ".json", ".svg"):
            yield path, path.read_text(encoding="utf-8")
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                yield path, " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


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
    content = results(reports["fjallmarken"])
    min_n = content["min_n"]
    for row in content["scores"]:
        if row.get("n") is not None:
            assert row["n"] >= min_n, row
    for row in content["tests"]:
        for key in ("n", "n_reference"):
            if row.get(key) is not None and row.get("pvalue") is not None:
                assert row[key] >= min_n, row
    groups = {row.get("group") for row in content["scores"] if row.get("share_high") is not None}
    assert "Fjällbyarna" not in groups  # the region with 3 staff and 2 managers
    assert re.search(r"<th scope=\"row\">Fjällbyarna</th><td class=\"num\">–</td>", page(reports["fjallmarken"]))


def test_suppression_log_goes_with_the_report(reports):
    book = openpyxl.load_workbook(reports["fjallmarken"] / "tables.xlsx", read_only=True)
    rows = list(book["undertryckt"].iter_rows(values_only=True))
    assert len(rows) > 1 and any("Fjällbyarna" in str(cell) for row in rows for cell in row)


def test_the_small_region_cannot_be_worked_out_from_the_totals(reports):
    book = openpyxl.load_workbook(reports["fjallmarken"] / "tables.xlsx", read_only=True)
    header, *rows = list(book["underlag"].iter_rows(values_only=True))
    shown = [dict(zip(header, row)) for row in rows]
    staff = [r for r in shown if r["Enkät"] == "operativ"]
    total = next(r["Respondenter"] for r in staff if r["Grupp"] == "Alla")
    parts = [r["Respondenter"] for r in staff if r["Grupp"] != "Alla"]
    hidden = [p for p in parts if p is None]
    assert hidden and (len(hidden) >= 2 or total is None)


# ------------------------------------------------------------------ failures, params (determinism: test_batch.py)


def test_every_params_key_is_a_notebook_parameter():
    parameters = papermill.inspect_notebook(str(NOTEBOOK))
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
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.insert(4, nbformat.v4.new_code_cell("raise RuntimeError('avsiktligt fel')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(notebook, broken)
    with pytest.raises(publish.ReportError, match=r"sjobygden: cell \d+ misslyckades: RuntimeError: avsiktligt fel"):
        publish.run_report(PARAMS / "sjobygden.yaml", tmp_path / "out", notebook=broken, kernel=warm_kernel)
    assert (tmp_path / "out" / "sjobygden.failed.ipynb").exists()
    assert not (tmp_path / "out" / "sjobygden").exists()
    assert not list((tmp_path / "out").glob(".*tmp*"))


# ------------------------------------------------------------------ the other notebooks


def test_explore_notebook_runs(tmp_path, warm_kernel):  # the reproduction notebook: tests/test_reproduce.py
    executed = warm_kernel.execute(NOTEBOOKS / "explore.ipynb", tmp_path / "explore.ipynb", {}, NOTEBOOKS)
    text = json.dumps([c.get("outputs", []) for c in executed.cells if c.cell_type == "code"], ensure_ascii=False)
    assert "statistiskt säkerställd" in text and "image/png" in text  # describe_test's sentence, the charts


def test_committed_notebooks_are_thin_and_have_no_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), path
        code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
        assert "def " not in code and "for " not in code, path
    report = nbformat.read(NOTEBOOK, as_version=4)
    calls = [c.source for c in report.cells if c.cell_type == "code" and not c.metadata.get("tags")]
    assert all(len(c.splitlines()) == 1 and c.startswith("rapport.") for c in calls)


# ------------------------------------------------------------------ display


def test_display_table_text_html_and_plain_text():
    import pandas as pd

    table = pd.DataFrame({"region": ["Gävle", "<Hälsingland>"], "share_high": [0.3069, None],
                          "n": [1215, 3], "suppressed": [False, True], "note": [None, None]})
    shown = sv.display_table(table, caption="Andel <höga>")
    assert list(shown.frame.columns) == ["Region", "Andel höga värden", "Antal svar"]  # hidden and empty dropped
    assert shown.frame.values.tolist() == [["Gävle", "30,7 %", "1\u00a0215"], ["<Hälsingland>", "–", "3"]]
    html = shown.to_html()
    assert '<th scope="row">&lt;Hälsingland&gt;</th>' in html and "<Hälsingland>" not in html
    assert "<caption>Andel &lt;höga&gt;</caption>" in html and '<td class="num">30,7 %</td>' in html
    parse(f"<!DOCTYPE html><html lang=sv><title>t</title>{html}")
    assert repr(shown).splitlines()[1:] == [
        "       Region  Andel höga värden  Antal svar",
        "        Gävle             30,7 %       1\u00a0215",
        "<Hälsingland>                  –           3",
    ]
    assert repr(Table(pd.DataFrame())) == "(tom tabell)"


def test_page_colours_pass_wcag_aa_and_the_print_style_sheet_is_there():
    from samverkan.plots import contrast_ratio

    for text, background in display.COLOUR_PAIRS:
        ratio = contrast_ratio(display.PALETTE[text], display.PALETTE[background])
        assert ratio >= 4.5, (text, background, round(ratio, 2))
    css = display.stylesheet()
    assert "size: A4" in css and "break-inside: avoid" in css and "@top-left" in css
    assert display.css_string('Nord </style> "x"') == '"Nord \\3c \\2f style\\3e  \\22 x\\22 "'


def test_a_warm_kernel_runs_the_report_twice_alike(tmp_path, warm_kernel):
    """The reused chart canvas lives on in a warm kernel: the second report's figures equal the first's."""
    params = config.load_params(PARAMS / "sjobygden.yaml")
    for run in ("a", "b"):
        warm_kernel.execute(NOTEBOOK, tmp_path / f"{run}.ipynb", publish.notebook_parameters(params, tmp_path / run),
                            NOTEBOOKS)
    for figure in (tmp_path / "a" / "figures").iterdir():
        assert figure.read_bytes() == (tmp_path / "b" / "figures" / figure.name).read_bytes(), figure.name
