"""Planning a repeat measurement: sample size and minimal detectable difference in share of high values.

Plan with the α the report will use and the design effect of the comparison: a change
test in the report's confirmatory family is corrected by Holm, whose first step tests at
``α / m`` for ``m`` tests, so :func:`planning_alpha` gives that bound; a comparison whose
answers are clustered needs ``deff`` times the answers (``n / deff`` effective answers).
Results are whole people and percentage points.

The power calculation is R's ``power.prop.test`` (two-sided, ``strict = FALSE``):
``power = Φ((|p1 - p2| √n - z_{1-α/2} √(2 p̄ q̄)) / √(p1 q1 + p2 q2))`` with ``p̄ = (p1 + p2)/2``;
with unequal group sizes the same formula with ``1/n1 + 1/n2`` in place of ``2/n`` and
``p̄`` weighted by the sizes (which reduces to R's when ``n1 = n2``). Checked against R
in ``tests/test_significance_reference.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, special

from ..vocabulary import ADJUST_METHODS, check_choice


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


def planning_alpha(alpha: float, tests: int, method: str = "holm") -> float:
    """The significance level one test of a corrected family faces at worst: ``α / m`` (Holm, Bonferroni, BH).

    Holm's and Benjamini–Hochberg's first step and Bonferroni's every step test at
    ``α / m``; planning with it guarantees the power whatever the other tests show.

    >>> round(planning_alpha(0.05, 18), 5)
    0.00278
    """
    check_choice("method", method, ADJUST_METHODS)
    _check_probability("alpha", alpha)
    if isinstance(tests, bool) or not isinstance(tests, (int, np.integer)) or tests < 1:
        raise ValueError(f"tests={tests!r} must be a whole number of at least 1")
    return float(alpha) / int(tests)


def _check_deff(deff) -> float:
    if not np.isfinite(deff) or deff <= 0:
        raise ValueError(f"deff={deff!r} must be a positive number (1 for independent answers)")
    return float(deff)


def required_n(p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Independent answers per group to detect ``p1`` against ``p2``, unrounded (R: ``power.prop.test(p1=, p2=, power=)$n``)."""
    _check_probability("p1", p1)
    _check_probability("p2", p2)
    _check_probability("power", power)
    _check_probability("alpha", alpha)
    if p1 == p2:
        raise ValueError(f"p1={p1!r} equals p2={p2!r}: no difference to detect")
    return float(optimize.brentq(lambda n: power_two_shares(p1, p2, n, alpha=alpha) - power, 2, 1e9, xtol=1e-10))


def sample_size(p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8, deff: float = 1.0) -> int:
    """People needed per measurement to detect a change from ``p1`` to ``p2``: ``⌈n · deff⌉``.

    ``n`` is R's ``power.prop.test(p1=, p2=, power=, sig.level = alpha)$n``; pass the α
    the report will test at (:func:`planning_alpha`) and the comparison's design effect.

    Examples
    --------
    >>> sample_size(0.60, 0.70)
    356
    >>> sample_size(0.60, 0.70, alpha=planning_alpha(0.05, 18), deff=1.5)
    1001
    """
    return int(math.ceil(required_n(p1, p2, alpha=alpha, power=power) * _check_deff(deff) - 1e-9))


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
    scores: pd.DataFrame, *, n_repeat: int | None = None, alpha: float = 0.05, power: float = 0.8,
    deff: float = 1.0,
) -> pd.DataFrame:
    """The smallest change in share of high values a repeat measurement would detect, per item and group.

    Parameters
    ----------
    scores
        A table from :func:`samverkan.score` (``n`` and ``share_high`` are used).
    n_repeat
        People expected in the repeat; default the same ``n`` as now.
    alpha
        The two-sided level the change will be tested at — in a report, the confirmatory
        family's worst case :func:`planning_alpha` (``0.05 / 18`` for 18 tests), not 0.05.
    power
        The power wanted.
    deff
        Design effect of the comparison (1 for independent respondents): ``n / deff``
        answers count.

    Returns
    -------
    pandas.DataFrame
        ``scores`` with ``n_repeat`` (whole people), ``mdd_up_pp`` and ``mdd_down_pp`` (the
        smallest rise and fall in share of high values detected with the given power, in
        percentage points; missing when even 0 % or 100 % would not be), ``n_for_mdd_10``
        (people per measurement needed to detect a rise of 10 percentage points), and
        ``test_alpha`` (the ``alpha`` used), ``power`` and ``deff``.
    """
    deff = _check_deff(deff)
    _check_probability("alpha", alpha)
    result = scores.copy()
    n_now = result["n"].astype(float)
    result["n_repeat"] = (n_now if n_repeat is None else pd.Series(float(n_repeat), index=result.index)).astype("Int64")
    up, down, needed = [], [], []
    for p1, n1, n2 in zip(result["share_high"], n_now / deff, result["n_repeat"].astype(float) / deff):
        usable = 0 < p1 < 1 and n1 > 0 and n2 > 0
        up.append(100 * (detectable_share(p1, n1, n2, alpha=alpha, power=power) - p1) if usable else np.nan)
        down.append(100 * (p1 - detectable_share(p1, n1, n2, alpha=alpha, power=power, direction="down"))
                    if usable else np.nan)
        needed.append(sample_size(p1, p1 + 0.10, alpha=alpha, power=power, deff=deff) if 0 < p1 < 0.9 else pd.NA)
    result["mdd_up_pp"], result["mdd_down_pp"] = up, down
    result["n_for_mdd_10"] = pd.array(needed, dtype="Int64")
    result["test_alpha"], result["power"], result["deff"] = float(alpha), float(power), deff
    return result
