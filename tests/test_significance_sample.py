"""Scores and tests on the committed baseline sample: the report's Tabell 4 as a worked case,
structured vs not, regions, paired items, managers vs staff, waves, and the properties
every test function promises (no mutation, clear argument errors, cluster handling)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from pandas.testing import assert_frame_equal
from scipy import stats

import samverkan as sv
from samverkan.disclosure import DisclosurePlan
from samverkan.stats.plan import PER_UNIT_ITEMS, planned_tests
from samverkan.vocabulary import TEST_COLUMNS

R = json.loads((Path(__file__).resolve().parent / "reference" / "r_reference.json").read_text(encoding="utf-8"))
REGIONS_PATH = Path(__file__).resolve().parent.parent / "data" / "reference" / "fou_2017_1_published.yaml"


@pytest.fixture(scope="module")
def regions(reference_module):
    return reference_module["regions"]


@pytest.fixture(scope="module")
def reference_module():
    import yaml

    return yaml.safe_load(REGIONS_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def staff(regions):
    answers = sv.load(sv.sample_path("gavleborg", "2016", "operativ"), survey="operativ", forbund="gavleborg",
                      wave="2016", regions=regions)
    analysed = answers[(answers["kontakt_malgrupp"] == "ja") & (answers["erfarenhet_samverkan"] == "ja")]
    return analysed.reset_index(drop=True)


@pytest.fixture(scope="module")
def staff_2019(regions):
    answers = sv.load(sv.sample_path("gavleborg", "2019", "operativ"), survey="operativ", forbund="gavleborg",
                      wave="2019", regions=regions)
    return answers[(answers["kontakt_malgrupp"] == "ja") & (answers["erfarenhet_samverkan"] == "ja")]


@pytest.fixture(scope="module")
def managers():
    spec_regions = _mysam_regions()
    return sv.load(sv.sample_path("gavleborg", "2016", "chefsgrupp"), survey="chefsgrupp", forbund="gavleborg",
                   wave="2016", regions=spec_regions)


def _mysam_regions() -> dict:
    import yaml

    spec = yaml.safe_load((sv.SAMPLE_DIR / "specs" / "gavleborg.yaml").read_text(encoding="utf-8"))
    return {region: list(groups) for region, groups in spec["mysam_groups"].items()}


# ------------------------------------------------------------------ Tabell 4


def test_tabell_4_statistic_is_r_chisq_test_of_the_printed_table(staff):
    tests = sv.compare(staff, items="strukturerad", by="region", level="unit", method="asymptotic")
    row = tests.iloc[0]
    expected = R["cases"]["tabell4_chisq"]["output"]
    assert row["n"] == 761
    assert_allclose(row["statistic"], expected["statistic"], rtol=1e-12)
    assert row["df"] == expected["parameter"]
    assert_allclose(row["effect_size"], R["cases"]["tabell4_cramers_v"]["output"]["value"], rtol=1e-12)


def test_tabell_4_at_unit_level_keeps_each_respondents_rows_together(staff):
    row = sv.compare(staff, items="strukturerad", by="region", level="unit", method="asymptotic").iloc[0]
    expected = R["cases"]["tabell4_chisq"]["output"]
    # 99 staff answer for several municipalities, which share respondents and so cannot be
    # permuted apart: the respondent is the cluster (Rao–Scott; checked against R's
    # svychisq in test_significance_inference.py) and the copies no longer pass for evidence.
    assert row["test"] == "chi2-share-high-rao-scott"
    assert_allclose(row["statistic"], expected["statistic"], rtol=1e-12)
    assert row["pvalue"] > expected["p_value"]
    assert "761 rader från 659 respondenter" in row["note"] and "Rao–Scott" in row["note"]


def test_unit_level_with_every_respondent_doubled_equals_respondent_level(staff):
    one_unit = staff.drop_duplicates(subset=["respondent_id", "item"]).assign(unit="A")
    codes = pd.factorize(one_unit["respondent_id"])[0]
    one_unit = one_unit.assign(grupp=np.where(codes % 3 == 0, "x", "y"))  # no real difference: moderate p-values
    doubled = sv.concat([one_unit, one_unit.assign(unit="B")])
    items = ["synsatt", "lyssnar", "arbetssatt", "rutiner_aktorer"]
    at_unit = sv.compare(doubled, by="grupp", items=items, level="unit", method="asymptotic")
    at_respondent = sv.compare(one_unit, by="grupp", items=items, method="asymptotic")
    assert set(at_unit["test"]) == {"mann-whitney-design", "chi2-share-high-rao-scott"}
    # Each respondent's two copies are one cluster: the design-based tests give what the
    # respondent-level tests give (t and F references instead of normal and chi-square).
    assert_allclose(at_unit["pvalue"], at_respondent["pvalue"], rtol=0.03)
    assert_allclose(at_unit["effect_size"], at_respondent["effect_size"], rtol=1e-12)
    assert_allclose(at_unit["ci_low"], at_respondent["ci_low"], atol=1e-3)
    assert (at_unit["n"] == 2 * at_respondent["n"]).all()


# ------------------------------------------------------------------ structured vs not, regions


def test_structured_staff_answer_higher_and_it_holds_after_correction(staff):
    items = ["synsatt", "arbetssatt", "rutiner_myndigheter", "rutiner_aktorer"]
    tests = sv.adjust(sv.compare(staff, by="strukturerad", items=items))
    assert set(tests["group"]) == {"ja"} and set(tests["reference"]) == {"nej"}
    assert (tests["effect_size"] > 0).all()
    ranks = tests[tests["test"] == "mann-whitney"]
    assert (ranks["pvalue_adjusted"] < 0.05).all()
    assert (ranks["pvalue_adjusted"] >= ranks["pvalue"]).all()
    sentence = sv.describe_test(ranks.iloc[0])
    assert "statistiskt säkerställd" in sentence and "inte statistiskt" not in sentence


def test_structured_vs_not_per_municipality_bilaga_2(staff):
    tests = sv.compare(staff, by="strukturerad", items="synsatt", stratify="unit")
    assert sorted(tests["unit"].unique()) == sorted(u for units in _regions_of(staff) for u in units)
    ranks = tests[tests["test"].str.startswith("mann-whitney")]
    assert (ranks["effect_size"] > 0).all()  # the synthetic sample is calibrated that way in every municipality


def _regions_of(staff):
    return [sorted(staff.loc[staff["region"] == r, "unit"].astype(str).unique()) for r in staff["region"].cat.categories]


#: Municipalities whose staff, in :func:`split_by_unit`, are all in structured collaboration.
STRUCTURED_UNITS = {"Bollnäs", "Hofors", "Ljusdal", "Ockelbo", "Sandviken"}


def split_by_unit(staff: pd.DataFrame) -> pd.DataFrame:
    """Whole respondents such that structured and other staff never share a municipality.

    Kept: the structured staff who work only in :data:`STRUCTURED_UNITS` and the others who
    work in none of them.
    """
    units = staff.groupby("respondent_id")["unit"].agg(lambda u: set(u.astype(str)))
    structured = staff.drop_duplicates("respondent_id").set_index("respondent_id")["strukturerad"]
    structured = structured.astype("string").reindex(units.index)
    inside = units.map(lambda u: u <= STRUCTURED_UNITS) & structured.eq("ja").fillna(False)
    outside = units.map(lambda u: not u & STRUCTURED_UNITS) & structured.eq("nej").fillna(False)
    kept = units.index[(inside | outside).to_numpy(dtype=bool)]
    return staff[staff["respondent_id"].isin(set(kept))].reset_index(drop=True)


def _assert_one_group_per_stratum(tests: pd.DataFrame, answers: pd.DataFrame, by: str, items: list[str]) -> None:
    """Every (unit, item) is one row without a test, as compare reports a single group anywhere."""
    assert list(tests.columns) == ["unit", *TEST_COLUMNS]
    answered = answers[answers["item"].isin(items) & answers["value"].notna() & answers[by].notna()]
    expected = answered.groupby(["unit", "item"], observed=True)
    assert len(tests) == expected.ngroups > 0
    assert set(tests["role"]) == {"no_test"} and set(tests["note"]) == {"bara en grupp: inget test"}
    assert tests[["test", "statistic", "pvalue", "pvalue_adjusted", "effect_size", "reference"]].isna().all().all()
    groups = expected[by].agg(lambda g: str(g.iloc[0])).rename("group").reset_index()
    merged = tests.astype({"unit": str, "item": str}).merge(groups.astype(str), on=["unit", "item"])
    assert len(merged) == len(tests) and (merged["group_x"] == merged["group_y"]).all()
    respondents = expected["respondent_id"].nunique().rename("n").reset_index().astype({"unit": str, "item": str})
    assert (tests.astype({"unit": str, "item": str}).merge(respondents, on=["unit", "item"])
            .pipe(lambda m: m["n_x"] == m["n_y"]).all())


def test_structured_vs_not_per_municipality_when_no_municipality_has_both_groups(staff):
    split = split_by_unit(staff)
    both = split.drop_duplicates(["respondent_id", "unit"]).groupby("unit", observed=True)["strukturerad"].nunique()
    assert (both == 1).all() and set(split["strukturerad"].dropna()) == {"ja", "nej"}
    items = ["synsatt", "arbetssatt", "rutiner_myndigheter"]
    tests = sv.compare(split, by="strukturerad", items=items, stratify="unit")
    _assert_one_group_per_stratum(tests, split, "strukturerad", items)
    with pytest.warns(FutureWarning, match="within"):
        assert_frame_equal(sv.compare(split, by="strukturerad", items=items, within="unit"), tests)
    adjusted = sv.adjust(tests)
    assert adjusted["pvalue_adjusted"].isna().all() and len(adjusted) == len(tests)


def test_regions_per_municipality_where_each_municipality_is_in_one_region(staff):
    items = ["lyssnar", "synsatt"]
    assert (staff.groupby("unit", observed=True)["region"].nunique() == 1).all()
    for level in ("respondent", "unit"):
        tests = sv.compare(staff, by="region", items=items, stratify="unit", level=level)
        _assert_one_group_per_stratum(tests, staff, "region", items)


def test_planned_tests_when_no_municipality_has_both_groups(staff):
    split = split_by_unit(staff)
    tests, _ = planned_tests(split, min_n=5)
    per_unit = tests[tests["section"] == "strukturerad_kommun"]
    assert len(per_unit) and set(per_unit["role"]) == {"no_test"} and per_unit["family"].isna().all()
    assert per_unit["pvalue_adjusted"].isna().all()
    assert (tests.loc[tests["section"] == "strukturerad", "role"] == "primary").sum() == 9  # the overall test stays
    plan = DisclosurePlan.from_answers({"operativ": split}, min_n=5, unit_items=PER_UNIT_ITEMS)
    planned, _ = planned_tests(split, min_n=5, plan=plan)
    assert "strukturerad_kommun" not in set(planned["section"])  # the plan tests no municipality
    assert (planned.loc[planned["section"] == "strukturerad", "role"] == "primary").sum() == 9


def test_regions_of_managers_are_compared_by_permuting_whole_mysam_groups(managers):
    tests = sv.compare(managers, by="region", items=["lyssnar", "forebyggande"])
    sizes = managers[managers["item"] == "lyssnar"].groupby("region", observed=True)["respondent_id"].nunique()
    groups = managers.groupby("region", observed=True)["unit"].nunique()
    assert sizes.min() < 10 and groups.max() >= 2
    assert set(tests["test"]) == {"kruskal-wallis-unit-permutation", "chi2-share-high-unit-permutation"}
    # every assignment of the 8 Mysam groups to regions of 1, 2, 3 and 2 groups
    assert tests["note"].str.contains("8 enheter (1\u00a0680 fördelningar, alla)", regex=False).all()
    assert tests["pvalue"].between(1 / 1680, 1).all()
    # the same comparison with the managers as clusters (permuting whole respondents)
    by_respondent = sv.compare(managers, by="region", items=["lyssnar", "forebyggande"], level="unit",
                               cluster="respondent")
    assert set(by_respondent["test"]) == {"kruskal-wallis-respondent-permutation",
                                          "chi2-share-high-respondent-permutation"}
    assert_frame_equal(by_respondent, sv.compare(managers, by="region", items=["lyssnar", "forebyggande"],
                                                 level="unit", cluster="respondent"))  # seeded: identical


def test_paired_items_myndigheter_above_aktorer(staff):
    tests = sv.compare_items(staff, "strukturer_myndigheter", "strukturer_aktorer")
    ranks = tests.iloc[0]
    assert ranks["effect_size"] > 0 and ranks["n"] <= 659


def test_managers_vs_staff_on_the_shared_items(staff, managers):
    tests = sv.compare_surveys(staff, managers)
    assert list(tests["item"].unique()) == ["lyssnar", "vet_tillfora", "brukare_tillvara"]
    assert set(tests["group"]) == {"chefsgrupp"} and set(tests["reference"]) == {"operativ"}
    for row in tests.itertuples():  # each survey's respondents who answered the item, counted once
        assert (row.n, row.n_reference) == (_answered(managers, row.item), _answered(staff, row.item)), row.item


def _answered(answers: pd.DataFrame, item: str) -> int:
    return answers.loc[(answers["item"] == item) & answers["value"].notna(), "respondent_id"].nunique()


def test_change_between_waves_and_planning_the_repeat(staff, staff_2019):
    change = sv.compare_waves(staff, staff_2019, items=["lyssnar", "brukare_tillvara"])
    assert set(change["group"]) == {"2019"} and set(change["reference"]) == {"2016"}
    shares = change[change["test"].str.contains("share")].set_index("item")["effect_size"]
    assert shares["lyssnar"] > 0 > shares["brukare_tillvara"]  # the repeat wave is calibrated so
    plan = sv.min_detectable_difference(sv.score(staff, items=["lyssnar"]))
    assert 3 < plan.iloc[0]["mdd_up_pp"] < 10
    assert plan.iloc[0]["n_for_mdd_10"] < plan.iloc[0]["n"]
    strict = sv.min_detectable_difference(sv.score(staff, items=["lyssnar"]), alpha=sv.planning_alpha(0.05, 18))
    assert strict.iloc[0]["mdd_up_pp"] > plan.iloc[0]["mdd_up_pp"]


def test_ordinal_model_structured_controlling_for_verksamhet_and_region(staff):
    model = sv.ordinal_model(staff, "synsatt", "C(strukturerad, Treatment('nej')) + verksamhet + region")
    structured = model[model["term"].str.contains("strukturerad")].iloc[0]
    assert structured["odds_ratio"] > 1 and structured["ci_low"] > 1
    assert structured["n"] == staff[staff["item"] == "synsatt"].dropna(subset=["value"])["respondent_id"].nunique()


# ------------------------------------------------------------------ scores and distributions


def test_score_levels_count_respondents_once_by_default(staff):
    unit = sv.score(staff, items="strukturerad", level="unit").iloc[0]
    respondent = sv.score(staff, items="strukturerad").iloc[0]
    assert (unit["n"], unit["n_high"]) == (761, 282)
    assert (respondent["n"], respondent["n_high"]) == (659, 232)


def test_distribution_keeps_zero_levels_and_counts_missing_apart(staff):
    table = sv.distribution(staff, items="lyssnar", by="region")
    for _, group in table.groupby("region", observed=True):
        labels = group.loc[group["value"].notna(), "label"].tolist()
        assert labels == ["aldrig", "sällan", "ibland", "ofta", "för det mesta", "alltid"]
        assert_allclose(group["percent"].sum(), 100)
        assert group.loc[group["value"].isna(), "percent"].isna().all()
    counts = staff[staff["item"] == "lyssnar"].groupby("region", observed=True)["respondent_id"].nunique()
    assert_allclose(table.groupby("region", observed=True)["count"].sum().sort_index(), counts.sort_index())


# ------------------------------------------------------------------ promises


def test_no_function_mutates_its_input(staff, managers):
    before_staff, before_managers = staff.copy(), managers.copy()
    sv.score(staff, by="region")
    sv.distribution(staff, by="strukturerad")
    sv.compare(staff, by="strukturerad", items="lyssnar")
    sv.compare_items(staff, "lyssnar", "vet_tillfora")
    sv.compare_surveys(staff, managers)
    tests = sv.compare(staff, by="region", items="lyssnar")
    copy = tests.copy()
    sv.adjust(tests)
    assert_frame_equal(staff, before_staff)
    assert_frame_equal(managers, before_managers)
    assert_frame_equal(tests, copy)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: sv.compare(a, by="strukturerad", alternative="bigger"), "alternative='bigger'.*two-sided"),
        (lambda a: sv.compare(a, by="strukturerad", level="person"), "level='person'.*respondent"),
        (lambda a: sv.compare(a, by="strukturerad", method="bootstrap"), "method='bootstrap'.*asymptotic"),
        (lambda a: sv.compare(a, by="kön"), r"by/stratify=\['kön'\]"),
        (lambda a: sv.compare(a, by="strukturerad", items="lyssna"), "items=\\['lyssna'\\]"),
        (lambda a: sv.compare(a, by="strukturerad", reference="kanske"), "reference='kanske'"),
        (lambda a: sv.score(a, confidence_level=95), "confidence_level=95"),
        (lambda a: sv.adjust(sv.compare(a, by="strukturerad", items="lyssnar"), method="sidak"), "method='sidak'"),
        (lambda a: sv.compare_items(a, "lyssnar", "synsatt"), "same scale"),
        (lambda a: sv.ordinal_model(a, "lyssnar", "y ~ strukturerad"), "right-hand side"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_allowed_values(staff, call, message):
    with pytest.raises(ValueError, match=message):
        call(staff)


def test_results_stack_across_comparisons(staff, managers):
    stacked = pd.concat([sv.compare(staff, by="strukturerad", items="lyssnar"),
                         sv.compare(staff, by="region", items="lyssnar"),
                         sv.compare_items(staff, "lyssnar", "vet_tillfora"),
                         sv.compare_surveys(staff, managers, items="lyssnar")], ignore_index=True)
    assert list(stacked.columns) == TEST_COLUMNS
    assert stacked["ci_low"].dtype == float and stacked["n"].dtype == "Int64"
