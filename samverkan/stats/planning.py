"""Planning a repeat measurement: sample size and minimal detectable difference in share of high values.

The power calculation is R's ``power.prop.test`` (two-sided, ``strict = FALSE``):
``power = Φ((|p1 - p2| √n - z_{1-α/2} √(2 p̄ q̄)) / √(p1 q1 + p2 q2))`` with ``p̄ = (p1 + p2)/2``;
with unequal group sizes the same formula with ``1/n1 + 1/n2`` in place of ``2/n`` and
``p̄`` weighted by the sizes (which reduces to R's when ``n1 = n2``). Checked against R
in ``tests/test_significance_reference.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special


def _check_probability(name: str, value) -> None:
    array = np.asarray(value, dtype=float)
    if np.any((array <= 0) | (array >= 1)):
        raise ValueError(f"{name}={value!r} must lie strictly between 0 and 1")


def power_two_shares(p1: float, p2: float, n1: float, n2: float | None = None, *, alpha: float = 0.05) -> float:
    """Power of the two-sided test of ``p1 = p2`` with ``n1`` and ``n2`` answers (R's ``power.prop.test``)."""
    n2 = n1 if n2 is None else n2
    pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
    null_sd = np.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    alt_sd = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    z = special.ndtri(1 - alpha / 2)  # the normal quantile and distribution function themselves:
    return float(special.ndtr((abs(p1 - p2) - z * null_sd) / alt_sd))  # scipy.stats.norm costs ~50× more a call


def sample_size(p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Answers needed per group to detect ``p1`` against ``p2`` (R: ``power.prop.test(p1=, p2=, power=)$n``).

    Examples
    --------
    >>> round(sample_size(0.60, 0.70), 1)
    355.9
    """
    _check_probability("p1", p1)
    _check_probability("p2", p2)
    _check_probability("power", power)
    if p1 == p2:
        raise ValueError(f"p1={p1!r} equals p2={p2!r}: no difference to detect")
    return float(optimize.brentq(lambda n: power_two_shares(p1, p2, n, alpha=alpha) - power, 2, 1e9, xtol=1e-10))


def detectable_share(p1: float, n1: float, n2: float | None = None, *, alpha: float = 0.05, power: float = 0.8,
                     direction: str = "up") -> float:
    """The share ``p2`` that a repeat of ``n2`` answers detects against ``p1`` from ``n1`` (R: ``power.prop.test(n=, p1=, power=)$p2``)."""
    _check_probability("p1", p1)
    if direction not in ("up", "down"):
        raise ValueError(f"direction={direction!r} is not allowed; expected one of ('up', 'down')")
    n2 = n1 if n2 is None else n2
    if direction == "up":
        lo, hi = p1 + 1e-9, 1 - 1e-12
    else:
        lo, hi = 1e-12, p1 - 1e-9
    f = lambda p2: power_two_shares(p1, p2, n1, n2, alpha=alpha) - power  # noqa: E731
    if f(hi if direction == "up" else lo) < 0:
        return np.nan
    return float(optimize.brentq(f, lo, hi, xtol=1e-12))


def min_detectable_difference(
    scores: pd.DataFrame, *, n_repeat: int | None = None, alpha: float = 0.05, power: float = 0.8
) -> pd.DataFrame:
    """The smallest change in share of high values a repeat measurement would detect, per item and group.

    Parameters
    ----------
    scores
        A table from :func:`samverkan.score` (``n`` and ``share_high`` are used).
    n_repeat
        Answers expected in the repeat; default the same ``n`` as now.
    alpha, power
        Two-sided significance level and the power wanted.

    Returns
    -------
    pandas.DataFrame
        ``scores`` with ``n_repeat``, ``mdd_up`` and ``mdd_down`` (the smallest rise
        and fall in share of high values, as proportions, detected with the given
        power; missing when even 0 or 1 would not be), and ``n_for_mdd_10`` (answers
        per measurement needed to detect a rise of 10 percentage points).
    """
    result = scores.copy()
    n_now = result["n"].astype(float)
    result["n_repeat"] = n_now if n_repeat is None else float(n_repeat)
    rows = zip(result["share_high"], n_now, result["n_repeat"])
    up, down, needed = [], [], []
    for p1, n1, n2 in rows:
        usable = 0 < p1 < 1 and n1 > 0 and n2 > 0
        up.append(detectable_share(p1, n1, n2, alpha=alpha, power=power) - p1 if usable else np.nan)
        down.append(p1 - detectable_share(p1, n1, n2, alpha=alpha, power=power, direction="down") if usable else np.nan)
        needed.append(sample_size(p1, p1 + 0.10, alpha=alpha, power=power) if 0 < p1 < 0.9 else np.nan)
    result["mdd_up"], result["mdd_down"], result["n_for_mdd_10"] = up, down, needed
    return result
