"""Group comparisons for many families at once, from count tables (family × group × step).

:func:`samverkan.compare` builds the count tables; the functions here compute every
family's tests with array operations, and fall back to a per-family exact or
permutation computation only where groups or expected counts are small. Each returns
a dict of equally long arrays, one entry per family, in the tests-table vocabulary.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from .exact import exact_table_count, fisher_freeman_halton_2xg, mann_whitney_exact_pvalue, midranks
from .intervals import rank_biserial_interval

SMALL_N = 10
MAX_EXACT_TABLES = 2_000_000
N_PERMUTATIONS = 9999


def normal_pvalues(diff: np.ndarray, sd: np.ndarray, alternative: str, continuity: bool = True) -> np.ndarray:
    """p-values of ``diff / sd`` with R's continuity correction of 0.5 (as ``wilcox.test(correct = TRUE)``)."""
    c = 0.5 if continuity else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        if alternative == "two-sided":
            z = (diff - c * np.sign(diff)) / sd
            p = np.minimum(1.0, 2 * stats.norm.sf(np.abs(z)))
        elif alternative == "greater":
            p = stats.norm.sf((diff - c) / sd)
        else:
            p = stats.norm.cdf((diff + c) / sd)
    return np.where(sd > 0, p, np.nan)


def mann_whitney(c1, c2, *, alternative, confidence_level, method) -> dict[str, np.ndarray]:
    """Mann–Whitney U of group (``c1``) against reference (``c2``), rows = families of independent respondents.

    Normal approximation with tie correction and continuity correction (R's
    ``wilcox.test(exact = FALSE)``); the exact conditional p (R's
    ``coin::wilcox_test(distribution = "exact")``) for families with a group under
    :data:`SMALL_N` (``method="auto"``) or all (``method="exact"``). Rank-biserial
    ``r = 2U/(n1 n2) - 1`` with Newcombe's score interval
    (:func:`samverkan.stats.intervals.rank_biserial_interval`).
    """
    n1, n2 = c1.sum(axis=1), c2.sum(axis=1)
    u = np.sum(c1 * (np.cumsum(c2, axis=1) - c2 + 0.5 * c2), axis=1)
    n = n1 + n2
    ties = c1 + c2
    with np.errstate(invalid="ignore", divide="ignore"):
        tie_term = np.sum(ties**3 - ties, axis=1) / (n * (n - 1))
        sd = np.sqrt(np.maximum(n1 * n2 / 12 * ((n + 1) - tie_term), 0))
        p = normal_pvalues(u - n1 * n2 / 2, sd, alternative)
        r = 2 * u / (n1 * n2) - 1
    exact = (method == "exact") | ((method == "auto") & (np.minimum(n1, n2) < SMALL_N))
    for i in np.flatnonzero(exact):
        p[i] = mann_whitney_exact_pvalue(c1[i], c2[i], alternative)
    low, high = rank_biserial_interval(r, n1, n2, confidence_level)
    test = np.where(exact, "mann-whitney-exact", "mann-whitney")
    return dict(test=test, statistic=u, df=np.full(len(u), np.nan), pvalue=p, effect_size=r,
                effect_size_name=np.full(len(u), "rank-biserial"), ci_low=low, ci_high=high)


def share_difference(h1, n1, h2, n2, *, alternative, confidence_level, method) -> dict[str, np.ndarray]:
    """Difference in share of high values, group minus reference, rows = families.

    Pearson chi-square of the 2 × 2 table (R's ``prop.test(correct = FALSE)``; the
    one-sided p from the signed root); Fisher's exact test where
    an expected count is below 5 (``method="auto"``) or always (``"exact"``). Newcombe
    hybrid score CI of the difference (statsmodels ``method="newcomb"``).
    """
    total, high = n1 + n2, h1 + h2
    share = high / total
    expected = np.stack([n1 * share, n1 * (1 - share), n2 * share, n2 * (1 - share)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = total * (h1 * (n2 - h2) - h2 * (n1 - h1)) ** 2 / (n1 * n2 * high * (total - high))
        z = np.sign(h1 / n1 - h2 / n2) * np.sqrt(chi2)
    p = normal_pvalues(z, np.ones_like(z), alternative, continuity=False)
    p = np.where(np.isfinite(chi2), p, np.nan)
    exact = (method == "exact") | ((method == "auto") & (expected.min(axis=1) < 5))
    statistic, df = chi2.copy(), np.where(exact, np.nan, 1.0)
    for i in np.flatnonzero(exact):
        table = np.array([[h1[i], n1[i] - h1[i]], [h2[i], n2[i] - h2[i]]], dtype=int)
        result = stats.fisher_exact(table, alternative=alternative)
        statistic[i], p[i] = result.statistic, result.pvalue
    low, high_ci = confint_proportions_2indep(h1, n1, h2, n2, method="newcomb", compare="diff",
                                              alpha=1 - confidence_level)
    test = np.where(exact, "fisher-exact-share-high", "chi2-share-high")
    return dict(test=test, statistic=statistic, df=df, pvalue=p, effect_size=h1 / n1 - h2 / n2,
                effect_size_name=np.full(len(h1), "share_high difference"),
                ci_low=np.asarray(low, dtype=float), ci_high=np.asarray(high_ci, dtype=float))


def _permutation_pvalue(values: np.ndarray, labels: np.ndarray, statistic, seed: int) -> float:
    """Monte Carlo permutation p ``(1 + #{T* >= T}) / (B + 1)`` with a seeded generator."""
    rng = np.random.default_rng(seed)
    observed = statistic(values, labels[None, :])[0]
    permuted = rng.permuted(np.tile(labels, (N_PERMUTATIONS, 1)), axis=1)
    null = statistic(values, permuted)
    return float((1 + np.sum(null >= observed - 1e-9 * abs(observed))) / (N_PERMUTATIONS + 1))


def _group_sums(values: np.ndarray, labels: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``labels`` (``B × n``, each row a permutation of one labelling): each group's sum and size.

    One ``bincount`` over all rows; the sizes are the same in every row. Sums of ranks
    (multiples of ½) and of 0/1 flags are exact in any order, so the statistics equal
    those of a group-by-group sum.
    """
    rows = labels.shape[0]
    index = (labels + groups * np.arange(rows)[:, None]).ravel()
    sums = np.bincount(index, weights=np.broadcast_to(values, labels.shape).ravel(), minlength=rows * groups)
    sizes = np.bincount(labels[0], minlength=groups)
    return sums.reshape(rows, groups), np.broadcast_to(sizes, (rows, groups))


def _kruskal_statistic(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    n = len(values)
    sums, sizes = _group_sums(stats.rankdata(values), labels, labels.max() + 1)
    return 12 / (n * (n + 1)) * np.sum(sums**2 / sizes, axis=1) - 3 * (n + 1)


def _chi2_statistic(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    highs, sizes = _group_sums(values, labels, labels.max() + 1)
    share = values.mean()
    return np.sum((highs - sizes * share) ** 2 / (sizes * share * (1 - share)), axis=1)


def _expand(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of (step, group index) from a ``G × K`` count table without empty groups."""
    mat = mat[mat.sum(axis=1) > 0]
    groups, steps = np.nonzero(mat)
    counts = mat[groups, steps].astype(int)
    return np.repeat(steps + 1, counts).astype(float), np.repeat(groups, counts)


def kruskal_wallis(cube, *, method, seed) -> dict[str, np.ndarray]:
    """Kruskal–Wallis H (tie-corrected, R's ``kruskal.test``) per family of a ``F × G × K`` cube.

    Absent groups are all-zero rows. ``H`` is referred to chi-square; a seeded
    permutation p where a group is under :data:`SMALL_N` (``"auto"``) or always
    (``"exact"``). ε² = H / (n - 1) (R's ``effectsize::rank_epsilon_squared``).
    """
    totals = cube.sum(axis=1)
    n = totals.sum(axis=1)
    mid = midranks(totals)
    sizes = cube.sum(axis=2)
    rank_sums = np.einsum("fgk,fk->fg", cube, mid)
    present = sizes > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        term = np.where(present, rank_sums**2 / np.where(present, sizes, 1), 0).sum(axis=1)
        h = 12 / (n * (n + 1)) * term - 3 * (n + 1)
        h = h / (1 - np.sum(totals**3 - totals, axis=1) / (n**3 - n))
    df = present.sum(axis=1) - 1.0
    p = stats.chi2.sf(h, df)
    small = np.where(present, sizes, np.inf).min(axis=1) < SMALL_N
    permute = (method == "exact") | ((method == "auto") & small)
    for i in np.flatnonzero(permute):
        values, labels = _expand(cube[i])
        p[i] = _permutation_pvalue(values, labels, _kruskal_statistic, seed)
    test = np.where(permute, "kruskal-wallis-permutation", "kruskal-wallis")
    nan = np.full(len(h), np.nan)
    return dict(test=test, statistic=h, df=df, pvalue=p, effect_size=h / (n - 1),
                effect_size_name=np.full(len(h), "epsilon-squared"), ci_low=nan, ci_high=nan)


def _exact_share_pvalue(high: np.ndarray, n: np.ndarray, seed: int) -> tuple[float, str]:
    keep = n > 0
    high, n = high[keep].astype(int), n[keep].astype(int)
    if exact_table_count(n, int(high.sum())) <= MAX_EXACT_TABLES:
        return fisher_freeman_halton_2xg(high, n), "fisher-exact-share-high"
    flags = np.concatenate([np.r_[np.ones(h), np.zeros(m - h)] for h, m in zip(high, n)])
    labels = np.repeat(np.arange(len(n)), n)
    return _permutation_pvalue(flags, labels, _chi2_statistic, seed), "chi2-share-high-permutation"


def share_chi2(high, sizes, *, method, seed) -> dict[str, np.ndarray]:
    """Chi-square of the ``2 × G`` table high / not high per family (``F × G`` arrays), with Cramér's V.

    ``X²`` is referred to chi-square (R's ``chisq.test(correct = FALSE)``); the
    Fisher–Freeman–Halton exact p (R's ``fisher.test``), or a seeded permutation p for
    very large tables, where an expected count is below 5 (``"auto"``) or always
    (``"exact"``). V = sqrt(X² / n) (R's ``effectsize::cramers_v(adjust = FALSE)``).
    """
    present = sizes > 0
    n = sizes.sum(axis=1)
    share = high.sum(axis=1) / n
    expected = sizes * share[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = (high - expected) ** 2 / (expected * (1 - share[:, None]))
        chi2 = np.where(present, terms, 0).sum(axis=1)
        chi2 = np.where((share > 0) & (share < 1), chi2, np.nan)
    df = present.sum(axis=1) - 1.0
    p = stats.chi2.sf(chi2, df)
    smallest = np.where(present, np.minimum(expected, sizes - expected), np.inf).min(axis=1)
    exact = np.isfinite(chi2) & ((method == "exact") | ((method == "auto") & (smallest < 5)))
    test = np.where(exact, "", "chi2-share-high").astype(object)
    for i in np.flatnonzero(exact):
        p[i], test[i] = _exact_share_pvalue(high[i], sizes[i], seed)
    nan = np.full(len(chi2), np.nan)
    return dict(test=test.astype(str), statistic=chi2, df=df, pvalue=p, effect_size=np.sqrt(chi2 / n),
                effect_size_name=np.full(len(chi2), "cramers-v"), ci_low=nan, ci_high=nan)


def signed_rank(pairs: np.ndarray, *, alternative: str) -> dict[str, np.ndarray]:
    """Wilcoxon signed-rank test per family from a ``F × K × K`` table of (a, b) step pairs.

    Zero differences are dropped and the tie-corrected normal approximation with
    continuity correction is used (R's ``wilcox.test(paired = TRUE, exact = FALSE)``);
    ``statistic`` is R's ``V``, the sum of the ranks of positive differences. Matched-pairs
    rank-biserial ``(R+ - R-) / (nd (nd + 1) / 2)`` (R's ``effectsize::rank_biserial``);
    its interval is a bootstrap over respondents, computed by :func:`samverkan.compare_items`
    (:func:`samverkan.stats.intervals.paired_rank_biserial_interval`), so ``ci_low`` and
    ``ci_high`` are missing here.
    """
    steps = pairs.shape[1]
    diff = np.subtract.outer(np.arange(steps), np.arange(steps))
    pos = np.stack([pairs[:, diff == d].sum(axis=1) for d in range(1, steps)], axis=1)
    neg = np.stack([pairs[:, diff == -d].sum(axis=1) for d in range(1, steps)], axis=1)
    ties = pos + neg
    nd = ties.sum(axis=1)
    mid = midranks(ties)
    v = np.sum(pos * mid, axis=1)
    total = nd * (nd + 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(nd * (nd + 1) * (2 * nd + 1) / 24 - np.sum(ties**3 - ties, axis=1) / 48)
        p = normal_pvalues(v - total / 2, sd, alternative)
        r = (v - (total - v)) / total
    n = len(nd)
    low = high = np.full(n, np.nan)
    return dict(test=np.full(n, "wilcoxon-signed-rank"), statistic=v, df=np.full(n, np.nan), pvalue=p,
                effect_size=r, effect_size_name=np.full(n, "matched-pairs rank-biserial"), ci_low=low, ci_high=high,
                zeros=pairs.sum(axis=(1, 2)) - nd)


def mcnemar(b: np.ndarray, c: np.ndarray, *, alternative: str, confidence_level: float) -> dict[str, np.ndarray]:
    """McNemar's test per family from the discordant counts ``b`` (a high, b not) and ``c``.

    The exact binomial test of ``b`` out of ``b + c`` (R's ``binom.test``) when
    ``b + c < 25`` or the test is one-sided, else the chi-square with continuity
    correction (R's ``mcnemar.test``). Effect size: the conditional odds ratio ``b / c``
    with the exact (Clopper–Pearson) interval transformed from ``b / (b + c)``.
    """
    b = np.asarray(b, dtype=float)
    c = np.asarray(c, dtype=float)
    m = b + c
    exact = (m < 25) | (alternative != "two-sided")
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = (np.abs(b - c) - 1) ** 2 / m
        p = stats.chi2.sf(chi2, 1)
        alpha = 1 - confidence_level
        low = np.where(b > 0, stats.beta.ppf(alpha / 2, b, c + 1), 0.0)
        high = np.where(c > 0, stats.beta.ppf(1 - alpha / 2, b + 1, c), 1.0)
        odds = b / c
        odds_low, odds_high = low / (1 - low), high / (1 - high)
    for i in np.flatnonzero(exact & (m > 0)):
        p[i] = stats.binomtest(int(b[i]), int(m[i]), 0.5, alternative=alternative).pvalue
    p = np.where(m > 0, p, np.nan)
    return dict(test=np.where(exact, "mcnemar-exact", "mcnemar"), statistic=np.where(exact, b, chi2),
                df=np.where(exact, np.nan, 1.0), pvalue=p, effect_size=odds,
                effect_size_name=np.full(len(b), "conditional odds ratio"), ci_low=odds_low, ci_high=odds_high)
