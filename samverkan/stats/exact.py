"""Rank and contingency statistics computed from answer counts per scale step.

Ordinal answers take few values (6 steps), so the exact tests the package needs follow
from a table of counts ``group × step``: the *exact* conditional distribution of the
Mann–Whitney rank sum given the ties (what R's ``coin::wilcox_test(...,
distribution = "exact")`` computes) and the Fisher–Freeman–Halton exact test of a
``2 × G`` table (R's ``fisher.test``). The vectorized asymptotic tests are in
:mod:`samverkan.stats.count_tests`. Checked against R in ``tests/test_significance_reference.py``.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import special


def midranks(totals: np.ndarray) -> np.ndarray:
    """Mid-rank of each step given the total count per step (pooled over groups), along the last axis.

    >>> midranks([2, 0, 3]).tolist()
    [1.5, 2.5, 4.0]
    """
    totals = np.asarray(totals, dtype=float)
    before = np.cumsum(totals, axis=-1) - totals
    return before + (totals + 1) / 2


def _rank_sum_distribution(scores2: np.ndarray, totals: np.ndarray, n1: int) -> dict[int, float]:
    """Exact null distribution of twice the rank sum of group 1 (integers), as probabilities."""
    dist: dict[tuple[int, int], float] = {(0, 0): 1.0}
    for score, total in zip(scores2.astype(int), totals.astype(int)):
        step: dict[tuple[int, int], float] = {}
        for (taken, value), weight in dist.items():
            for a in range(0, min(total, n1 - taken) + 1):
                key = (taken + a, value + a * score)
                step[key] = step.get(key, 0.0) + weight * special.comb(total, a, exact=True)
        dist = step
    denominator = special.comb(int(totals.sum()), n1, exact=True)
    return {value: weight / denominator for (taken, value), weight in dist.items() if taken == n1}


def mann_whitney_exact_pvalue(c1: np.ndarray, c2: np.ndarray, alternative: str) -> float:
    """Exact conditional p-value of the rank sum of group 1 given the ties.

    The distribution of the rank sum over all ``C(N, n1)`` equally likely assignments
    of the observed values to the groups; two-sided: ``P(|T - E T| >= |t - E T|)``
    (R: ``coin::wilcox_test(..., distribution = "exact")``). Computed for the smaller
    group, whichever is group 1: the distribution's states grow with its size (a group of
    3 against 650 took minutes and gigabytes as the 650).
    """
    c1 = np.asarray(c1, dtype=int)
    c2 = np.asarray(c2, dtype=int)
    if c1.sum() > c2.sum():  # the distribution of the smaller group's sum: its states grow with that group's size
        # T1 = S - T2 (S the sum of all ranks), so T1 >= t1 exactly when T2 <= S - t1, and |T1 - E T1| = |T2 - E T2|
        return mann_whitney_exact_pvalue(c2, c1, {"greater": "less", "less": "greater"}.get(alternative, alternative))
    totals = c1 + c2
    scores2 = np.rint(2 * midranks(totals)).astype(int)
    n1 = int(c1.sum())
    dist = _rank_sum_distribution(scores2, totals, n1)
    observed = int(np.sum(c1 * scores2))
    values = np.array(sorted(dist))
    probs = np.array([dist[v] for v in values])
    expected = float(np.sum(values * probs))
    eps = 1e-7 * max(1.0, abs(observed))
    if alternative == "greater":
        p = probs[values >= observed - eps].sum()
    elif alternative == "less":
        p = probs[values <= observed + eps].sum()
    else:
        p = probs[np.abs(values - expected) >= abs(observed - expected) - eps].sum()
    return float(min(1.0, p))


def exact_table_count(n: np.ndarray, total_high: int) -> int:
    """Number of ``2 × G`` tables with column sums ``n`` and first-row sum ``total_high``."""
    ways = np.zeros(total_high + 1, dtype=object)
    ways[0] = 1
    for size in np.asarray(n, dtype=int):
        new = np.zeros_like(ways)
        for a in range(0, min(size, total_high) + 1):
            new[a:] += ways[: total_high + 1 - a]
        ways = new
    return int(ways[total_high])


def fisher_freeman_halton_2xg(high: np.ndarray, n: np.ndarray) -> float:
    """Exact p of a ``2 × G`` table (rows high / not high): R's ``fisher.test``.

    Sums the probabilities (multivariate hypergeometric given both margins) of every
    table no more probable than the observed one, within a relative ``1e-7``.
    """
    high = np.asarray(high, dtype=int)
    n = np.asarray(n, dtype=int)
    total_high = int(high.sum())
    log_norm = special.gammaln(n.sum() + 1) - special.gammaln(total_high + 1) - special.gammaln(n.sum() - total_high + 1)

    def log_prob(table: np.ndarray) -> np.ndarray:
        terms = special.gammaln(n + 1) - special.gammaln(table + 1) - special.gammaln(n - table + 1)
        return terms.sum(axis=-1) - log_norm

    observed = log_prob(high)
    ranges = [range(0, min(size, total_high) + 1) for size in n[:-1]]
    total = 0.0
    for head in itertools.product(*ranges):
        last = total_high - sum(head)
        if 0 <= last <= n[-1]:
            lp = log_prob(np.array([*head, last]))
            if lp <= observed + np.log1p(1e-7):
                total += np.exp(lp)
    return float(min(1.0, total))
