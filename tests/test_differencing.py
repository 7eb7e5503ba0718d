"""The differencing attack on every published report: no group below min_n can be worked out.

For each förbund the whole report is built (``build_report``: every table, chart, test
and sentence at once), and its outputs are read back as an outsider would read them:
``tables.xlsx``, ``results.json`` and what each chart draws. Every published count becomes a linear equation over
"atoms" — the respondents of a survey grouped by their set of units, their answer to
``strukturerad`` and whether they answered the item — at the level it counts
(respondent: once per group; unit: once per unit row). Totals, region and unit rows,
chart groups, each test's ``n``/``n_reference`` and the total ``n`` of a many-group
test, the data overview's respondents, and ``n + n_missing`` of another item's row (the
same people, every item) all go in; a share of high values times its ``n`` — of a
table row, a chart bar, or each group of a two-group test — and a test's difference in
shares give the equations for the high answers.

A group below ``min_n`` — a region, a municipality, a structured-collaboration group,
a municipality × structured group, a survey's total — is recovered when its count is
a linear combination of the published ones (totals minus parts is one such
combination): the attack checks exactly that, with ranks, for the count, the count of
high answers and the respondents and unit rows of the data overview. It finds nothing.

Truth (which groups are small) comes from the exports; the attack itself uses only
the published numbers.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

import samverkan as sv
from samverkan import instrument, report_data
from samverkan.params import load_params
from samverkan.report import build_report
from samverkan.stats.scores import analysis_population
from samverkan.vocabulary import SWEDISH

from .conftest import ROOT

SAMPLES = sorted(p.stem for p in (ROOT / "params").glob("*.yaml"))
ENGLISH = {swedish: column for column, swedish in SWEDISH.items()}
#: Report sections with group tests: the level each counts at and the column that splits its groups.
SECTIONS = {"strukturerad": ("respondent", "strukturerad"), "strukturerad_kommun": ("respondent", "strukturerad"),
            "region": ("respondent", "region"), "region_tabell4": ("respondent", "region"),
            "region_chefer": ("respondent", "region")}


# ------------------------------------------------------------------ the small-groups fixture


def small_groups_forbund(folder: Path) -> Path:
    """Kustbygden's exports regrouped: Liten (3 staff, 1 manager), Mellan (6 staff, 5 managers), Stor (the rest).

    Stor also holds Storvik, a municipality of 4 staff, beside Storby and Strandby.
    """
    params = load_params(ROOT / "params" / "kustbygden.yaml", check_data=False)
    staff = analysis_population(sv.load(params.data["operativ"], survey="operativ", regions=params.regions))
    single = staff.groupby("respondent_id", sort=False)["unit"].nunique()
    chosen = [r for r in single.index if single[r] == 1][:13]
    new_unit = {**dict.fromkeys(chosen[:3], "Litenby"), **dict.fromkeys(chosen[3:9], "Mellanby"),
                **dict.fromkeys(chosen[9:13], "Storvik")}
    rename = {"Havsby": "Storby", "Saltnäs": "Storby", "Strandvik": "Strandby"}
    _rewrite(params.data["operativ"], folder / "operativ.csv", "kommun",
             lambda rid, cell: new_unit.get(rid) or ", ".join(dict.fromkeys(rename[u.strip()] for u in cell.split(","))))
    managers = sorted(pd.read_csv(params.data["chefsgrupp"], dtype=str)["respondent_id"])
    group = {**{managers[0]: "Mysam Litenby"}, **dict.fromkeys(managers[1:6], "Mysam Mellanby")}
    _rewrite(params.data["chefsgrupp"], folder / "chefsgrupp.csv", "mysam_grupp",
             lambda rid, cell: group.get(rid, "Mysam Storby"))
    raw = {"forbund": "smagrupper", "name": "Småa grupper (fiktivt)", "wave": "2019",
           "data": {"operativ": str(folder / "operativ.csv"), "chefsgrupp": str(folder / "chefsgrupp.csv")},
           "baseline": None,
           "regions": {"Liten": ["Litenby", "Mysam Litenby"], "Mellan": ["Mellanby", "Mysam Mellanby"],
                       "Stor": ["Storby", "Strandby", "Storvik", "Mysam Storby"]},
           "min_n": 5, "alpha": 0.05, "p_adjust": "holm"}
    path = folder / "smagrupper.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _rewrite(source, target: Path, column: str, unit_of) -> None:
    text = Path(source).read_text(encoding="utf-8-sig")
    records = list(csv.reader(text.splitlines(), delimiter=";" if ";" in text.splitlines()[0] else ","))
    position = records[0].index(column)
    for record in records[1:]:
        record[position] = unit_of(record[0], record[position])
    with open(target, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)


# ------------------------------------------------------------------ the report, published


def _publish(params_path: Path, folder: Path, monkeypatch) -> tuple[dict, dict]:
    """Build the report; its outputs read back, each chart's drawn table, and the answers (the truth)."""
    charts: dict[tuple[str, str], pd.DataFrame] = {}
    described = report_data.likert_alt

    def recording(rows, survey, min_n):  # every chart's alt text is made from the very table it draws
        for item in rows["item"].unique():
            charts[(survey, str(item))] = rows[rows["item"] == item]
        return described(rows, survey, min_n)

    monkeypatch.setattr(report_data, "likert_alt", recording)
    params = load_params(params_path)
    rep = build_report(params)
    rep.write_outputs(folder)
    book = openpyxl.load_workbook(folder / "tables.xlsx", read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = pd.DataFrame(rows[1:], columns=[ENGLISH.get(h, h) for h in rows[0]]) if rows else None
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    answers = {survey: sv.load(path, survey=survey, regions=params.regions) for survey, path in params.data.items()
               if path is not None}
    if "operativ" in answers:
        answers["operativ"] = analysis_population(answers["operativ"])
    return {"sheets": sheets, "results": results, "charts": charts}, {"params": params, "report": rep,
                                                                     "answers": answers}


# ------------------------------------------------------------------ atoms: the truth, from the exports


@dataclass(frozen=True)
class Group:
    """A set of people the report may count: units (None: all), a strukturerad answer (None: any)."""

    units: frozenset | None = None
    strukturerad: str | None = None


def _atoms(answers: pd.DataFrame, item: str | None) -> "Atoms":
    """One row per (set of units, strukturerad, answered the item): how many respondents (``item=None``: any item)."""
    rows = answers if item is None else answers[(answers["item"] == item).to_numpy()]
    strukturerad = rows["strukturerad"] if "strukturerad" in rows else pd.Series(None, index=rows.index)
    units: dict = {}
    group: dict = {}
    answered: dict = {}
    for rid, unit, structured, value in zip(rows["respondent_id"], rows["unit"].astype(str), strukturerad,
                                            rows["value"]):
        units.setdefault(rid, set()).add(unit)
        group[rid] = None if pd.isna(structured) else str(structured)
        answered[rid] = item is None or answered.get(rid, False) or not pd.isna(value)
    counts = Counter((frozenset(units[r]), group[r], answered[r]) for r in units)
    return Atoms(list(counts), np.array(list(counts.values()), dtype=float))


@dataclass(frozen=True)
class Atoms:
    """The atoms of one survey and item: ``keys`` (units, strukturerad, answered) and how many respondents each."""

    keys: list
    count: np.ndarray


def _vector(atoms: Atoms, group: Group, level: str, status: str) -> np.ndarray:
    """The coefficients of a published count of ``group`` over the atoms (status: n, n_missing or rows)."""
    weights = []
    for units, strukturerad, answered in atoms.keys:
        inside = units if group.units is None else units & group.units
        matches = group.strukturerad is None or strukturerad == group.strukturerad
        wanted = status == "rows" or (answered if status == "n" else not answered)
        weight = (len(inside) if level == "unit" else float(bool(inside))) if matches and wanted else 0.0
        weights.append(weight)
    return np.array(weights, dtype=float)


def _determined(facts: list[np.ndarray], target: np.ndarray) -> bool:
    """Whether ``target`` is a linear combination of the ``facts`` (a count that subtraction recovers)."""
    if not facts or not target.any():
        return False
    matrix = np.vstack(facts)
    return np.linalg.matrix_rank(np.vstack([matrix, target])) == np.linalg.matrix_rank(matrix)


# ------------------------------------------------------------------ facts: what was published


def _region_group(regions: dict, names) -> Group:
    names = [names] if isinstance(names, str) else names
    if names == ["Alla"]:
        return Group()
    return Group(frozenset(u for name in names for u in regions[name]))


def _shown(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and value is not pd.NA


def _scores(published: dict, survey: str, item: str | None = None) -> list[dict]:
    table = published["sheets"].get("andel")
    if table is None:
        return []
    rows = table[(table["survey"] == survey).to_numpy()]
    return rows[(rows["item"] == item).to_numpy()].to_dict("records") if item else rows.to_dict("records")


def _table_facts(published: dict, regions: dict, survey: str, item: str) -> list[tuple]:
    """``(group, level, status, high_share)`` of every published count of ``item`` (``high_share`` may be None)."""
    facts = []
    for row in _scores(published, survey, item):
        group = _region_group(regions, row["group"])
        if _shown(row.get("n")):
            facts.append((group, "respondent", "n", row.get("share_high") if _shown(row.get("share_high")) else None))
        if _shown(row.get("n_missing")):
            facts.append((group, "respondent", "n_missing", None))
    chart = published["charts"].get((survey, item))
    labels = list(instrument.item(item).labels) if chart is not None else []
    high = [labels[v - 1] for v in instrument.item(item).high_values] if labels else []
    for row in ([] if chart is None else chart.to_dict("records")):
        if not row["suppressed"]:
            facts.append((_region_group(regions, row["group"]), "respondent", "n", sum(row[h] for h in high) / 100))
    pavisbar = published["sheets"].get("pavisbar")
    if survey == "operativ" and pavisbar is not None:
        for row in pavisbar[pavisbar["item"] == item].to_dict("records"):
            if _shown(row["n"]):
                facts.append((Group(), "respondent", "n", row["share_high"] if _shown(row["share_high"]) else None))
    return facts


def _test_rows(published: dict) -> list[dict]:
    rows = []
    for name in ("strukturerad", "regioner", "chefer_personal"):
        sheet = published["sheets"].get(name)
        if sheet is not None:
            rows += sheet.to_dict("records")
    return rows


def _test_group(row: dict, names: str, regions: dict, by: str) -> Group:
    unit = row.get("unit")
    if by == "strukturerad":
        return Group(None if not _shown(unit) else frozenset([unit]), names)
    return _region_group(regions, [n.strip() for n in names.split(",")])


def _test_facts(published: dict, regions: dict, survey: str, item: str) -> tuple[list[tuple], list[tuple]]:
    """Count facts ``(group, level)``; share facts ``(group, level)`` (a group's share is published beside its
    ``n``) and share-difference facts ``(group, n, reference, n_ref, diff, level)``."""
    counts, shares, differences = [], [], []
    for row in _test_rows(published):
        section = row.get("section")
        if section == "chefer_personal" and row["item"] == item:  # each survey's total, respondent level
            named = {row["group"]: row["n"], row["reference"]: row["n_reference"]}
            counts += [(Group(), "respondent")] if _shown(named.get(survey)) else []
            continue
        if row["item"] != item or section not in SECTIONS or (survey == "chefsgrupp") != (section == "region_chefer"):
            continue
        level, by = SECTIONS[section]
        group = _test_group(row, row["group"], regions, by)
        if _shown(row["n"]):
            counts.append((group, level))
            if _shown(row.get("share_high")):
                shares.append((group, level))
        if _shown(row.get("reference")) and _shown(row.get("n_reference")):
            reference = _test_group(row, row["reference"], regions, by)
            counts.append((reference, level))
            if _shown(row.get("share_high_reference")):
                shares.append((reference, level))
            if _shown(row.get("share_difference")):
                differences.append((group, row["n"], reference, row["n_reference"], row["share_difference"], level))
    return counts, shares, differences


def _overview_facts(published: dict, regions: dict, survey: str) -> list[tuple]:
    data = published["sheets"]["underlag"]
    facts = []
    for row in data[data["survey"] == survey].to_dict("records"):
        if _shown(row["respondents"]):
            facts.append((_region_group(regions, row["group"]), "respondent", "rows"))
    return facts


def _rows_from_other_items(published: dict, regions: dict, survey: str, item: str) -> list[tuple]:
    """``n + n_missing`` of the same group in another item's row: its respondents, whatever the item."""
    return [(_region_group(regions, row["group"]), "respondent", "rows") for row in _scores(published, survey)
            if row["item"] != item and _shown(row.get("n")) and _shown(row.get("n_missing"))]


# ------------------------------------------------------------------ small groups, from the truth


def _small_groups(answers: pd.DataFrame, item: str, regions: dict, min_n: int) -> list[tuple[str, Group]]:
    """Every group of the report's breakdowns with 1 to min_n − 1 answers to ``item`` (at either level)."""
    candidates = [("Alla", Group())]
    candidates += [(f"region {r}", Group(frozenset(units))) for r, units in regions.items()]
    candidates += [(f"kommun {u}", Group(frozenset([u]))) for u in answers["unit"].astype(str).unique()]
    if "strukturerad" in answers:
        for value in ("ja", "nej"):
            candidates.append((f"strukturerad {value}", Group(None, value)))
            candidates += [(f"kommun {u} × {value}", Group(frozenset([u]), value))
                           for u in answers["unit"].astype(str).unique()]
    atoms = _atoms(answers, item)
    small = []
    for name, group in candidates:
        sizes = [float(_vector(atoms, group, level, "n") @ atoms.count) for level in ("respondent", "unit")]
        if any(0 < size < min_n for size in sizes):
            small.append((name, group))
    return small


def _attack_item(published, answers, regions, survey, item, min_n) -> list[str]:
    """What a subtraction recovers of ``item``'s small groups (their counts and their high answers)."""
    atoms = _atoms(answers, item)
    table = _table_facts(published, regions, survey, item)
    counts, shares, differences = _test_facts(published, regions, survey, item)
    count_facts = [_vector(atoms, g, level, status) for g, level, status, _ in table]
    count_facts += [_vector(atoms, g, level, "n") for g, level in counts]
    count_facts += [_vector(atoms, g, level, "rows") for g, level, _ in
                    _overview_facts(published, regions, survey) + _rows_from_other_items(published, regions,
                                                                                          survey, item)]
    high_facts = [_vector(atoms, g, level, "n") for g, level, status, share in table if share is not None]
    high_facts += [_vector(atoms, g, level, "n") for g, level in shares]
    high_facts += [n_ref * _vector(atoms, g, level, "n") - n * _vector(atoms, r, level, "n")
                   for g, n, r, n_ref, _, level in differences]
    found = []
    for name, group in _small_groups(answers, item, regions, min_n):
        for level in ("respondent", "unit"):
            target = _vector(atoms, group, level, "n")
            if _determined(count_facts, target):
                found.append(f"{survey}:{item}: {name} ({level}) n = {target @ atoms.count:.0f}")
            elif _determined(high_facts, target):
                found.append(f"{survey}:{item}: {name} ({level}) high answers")
    return found


def _attack_overview(published, answers, regions, survey, min_n) -> list[str]:
    """What a subtraction recovers of the respondents and unit rows of the data overview's small regions."""
    atoms = _atoms(answers, None)
    facts = [_vector(atoms, g, level, "rows") for g, level, _ in _overview_facts(published, regions, survey)]
    found = []
    for name, units in regions.items():
        group = Group(frozenset(units))
        for level in ("respondent", "unit"):
            target = _vector(atoms, group, level, "rows")
            if 0 < target @ atoms.count < min_n and _determined(facts, target):
                found.append(f"{survey}: region {name} ({level}) {target @ atoms.count:.0f} rows")
    return found


def attack(published: dict, built: dict) -> list[str]:
    """Every small group's count the published numbers give away (empty: the report holds)."""
    params, answers_of = built["params"], built["answers"]
    regions = {name: [str(u) for u in units] for name, units in params.regions.items()}
    found = []
    for survey in ("operativ", "chefsgrupp"):
        answers = answers_of.get(survey)
        if answers is None:
            continue
        items = [i.id for i in instrument.survey(survey).indicator_items] + (["strukturerad"] * (survey == "operativ"))
        for item in items:
            found += _attack_item(published, answers, regions, survey, item, params.min_n)
        found += _attack_overview(published, answers, regions, survey, params.min_n)
    return found


# ------------------------------------------------------------------ the tests


def _published_counts(rows) -> set[tuple]:
    """``(item, comparison, group, reference, n, n_reference)`` of the rows with a published ``n``."""
    return {(r["item"], r["comparison"], r["group"], r["reference"], r["n"], r["n_reference"]) for r in rows
            if _shown(r["n"])}


def _same_numbers_in_workbook_and_results(published: dict) -> None:
    """``results.json`` publishes no count the workbook does not (so attacking the workbook covers both)."""
    results = published["results"]
    sheets = [published["sheets"][name] for name in ("strukturerad", "regioner", "parade", "chefer_personal",
                                                     "forandring")
              if published["sheets"].get(name) is not None]
    in_book = set().union(*(_published_counts(s.astype(object).where(s.notna(), None).to_dict("records"))
                            for s in sheets))
    assert _published_counts(results["tests"]) <= in_book
    sheet = published["sheets"]["andel"]
    for row in results["scores"]:
        match = sheet[(sheet["survey"] == row["survey"]) & (sheet["item"] == row["item"]) & (sheet["group"] == row["group"])]
        assert not _shown(row["n"]) or (match["n"] == row["n"]).any(), row


@pytest.fixture(scope="module")
def small_groups(tmp_path_factory) -> tuple[dict, dict]:
    """The small-groups förbund's report, published once for the tests below."""
    folder = tmp_path_factory.mktemp("smagrupper")
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _publish(small_groups_forbund(folder), folder / "out", monkeypatch)


def _copy(published: dict) -> dict:
    return {**published, "sheets": dict(published["sheets"])}


@pytest.mark.parametrize("forbund", SAMPLES)
def test_no_small_group_of_a_sample_forbund_can_be_recovered_by_subtraction(forbund, tmp_path, monkeypatch):
    published, built = _publish(ROOT / "params" / f"{forbund}.yaml", tmp_path / "out", monkeypatch)
    _same_numbers_in_workbook_and_results(published)
    assert attack(published, built) == []


def test_no_small_group_of_the_small_groups_forbund_can_be_recovered_by_subtraction(small_groups):
    published, built = small_groups
    _same_numbers_in_workbook_and_results(published)
    assert attack(published, built) == []


def test_the_attack_finds_a_small_region_behind_the_tests_of_the_others(small_groups):
    """Not blind to tests either: with only the small region left out (no complement), Liten = Alla − the tested."""
    published, built = _copy(small_groups[0]), small_groups[1]
    staff = built["answers"]["operativ"]
    kept = staff[staff["region"] != "Liten"]
    tests = sv.compare(kept, by="region", items="lyssnar").assign(section="region")
    published["sheets"]["regioner"] = tests
    found = attack(published, built)
    assert "operativ:lyssnar: region Liten (respondent) n = 3" in found, found


def test_the_attack_finds_what_the_issue_found_in_an_unprotected_table(small_groups):
    """The attack is not blind: published unprotected, Liten's count falls out of Alla − Stor − Mellan."""
    published, built = _copy(small_groups[0]), small_groups[1]
    staff = built["answers"]["operativ"]
    scores = sv.score(staff, items="lyssnar", by="region", level="respondent").rename(columns={"region": "group"})
    overall = sv.score(staff, items="lyssnar", level="respondent").assign(group="Alla")
    unprotected = pd.concat([overall, scores.astype({"group": str})]).assign(survey="operativ")
    andel = published["sheets"]["andel"]
    others = andel[~((andel["survey"] == "operativ") & (andel["item"] == "lyssnar")).to_numpy()]
    published["sheets"]["andel"] = pd.concat([others, unprotected.astype({"item": str})], ignore_index=True)
    found = attack(published, built)
    assert any(f.startswith("operativ:lyssnar: region Liten") for f in found), found
