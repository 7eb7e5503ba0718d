"""Which scipy / statsmodels calls reproduce R, and with which exact options.

Every expected value below comes from R (``tests/reference/r_reference.json``,
written by ``tests/reference/make_r_reference.R`` from the CSV files in
``tests/reference/data``). This file does not import ``samverkan``: it pins the
backend calls, options and hand-written formulas that the package must use, and
the tolerance each one reaches against R.

Tolerances
----------
* ``RTOL = 1e-6`` for every deterministic closed-form or exact result (observed
  agreement is ~1e-13 or better; R's JSON keeps 15 significant digits).
* Results that R itself finds with ``uniroot`` at its default
  ``tol = .Machine$double.eps^0.25`` (fisher.test's odds ratio and CI,
  power.prop.test) are compared with an absolute tolerance tied to that ``tol``;
  a tight-tolerance R value is compared at ``RTOL``.
* Monte Carlo permutation p-values use a fixed seed and an absolute tolerance of
  about four Monte Carlo standard errors (plus any difference in definition).
* ``polr`` vs ``OrderedModel``: both are numerical optimisations with numerical
  Hessians, so ``rtol = 1e-4`` (observed ~1e-5).
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import optimize, special, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats import proportion as smprop
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportion_confint,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)

# (test_proportions_2indep is used as smprop.test_proportions_2indep: imported
# by name, pytest would collect it as a test.)

REF_DIR = Path(__file__).resolve().parent / "reference"
DATA_DIR = REF_DIR / "data"
REF = json.loads((REF_DIR / "r_reference.json").read_text(encoding="utf-8"))
CASES = REF["cases"]

RTOL = 1e-6
# R's uniroot default tolerance, used by fisher.test and power.prop.test.
R_UNIROOT_TOL = np.finfo(float).eps ** 0.25  # 1.22e-4
SEED = 20240611


def out(case: str) -> dict:
    return CASES[case]["output"]


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name)


# ---------------------------------------------------------------------------
# Data, built exactly as the R script builds it (see each case's "prep").


def two_groups() -> tuple[np.ndarray, np.ndarray]:
    d = read("two_groups.csv")
    x = d.loc[d.group == "Kommun", "value"].to_numpy(float)
    y = d.loc[d.group == "Myndighet", "value"].to_numpy(float)
    return x, y


def no_ties() -> tuple[np.ndarray, np.ndarray]:
    d = read("exact_no_ties.csv")
    return (d.loc[d.group == "x", "value"].to_numpy(float),
            d.loc[d.group == "y", "value"].to_numpy(float))


def regions() -> list[np.ndarray]:
    d = read("regions.csv")
    return [d.loc[d.region == r, "value"].to_numpy(float)
            for r in ("Norr", "Mitt", "Ost", "Syd")]


def paired() -> tuple[np.ndarray, np.ndarray]:
    d = read("paired.csv")
    return d.item_a.to_numpy(float), d.item_b.to_numpy(float)


def table(name: str) -> np.ndarray:
    return read(name).set_index("answer").to_numpy(np.int64)


def mcnemar_table() -> np.ndarray:
    """2x2 of 'high value' (steps 4-6) on item_a (rows) x item_b (columns),
    level order (high, not high) as in R's factor(levels = c(TRUE, FALSE))."""
    a, b = paired()
    ha, hb = a >= 4, b >= 4
    return np.array([[np.sum(ha & hb), np.sum(ha & ~hb)],
                     [np.sum(~ha & hb), np.sum(~ha & ~hb)]])


# ---------------------------------------------------------------------------
# Provenance of the reference file.


def test_reference_file_records_r_and_package_versions():
    assert REF["R_version_string"].startswith("R version ")
    for pkg in ("stats", "MASS", "jsonlite", "effectsize", "coin"):
        assert REF["packages"][pkg]
    for name, case in CASES.items():
        assert (REF_DIR / case["input"]).is_file(), name
        assert case["call"], name


# ---------------------------------------------------------------------------
# 1. Mann-Whitney / Wilcoxon rank sum


@pytest.mark.parametrize(
    ("case", "alternative", "use_continuity"),
    [
        ("mwu_ties_asymptotic_two_sided", "two-sided", True),
        ("mwu_ties_asymptotic_less", "less", True),
        ("mwu_ties_asymptotic_greater", "greater", True),
        ("mwu_ties_asymptotic_two_sided_nocorrect", "two-sided", False),
    ],
)
def test_mannwhitney_asymptotic_with_ties(case, alternative, use_continuity):
    # R: wilcox.test(x, y, correct=TRUE/FALSE, exact=FALSE, alternative=...)
    x, y = two_groups()
    res = stats.mannwhitneyu(x, y, use_continuity=use_continuity,
                             alternative=alternative, method="asymptotic")
    # scipy's statistic is U of the FIRST sample = R's W, for every alternative.
    assert res.statistic == out(case)["statistic"]
    assert_allclose(res.pvalue, out(case)["p_value"], rtol=RTOL)


@pytest.mark.parametrize(("case", "alternative"), [
    ("mwu_exact_no_ties_two_sided", "two-sided"),
    ("mwu_exact_no_ties_less", "less"),
])
def test_mannwhitney_exact_without_ties(case, alternative):
    # R: wilcox.test(x, y, exact=TRUE); n = 7 vs 9, no ties.
    x, y = no_ties()
    res = stats.mannwhitneyu(x, y, alternative=alternative, method="exact")
    assert res.statistic == out(case)["statistic"]
    assert_allclose(res.pvalue, out(case)["p_value"], rtol=RTOL)


def exact_rank_sum_distribution(ranks: np.ndarray, n1: int) -> np.ndarray:
    """Exact permutation distribution of the sum of n1 of the given mid-ranks.

    Mid-ranks are multiples of 1/2, so 2*rank is an integer. Returns an array
    whose index is 2*sum and whose value is the number of subsets (a count up
    to C(N, n1), exact in float64 while it stays below 2**53).
    """
    scores = np.rint(2 * ranks).astype(np.int64)
    assert np.all(scores == 2 * ranks)
    total = int(scores.sum())
    counts = np.zeros((n1 + 1, total + 1))
    counts[0, 0] = 1.0
    for s in scores:
        counts[1:, s:] = counts[1:, s:] + counts[:-1, : total + 1 - s]
    return counts[n1]


def test_mannwhitney_exact_conditional_with_ties_matches_coin():
    # R: coin::wilcox_test(value ~ group_f, distribution = "exact").
    # coin's two-sided p is P(|T - E T| >= |t - E T|) for the sum T of the
    # first group's mid-ranks; its one-sided 'greater' p is P(T >= t).
    x, y = two_groups()
    ranks = stats.rankdata(np.concatenate([x, y]))  # average (mid-)ranks
    n1, n_total = len(x), len(x) + len(y)
    dist = exact_rank_sum_distribution(ranks, n1)
    assert dist.sum() == math.comb(n_total, n1)
    prob = dist / dist.sum()
    two_t = np.arange(dist.size)  # 2 * T
    t_obs, mean = 2 * ranks[:n1].sum(), n1 * (n_total + 1)  # both doubled
    eps = 1e-7
    p_two = prob[np.abs(two_t - mean) >= abs(t_obs - mean) - eps].sum()
    p_greater = prob[two_t >= t_obs - eps].sum()
    p_less = prob[two_t <= t_obs + eps].sum()

    assert ranks[:n1].sum() == out("mwu_ties_coin_exact_two_sided")["statistic_linear"]
    assert_allclose(p_two, out("mwu_ties_coin_exact_two_sided")["p_value"], rtol=RTOL)
    assert_allclose(p_greater, out("mwu_ties_coin_exact_greater")["p_value"], rtol=RTOL)
    # With ties the null distribution of T is not symmetric, so the usual
    # "2 * smaller tail" two-sided p differs from coin's |T - E T| rule
    # (0.007470 vs 0.007360 here). scipy uses "2 * smaller tail".
    assert abs(2 * min(p_greater, p_less) - p_two) > 1e-4


def test_mannwhitney_permutation_method_approximates_coin():
    # scipy cannot enumerate C(37, 14) = 6.1e9 splits, so PermutationMethod
    # samples: Monte Carlo SE ~ sqrt(p(1 - p)/B) = 1.9e-4 for p = 0.0037 and
    # B = 99,999 (3.9e-4 on the doubled two-sided p). Two-sided, scipy doubles
    # the smaller tail, which is 1.1e-4 above coin's value even at B -> inf.
    # Tolerance: atol = 2e-3 two-sided, 1e-3 one-sided (~4-5 SE).
    x, y = two_groups()
    method = stats.PermutationMethod(n_resamples=99_999,
                                     rng=np.random.default_rng(SEED))
    res = stats.mannwhitneyu(x, y, alternative="two-sided", method=method)
    assert res.statistic == 244
    assert_allclose(res.pvalue, out("mwu_ties_coin_exact_two_sided")["p_value"],
                    rtol=0, atol=2e-3)
    method = stats.PermutationMethod(n_resamples=99_999,
                                     rng=np.random.default_rng(SEED))
    res = stats.mannwhitneyu(x, y, alternative="greater", method=method)
    assert_allclose(res.pvalue, out("mwu_ties_coin_exact_greater")["p_value"],
                    rtol=0, atol=1e-3)


# ---------------------------------------------------------------------------
# 2. Rank-biserial correlation, independent samples


def rank_biserial_independent(x, y, conf_level=0.95):
    """effectsize::rank_biserial(x, y) (effectsize 0.8.3):
    r = (U1 - U2) / (n1 n2) = 2 U1 / (n1 n2) - 1, U1 from mid-ranks;
    CI = tanh(atanh(r) -/+ z_{1-alpha/2} * SE), SE = sqrt((n1 + n2 + 1) / (3 n1 n2))
    (the SE of r itself under H0, used on the Fisher-z scale; ties ignored)."""
    n1, n2 = len(x), len(y)
    u1 = stats.mannwhitneyu(x, y, method="asymptotic").statistic
    r = 2 * u1 / (n1 * n2) - 1
    se = math.sqrt((n1 + n2 + 1) / (3 * n1 * n2))
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    return r, np.tanh(np.arctanh(r) + np.array([-1, 1]) * z * se)


@pytest.mark.parametrize(("case", "data"), [
    ("rank_biserial_independent", two_groups),
    ("rank_biserial_exact_no_ties", no_ties),
])
def test_rank_biserial_independent(case, data):
    r, ci = rank_biserial_independent(*data())
    assert_allclose(r, out(case)["value"], rtol=RTOL)
    assert_allclose(ci, [out(case)["ci_low"], out(case)["ci_high"]], rtol=RTOL)


# ---------------------------------------------------------------------------
# 3. Kruskal-Wallis and rank epsilon squared


def test_kruskal_wallis_tie_corrected():
    # R: kruskal.test(value ~ region_f); scipy's H is tie-corrected too.
    groups = regions()
    res = stats.kruskal(*groups)
    assert_allclose(res.statistic, out("kruskal_regions")["statistic"], rtol=RTOL)
    assert_allclose(res.pvalue, out("kruskal_regions")["p_value"], rtol=RTOL)
    assert len(groups) - 1 == out("kruskal_regions")["parameter"]


def test_rank_epsilon_squared_point_value():
    # effectsize::rank_epsilon_squared: E = H / ((n^2 - 1) / (n + 1)) = H / (n - 1).
    # Its CI is a percentile bootstrap, so only the point value is compared.
    groups = regions()
    n = sum(len(g) for g in groups)
    eps2 = stats.kruskal(*groups).statistic / (n - 1)
    assert_allclose(eps2, out("rank_epsilon_squared_regions")["value"], rtol=RTOL)


# ---------------------------------------------------------------------------
# 4. Contingency tables: chi-square, Fisher (2x4 and 2x2), Cramer's V


def test_chisq_2x4_no_correction():
    tab = table("table_2x4.csv")
    res = stats.chi2_contingency(tab, correction=False)
    ref = out("chisq_2x4")
    assert_allclose(res.statistic, ref["statistic"], rtol=RTOL)
    assert_allclose(res.pvalue, ref["p_value"], rtol=RTOL)
    assert res.dof == ref["parameter"]
    assert_allclose(res.expected_freq, ref["expected"], rtol=RTOL)
    assert (res.expected_freq < 5).any()  # why R warns


def test_chisq_2x2_no_correction():
    # correction=False is needed: scipy's default applies Yates for dof = 1.
    tab = table("table_2x2.csv")
    res = stats.chi2_contingency(tab, correction=False)
    assert_allclose(res.statistic, out("chisq_2x2_nocorrect")["statistic"], rtol=RTOL)
    assert_allclose(res.pvalue, out("chisq_2x2_nocorrect")["p_value"], rtol=RTOL)


def two_row_tables(tab: np.ndarray):
    """All first rows of 2 x c tables with the margins of ``tab``, and the
    multivariate hypergeometric probability of each table."""
    cols, r1 = tab.sum(axis=0), tab[0].sum()
    first_rows = np.array([a for a in itertools.product(*(range(c + 1) for c in cols))
                           if sum(a) == r1])
    return first_rows, np.exp(log_table_prob(first_rows, cols, r1))


def log_table_prob(first_rows, cols, r1):
    n = cols.sum()
    log_comb = special.gammaln(cols + 1) - special.gammaln(first_rows + 1) \
        - special.gammaln(cols - first_rows + 1)
    return log_comb.sum(axis=-1) - (special.gammaln(n + 1) - special.gammaln(r1 + 1)
                                    - special.gammaln(n - r1 + 1))


def chi2_of_first_rows(first_rows, cols, r1):
    n = cols.sum()
    obs = np.stack([first_rows, cols - first_rows], axis=-2)
    expected = np.array([r1, n - r1])[:, None] * cols / n
    return ((obs - expected) ** 2 / expected).sum(axis=(-2, -1))


def test_fisher_2x4_exact_by_enumeration():
    # R: fisher.test(tab24) (Fisher-Freeman-Halton). scipy has no r x c Fisher
    # test; for 2 rows, enumerating every table with the same margins gives
    # R's p exactly: sum of P(table) over tables with P <= (1 + 1e-7) P(obs).
    tab = table("table_2x4.csv")
    first_rows, prob = two_row_tables(tab)
    assert_allclose(prob.sum(), 1.0, rtol=1e-12)
    p_obs = np.exp(log_table_prob(tab[0], tab.sum(axis=0), tab[0].sum()))
    p_fisher = prob[prob <= p_obs * (1 + 1e-7)].sum()
    assert_allclose(p_fisher, out("fisher_2x4")["p_value"], rtol=RTOL)


def test_fisher_2x4_permutation_approximations():
    # permutation_test over the raw observations (row label of each answer
    # shuffled against its column label: margins fixed, so the null is the
    # same hypergeometric one as Fisher's). B = 99,999, seed fixed;
    # Monte Carlo SE at p = 0.164 is 1.2e-3.
    tab = table("table_2x4.csv")
    cols, r1 = tab.sum(axis=0), tab[0].sum()
    n = tab.sum()
    row_label = np.repeat([1.0, 0.0], [r1, n - r1])
    col_label = np.concatenate([np.repeat(np.arange(tab.shape[1]), tab[i])
                                for i in range(2)])
    onehot = (col_label[:, None] == np.arange(tab.shape[1])).astype(float)

    def neg_log_prob(rows, axis=-1):  # vectorised: rows has shape (..., n)
        return -log_table_prob(rows @ onehot, cols, r1)

    def chi2_stat(rows, axis=-1):
        return chi2_of_first_rows(rows @ onehot, cols, r1)

    kw = dict(permutation_type="pairings", vectorized=True, n_resamples=99_999,
              alternative="greater")
    p_fisher = out("fisher_2x4")["p_value"]

    # (a) Statistic = -log P(table): the Monte Carlo version of Fisher's test.
    # Tolerance atol = 5e-3 (~4 SE).
    res = stats.permutation_test((row_label,), neg_log_prob,
                                 rng=np.random.default_rng(SEED), **kw)
    assert_allclose(res.pvalue, p_fisher, rtol=0, atol=5e-3)

    # (b) Statistic = Pearson X2: this is the exact (permutation) chi-square
    # test, which orders tables by X2 instead of by probability. Its exact
    # value here is 0.16243 vs Fisher's 0.16403 (1.6e-3 apart), so against
    # R's Fisher p it needs atol = 6e-3 (definition gap + ~4 SE).
    first_rows, prob = two_row_tables(tab)
    x2_obs = stats.chi2_contingency(tab, correction=False).statistic
    p_exact_x2 = prob[chi2_of_first_rows(first_rows, cols, r1)
                      >= x2_obs * (1 - 1e-12)].sum()
    assert abs(p_exact_x2 - p_fisher) > 1e-3
    res = stats.permutation_test((row_label,), chi2_stat,
                                 rng=np.random.default_rng(SEED), **kw)
    assert_allclose(res.pvalue, p_exact_x2, rtol=0, atol=5e-3)
    assert_allclose(res.pvalue, p_fisher, rtol=0, atol=6e-3)


def test_fisher_2x2_p_odds_ratio_and_ci():
    tab = table("table_2x2.csv")
    ref = out("fisher_2x2")
    assert_allclose(stats.fisher_exact(tab, alternative="two-sided").pvalue,
                    ref["p_value"], rtol=RTOL)
    res = stats.contingency.odds_ratio(tab, kind="conditional")
    ci = res.confidence_interval(confidence_level=0.95, alternative="two-sided")
    # fisher.test solves the conditional MLE and the CI limits with uniroot at
    # the default tol (1.2e-4 on psi or 1/psi in (0, 1)): R's printed values
    # are off by up to that much (here CI_low by 2.7e-5 absolute = 0.24 %).
    assert_allclose(res.statistic, ref["estimate"], rtol=0, atol=R_UNIROOT_TOL)
    assert_allclose([ci.low, ci.high], ref["conf_int"], rtol=0, atol=R_UNIROOT_TOL)
    # The same definitions solved in R with tol = 1e-13 agree with scipy.
    tight = out("fisher_2x2_or_tight_tol")
    assert_allclose(res.statistic, tight["estimate"], rtol=RTOL)
    assert_allclose([ci.low, ci.high], tight["conf_int"], rtol=RTOL)


def cramers_v_ci_low(chi2: float, df: int, n: int, k: int, conf_level=0.95):
    """effectsize's one-sided (alternative = 'greater') lower limit: the ncp
    with P(chi2_df(ncp) <= X2) = conf_level, as sqrt(ncp / n) / sqrt(k - 1);
    0 when X2 <= qchisq(conf_level, df). Upper limit is fixed at 1."""
    if chi2 <= stats.chi2.ppf(conf_level, df):
        return 0.0
    ncp = optimize.brentq(lambda nc: stats.ncx2.cdf(chi2, df, nc) - conf_level,
                          1e-12, chi2, xtol=1e-14)
    return math.sqrt(ncp / n) / math.sqrt(k - 1)


@pytest.mark.parametrize(("case", "name"), [
    ("cramers_v_2x4", "table_2x4.csv"),
    ("cramers_v_2x2", "table_2x2.csv"),
])
def test_cramers_v(case, name):
    # R: effectsize::cramers_v(tab, adjust = FALSE) = sqrt(X2 / (n (min(r,c) - 1)))
    # with the uncorrected X2, also for 2x2.
    tab = table(name)
    v = stats.contingency.association(tab, method="cramer", correction=False)
    assert_allclose(v, out(case)["value"], rtol=RTOL)
    # CI: R finds the ncp with optim (Nelder-Mead, abstol 1e-9) -> rtol 1e-5.
    chi2 = stats.chi2_contingency(tab, correction=False)
    low = cramers_v_ci_low(chi2.statistic, chi2.dof, tab.sum(), min(tab.shape))
    assert_allclose(low, out(case)["ci_low"], rtol=1e-5, atol=1e-12)
    assert out(case)["ci_high"] == 1


# ---------------------------------------------------------------------------
# 5. McNemar


def test_mcnemar_table_matches_r():
    tab = mcnemar_table()
    assert tab.tolist() == out("mcnemar_table")["table"]


@pytest.mark.parametrize(("case", "correction"), [
    ("mcnemar_correct", True),
    ("mcnemar_nocorrect", False),
])
def test_mcnemar_asymptotic(case, correction):
    # R: mcnemar.test(tab_mc, correct = TRUE/FALSE)
    res = mcnemar(mcnemar_table(), exact=False, correction=correction)
    assert_allclose(res.statistic, out(case)["statistic"], rtol=RTOL)
    assert_allclose(res.pvalue, out(case)["p_value"], rtol=RTOL)


def test_mcnemar_exact_is_binom_test():
    # R: binom.test(b, b + c, p = 0.5)$p.value
    tab = mcnemar_table()
    b, c = tab[0, 1], tab[1, 0]
    ref = out("mcnemar_exact_binom")
    res = mcnemar(tab, exact=True)
    assert res.statistic == min(b, c)
    assert_allclose(res.pvalue, ref["p_value"], rtol=RTOL)
    assert_allclose(stats.binomtest(b, b + c, p=0.5).pvalue, ref["p_value"], rtol=RTOL)


# ---------------------------------------------------------------------------
# 6. Paired Wilcoxon signed rank, matched-pairs rank-biserial


def signed_rank_sums(a, b):
    d = a - b
    d = d[d != 0]  # zero_method = "wilcox": drop zeros, then rank |d|
    r = stats.rankdata(np.abs(d))
    return r[d > 0].sum(), r[d < 0].sum(), len(d)


@pytest.mark.parametrize(("case", "alternative"), [
    ("wilcoxon_paired_two_sided", "two-sided"),
    ("wilcoxon_paired_greater", "greater"),
])
def test_wilcoxon_signed_rank_paired(case, alternative):
    # R: wilcox.test(a, b, paired = TRUE, correct = TRUE, exact = FALSE)
    # scipy 1.17 documents method="asymptotic"; "approx" is only an
    # undocumented alias that wilcoxon() rewrites to "asymptotic".
    a, b = paired()
    res = stats.wilcoxon(a, b, zero_method="wilcox", correction=True,
                         alternative=alternative, method="asymptotic")
    assert_allclose(res.pvalue, out(case)["p_value"], rtol=RTOL)
    r_plus, r_minus, _ = signed_rank_sums(a, b)
    assert r_plus == out(case)["statistic"]  # R's V is always R+
    # scipy's statistic: min(R+, R-) when two-sided, R+ otherwise.
    expected_stat = min(r_plus, r_minus) if alternative == "two-sided" else r_plus
    assert res.statistic == expected_stat


def rank_biserial_paired(a, b, nd_for_se: int, conf_level=0.95):
    """effectsize::rank_biserial(a, b, paired = TRUE):
    r = (R+ - R-) / (nd (nd + 1) / 2) over the nd nonzero differences;
    CI = tanh(atanh(r) -/+ z * SE), SE = sqrt((2 m^3 + 3 m^2 + m) / 6) / ((m^2 + m) / 2)
    where m = ``nd_for_se`` (see the two tests below for which m R uses)."""
    r_plus, r_minus, nd = signed_rank_sums(a, b)
    r = (r_plus - r_minus) / (nd * (nd + 1) / 2)
    m = nd_for_se
    se = math.sqrt((2 * m**3 + 3 * m**2 + m) / 6) / ((m**2 + m) / 2)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    return r, np.tanh(np.arctanh(r) + np.array([-1, 1]) * z * se)


def test_rank_biserial_paired_as_effectsize_0_8_3_computes_it():
    # effectsize 0.8.3 computes the SE's count as sum((x - mu) != 0) on x = a
    # itself, not on a - b: here m = 30 (all pairs), not 19.
    a, b = paired()
    r, ci = rank_biserial_paired(a, b, nd_for_se=int(np.sum(a != 0)))
    ref = out("rank_biserial_paired")
    assert_allclose(r, ref["value"], rtol=RTOL)
    assert_allclose(ci, [ref["ci_low"], ref["ci_high"]], rtol=RTOL)


def test_rank_biserial_paired_on_differences():
    # effectsize::rank_biserial(a - b): m = number of nonzero differences (19).
    a, b = paired()
    nd = int(np.sum(a - b != 0))
    assert nd == 19
    r, ci = rank_biserial_paired(a, b, nd_for_se=nd)
    ref = out("rank_biserial_paired_on_differences")
    assert_allclose(r, ref["value"], rtol=RTOL)
    assert_allclose(ci, [ref["ci_low"], ref["ci_high"]], rtol=RTOL)


# ---------------------------------------------------------------------------
# 7. Multiple comparisons


@pytest.mark.parametrize(("r_method", "sm_method"), [
    ("holm", "holm"),          # NB statsmodels' default is "hs" (Holm-Sidak)
    ("BH", "fdr_bh"),
    ("bonferroni", "bonferroni"),
])
def test_p_adjust(r_method, sm_method):
    p = read("p_values.csv").p.to_numpy()
    adjusted = multipletests(p, alpha=0.05, method=sm_method)[1]
    assert_allclose(adjusted, out(f"p_adjust_{r_method}")["adjusted"], rtol=RTOL)
    if r_method == "BH":
        assert_allclose(stats.false_discovery_control(p, method="bh"),
                        out("p_adjust_BH")["adjusted"], rtol=RTOL)


# ---------------------------------------------------------------------------
# 8. Wilson interval


def test_wilson_interval():
    # R: prop.test(x, n, correct = FALSE)$conf.int. R returns exactly 0 / 1 at
    # x = 0 / x = n; statsmodels gives ~1e-17 there, hence atol = 1e-12.
    for row in out("wilson_ci")["rows"]:
        low, high = proportion_confint(row["x"], row["n"], alpha=0.05, method="wilson")
        assert_allclose([low, high], row["conf_int"], rtol=RTOL, atol=1e-12)


# ---------------------------------------------------------------------------
# 9. Difference of two proportions


@pytest.mark.parametrize("row", read("two_proportions.csv").to_dict("records"),
                         ids=lambda r: r["case"])
def test_prop_test_two_sample(row):
    # R: prop.test(c(x1, x2), c(n1, n2), correct = FALSE)
    ref = out(f"prop_test_2sample_{row['case']}")
    x1, n1, x2, n2 = (int(row[k]) for k in ("x1", "n1", "x2", "n2"))
    # X2 = (pooled z)^2; three equivalent calls:
    z, p = proportions_ztest([x1, x2], [n1, n2])  # pooled variance (prop_var=False)
    assert_allclose([z**2, p], [ref["statistic"], ref["p_value"]], rtol=RTOL)
    res = smprop.test_proportions_2indep(x1, n1, x2, n2, method="score",
                                         compare="diff", correction=False)
    assert_allclose([res.statistic**2, res.pvalue], [ref["statistic"], ref["p_value"]],
                    rtol=RTOL)
    chi = stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
    assert_allclose([chi.statistic, chi.pvalue], [ref["statistic"], ref["p_value"]],
                    rtol=RTOL)
    # CI of p1 - p2: Wald, unpooled SE, no continuity correction.
    low, high = confint_proportions_2indep(x1, n1, x2, n2, method="wald",
                                           compare="diff", alpha=0.05)
    assert_allclose([low, high], ref["conf_int"], rtol=RTOL)
    assert_allclose(ref["estimate"], [x1 / n1, x2 / n2], rtol=RTOL)


# ---------------------------------------------------------------------------
# 10. power.prop.test


def r_power_prop(n, p1, p2, sig_level=0.05, strict=False):
    """R's power.prop.test power (two-sided), written out with scipy:
    pooled pbar for the null SD, unpooled for the alternative SD; strict=FALSE
    (R's default) leaves out the far-tail term."""
    qu = stats.norm.isf(sig_level / 2)
    d = abs(p1 - p2)
    pbar = (p1 + p2) / 2
    sd0 = math.sqrt(2 * pbar * (1 - pbar))
    sd1 = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    power = stats.norm.cdf((math.sqrt(n) * d - qu * sd0) / sd1)
    if strict:
        power += stats.norm.sf((math.sqrt(n) * d + qu * sd0) / sd1)
    return power


POWER_CASES = read("power_cases.csv").to_dict("records")


@pytest.mark.parametrize("row", [r for r in POWER_CASES if r["solve_for"] == "n"],
                         ids=lambda r: r["case"])
def test_power_prop_sample_size(row):
    p1, p2, power, alpha = row["p1"], row["p2"], row["power"], row["sig_level"]
    # strict = FALSE: closed form in statsmodels, n = ((z_{a/2} sd0 + z_b sd1) / d)^2
    n = samplesize_proportions_2indep_onetail(diff=p2 - p1, prop2=p1, power=power,
                                              ratio=1, alpha=alpha,
                                              alternative="two-sided")
    assert_allclose(n, out(f"power_prop_{row['case']}_tol1e-10")["n"], rtol=RTOL)
    # R's default result is a uniroot root at tol = 1.2e-4:
    assert_allclose(n, out(f"power_prop_{row['case']}")["n"], rtol=0, atol=R_UNIROOT_TOL)
    n_r_formula = optimize.brentq(lambda m: r_power_prop(m, p1, p2, alpha) - power,
                                  2, 1e7, xtol=1e-12)
    assert_allclose(n_r_formula, n, rtol=1e-10)

    # strict = TRUE (both tails): statsmodels' power_proportions_2indep is the
    # two-tailed power; solve for n with brentq.
    n_strict = optimize.brentq(
        lambda m: power_proportions_2indep(p2 - p1, p1, m, ratio=1, alpha=alpha,
                                           alternative="two-sided",
                                           return_results=False) - power,
        2, 1e7, xtol=1e-12)
    assert_allclose(n_strict, out(f"power_prop_{row['case']}_strict")["n"], rtol=RTOL)


@pytest.mark.parametrize("row", [r for r in POWER_CASES if r["solve_for"] == "p2"],
                         ids=lambda r: r["case"])
def test_power_prop_minimal_detectable_p2(row):
    # power.prop.test(n = n, p1 = p1, power = 0.8): no closed form; brentq on
    # R's power formula, or on statsmodels' power with one tail at alpha/2.
    p1, n, power, alpha = row["p1"], row["n"], row["power"], row["sig_level"]
    p2 = optimize.brentq(lambda q: r_power_prop(n, p1, q, alpha) - power, p1, 1.0,
                         xtol=1e-14)
    p2_sm = optimize.brentq(
        lambda q: power_proportions_2indep(q - p1, p1, n, ratio=1, alpha=alpha / 2,
                                           alternative="larger",
                                           return_results=False) - power,
        p1, 1.0, xtol=1e-14)
    assert_allclose(p2_sm, p2, rtol=1e-10)
    assert_allclose(p2, out(f"power_prop_{row['case']}_tol1e-10")["p2"], rtol=RTOL)
    # R's default tol: its p2 is off by ~2e-5 here.
    assert_allclose(p2, out(f"power_prop_{row['case']}")["p2"], rtol=0,
                    atol=R_UNIROOT_TOL)


# ---------------------------------------------------------------------------
# 11. Proportional odds: MASS::polr vs statsmodels OrderedModel


@pytest.fixture(scope="module")
def ordered_fit():
    d = read("ordinal_polr.csv")
    # Treatment contrasts with 'liten' as reference, no constant (thresholds
    # play the intercept's role), columns named as R names them.
    exog = pd.DataFrame({
        "offentlig": d.offentlig.astype(float),
        "storlekmellan": (d.storlek == "mellan").astype(float),
        "storlekstor": (d.storlek == "stor").astype(float),
    })
    endog = pd.Series(pd.Categorical(d.y, categories=[1, 2, 3, 4, 5, 6], ordered=True))
    model = OrderedModel(endog, exog, distr="logit")
    # gtol=1e-8: BFGS's default 1e-5 stops ~2e-5 (relative) short, lbfgs's
    # default ~1e-4 short; 1e-10 ends in precision loss (converged=False).
    res = model.fit(method="bfgs", maxiter=1000, gtol=1e-8, disp=False)
    assert res.mle_retvals["converged"]
    return model, res


def test_polr_coefficients_and_ses(ordered_fit):
    # Both model logit P(Y <= j) = zeta_j - x'beta: same sign of beta.
    _, res = ordered_fit
    ref = out("polr_logistic")
    k = len(ref["coefficients"])
    assert list(res.params.index[:k]) == ref["coef_names"]
    assert_allclose(res.params.iloc[:k], ref["coefficients"], rtol=1e-4)
    assert_allclose(res.bse.iloc[:k], ref["coef_se"], rtol=1e-4)
    assert_allclose(res.llf, ref["loglik"], rtol=1e-8)


def test_polr_thresholds(ordered_fit):
    # statsmodels' threshold params are theta = (zeta_1, log(zeta_j - zeta_{j-1})),
    # exactly polr's internal parameterisation, so their SEs compare directly
    # to R's sqrt(diag(ginv(Hessian))). zeta and its SEs need the transform
    # (transform_threshold_params) and the delta method with polr's Jacobian.
    model, res = ordered_fit
    ref = out("polr_logistic")
    k = len(ref["coefficients"])
    theta = res.params.to_numpy()[k:]
    assert_allclose(theta, ref["theta"], rtol=1e-4)
    assert_allclose(res.bse.to_numpy()[k:], ref["theta_se"], rtol=1e-4)

    zeta = model.transform_threshold_params(res.params.to_numpy())[1:-1]
    assert_allclose(zeta, ref["zeta"], rtol=1e-4)
    q = len(theta)
    jac = np.zeros((q, q))
    jac[:, 0] = 1.0
    for i in range(1, q):
        jac[i:, i] = np.exp(theta[i])
    cov_theta = res.cov_params().to_numpy()[k:, k:]
    zeta_se = np.sqrt(np.diag(jac @ cov_theta @ jac.T))
    assert_allclose(zeta_se, ref["zeta_se"], rtol=1e-4)


def test_polr_odds_ratios_with_wald_ci(ordered_fit):
    # exp(coef) and exp(coef -/+ qnorm(0.975) * SE)
    _, res = ordered_fit
    ref = out("polr_logistic")
    k = len(ref["coefficients"])
    z = stats.norm.ppf(0.975)
    assert_allclose(z, ref["z_crit"], rtol=1e-12)
    beta, se = res.params.to_numpy()[:k], res.bse.to_numpy()[:k]
    assert_allclose(np.exp(beta), ref["odds_ratio"], rtol=1e-4)
    assert_allclose(np.exp(beta - z * se), ref["odds_ratio_ci_low"], rtol=1e-4)
    assert_allclose(np.exp(beta + z * se), ref["odds_ratio_ci_high"], rtol=1e-4)
    ci = np.exp(res.conf_int(alpha=0.05).to_numpy()[:k])
    assert_allclose(ci, np.column_stack([ref["odds_ratio_ci_low"],
                                         ref["odds_ratio_ci_high"]]), rtol=1e-4)
