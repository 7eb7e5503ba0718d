"""Reliability of the indicator set (Cronbach's α, McDonald's ω) and the samverkansklimat index.

:func:`reliability` says whether the survey's indicator items measure one thing well
enough to be added up: Cronbach's α with Feldt's interval (R's ``psych::alpha`` and
``psych::alpha.ci``), McDonald's ω total from a one-factor maximum-likelihood model of
the items' correlations (statsmodels' ``Factor``, which gives R's ``factanal``
loadings; ``ω = 1 − Σψ / 1'R1`` as ``psych::omega(nfactors = 1, fm = "ml")``), and each
item's correlation with the sum of the others (``psych``'s ``r.drop``) and α without it.

:func:`climate_index` is the samverkansklimat index: each respondent's mean of the
indicator items on 0–100 (step 1 = 0, the last step = 100), its mean per group with a
t interval over respondents. It is reported only where the items' ω (α where ω cannot be
computed) is at least 0.70; otherwise the row says why it is not.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.multivariate.factor import Factor

from .. import instrument
from ..vocabulary import as_list, check_columns
from .scores import at_level, select_items

RELIABILITY_COLUMNS = ["item", "k", "n", "alpha", "alpha_ci_low", "alpha_ci_high", "omega", "item_rest",
                       "alpha_if_dropped"]
INDEX_COLUMNS = ["n", "index", "index_ci_low", "index_ci_high", "sd", "reliability", "reliability_name",
                 "reported", "note"]
#: Fewer complete respondents than this in a group: the index uses the whole data's reliability.
MIN_RELIABILITY_N = 30
#: The smallest ω (or α) at which the index is reported.
MIN_RELIABILITY = 0.70
#: A respondent has an index when at least this share of the indicator items is answered.
MIN_ANSWERED_SHARE = 2 / 3
#: Seed of the random starting values of statsmodels' ML factor fit (its default draws fresh entropy).
OMEGA_SEED = 20261201


def _items(answers: pd.DataFrame, items) -> list[str]:
    if items is not None:
        return select_items(answers, items, scored=True)
    from .comparisons import _items_to_test

    return _items_to_test(answers, None, "")


def _wide(answers: pd.DataFrame, items: list[str], by: list[str]) -> pd.DataFrame:
    """One row per respondent (and ``by`` group), one column per item: the 1-based steps (NaN when missing)."""
    data = at_level(answers[answers["item"].isin(items) & answers["value"].notna()], "respondent", by)
    data = data.dropna(subset=by)
    keys = ["forbund", "wave", "survey", "respondent_id", *[b for b in by if b not in ("forbund", "wave", "survey")]]
    data = data.drop_duplicates(subset=[*keys, "item"])  # the first answer, as pivot_table(aggfunc="first")
    wide = data.set_index([*keys, "item"])["value"].unstack("item")
    wide = wide.reindex(columns=items).astype(float)
    wide.columns = list(items)
    return wide.reset_index()


def cronbach_alpha(matrix: np.ndarray, confidence_level: float = 0.95) -> tuple[float, float, float]:
    """Raw Cronbach's α of complete rows and Feldt's interval (R's ``psych::alpha.ci``)."""
    n, k = matrix.shape
    if n < 3 or k < 2:
        return np.nan, np.nan, np.nan
    variances = matrix.var(axis=0, ddof=1)
    total = matrix.sum(axis=1).var(ddof=1)
    alpha = k / (k - 1) * (1 - variances.sum() / total) if total > 0 else np.nan
    gamma = 1 - confidence_level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (float(alpha), float(1 - (1 - alpha) * stats.f.ppf(1 - gamma / 2, df1, df2)),
            float(1 - (1 - alpha) * stats.f.ppf(gamma / 2, df1, df2)))


def mcdonald_omega(matrix: np.ndarray) -> float:
    """McDonald's ω total of complete rows: ``1 − Σψ / 1'R1`` with one-factor ML uniquenesses ``ψ``."""
    n, k = matrix.shape
    if n <= k + 1 or k < 3 or np.any(matrix.std(axis=0) == 0):
        return np.nan
    corr = np.corrcoef(matrix, rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # a fixed seed for the EM starting values: the same ω for the same data in every run
            fit = Factor(corr=corr, n_factor=1, method="ml", nobs=n).fit(rng=OMEGA_SEED)
        except (np.linalg.LinAlgError, ValueError):
            return np.nan
    if not getattr(fit, "mle_retvals", None) or not fit.mle_retvals.success:
        return np.nan
    return float(1 - np.sum(fit.uniqueness) / corr.sum())


def _item_statistics(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each item's correlation with the sum of the others, and α without the item."""
    k = matrix.shape[1]
    total = matrix.sum(axis=1)
    rest = np.full(k, np.nan)
    dropped = np.full(k, np.nan)
    for j in range(k):
        others = total - matrix[:, j]
        if matrix[:, j].std() > 0 and others.std() > 0:
            rest[j] = np.corrcoef(matrix[:, j], others)[0, 1]
        dropped[j] = cronbach_alpha(np.delete(matrix, j, axis=1))[0]
    return rest, dropped


def reliability(
    answers: pd.DataFrame,
    *,
    items: str | Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Cronbach's α (with Feldt's CI), McDonald's ω and item–rest correlations of an item set, per group.

    Each respondent counts once per group; respondents who answered every item
    (listwise complete) are used.

    Parameters
    ----------
    answers
        Tidy answers.
    items
        The item set; default the indicator items of the survey(s) in the data.
    by
        Column(s) to compute it separately within, e.g. ``"wave"``.
    confidence_level
        Of α's interval.

    Returns
    -------
    pandas.DataFrame
        One row per group and item: the ``by`` columns, ``item``, and the set's ``k``
        (items), ``n`` (complete respondents), ``alpha``, ``alpha_ci_low``,
        ``alpha_ci_high``, ``omega`` (the same on every row of the group), then the
        item's ``item_rest`` (correlation with the sum of the other items) and
        ``alpha_if_dropped``.

    Examples
    --------
    >>> import samverkan as sv
    >>> staff, _ = sv.reproduce.baseline_sample()
    >>> table = sv.reliability(sv.analysis_population(staff))
    >>> int(table["k"].iloc[0]), bool(table["omega"].iloc[0] > 0.7)
    (9, True)
    """
    by = as_list(by)
    check_columns(answers, by, "by")
    chosen = _items(answers, items)
    if len(chosen) < 2:
        raise ValueError(f"items={chosen!r}: reliability needs at least two items")
    return _reliability_of_wide(_wide(answers, chosen, by), chosen, by, confidence_level)


def _reliability_of_wide(wide: pd.DataFrame, chosen: list[str], by: list[str],
                         confidence_level: float) -> pd.DataFrame:
    """:func:`reliability` of a table from :func:`_wide`."""
    frames = []
    for key, part in (wide.groupby(by, observed=True, sort=True) if by else [((), wide)]):
        key = key if isinstance(key, tuple) else (key,)
        matrix = part[chosen].dropna().to_numpy(dtype=float)
        alpha, low, high = cronbach_alpha(matrix, confidence_level)
        rest, dropped = _item_statistics(matrix) if len(matrix) >= 3 else (np.full(len(chosen), np.nan),) * 2
        frame = pd.DataFrame({"item": chosen, "k": len(chosen), "n": len(matrix), "alpha": alpha,
                              "alpha_ci_low": low, "alpha_ci_high": high, "omega": mcdonald_omega(matrix),
                              "item_rest": rest, "alpha_if_dropped": dropped})
        frames.append(frame.assign(**dict(zip(by, key)))[[*by, *RELIABILITY_COLUMNS]])
    return pd.concat(frames, ignore_index=True).astype({"item": "string"})


# ------------------------------------------------------------------ the index


def index_scores(answers: pd.DataFrame, *, items: Sequence[str], by: Sequence[str] = (),
                 min_share: float = MIN_ANSWERED_SHARE) -> pd.DataFrame:
    """Each respondent's index (0–100): the mean of the items answered, at least ``min_share`` of them.

    Returns
    -------
    pandas.DataFrame
        The respondent key, the ``by`` columns and ``index`` (missing when too few items
        were answered). Respondent-level: for computing, never for publishing.
    """
    return _index_of_wide(_wide(answers, list(items), list(by)), list(items), min_share)


def _index_of_wide(wide: pd.DataFrame, items: list[str], min_share: float) -> pd.DataFrame:
    """:func:`index_scores` of a table from :func:`_wide`."""
    steps = np.array([len(instrument.item(i).labels) for i in items], dtype=float)
    scaled = (wide[list(items)].to_numpy(dtype=float) - 1) / (steps - 1) * 100
    answered = np.isfinite(scaled).sum(axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        index = np.where(answered >= math.ceil(min_share * len(items)), np.nanmean(scaled, axis=1), np.nan)
    return wide.drop(columns=list(items)).assign(index=index)


def climate_index(
    answers: pd.DataFrame,
    *,
    items: str | Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    confidence_level: float = 0.95,
    min_reliability: float = MIN_RELIABILITY,
) -> pd.DataFrame:
    """The samverkansklimat index (0–100) per group, with a t interval over respondents, where reliable.

    A respondent's index is the mean of the indicator items the respondent answered
    (at least two thirds of them), each step mapped to 0–100. A group's index is the
    mean over its respondents (each once). It is reported where the items' ω — of the
    group when it has at least :data:`MIN_RELIABILITY_N` complete respondents, else of
    all the answers — is at least ``min_reliability`` (α where ω cannot be computed);
    otherwise ``index`` and its interval are missing and ``note`` says why.

    Returns
    -------
    pandas.DataFrame
        One row for all (``by=None``) or per group: the ``by`` columns, ``n``
        (respondents with an index), ``index``, ``index_ci_low``, ``index_ci_high``,
        ``sd``, ``reliability`` (the ω or α used), ``reliability_name`` (``"omega"`` or
        ``"alpha"``), ``reported`` (bool) and ``note``.

    Examples
    --------
    >>> import samverkan as sv
    >>> staff, _ = sv.reproduce.baseline_sample()
    >>> row = sv.climate_index(sv.analysis_population(staff)).iloc[0]
    >>> bool(row["reported"]), bool(0 < row["index"] < 100)
    (True, True)
    """
    by = as_list(by)
    check_columns(answers, by, "by")
    chosen = _items(answers, items)
    wide = _wide(answers, chosen, by)  # one table for the index and the groups' reliability
    scores = _index_of_wide(wide, chosen, MIN_ANSWERED_SHARE).dropna(subset=["index"])
    table = _reliability_of_wide(wide, chosen, by, confidence_level)
    groups = table.drop_duplicates(subset=by) if by else table.iloc[:1]
    pooled: list[tuple[float, str]] = []  # the whole data's reliability, computed when a small group needs it

    def overall() -> tuple[float, str]:
        if not pooled:
            whole = table if not by else reliability(answers, items=chosen, confidence_level=confidence_level)
            pooled.append(_reliability_of(whole))
        return pooled[0]

    rows = []
    for key, part in (scores.groupby(by, observed=True, sort=True) if by else [((), scores)]):
        key = key if isinstance(key, tuple) else (key,)
        match = groups[(groups[by] == pd.Series(key, index=by)).all(axis=1)] if by else groups
        own = _reliability_of(match) if len(match) and int(match["n"].iloc[0]) >= MIN_RELIABILITY_N else None
        rows.append({**dict(zip(by, key)), **_index_row(part["index"].to_numpy(dtype=float), own or overall(),
                                                          own is None, min_reliability, confidence_level)})
    return pd.DataFrame(rows, columns=[*by, *INDEX_COLUMNS]).astype({"reliability_name": "string", "note": "string",
                                                                       "reported": bool, "n": "int64"})


def _reliability_of(table: pd.DataFrame) -> tuple[float, str]:
    omega, alpha = float(table["omega"].iloc[0]), float(table["alpha"].iloc[0])
    return (omega, "omega") if np.isfinite(omega) else (alpha, "alpha")


def _index_row(values: np.ndarray, reliability_used: tuple[float, str], pooled: bool, min_reliability: float,
               confidence_level: float) -> dict:
    value, name = reliability_used
    n = len(values)
    mean = float(values.mean()) if n else np.nan
    sd = float(values.std(ddof=1)) if n > 1 else np.nan
    half = stats.t.ppf(0.5 + confidence_level / 2, n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
    symbol = "ω" if name == "omega" else "α"
    reported = bool(np.isfinite(value) and value >= min_reliability)
    basis = f"{symbol} från alla svar: gruppen har färre än {MIN_RELIABILITY_N} fullständiga svar" if pooled else ""
    if reported:
        note = basis
    else:
        note = f"{symbol} = {value:.2f} under {min_reliability:.2f}: indexet redovisas inte".replace(".", ",")
        note, mean, half = (f"{note} ({basis})" if basis else note), np.nan, np.nan
    return dict(n=n, index=mean, index_ci_low=mean - half, index_ci_high=mean + half, sd=sd, reliability=value,
                reliability_name=name, reported=reported, note=note)
