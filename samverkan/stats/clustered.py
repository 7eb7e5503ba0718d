"""Group comparisons whose rows are clustered: respondents with several rows, or respondents within municipalities.

Three ways, chosen per comparison by :func:`samverkan.compare` (each respondent's rows, or
each municipality's respondents, always move together — never one row at a time):

* **Design-based tests** (many respondents, respondent clusters): the rank test of
  R's ``survey::svyranktest`` (rank scores ``(midrank - ½)/N`` regressed on the group,
  cluster-robust variance with ``C/(C - 1)``; two groups: ``t`` on ``C - 2`` df, more:
  Wald ``F`` on ``(k - 1, C - k)`` df) and the Rao–Scott second-order corrected
  chi-square of the share of high values, R's ``survey::svychisq(statistic = "F")``
  (``F = X² / tr Δ`` on ``(d₀, d₀ (C - 1))`` df). Both are checked against R on a
  clustered case in ``tests/reference/``.
* **Permutation of whole respondents** (small groups, respondent clusters): each
  respondent keeps its rows and takes another respondent's answer, so a respondent copied
  into several rows or groups is one unit of the permutation (Monte Carlo, seeded).
* **Permutation of whole units** (comparisons between regions that hold several
  municipalities or Mysam groups): the region labels are permuted among the units —
  every distinct assignment when there are at most :data:`MAX_ASSIGNMENTS`, a seeded
  Monte Carlo sample otherwise — with each respondent in the unit of its first answer
  in the region. Respondents in one municipality answer alike (ICC ≈ 0.02 in the sample,
  a design effect of about 2 for regions of 70 respondents a municipality), so a region
  comparison rests on its municipalities; the test is exact whatever the ICC, and says
  when there are too few units for any p-value below 0.05.

The statistics are those of the independent tests computed on the rows (the
tie-corrected standardized Mann–Whitney ``z`` or Kruskal–Wallis ``H``, Pearson's ``X²``
of high values, or the difference in share of high values for one-sided tests).
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
from scipy import stats

from .exact import midranks

N_PERMUTATIONS = 9999
MAX_ASSIGNMENTS = 50_000
#: Fewer distinct assignments of units to groups than this: the note says the test is weak.
FEW_ASSIGNMENTS = 200


# ------------------------------------------------------------------ statistics from count cubes


def rank_statistic(cube: np.ndarray, alternative: str) -> np.ndarray:
    """Per ``B × G × K`` count cube: ``|z|`` (two groups, two-sided), ``z`` (one-sided) or ``H`` (more groups).

    ``z`` is the tie-corrected standardized Mann–Whitney ``U`` of group 0 against group 1;
    ``H`` the tie-corrected Kruskal–Wallis statistic.
    """
    totals = cube.sum(axis=1)
    n = totals.sum(axis=1)
    mid = midranks(totals)
    sizes = cube.sum(axis=2)
    tie = 1 - np.sum(totals**3 - totals, axis=1) / (n**3 - n)
    with np.errstate(invalid="ignore", divide="ignore"):
        if cube.shape[1] == 2:
            n1, n2 = sizes[:, 0], sizes[:, 1]
            u = np.einsum("bk,bk->b", cube[:, 0], mid) - n1 * (n1 + 1) / 2
            z = (u - n1 * n2 / 2) / np.sqrt(n1 * n2 * (n + 1) / 12 * tie)
            return np.abs(z) if alternative == "two-sided" else (z if alternative == "greater" else -z)
        rank_sums = np.einsum("bgk,bk->bg", cube, mid)
        term = np.where(sizes > 0, rank_sums**2 / np.where(sizes > 0, sizes, 1), 0).sum(axis=1)
        return (12 / (n * (n + 1)) * term - 3 * (n + 1)) / tie


def share_statistic(high: np.ndarray, sizes: np.ndarray, alternative: str) -> np.ndarray:
    """Per row of ``B × G`` arrays: Pearson ``X²`` of high values, or the signed share difference (one-sided)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if alternative != "two-sided":
            diff = high[:, 0] / sizes[:, 0] - high[:, 1] / sizes[:, 1]
            return diff if alternative == "greater" else -diff
        share = high.sum(axis=1, keepdims=True) / sizes.sum(axis=1, keepdims=True)
        expected = sizes * share
        terms = (high - expected) ** 2 / (expected * (1 - share))
        return np.where(sizes > 0, terms, 0).sum(axis=1)


def _statistic(cube: np.ndarray, high_steps: np.ndarray, kind: str, alternative: str) -> np.ndarray:
    if kind == "rank":
        return rank_statistic(cube, alternative)
    return share_statistic(cube[:, :, high_steps].sum(axis=2), cube.sum(axis=2), alternative)


def _pvalue(observed: float, null: np.ndarray, include_observed: bool) -> float:
    tolerance = 1e-9 * max(1.0, abs(observed))
    hits = np.sum(null >= observed - tolerance)
    return float((hits + 1) / (len(null) + 1)) if include_observed else float(hits / len(null))


# ------------------------------------------------------------------ permutation of whole respondents


def respondent_permutation(values, group, cluster, *, steps: int, groups: int, high_steps, kind: str,
                           alternative: str, seed: int) -> float:
    """Monte Carlo p of a comparison whose rows are clustered in respondents, permuting whole respondents.

    Each respondent keeps its rows (how many, in which groups) and takes another
    respondent's answer: exact under the null that a respondent's answer does not depend
    on the groups the respondent belongs to. Where a respondent's rows hold different
    answers (a canonical file with an answer per unit), answer sets move only between
    respondents with the same number of rows, in row order.
    """
    cluster = np.unique(np.asarray(cluster), return_inverse=True)[1]
    order = np.lexsort((np.arange(len(cluster)), cluster))
    cluster, values, group = cluster[order], np.asarray(values)[order] - 1, np.asarray(group)[order]
    sizes = np.bincount(cluster)
    position = np.arange(len(cluster)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    table = np.full((len(sizes), sizes.max()), -1)
    table[cluster, position] = values
    rng = np.random.default_rng(seed)
    one_answer = bool(np.all((table == table[:, :1]) | (table < 0)))
    strata = [np.arange(len(sizes))] if one_answer else [np.flatnonzero(sizes == k) for k in np.unique(sizes)]
    mapping = np.tile(np.arange(len(sizes)), (N_PERMUTATIONS, 1))
    for members in strata:
        if len(members) > 1:
            mapping[:, members] = rng.permuted(np.tile(members, (N_PERMUTATIONS, 1)), axis=1)
    permuted = table[mapping[:, cluster], 0 if one_answer else position]
    observed = _cube(values[None, :], group, steps, groups)
    null = _cube(permuted, group, steps, groups)
    high_steps = np.asarray(high_steps, dtype=bool)
    return _pvalue(_statistic(observed, high_steps, kind, alternative)[0],
                   _statistic(null, high_steps, kind, alternative), include_observed=True)


def _cube(values: np.ndarray, group: np.ndarray, steps: int, groups: int) -> np.ndarray:
    """``B × G × K`` counts from ``B × n`` 0-based step values and the rows' groups."""
    rows = values.shape[0]
    index = (np.arange(rows)[:, None] * groups + group[None, :]) * steps + values
    return np.bincount(index.ravel(), minlength=rows * groups * steps).reshape(rows, groups, steps).astype(float)


# ------------------------------------------------------------------ permutation of whole units


def assignment_count(units_per_group: np.ndarray) -> int:
    """Distinct assignments of the units to groups of these sizes: ``C! / Π c_g!``."""
    units_per_group = np.asarray(units_per_group, dtype=int)
    return math.factorial(int(units_per_group.sum())) // math.prod(math.factorial(int(c)) for c in units_per_group)


@functools.lru_cache(maxsize=32)
def _all_assignments(units_per_group: tuple[int, ...]) -> np.ndarray:
    """Every assignment of ``C`` units to groups of the given sizes, as an ``M × C`` array of group numbers."""
    rows = np.full((1, sum(units_per_group)), len(units_per_group) - 1, dtype=np.int64)
    taken = np.zeros_like(rows, dtype=bool)
    for g, size in enumerate(units_per_group[:-1]):
        free = np.argsort(taken, axis=1, kind="stable")[:, : rows.shape[1] - int(taken[0].sum())]
        combos = np.array(list(itertools.combinations(range(free.shape[1]), size)), dtype=np.int64)
        parent = np.repeat(np.arange(len(rows)), len(combos))
        positions = free[parent[:, None], np.tile(combos, (len(rows), 1))]
        rows, taken = rows[parent], taken[parent]
        np.put_along_axis(rows, positions, g, axis=1)
        np.put_along_axis(taken, positions, True, axis=1)
    rows.setflags(write=False)
    return rows


def unit_statistic(weights: np.ndarray, means: np.ndarray, labels: np.ndarray, groups: int,
                   alternative: str) -> np.ndarray:
    """Per row of ``labels`` (``M × C`` group numbers of the units): the between-group statistic of unit means.

    ``Σ_g W_g (ȳ_g − ȳ)²`` with ``W_g = Σ w_c`` and ``ȳ_g`` the ``w``-weighted mean of the
    unit means in group ``g`` (two-sided, or more groups); ``ȳ_0 − ȳ_1`` one-sided.
    """
    onehot = np.stack([labels == g for g in range(groups)], axis=1).astype(float)
    total_weight = onehot @ weights
    sums = onehot @ (weights * means)
    with np.errstate(invalid="ignore", divide="ignore"):
        if alternative != "two-sided":
            diff = sums[:, 0] / total_weight[:, 0] - sums[:, 1] / total_weight[:, 1]
            return diff if alternative == "greater" else -diff
        present = total_weight > 0
        between = np.where(present, sums**2 / np.where(present, total_weight, 1), 0).sum(axis=1)
        return between - sums.sum(axis=1) ** 2 / total_weight.sum(axis=1)


def unit_permutation(values, group, unit, *, steps: int, groups: int, high_steps, kind: str, alternative: str,
                     seed: int) -> tuple[float, float, int, str]:
    """p of a comparison between groups of whole units, permuting the group labels among the units.

    The statistic (:func:`unit_statistic`) compares the units' mean rank scores (mid-ranks
    of all rows) or shares of high values, each unit weighted by the precision of its mean,
    ``m / (1 + (m − 1) ρ)``, with ``ρ`` the ANOVA intraclass correlation of the units
    (:func:`anova_icc`, at least 0), which does not depend on the group labels: with
    ``ρ = 0`` it is the between-group sum of squares of the rows (the Kruskal–Wallis
    numerator), with large ``ρ`` the units count alike. Weighting by the rows alone let a
    single large municipality's own level pass for a regional difference (6–7 % false
    positives at ICC 0.02–0.05 in simulation against 4.5–6 % weighted).

    Returns
    -------
    tuple
        ``(statistic, pvalue, assignments, how)``: ``assignments`` distinct assignments of
        units to groups; ``how`` is ``"exact"`` (all of them) or ``"monte carlo"``.
    """
    unit = np.unique(np.asarray(unit), return_inverse=True)[1]
    values, group = np.asarray(values), np.asarray(group)
    y = stats.rankdata(values) if kind == "rank" else np.asarray(high_steps, dtype=bool)[values - 1].astype(float)
    label = np.zeros(unit.max() + 1, dtype=np.int64)
    label[unit] = group
    m = np.bincount(unit).astype(float)
    rho = anova_icc(y, unit)
    weights = m / (1 + (m - 1) * (max(rho, 0.0) if np.isfinite(rho) else 0.0))
    means = np.bincount(unit, weights=y) / m
    units_per_group = np.bincount(label, minlength=groups)
    total = assignment_count(units_per_group)
    observed = unit_statistic(weights, means, label[None], groups, alternative)[0]
    if total <= MAX_ASSIGNMENTS:
        null = unit_statistic(weights, means, _all_assignments(tuple(int(c) for c in units_per_group)), groups,
                              alternative)
        return float(observed), _pvalue(observed, null, include_observed=False), total, "exact"
    rng = np.random.default_rng(seed)
    null = unit_statistic(weights, means, rng.permuted(np.tile(label, (N_PERMUTATIONS, 1)), axis=1), groups,
                          alternative)
    return float(observed), _pvalue(observed, null, include_observed=True), total, "monte carlo"


# ------------------------------------------------------------------ design-based tests


def _cluster_covariance(influence: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """``C/(C - 1) Σ_c u_c u_c'`` of the cluster totals ``u_c`` of the rows' influence (columns)."""
    codes, cluster = np.unique(cluster, return_inverse=True)
    totals = np.zeros((len(codes), influence.shape[1]))
    np.add.at(totals, cluster, influence)
    totals -= totals.mean(axis=0)
    c = len(codes)
    return totals.T @ totals * c / (c - 1)


def _mean_influence(y: np.ndarray, group: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Group means of ``y`` and each row's influence on each group mean (``N × G``)."""
    sizes = np.bincount(group, minlength=groups).astype(float)
    means = np.bincount(group, weights=y, minlength=groups) / sizes
    influence = np.zeros((len(y), groups))
    influence[np.arange(len(y)), group] = (y - means[group]) / sizes[group]
    return means, influence


def design_rank_test(values, group, cluster, *, groups: int, alternative: str) -> tuple[float, float, float, str]:
    """R's ``survey::svyranktest`` with clusters ``cluster`` and equal weights.

    Group 0 is compared with group 1 (two groups: ``t`` of the difference in mean rank
    score, ``C - 2`` df); more groups: Wald ``F`` of the ``k - 1`` differences from group 0
    on ``(k - 1, C - k)`` df, two-sided only.

    Returns
    -------
    tuple
        ``(statistic, df, pvalue, note)``.
    """
    values, group, cluster = np.asarray(values, dtype=float), np.asarray(group), np.asarray(cluster)
    n = len(values)
    order = np.argsort(values, kind="stable")
    _, starts, counts = np.unique(values[order], return_index=True, return_counts=True)
    score = np.empty(n)
    score[order] = np.repeat(starts + (counts + 1) / 2 - 0.5, counts) / n
    means, influence = _mean_influence(score, group, groups)
    c = len(np.unique(cluster))
    contrast = np.c_[np.ones(groups - 1), -np.eye(groups - 1)] if groups > 2 else np.array([[1.0, -1.0]])
    covariance = contrast @ _cluster_covariance(influence, cluster) @ contrast.T
    beta = contrast @ means
    if groups == 2:
        with np.errstate(invalid="ignore", divide="ignore"):
            t = float(beta[0] / np.sqrt(covariance[0, 0]))
        df = c - 2
        p = {"two-sided": 2 * stats.t.sf(abs(t), df), "greater": stats.t.sf(t, df),
             "less": stats.t.cdf(t, df)}[alternative]
        return t, float(df), float(p), f"designbaserat rangtest (t, {df} frihetsgrader)"
    try:
        chisq = float(beta @ np.linalg.solve(covariance, beta))
    except np.linalg.LinAlgError:
        return np.nan, np.nan, np.nan, "designbaserat rangtest: singulär kovariansmatris"
    ndf, ddf = groups - 1, c - groups
    f = chisq / ndf
    return f, float(ndf), float(stats.f.sf(f, ndf, ddf)), f"designbaserat rangtest (F, {ndf} och {ddf} frihetsgrader)"


def _rao_scott_delta(cells: np.ndarray, cluster: np.ndarray, groups: int) -> np.ndarray:
    """The Rao–Scott design-effect matrix Δ of the high × group table (R's ``svychisq``)."""
    n = len(cells)
    indicator = np.zeros((n, 2 * groups))
    indicator[np.arange(n), cells] = 1
    share = indicator.mean(axis=0)
    covariance = _cluster_covariance((indicator - share) / n, cluster)
    rows, cols = np.repeat([0, 1], groups), np.tile(np.arange(groups), 2)
    main = np.c_[np.ones(2 * groups), rows == 1, *(cols == g for g in range(1, groups))].astype(float)
    interaction = np.c_[*((rows == 1) & (cols == g) for g in range(1, groups))].astype(float)
    contrast = interaction - main @ np.linalg.lstsq(main, interaction, rcond=None)[0]
    inverse = np.where(share > 0, 1 / np.where(share > 0, share, 1), 0)
    denominator = contrast.T @ (contrast * inverse[:, None] / n)
    numerator = (contrast * inverse[:, None]).T @ covariance @ (contrast * inverse[:, None])
    return np.linalg.solve(denominator, numerator)


def rao_scott_share(high, group, cluster, *, groups: int, alternative: str) -> tuple[float, float, float, str]:
    """Pearson's X² of high × group with the Rao–Scott second-order correction (R's ``svychisq``, ``"F"``).

    Returns
    -------
    tuple
        ``(X², k - 1, pvalue, note)``: Pearson's ``X²`` and the table's df as R's
        ``chisq.test`` gives them, the p-value of the corrected ``F`` on ``(d₀, d₀ (C - 1))``
        df, and a note with ``F`` and ``d₀``; one-sided (two groups) from the signed root of
        ``F`` on ``t`` with ``C - 1`` df (``d₀ = 1`` for a 2 × 2 table).
    """
    high, group, cluster = np.asarray(high, dtype=bool), np.asarray(group), np.asarray(cluster)
    sizes = np.bincount(group, minlength=groups).astype(float)
    highs = np.bincount(group, weights=high, minlength=groups)
    x2 = float(share_statistic(highs[None], sizes[None], "two-sided")[0])
    if not np.isfinite(x2):
        return np.nan, np.nan, np.nan, "ingen variation i andelen höga värden"
    delta = _rao_scott_delta(np.where(high, groups, 0) + group, cluster, groups)
    trace = float(np.trace(delta))
    d0 = trace**2 / float(np.trace(delta @ delta))
    nu = len(np.unique(cluster)) - 1
    f = x2 / trace
    if alternative == "two-sided":
        p = stats.f.sf(f, d0, d0 * nu)
    else:
        t = np.sign(highs[0] / sizes[0] - highs[1] / sizes[1]) * np.sqrt(f)
        p = stats.t.sf(t, nu) if alternative == "greater" else stats.t.cdf(t, nu)
    note = f"Rao–Scott-korrigerat: F = {f:.3f} med {d0:.2f} och {d0 * nu:.1f} frihetsgrader"
    return x2, float(groups - 1), float(p), note.replace(".", ",")


# ------------------------------------------------------------------ design effects for intervals


def kish_design_effect(cluster: np.ndarray) -> float:
    """``Σ m_c² / Σ m_c`` over the clusters' row counts: the design effect of copied rows."""
    m = np.unique(np.asarray(cluster), return_counts=True)[1].astype(float)
    return float(np.sum(m**2) / np.sum(m))


def anova_icc(values: np.ndarray, cluster: np.ndarray, group: np.ndarray | None = None) -> float:
    """One-way ANOVA intraclass correlation of ``values`` in clusters (within groups, if given).

    ``(MSB - MSW) / (MSB + (n₀ - 1) MSW)`` with ``n₀ = (N - Σ m_c² / N) / (C - 1)``
    (unequal cluster sizes), the cluster means taken around their group's mean.
    NaN with fewer than two clusters or no within-cluster variation.
    """
    values = np.asarray(values, dtype=float)
    codes, cluster = np.unique(np.asarray(cluster), return_inverse=True)
    group = np.zeros(len(codes), dtype=int) if group is None else _cluster_group(cluster, np.asarray(group))
    m = np.bincount(cluster).astype(float)
    means = np.bincount(cluster, weights=values) / m
    n, c, g = len(values), len(codes), len(np.unique(group))
    if c - g < 1 or n - c < 1:
        return np.nan
    group_means = np.bincount(group, weights=means * m) / np.bincount(group, weights=m)
    msb = np.sum(m * (means - group_means[group]) ** 2) / (c - g)
    msw = np.sum((values - means[cluster]) ** 2) / (n - c)
    n0 = (n - np.sum(m**2) / n) / (c - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float((msb - msw) / (msb + (n0 - 1) * msw))


def _cluster_group(cluster: np.ndarray, group: np.ndarray) -> np.ndarray:
    label = np.zeros(cluster.max() + 1, dtype=int)
    label[cluster] = np.unique(group, return_inverse=True)[1]
    return label


def unit_design_effect(values, group, unit) -> float:
    """``1 + (Σm²/Σm - 1) ρ`` with ``ρ`` the within-group ANOVA ICC of the units (at least 1)."""
    rho = anova_icc(values, unit, group)
    m = kish_design_effect(unit)
    return float(max(1.0, 1 + (m - 1) * rho)) if np.isfinite(rho) else 1.0
