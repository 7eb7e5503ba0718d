"""Every public test function of samverkan against R (tests/reference/r_reference.json).

The inputs are the CSVs in tests/reference/data/, turned into tidy answers the way
the loader would give them; the expected values were computed by R 4.2.2 with
tests/reference/make_r_reference.R (see tests/reference/README.md).
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import samverkan as sv
from samverkan import instrument
from samverkan.stats import exact, planning

from .r_reference import out, read


def tidy(values, item: str, **columns) -> pd.DataFrame:
    """Tidy answers of one item: one respondent per value, extra columns as background."""
    labels = instrument.item(item).labels
    values = np.asarray(values, dtype=int)
    frame = pd.DataFrame({
        "forbund": "ref", "wave": "2016", "survey": "operativ",
        "respondent_id": [f"r{i}" for i in range(len(values))], "unit": "U", "region": "R",
        "item": item, "value": pd.array(values, dtype="Int64"), "label": [labels[v - 1] for v in values],
        "missing_reason": pd.NA,
    })
    for name, column in columns.items():
        frame[name] = column
    return frame.astype({c: "string" for c in frame.columns if c != "value"})


def two_groups() -> pd.DataFrame:
    data = read("two_groups.csv")
    return tidy(data["value"], "lyssnar", grupp=data["group"])


def row(table: pd.DataFrame, test_prefix: str) -> pd.Series:
    hits = table[table["test"].str.startswith(test_prefix)]
    assert len(hits) == 1, table
    return hits.iloc[0]


# ------------------------------------------------------------------ Mann–Whitney


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_mann_whitney_asymptotic(alternative):
    table = sv.compare(two_groups(), by="grupp", reference="Myndighet", alternative=alternative,
                       method="asymptotic")
    got = row(table, "mann-whitney")
    expected = out(f"mwu_ties_asymptotic_{alternative.replace('-', '_')}")
    assert (got["group"], got["reference"], got["test"]) == ("Kommun", "Myndighet", "mann-whitney")
    assert_allclose(got["statistic"], expected["statistic"], rtol=1e-12)
    assert_allclose(got["pvalue"], expected["p_value"], rtol=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_mann_whitney_exact_with_ties_is_coins_exact_test(alternative):
    table = sv.compare(two_groups(), by="grupp", reference="Myndighet", alternative=alternative, method="exact")
    got = row(table, "mann-whitney")
    assert got["test"] == "mann-whitney-exact"
    assert_allclose(got["pvalue"], out(f"mwu_ties_coin_exact_{alternative.replace('-', '_')}")["p_value"],
                    rtol=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "less"])
def test_mann_whitney_exact_without_ties_is_wilcox_exact(alternative):
    data = read("exact_no_ties.csv")  # continuous values: each distinct value is a step of its own
    ranks = np.argsort(np.argsort(data["value"].to_numpy()))
    counts_x = np.bincount(ranks[data["group"] == "x"], minlength=len(data))
    counts_y = np.bincount(ranks[data["group"] == "y"], minlength=len(data))
    p = exact.mann_whitney_exact_pvalue(counts_x, counts_y, alternative)
    assert_allclose(p, out(f"mwu_exact_no_ties_{alternative.replace('-', '_')}")["p_value"], rtol=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_mann_whitney_exact_is_the_same_with_the_groups_swapped(alternative):
    """R's p for x against y equals the p for y against x with the alternative turned (one order is computed
    through the other: the smaller group's distribution)."""
    data = read("exact_no_ties.csv")
    ranks = np.argsort(np.argsort(data["value"].to_numpy()))
    counts_x = np.bincount(ranks[data["group"] == "x"], minlength=len(data))
    counts_y = np.bincount(ranks[data["group"] == "y"], minlength=len(data))
    turned = {"less": "greater", "greater": "less"}.get(alternative, alternative)
    assert_allclose(exact.mann_whitney_exact_pvalue(counts_y, counts_x, turned),
                    exact.mann_whitney_exact_pvalue(counts_x, counts_y, alternative), rtol=1e-12)
    if alternative != "greater":
        expected = out(f"mwu_exact_no_ties_{alternative.replace('-', '_')}")["p_value"]
        assert_allclose(exact.mann_whitney_exact_pvalue(counts_y, counts_x, turned), expected, rtol=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_mann_whitney_exact_for_three_against_many_is_every_assignment_counted(alternative):
    """Three answers against thirty on a six-step scale with ties, the large group first (a three-person
    baseline against a whole wave took minutes and gigabytes): the p of all C(33, 3) assignments."""
    from itertools import combinations

    small, large = np.array([0, 1, 0, 0, 2, 0]), np.array([3, 5, 6, 7, 5, 4])
    p = exact.mann_whitney_exact_pvalue(large, small, alternative)
    values = np.repeat(np.arange(6), small + large)
    scores = exact.midranks(small + large)[values]
    total, observed = scores.sum(), float(np.sum(large * exact.midranks(small + large)))
    sums = np.array([total - scores[list(chosen)].sum() for chosen in combinations(range(len(values)), 3)])
    expected_sum = sums.mean()
    if alternative == "greater":
        brute = np.mean(sums >= observed - 1e-9)
    else:
        brute = np.mean(np.abs(sums - expected_sum) >= abs(observed - expected_sum) - 1e-9)
    assert_allclose(p, brute, rtol=1e-9)
    many = exact.mann_whitney_exact_pvalue(np.array([120, 200, 150, 100, 60, 20]), small, alternative)
    assert 0 <= many <= 1


def test_rank_biserial_is_effectsize_and_its_interval_newcombes_score_interval():
    got = row(sv.compare(two_groups(), by="grupp", reference="Myndighet", method="asymptotic"), "mann-whitney")
    assert got["effect_size_name"] == "rank-biserial"
    assert_allclose(got["effect_size"], out("rank_biserial_independent")["value"], rtol=1e-12)
    expected = out("rank_biserial_newcombe5_two_groups")
    assert_allclose([got["effect_size"], got["ci_low"], got["ci_high"]],
                    [expected["r"], expected["ci_low"], expected["ci_high"]], rtol=1e-9)
    # The null-SE Fisher-z interval effectsize prints is narrower at r ≈ 0.5 (and collapses at r = 1).
    fisher_z = out("rank_biserial_independent")
    assert got["ci_low"] < fisher_z["ci_low"] and got["ci_high"] > fisher_z["ci_high"]


def test_small_groups_get_the_exact_test_automatically():
    data = two_groups()
    small = data[data["respondent_id"].isin(data["respondent_id"][:12])]
    assert small.groupby("grupp").size().min() < 10
    assert row(sv.compare(small, by="grupp"), "mann-whitney")["test"] == "mann-whitney-exact"


# ------------------------------------------------------------------ Kruskal–Wallis, chi-square, Fisher


def test_kruskal_wallis_and_epsilon_squared():
    data = read("regions.csv")
    answers = tidy(data["value"], "lyssnar", lansdel=data["region"])
    got = row(sv.compare(answers, by="lansdel", method="asymptotic"), "kruskal")
    expected = out("kruskal_regions")
    assert_allclose([got["statistic"], got["df"], got["pvalue"]],
                    [expected["statistic"], expected["parameter"], expected["p_value"]], rtol=1e-9)
    assert_allclose(got["effect_size"], out("rank_epsilon_squared_regions")["value"], rtol=1e-9)


def test_kruskal_wallis_permutation_for_small_groups_is_close_to_the_asymptotic_p():
    data = read("regions.csv")
    answers = tidy(data["value"], "lyssnar", lansdel=data["region"])
    got = row(sv.compare(answers, by="lansdel"), "kruskal")
    assert got["test"] == "kruskal-wallis-permutation"
    # Monte Carlo with 9999 permutations: standard error ≈ sqrt(p(1-p)/9999) < 0.005.
    assert abs(got["pvalue"] - out("kruskal_regions")["p_value"]) < 0.03
    again = row(sv.compare(answers, by="lansdel"), "kruskal")
    assert got["pvalue"] == again["pvalue"]  # seeded


def _table_answers(name: str, column: str) -> pd.DataFrame:
    table = read(name).set_index("answer")
    groups, values = [], []
    for group in table.columns:
        for answer, code in (("ja", 1), ("nej", 2)):
            groups += [group] * int(table.loc[answer, group])
            values += [code] * int(table.loc[answer, group])
    return tidy(values, "strukturerad", **{column: groups})


def test_share_high_between_regions_uses_fisher_freeman_halton_when_expected_counts_are_small():
    answers = _table_answers("table_2x4.csv", "lansdel")
    got = row(sv.compare(answers, items="strukturerad", by="lansdel"), "fisher")
    assert got["test"] == "fisher-exact-share-high"
    assert_allclose(got["pvalue"], out("fisher_2x4")["p_value"], rtol=1e-9)
    assert_allclose(got["statistic"], out("chisq_2x4")["statistic"], rtol=1e-12)
    assert_allclose(got["effect_size"], out("cramers_v_2x4")["value"], rtol=1e-9)


def test_share_high_between_regions_chi_square_when_asked():
    answers = _table_answers("table_2x4.csv", "lansdel")
    got = row(sv.compare(answers, items="strukturerad", by="lansdel", method="asymptotic"), "chi2")
    expected = out("chisq_2x4")
    assert_allclose([got["statistic"], got["df"], got["pvalue"]],
                    [expected["statistic"], expected["parameter"], expected["p_value"]], rtol=1e-9)


def test_two_by_two_fisher_and_newcombe():
    answers = _table_answers("table_2x2.csv", "grupp")
    got = row(sv.compare(answers, items="strukturerad", by="grupp", reference="Myndighet"), "fisher")
    assert_allclose(got["pvalue"], out("fisher_2x2")["p_value"], rtol=1e-9)


@pytest.mark.parametrize("case", ["kommun_vs_myndighet", "norr_vs_syd"])
def test_share_difference_chi_square_and_newcombe_interval(case):
    spec = read("two_proportions.csv").set_index("case").loc[case]
    values, groups = [], []
    for group, x, n in (("A", spec["x1"], spec["n1"]), ("B", spec["x2"], spec["n2"])):
        values += [1] * int(x) + [2] * int(n - x)
        groups += [group] * int(n)
    answers = tidy(values, "strukturerad", grupp=groups)
    got = row(sv.compare(answers, items="strukturerad", by="grupp", reference="B", method="asymptotic"), "chi2")
    test = out(f"prop_test_2sample_{case}")
    assert_allclose([got["statistic"], got["pvalue"]], [test["statistic"], test["p_value"]], rtol=1e-9)
    interval = out(f"newcombe_diff_{case}")
    assert_allclose([got["effect_size"], got["ci_low"], got["ci_high"]],
                    [interval["estimate"], *interval["conf_int"]], rtol=1e-9)


# ------------------------------------------------------------------ paired items


def paired() -> pd.DataFrame:
    data = read("paired.csv")
    a = tidy(data["item_a"], "lyssnar")
    b = tidy(data["item_b"], "vet_tillfora")
    return pd.concat([a, b], ignore_index=True)


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_wilcoxon_signed_rank(alternative):
    got = row(sv.compare_items(paired(), "lyssnar", "vet_tillfora", alternative=alternative), "wilcoxon")
    expected = out(f"wilcoxon_paired_{alternative.replace('-', '_')}")
    assert_allclose([got["statistic"], got["pvalue"]], [expected["statistic"], expected["p_value"]], rtol=1e-9)


def test_matched_pairs_rank_biserial_over_nonzero_differences_with_a_bca_interval():
    got = row(sv.compare_items(paired(), "lyssnar", "vet_tillfora"), "wilcoxon")
    assert_allclose(got["effect_size"], out("rank_biserial_paired_on_differences")["value"], rtol=1e-12)
    boot = out("paired_rank_biserial_bca_boot")  # R's boot.ci(type = "bca"), 20 000 resamples: Monte Carlo
    assert_allclose(boot["t0"], got["effect_size"], rtol=1e-12)
    assert_allclose([got["ci_low"], got["ci_high"]], boot["bca"], atol=0.03)


def test_mcnemar_exact_with_few_discordant_pairs():
    got = row(sv.compare_items(paired(), "lyssnar", "vet_tillfora"), "mcnemar")
    expected = out("mcnemar_exact_binom")
    assert out("mcnemar_table")["b"] + out("mcnemar_table")["c"] < 25
    assert got["test"] == "mcnemar-exact"
    assert_allclose(got["pvalue"], expected["p_value"], rtol=1e-9)
    odds = [q / (1 - q) for q in expected["conf_int"]]
    assert_allclose([got["ci_low"], got["ci_high"]], odds, rtol=1e-9)


def test_mcnemar_chi_square_with_many_discordant_pairs():
    data = paired()
    many = pd.concat([data.assign(respondent_id=data["respondent_id"] + f"-{k}") for k in range(4)])
    got = row(sv.compare_items(many, "lyssnar", "vet_tillfora"), "mcnemar")
    expected = out("mcnemar_correct")
    b, c = out("mcnemar_table")["b"], out("mcnemar_table")["c"]
    assert got["test"] == "mcnemar"
    # 4 copies of the table: R's statistic for (4b, 4c) follows from its formula on (b, c).
    assert_allclose(expected["statistic"], (abs(b - c) - 1) ** 2 / (b + c), rtol=1e-12)
    assert_allclose(got["statistic"], (abs(4 * b - 4 * c) - 1) ** 2 / (4 * b + 4 * c), rtol=1e-12)


# ------------------------------------------------------------------ adjust, Wilson, power, polr


@pytest.mark.parametrize(("method", "r_method"), [("holm", "holm"), ("fdr_bh", "BH"), ("bonferroni", "bonferroni")])
def test_adjust(method, r_method):
    tests = pd.DataFrame({"pvalue": read("p_values.csv")["p"], "pvalue_adjusted": np.nan})
    got = sv.adjust(tests, method=method)
    assert_allclose(got["pvalue_adjusted"], out(f"p_adjust_{r_method}")["adjusted"], rtol=1e-12)
    assert tests["pvalue_adjusted"].isna().all()  # input not mutated


def test_adjust_per_family_and_skips_missing():
    p = read("p_values.csv")["p"].to_numpy()
    tests = pd.DataFrame({"pvalue": np.r_[p, p, np.nan], "forbund": ["a"] * len(p) + ["b"] * len(p) + ["b"]})
    got = sv.adjust(tests, family="forbund")
    assert_allclose(got["pvalue_adjusted"][: len(p)], out("p_adjust_holm")["adjusted"], rtol=1e-12)
    assert_allclose(got["pvalue_adjusted"][len(p): 2 * len(p)], out("p_adjust_holm")["adjusted"], rtol=1e-12)
    assert np.isnan(got["pvalue_adjusted"].iloc[-1])


def test_wilson_interval_in_score():
    for case in out("wilson_ci")["rows"]:
        x, n = case["x"], case["n"]
        answers = tidy([1] * x + [2] * (n - x), "strukturerad")
        got = sv.score(answers, items="strukturerad").iloc[0]
        assert (got["n"], got["n_high"]) == (n, x)
        assert_allclose([got["share_high_ci_low"], got["share_high_ci_high"]], case["conf_int"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", ["n_50_70", "n_30_45", "n_60_90"])
def test_sample_size_is_power_prop_test(case):
    expected = out(f"power_prop_{case}_tol1e-10")
    assert_allclose(planning.required_n(expected["p1"], expected["p2"], power=0.8, alpha=0.05), expected["n"],
                    rtol=1e-8)
    assert sv.sample_size(expected["p1"], expected["p2"]) == int(np.ceil(expected["n"]))  # whole people
    assert sv.sample_size(expected["p1"], expected["p2"], deff=2) == int(np.ceil(2 * expected["n"]))


@pytest.mark.parametrize("case", ["mdd_50_n22", "mdd_30_n120"])
def test_detectable_share_is_power_prop_test(case):
    expected = out(f"power_prop_{case}_tol1e-10")
    got = planning.detectable_share(expected["p1"], expected["n"], power=0.8, alpha=0.05)
    assert_allclose(got, expected["p2"], rtol=1e-8)


def test_min_detectable_difference_table_in_percentage_points():
    expected = out("power_prop_mdd_30_n120_tol1e-10")
    scores = pd.DataFrame({"item": ["lyssnar"], "n": [120], "share_high": [expected["p1"]]})
    got = sv.min_detectable_difference(scores).iloc[0]
    assert_allclose(got["mdd_up_pp"], 100 * (expected["p2"] - expected["p1"]), rtol=1e-8)
    assert got["n_repeat"] == 120 and got["test_alpha"] == 0.05 and got["deff"] == 1


def test_min_detectable_difference_at_the_reports_alpha_and_a_design_effect():
    expected = out("power_prop_planning_deff")  # power.prop.test(n = 600 / 1.5, sig.level = 0.05 / 18)
    scores = pd.DataFrame({"item": ["lyssnar"], "n": [600], "share_high": [expected["p1"]]})
    got = sv.min_detectable_difference(scores, alpha=sv.planning_alpha(0.05, 18), deff=1.5).iloc[0]
    assert_allclose(got["test_alpha"], expected["sig_level"], rtol=1e-15)
    assert_allclose(got["mdd_up_pp"], 100 * (expected["p2"] - expected["p1"]), rtol=1e-7)
    plain = sv.min_detectable_difference(scores).iloc[0]
    assert got["mdd_up_pp"] > plain["mdd_up_pp"] and got["n_for_mdd_10"] > plain["n_for_mdd_10"]


def test_ordinal_model_is_polr():
    data = read("ordinal_polr.csv")
    answers = tidy(data["y"], "synsatt", offentlig=data["offentlig"].astype(str), storlek=data["storlek"])
    got = sv.ordinal_model(answers, "synsatt", "C(offentlig, Treatment('0')) + C(storlek, Treatment('liten'))")
    expected = out("polr_logistic")
    by_r_name = {"offentlig": "C(offentlig, Treatment('0'))[T.1]",
                 "storlekmellan": "C(storlek, Treatment('liten'))[T.mellan]",
                 "storlekstor": "C(storlek, Treatment('liten'))[T.stor]"}
    got = got.set_index("term").loc[[by_r_name[n] for n in expected["coef_names"]]]
    assert_allclose(got["coef"], expected["coefficients"], rtol=1e-4)
    assert_allclose(got["se"], expected["coef_se"], rtol=1e-4)
    assert_allclose(got["ci_low"], expected["odds_ratio_ci_low"], rtol=1e-4)
    assert_allclose(got["ci_high"], expected["odds_ratio_ci_high"], rtol=1e-4)
    assert (got["n"] == 120).all()
