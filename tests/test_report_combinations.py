"""Any combination of surveys and regions gives a report (issue 10, point 6).

Staff only, managers only, no baseline, no ``regions`` (each unit on its own), and one
region with at least ``min_n`` answers beside smaller ones: the report notebook runs
(in one warm kernel, with the parameters papermill would inject), every section that
lacks its data says why in one Swedish sentence, and ``results.json``,
``tables.xlsx`` and the figures hold what exists.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pytest

import samverkan as sv
from samverkan import display, params as config, publish

from .test_report import NAMESPACE, elements, parse, unmistakable_ids, visible_text

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "forbund_report.ipynb"
NO_MANAGERS = "Enkäten till lokala chefsgrupper (Mysam) ingår inte i underlaget för mätningen 2019"
NO_STAFF = "Enkäten till operativ personal ingår inte i underlaget för mätningen 2019"
NO_BASELINE = "Ingen tidigare mätning ingår i underlaget, så förändring över tid kan inte redovisas."
NO_REGIONS = "Förbundets params anger inga regioner, så varje kommun och chefsgrupp redovisas för sig"


def _parameters(base: str, **changes) -> dict:
    params = config.load_params(ROOT / "params" / f"{base}.yaml").parameters()
    return {**params, **changes}


def _combinations() -> dict[str, dict]:
    g, f = _parameters("gavleborg"), _parameters("fjallmarken")
    staff_baseline = {"wave": "2016", "data": {"operativ": g["baseline"]["data"]["operativ"]}}
    return {
        "bara_personal": {**g, "forbund": "bara_personal", "data": {"operativ": g["data"]["operativ"]},
                          "baseline": staff_baseline},
        "bara_chefer": {**g, "forbund": "bara_chefer", "data": {"chefsgrupp": g["data"]["chefsgrupp"]},
                        "baseline": None},
        "utan_baslinje": {**g, "forbund": "utan_baslinje", "baseline": None},
        "utan_regioner": {**g, "forbund": "utan_regioner", "regions": {}, "baseline": None},
        "en_region": {**f, "forbund": "en_region", "min_n": 31},  # Dalgången 45; Sjölandet 30, Fjällbyarna 3
        "personal_utan_regioner": {**f, "forbund": "personal_utan_regioner", "data": {"operativ": f["data"]["operativ"]},
                                   "regions": {}},
    }


#: Per combination: sentences the page must hold, and the figures and test sections it must (not) have.
EXPECTED = {
    "bara_personal": ([NO_MANAGERS], 9, {"strukturerad", "forandring", "region", "parade"}, {"region_chefer",
                                                                                              "chefer_personal"}),
    "bara_chefer": ([NO_STAFF, NO_BASELINE], 5, {"region_chefer"}, {"strukturerad", "parade", "forandring"}),
    "utan_baslinje": ([NO_BASELINE], 14, {"strukturerad", "region", "chefer_personal"}, {"forandring"}),
    "utan_regioner": ([NO_REGIONS, NO_BASELINE], 14, {"strukturerad", "strukturerad_kommun", "parade"},
                      {"region", "region_chefer", "region_tabell4"}),
    "en_region": (["färre än två regioner har minst 31 svarande, så regionerna kan inte jämföras",
                   "Ingen kommun har minst 31 svarande både i och utanför strukturerad samverkan", NO_BASELINE],
                  14, {"parade"}, {"strukturerad_kommun", "region_chefer", "forandring"}),
    "personal_utan_regioner": ([NO_REGIONS, NO_MANAGERS, NO_BASELINE], 9, {"strukturerad"},
                               {"region", "chefer_personal", "region_chefer"}),
}


@pytest.fixture(scope="module")
def combinations(tmp_path_factory, warm_kernel) -> dict[str, Path]:
    """Each combination's report, run as the batch runs it: the notebook in the session's warm kernel, then HTML."""
    out = tmp_path_factory.mktemp("combinations")
    folders = {}
    for name, parameters in _combinations().items():
        folder = out / name
        executed = warm_kernel.execute(NOTEBOOK, out / f"{name}.ipynb", {**parameters, "output_dir": str(folder)},
                                       NOTEBOOK.parent)
        publish.to_html(executed, folder / "report.html", f"Förbund {name}")
        folders[name] = folder
    return folders


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_combination_gives_a_report_that_says_what_is_missing(combinations, name):
    folder = combinations[name]
    sentences, figures, present, absent = EXPECTED[name]
    root = parse((folder / "report.html").read_text(encoding="utf-8"))
    text = visible_text(root)
    for sentence in sentences:
        assert sentence in text, sentence
    assert visible_text(elements(root, "h1")[0]).strip() == _combinations()[name]["name"]
    assert len(elements(root, "section")) >= 12  # every section is there, with its data or its reason
    for item_id in unmistakable_ids():
        assert not re.search(rf"(?<![\w-]){re.escape(item_id)}(?![\w-])", text, re.IGNORECASE), item_id
    for absent_note in elements(root, "p"):
        if "sv-absent" in (absent_note.get("class") or ""):
            assert visible_text(absent_note).strip().endswith("."), "one whole sentence says why"
    assert len(list((folder / "figures").glob("*.svg"))) == figures
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    sections = {t["section"] for t in results["tests"] if t["role"] == "primary"}
    assert present <= sections and not sections & absent, sections
    surveys = {s["survey"] for s in results["scores"]}
    assert surveys == {s for s in ("operativ", "chefsgrupp") if s in _combinations()[name]["data"]}
    book = openpyxl.load_workbook(folder / "tables.xlsx", read_only=True)
    assert {"underlag", "andel", "tester", "undertryckt"} <= set(book.sheetnames)


def test_without_regions_each_unit_is_reported_on_its_own(combinations):
    results = json.loads((combinations["utan_regioner"] / "results.json").read_text(encoding="utf-8"))
    staff = [s for s in results["scores"] if s["survey"] == "operativ" and s["item"] == "synsatt"]
    assert {s["group_by"] for s in staff} == {"unit"}
    units = {s["group"] for s in staff} - {"Alla"}
    regions = _combinations()["utan_baslinje"]["regions"]
    assert units == {u for members in regions.values() for u in members if not u.startswith("Mysam")}
    html = (combinations["utan_regioner"] / "report.html").read_text(encoding="utf-8")
    assert '<th scope="col">Kommun</th>' in html and '<th scope="col">Chefsgrupp</th>' in html


def test_one_region_large_enough_is_shown_and_the_small_ones_are_not(combinations):
    results = json.loads((combinations["en_region"] / "results.json").read_text(encoding="utf-8"))
    shown = {s["group"] for s in results["scores"] if s["share_high"] is not None and s["survey"] == "operativ"}
    assert "Dalgången" in shown and "Fjällbyarna" not in shown
    assert all(s["n"] is None or s["n"] >= 31 for s in results["scores"])


def test_build_report_refuses_params_without_any_survey():
    params = config.load_params(ROOT / "params" / "fjallmarken.yaml")
    empty = sv.Params(**{**{k: getattr(params, k) for k in params.keys()}, "data": {}})
    with pytest.raises(ValueError, match="name no data file of a known survey"):
        sv.report.build_report(empty)


def test_sections_are_in_the_same_order_whatever_is_missing(combinations):
    orders = set()
    for folder in combinations.values():
        root = parse((folder / "report.html").read_text(encoding="utf-8"))
        orders.add(tuple(s.get("id") for s in elements(root, "section") if "sv-section" in (s.get("class") or "")))
    assert len(orders) == 1 and next(iter(orders))[0] == "sammanfattning"
    assert NAMESPACE  # the page is XHTML-namespaced by the parser


def test_text_from_params_and_data_is_escaped_everywhere_it_becomes_html(tmp_path):
    """A hostile förbund name and region name reach the page as text: no element, no attribute, no CSS break-out."""
    import nbformat

    params = config.load_params(ROOT / "params" / "fjallmarken.yaml")
    hostile_region = '<img src=x onerror="alert(1)">'
    regions = {hostile_region if r == "Dalgången" else r: units for r, units in params.regions.items()}
    name = '</style><script>alert("namn")</script> & "Förbund"'
    values = {**{k: getattr(params, k) for k in params.keys()}, "name": name, "regions": regions}
    report = sv.report.build_report(sv.Params(**values))
    notebook = nbformat.v4.new_notebook()
    for part in [report.header(), *report.sections.values()]:
        output = nbformat.v4.new_output("display_data", data={"text/html": str(part._repr_html_()),
                                                              "text/plain": repr(part)})
        notebook.cells.append(nbformat.v4.new_code_cell("rapport", outputs=[output]))
    page = publish.to_html(notebook, tmp_path / "report.html", name).read_text(encoding="utf-8")
    root = parse(page)
    assert not elements(root, "script") and not [i for i in elements(root, "img") if i.get("onerror")]
    assert not [(e.tag, a) for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
    assert visible_text(elements(root, "h1")[0]).strip() == name  # shown as the text it is
    assert hostile_region in visible_text(root)
    (style,) = elements(root, "style")  # the name in the print header is a CSS string, every risky character escaped
    assert "<" not in style.text and display.css_string(name) in style.text


def _split_export(source: Path, target: Path, structured_units: set[str]) -> Path:
    """``source`` (a wide staff export) with only the respondents who keep structured and other staff apart.

    Kept: structured staff (``strukturerad = ja``) who work only in ``structured_units`` and
    the others (``nej``) who work in none of them, so no municipality has both groups.
    """
    with open(source, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    kommun, structured = header.index("kommun"), header.index("strukturerad")
    kept = []
    for row in rows:
        units = {u.strip() for u in row[kommun].split(",") if u.strip()}
        if (row[structured] == "ja" and units <= structured_units) or (
                row[structured] == "nej" and not units & structured_units):
            kept.append(row)
    with open(target, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *kept])
    return target


def test_report_when_structured_and_other_staff_never_share_a_municipality(tmp_path):
    params = config.load_params(ROOT / "params" / "gavleborg.yaml")
    export = _split_export(Path(params.data["operativ"]), tmp_path / "operativ.csv",
                           {"Bollnäs", "Hofors", "Ljusdal", "Ockelbo", "Sandviken"})
    split = sv.Params(**{**{k: getattr(params, k) for k in params.keys()}, "data": {"operativ": str(export)},
                         "baseline": None})
    staff = sv.load(export, survey="operativ", regions=params.regions)
    mixed = staff.drop_duplicates(["respondent_id", "unit"]).groupby("unit", observed=True)["strukturerad"].nunique()
    assert (mixed == 1).all() and staff["strukturerad"].nunique() == 2

    report = sv.report.build_report(split)
    section = report.sections["strukturerad"]
    per_unit = next(p for p in section.parts if isinstance(p, display.Subsection))
    assert per_unit.title == "Per kommun (utforskande)"
    assert [p.text for p in per_unit.parts] == [
        "Ingen kommun har minst 5 svarande både i och utanför strukturerad samverkan."]
    assert section.tables(), "the comparison over the whole förbund is still made"
    assert "strukturerad_kommun" not in set(report.tests["section"])


def test_a_tiny_forbund_with_a_question_nobody_answered_gets_a_report(tmp_path):
    """Seven staff, nobody answered 'lyssnar': the pair it belongs to is not compared, and the report says so."""
    params = config.load_params(ROOT / "params" / "sjobygden.yaml")
    source = Path(params.data["operativ"])
    raw = source.read_text(encoding="cp1252").splitlines()
    header = raw[0].split(";")
    column = header.index("lyssnar")
    rows = [line.split(";") for line in raw[1:8]]
    for row in rows:
        row[column] = ""
    export = tmp_path / "operativ.csv"
    export.write_text("\n".join(";".join(r) for r in [header, *rows]) + "\n", encoding="cp1252")
    tiny = sv.Params(**{**{k: getattr(params, k) for k in params.keys()}, "data": {"operativ": str(export)},
                        "baseline": None, "regions": None})
    report = sv.report.build_report(tiny)
    texts = [p.text for p in report.sections["parade"].parts if isinstance(p, display.Paragraph)]
    assert ("Ingen svarande har besvarat båda frågorna ”De andra parterna lyssnar” och ”Vet vad de andra parterna "
            "kan tillföra”, så de jämförs inte.") in texts
    assert "lyssnar" not in set(report.tests.loc[report.tests["section"] == "parade", "item"])
    assert set(report.tests.loc[report.tests["section"] == "parade", "item"]) == {"rutiner_myndigheter",
                                                                                 "strukturer_myndigheter"}


def test_a_baseline_of_three_staff_is_not_tested_and_the_report_says_so(tmp_path):
    """Three staff in the baseline against a whole wave: no change test is published (under min_n), the
    summary and the change section say why, and the exact test of 3 against hundreds takes no time (it took
    minutes and gigabytes computing the large group's distribution)."""
    params = config.load_params(ROOT / "params" / "alvdalsbygden.yaml")
    source = Path(params.baseline["data"]["operativ"])
    small = tmp_path / "operativ_2016.csv"
    small.write_bytes(b"\n".join(source.read_bytes().splitlines()[:4]) + b"\n")  # header and three staff
    tiny = sv.Params(**{**{k: getattr(params, k) for k in params.keys()},
                        "baseline": {"wave": "2016", "data": {"operativ": str(small), "chefsgrupp": None}}})
    report = sv.report.build_report(tiny)
    said = "Förändringen sedan 2016 prövas inte: en av mätningarna har färre än 5 svarande i personalenkäten."
    assert said in [p.text for p in report.sections["forandring"].parts if isinstance(p, display.Paragraph)]
    change = report.tests[report.tests["section"] == "forandring"]
    assert len(change) and change["suppressed"].all() and change["n_reference"].isna().all()
