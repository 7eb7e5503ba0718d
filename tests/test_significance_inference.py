"""The inference rules a methodologist checks: one respondent counted once, clustered paths checked
against R's survey package, intervals that hold away from zero, planned families, ICC, reliability,
the index, strict JSON, and the defaults a researcher meets first.

Expected values come from tests/reference/make_r_reference.R (r_reference.json).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import samverkan as sv
from samverkan import instrument, strict_json
from samverkan.stats import clustered, clustering, intervals, reliability
from samverkan.stats.plan import SECTIONS, planned_tests
from samverkan.stats.scores import at_level
from samverkan.vocabulary import TEST_COLUMNS

from .r_reference import out, read


def tidy_rows(frame: pd.DataFrame, item: str = "lyssnar") -> pd.DataFrame:
    """Tidy answers from rows of ``respondent, unit, region, value``: one row per respondent and unit."""
    labels = instrument.item(item).labels
    values = frame["value"].to_numpy(dtype=int)
    tidy = pd.DataFrame({
        "forbund": "ref", "wave": "2016", "survey": "operativ", "respondent_id": frame["respondent"].astype(str),
        "unit": frame["unit"].astype(str), "region": frame["region"].astype(str), "item": item,
        "value": pd.array(values, dtype="Int64"), "label": [labels[v - 1] for v in values], "missing_reason": pd.NA,
    })
    return tidy.astype({c: "string" for c in tidy.columns if c != "value"})


@pytest.fixture(scope="module")
def sample():
    staff, managers = sv.reproduce.baseline_sample()
    return sv.analysis_population(staff), managers


# ------------------------------------------------------------------ clustered rows against R's survey package


def test_design_based_rank_test_is_svyranktest_with_respondent_clusters():
    rows = tidy_rows(read("clustered.csv"))
    three = sv.compare(rows, by="region", level="unit", method="asymptotic", cluster="respondent").iloc[0]
    expected = out("svyranktest_three_regions")
    assert three["test"] == "kruskal-wallis-design"
    assert_allclose(three["statistic"] * three["df"], expected["parameter"][0][0], rtol=1e-10)  # Wald chi-square
    assert_allclose(three["pvalue"], expected["p_value"][0][0], rtol=1e-10)
    assert "2 och 45 frihetsgrader" in three["note"]
    two_rows = rows[rows["region"].isin(["Norr", "Mitt"])]
    two = sv.compare(two_rows, by="region", level="unit", method="asymptotic", cluster="respondent",
                     reference="Mitt").iloc[0]
    expected = out("svyranktest_two_regions")
    assert (two["test"], two["group"], two["reference"]) == ("mann-whitney-design", "Norr", "Mitt")
    assert_allclose([two["statistic"], two["df"], two["pvalue"]],
                    [expected["statistic"], expected["parameter"], expected["p_value"]], rtol=1e-10)


def test_rao_scott_share_test_is_svychisq_with_respondent_clusters():
    rows = tidy_rows(read("clustered.csv"))
    three = sv.compare(rows, by="region", level="unit", method="asymptotic", cluster="respondent").iloc[1]
    expected = out("svychisq_three_regions")
    assert three["test"] == "chi2-share-high-rao-scott" and three["role"] == "companion"
    assert_allclose(three["statistic"], out("pearson_three_regions_rows")["statistic"], rtol=1e-12)  # Pearson X²
    assert_allclose(three["pvalue"], expected["p_value"], rtol=1e-10)
    f, d0, ddf = expected["statistic"], *expected["parameter"]
    assert f"F = {f:.3f}".replace(".", ",") in three["note"] and f"{d0:.2f}".replace(".", ",") in three["note"]
    two_rows = rows[rows["region"].isin(["Norr", "Mitt"])]
    two = sv.compare(two_rows, by="region", level="unit", method="asymptotic", cluster="respondent",
                     reference="Mitt").iloc[1]
    assert_allclose(two["pvalue"], out("svychisq_two_regions")["p_value"], rtol=1e-10)


def test_respondents_in_several_groups_are_clusters_and_the_note_says_so():
    rows = tidy_rows(read("clustered.csv"))
    several = rows.groupby("respondent_id")["region"].nunique().gt(1).sum()
    assert several > 0
    tests = sv.compare(rows, by="region", method="asymptotic", cluster="respondent")  # respondent level
    assert set(tests["test"]) == {"kruskal-wallis-design", "chi2-share-high-rao-scott"}
    assert tests["note"].str.contains(f"{several} respondenter finns i flera grupper och räknas i var och en").all()
    # every respondent's rows in one group are one row at respondent level
    assert tests["n"].iloc[0] == len(rows[["respondent_id", "region"]].drop_duplicates())


def test_small_clustered_groups_permute_whole_respondents_and_hold_their_size():
    rows = tidy_rows(read("clustered.csv"))
    small = rows[rows["respondent_id"].isin(sorted(rows["respondent_id"].unique())[:20])]
    tests = sv.compare(small, by="region", level="unit", cluster="respondent")
    assert set(tests["test"]) == {"kruskal-wallis-respondent-permutation", "chi2-share-high-respondent-permutation"}
    assert tests["note"].str.contains("permutation av hela respondenter").all()
    assert tests["pvalue"].between(1 / 10_000, 1).all()


# ------------------------------------------------------------------ regions: municipalities as clusters


def test_regions_permute_whole_municipalities_over_every_assignment(sample):
    staff, _ = sample
    tests = sv.compare(staff, by="region", items="synsatt")
    assert list(tests["test"]) == ["kruskal-wallis-unit-permutation", "chi2-share-high-unit-permutation"]
    units = staff.groupby("region", observed=True)["unit"].nunique().sort_values()
    assert units.tolist() == [1, 3, 3, 3]
    total = math.factorial(10) // (math.factorial(3) ** 3)
    assert total == 16_800 and tests["note"].str.contains("16\u00a0800 fördelningar, alla", regex=False).all()
    assert (tests["pvalue"] * total).round(6).mod(1).eq(0).all()  # an exact permutation p: k / 16 800
    again = sv.compare(staff, by="region", items="synsatt", cluster="respondent")
    assert set(again["test"]) == {"kruskal-wallis", "chi2-share-high"}  # each respondent in one region


def test_too_few_units_are_said_and_explicit_unit_clusters_need_whole_units(sample):
    staff, _ = sample
    two = sv.compare(staff, by="region", items="synsatt", reference="Gävle")  # each region against Gävle
    assert (two["reference"] == "Gävle").all() and len(two) == 6
    assert two["note"].str.contains("för få enheter för ett säkert test").all()  # 1 + 3 units: 4 assignments
    with pytest.raises(ValueError, match="cluster='unit' needs groups made of whole units"):
        sv.compare(staff, by="strukturerad", items="synsatt", cluster="unit")


def test_unit_permutation_null_distribution_is_the_enumeration():
    values = np.array([1, 2, 3, 4, 5, 6, 2, 3, 4, 5])
    unit = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    group = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    statistic, p, total, how = clustered.unit_permutation(values, group, unit, steps=6, groups=2,
                                                          high_steps=np.array([0, 0, 0, 1, 1, 1], bool),
                                                          kind="rank", alternative="two-sided", seed=1)
    assert (total, how) == (10, "exact")
    assert_allclose(p * 10, round(p * 10))


# ------------------------------------------------------------------ intervals


@pytest.mark.parametrize(("case", "group", "deff"), [("rank_biserial_newcombe5_no_ties", "exact_no_ties.csv", 1),
                                                      ("rank_biserial_newcombe5_two_groups_deff2", "two_groups.csv", 2),
                                                      ("rank_biserial_newcombe5_separated", "separated.csv", 1)])
def test_rank_biserial_interval_is_newcombes_method_5(case, group, deff):
    data = read(group)
    first, second = sorted(data["group"].unique())
    x, y = data.loc[data["group"] == first, "value"], data.loc[data["group"] == second, "value"]
    expected = out(case)
    r = np.mean(np.greater.outer(x.to_numpy(), y.to_numpy()) + 0.5 * np.equal.outer(x.to_numpy(), y.to_numpy()))
    low, high = intervals.rank_biserial_interval(np.array([2 * r - 1]), len(x), len(y), 0.95, deff)
    assert_allclose([2 * r - 1, low[0], high[0]], [expected["r"], expected["ci_low"], expected["ci_high"]],
                    rtol=1e-9, atol=1e-12)


def test_paired_bca_from_counts_is_scipys_bca_on_the_respondents():
    data = read("paired.csv")
    differences = (data["item_a"] - data["item_b"]).to_numpy()
    steps = int(np.abs(differences).max())

    def statistic(sample, axis=-1):
        sample = np.moveaxis(sample, axis, -1)
        counts = np.stack([(sample == k).sum(axis=-1) for k in range(-steps, steps + 1)], axis=-1).astype(float)
        return intervals.matched_rank_biserial(counts[..., steps + 1:], counts[..., steps - 1::-1])

    reference = stats.bootstrap((differences,), statistic, vectorized=True, n_resamples=20_000, method="BCa",
                                rng=np.random.default_rng(5)).confidence_interval
    low, high = intervals.paired_rank_biserial_interval(differences, 0.95, seed=6)
    assert_allclose([low, high], [reference.low, reference.high], atol=0.02)  # Monte Carlo error of both


def test_interval_never_collapses_at_the_boundary():
    separated = out("rank_biserial_newcombe5_separated")
    assert separated["r"] == 1 and separated["ci_high"] == 1 and separated["ci_low"] < 0.5
    low, high = intervals.paired_rank_biserial_interval(np.array([1, 2, 1, 3, 0, 2, 1]), 0.95, seed=3)
    assert high == 1 and low < 0.5  # every difference positive: the sign bound, not [1, 1]


# ------------------------------------------------------------------ planned families


def test_planned_families_holm_for_confirmatory_bh_for_exploratory(sample):
    staff, managers = sample
    tests, log = planned_tests(staff, managers=managers, min_n=5)
    primary = tests["role"] == "primary"
    assert tests.loc[primary & tests["pvalue"].notna(), "family"].notna().all()
    assert tests.loc[~primary, "family"].isna().all() and tests.loc[~primary, "pvalue_adjusted"].isna().all()
    assert set(tests["section"]) <= set(SECTIONS)
    for family, method in (("confirmatory", "holm"), ("exploratory", "fdr_bh")):
        rows = tests[(tests["family"] == family).fillna(False)]
        expected = sv.adjust(rows.assign(role="primary"), method=method)["pvalue_adjusted"]
        assert_allclose(rows["pvalue_adjusted"], expected, rtol=1e-12)
    # one primary test per question and comparison
    keys = tests[primary].assign(unit=tests["unit"].fillna(""))[["section", "unit", "item", "comparison"]]
    assert not keys.duplicated().any()
    counts = sv.family_counts(tests)
    assert counts["tests"].sum() == int((primary & tests["pvalue"].notna()).sum())


def test_adjust_leaves_companions_out_of_the_family():
    p = read("p_values.csv")["p"].to_numpy()
    tests = pd.DataFrame({"pvalue": np.r_[p, 0.0001], "role": ["primary"] * len(p) + ["companion"],
                          "pvalue_adjusted": np.nan})
    got = sv.adjust(tests)
    assert_allclose(got["pvalue_adjusted"][: len(p)], out("p_adjust_holm")["adjusted"], rtol=1e-12)
    assert np.isnan(got["pvalue_adjusted"].iloc[-1])


def test_pairwise_post_hoc_rows_are_holm_within_the_item(sample):
    staff, _ = sample
    tests = sv.compare(staff, by="region", items=["synsatt", "lyssnar"], pairwise=True, cluster="respondent")
    for item, rows in tests.groupby("item", sort=False):
        post = rows[rows["role"] == "post_hoc"]
        assert len(post) == 6 and rows["role"].iloc[0] == "primary"
        expected = sv.adjust(post.assign(role="primary"), method="holm")["pvalue_adjusted"]
        assert_allclose(post["pvalue_adjusted"], expected, rtol=1e-12)
    assert sv.adjust(tests)["pvalue_adjusted"][tests["role"] == "post_hoc"].equals(
        tests["pvalue_adjusted"][tests["role"] == "post_hoc"])  # adjust() keeps the within-item correction


# ------------------------------------------------------------------ defaults a researcher meets


def test_compare_tests_the_indicator_items_never_by_and_not_constant_items(sample):
    staff, _ = sample
    tests = sv.compare(staff, by="strukturerad")
    indicators = [i.id for i in instrument.survey("operativ").indicator_items]
    assert list(tests["item"].unique()) == indicators
    assert "strukturerad" not in set(tests["item"]) and "kontakt_malgrupp" not in set(tests["item"])
    with pytest.raises(ValueError, match="cannot be tested against itself"):
        sv.compare(staff, by="strukturerad", items=["strukturerad", "synsatt"])
    constant = sv.compare(staff, by="strukturerad", items=["kontakt_malgrupp", "synsatt"])
    row = constant[constant["item"] == "kontakt_malgrupp"].iloc[0]
    assert row["role"] == "not_testable" and pd.isna(row["pvalue"]) and "ingen variation" in row["note"]
    assert len(constant[constant["item"] == "kontakt_malgrupp"]) == 1
    assert pd.isna(sv.adjust(constant).loc[constant["item"] == "kontakt_malgrupp", "pvalue_adjusted"]).all()


def test_an_item_without_answers_gives_an_empty_table(sample):
    staff, _ = sample
    blank = staff.assign(value=staff["value"].where(staff["item"] != "lyssnar"))
    tests = sv.compare(blank, by="strukturerad", items="lyssnar")
    assert tests.empty and list(tests.columns) == TEST_COLUMNS


def test_reference_with_many_groups_or_a_clear_error(sample):
    staff, _ = sample
    tests = sv.compare(staff, by="region", items="synsatt", reference="Gävle", cluster="respondent")
    ranks = tests[tests["role"] == "primary"]
    assert (ranks["reference"] == "Gävle").all() and set(ranks["group"]) == {
        "Norra Hälsingland", "Södra Hälsingland", "Västra Gästrikland"}
    with pytest.raises(ValueError, match="reference='Gävleborg' is not a group of 'region'"):
        sv.compare(staff, by="region", items="synsatt", reference="Gävleborg")


def test_level_default_is_the_respondent_in_score_distribution_and_compare(sample):
    staff, _ = sample
    respondents = staff[(staff["item"] == "lyssnar") & staff["value"].notna()]["respondent_id"].nunique()
    assert sv.score(staff, items="lyssnar")["n"].iloc[0] == respondents
    dist = sv.distribution(staff, items="lyssnar")
    assert dist.loc[dist["value"].notna(), "count"].sum() == respondents
    tests = sv.compare(staff, by="strukturerad", items="lyssnar")
    assert tests["n"].iloc[0] + tests["n_reference"].iloc[0] == respondents


def test_a_respondent_with_different_answers_per_unit_is_still_counted_once(sample):
    staff, _ = sample
    multi = staff.groupby("respondent_id", observed=True)["unit"].nunique()
    person = multi[multi > 1].index[0]
    rows = staff.index[(staff["respondent_id"] == person) & (staff["item"] == "synsatt")]
    edited = staff.copy()
    edited.loc[rows[1:], "value"] = (edited.loc[rows[0], "value"] % 6) + 1  # another answer for the second unit
    respondents = edited.loc[(edited["item"] == "synsatt") & edited["value"].notna(), "respondent_id"].nunique()
    assert sv.score(edited, items="synsatt")["n"].iloc[0] == respondents
    kept = at_level(edited[edited["item"] == "synsatt"], "respondent")
    assert kept.loc[kept["respondent_id"] == person, "value"].tolist() == [edited.loc[rows[0], "value"]]


# ------------------------------------------------------------------ ICC, reliability, the index


def test_icc_is_the_anova_estimator_with_searles_interval():
    data = read("regions.csv")
    values, cluster = data["value"].to_numpy(dtype=float), data["region"].to_numpy()
    expected = out("icc_anova_unbalanced")
    assert_allclose(clustered.anova_icc(values, cluster), expected["icc"], rtol=1e-10)
    assert_allclose(clustering.icc_interval(values, cluster, 0.95), [expected["ci_low"], expected["ci_high"]],
                    rtol=1e-9)
    balanced = data.groupby("region", sort=False).head(8)
    expected = out("icc_anova_balanced_psychometric")
    got = clustering.icc_interval(balanced["value"].to_numpy(float), balanced["region"].to_numpy(), 0.95)
    assert_allclose(clustered.anova_icc(balanced["value"].to_numpy(float), balanced["region"].to_numpy()),
                    expected["ICC1"], rtol=1e-10)
    assert_allclose(got, [expected["LCL"], expected["UCL"]], rtol=1e-9)


def test_icc_table_of_the_sample(sample):
    staff, _ = sample
    table = sv.icc(staff)
    assert list(table["item"]) == [i.id for i in instrument.survey("operativ").indicator_items]
    assert (table["n_clusters"] == 10).all() and (table["ci_low"] <= table["icc"]).all()
    assert (table["icc"] <= table["ci_high"]).all() and (table["deff"] >= 1).all()
    respondents = staff[(staff["item"] == "lyssnar") & staff["value"].notna()]["respondent_id"].nunique()
    assert table.loc[table["item"] == "lyssnar", "n"].iloc[0] == respondents


def _reliability_answers() -> pd.DataFrame:
    wide = read("reliability.csv")
    items = list(wide.columns[1:])
    long = wide.melt(id_vars="respondent", var_name="item", value_name="value")
    frames = [tidy_rows(part.assign(unit="U", region="R"), item) for item, part in long.groupby("item", sort=False)]
    return sv.concat(frames), items


def test_reliability_is_psych_alpha_and_omega():
    answers, items = _reliability_answers()
    table = sv.reliability(answers)
    assert list(table["item"]) == items and (table["n"] == 549).all() and (table["k"] == 9).all()
    alpha, ci = out("psych_alpha"), out("psych_alpha_ci_feldt")
    assert_allclose(table["alpha"].iloc[0], alpha["raw_alpha"], rtol=1e-12)
    assert_allclose(table["item_rest"], alpha["r_drop"], rtol=1e-10)
    assert_allclose(table["alpha_if_dropped"], alpha["alpha_drop"], rtol=1e-10)
    assert_allclose([table["alpha_ci_low"].iloc[0], table["alpha_ci_high"].iloc[0]], [ci["lower"], ci["upper"]],
                    rtol=1e-10)
    # ML loadings from an optimiser: statsmodels and R agree to ~1e-6
    assert_allclose(table["omega"].iloc[0], out("psych_omega_one_factor_ml")["omega_tot"], rtol=1e-5)


def test_climate_index_is_the_respondent_mean_on_0_to_100_with_a_t_interval():
    answers, _ = _reliability_answers()
    row = sv.climate_index(answers).iloc[0]
    expected = out("climate_index_t_interval")
    assert row["reported"] and row["reliability_name"] == "omega" and row["n"] == 549
    assert_allclose([row["index"], row["index_ci_low"], row["index_ci_high"]], [expected["mean"], *expected["conf_int"]],
                    rtol=1e-10)
    low = sv.climate_index(answers, min_reliability=0.95).iloc[0]
    assert not low["reported"] and np.isnan(low["index"]) and "redovisas inte" in low["note"]


def test_index_and_reliability_by_group_fall_back_to_all_answers_for_small_groups(sample):
    _, managers = sample
    table = sv.climate_index(managers, by="region")
    assert (table["n"] < reliability.MIN_RELIABILITY_N).all()
    assert table["note"].str.contains("från alla svar").all()
    assert table["reliability"].nunique() == 1


# ------------------------------------------------------------------ strict JSON


def test_results_json_is_strict_with_notes_for_infinite_values():
    tests = pd.DataFrame({"item": ["lyssnar"], "test": ["mcnemar-exact"], "effect_size": [np.inf],
                          "ci_high": [np.inf], "ci_low": [0.5], "pvalue": [np.nan], "statistic": [3.0],
                          "note": ["oddskvoten är oändlig: inga oeniga par åt andra hållet"]})
    record = strict_json.strict_records(tests)[0]
    assert record["effect_size"] is None and "oändligt värde (+∞)" in record["effect_size_note"]
    assert record["ci_high"] is None and record["pvalue"] is None and "odefinierat" in record["pvalue_note"]
    text = strict_json.dumps({"tests": [record]})
    assert "Infinity" not in text and "NaN" not in text
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-strict constant {name}"))
    with pytest.raises(ValueError):
        strict_json.dumps({"x": float("inf")})


@pytest.mark.parametrize("stratify", [None, "region"])
def test_compare_items_without_any_pair_is_an_empty_tests_table(sample, stratify):
    """Nobody answered both items (here: nobody answered 'lyssnar'): no rows, every column (was a ValueError)."""
    staff = sample[0]
    blank = staff[staff["item"] != "lyssnar"]
    tests = sv.compare_items(blank, "lyssnar", "vet_tillfora", stratify=stratify)
    assert tests.empty
    assert list(tests.columns) == [*([stratify] if stratify else []), *TEST_COLUMNS]
