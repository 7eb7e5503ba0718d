"""How much respondents in one municipality (or Mysam group) answer alike: the intraclass correlation.

Respondents are nested in municipalities and organisations. The ICC says how much that
matters: a comparison between regions that rests on a few municipalities of ``m``
respondents each has its variance multiplied by about ``1 + (m − 1) ICC`` (Kish's design
effect), so an ICC of 0.02 with 70 respondents a municipality doubles it. The report's
region comparisons therefore take the municipalities as clusters
(:mod:`samverkan.stats.clustered`); :func:`icc` shows how much clustering there is, per
indicator, in the report's method section.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..vocabulary import as_list, check_columns
from .clustered import anova_icc, kish_design_effect
from .scores import at_level, select_items

ICC_COLUMNS = ["item", "cluster", "n", "n_clusters", "icc", "ci_low", "ci_high", "deff", "note"]


def _indicator_items(answers: pd.DataFrame) -> list[str]:
    from .comparisons import _items_to_test

    return _items_to_test(answers, None, "")


def icc_interval(values: np.ndarray, cluster: np.ndarray, confidence_level: float) -> tuple[float, float]:
    """Searle's F-based interval of the one-way ANOVA ICC, with ``n₀`` for unequal cluster sizes.

    With ``F = MSB/MSW`` on ``(C − 1, N − C)`` df: ``F_L = F / F_{1−γ/2}``, ``F_U = F / F_{γ/2}``
    and the limits ``(F_x − 1) / (F_x + n₀ − 1)``. Exact for equal cluster sizes
    (R's ``psychometric::ICC1.CI``), approximate otherwise.
    """
    values = np.asarray(values, dtype=float)
    codes, cluster = np.unique(np.asarray(cluster), return_inverse=True)
    m = np.bincount(cluster).astype(float)
    n, c = len(values), len(codes)
    if c < 2 or n - c < 1:
        return np.nan, np.nan
    means = np.bincount(cluster, weights=values) / m
    msb = np.sum(m * (means - values.mean()) ** 2) / (c - 1)
    msw = np.sum((values - means[cluster]) ** 2) / (n - c)
    n0 = (n - np.sum(m**2) / n) / (c - 1)
    gamma = 1 - confidence_level
    with np.errstate(invalid="ignore", divide="ignore"):
        f = msb / msw
        f_low = f / stats.f.ppf(1 - gamma / 2, c - 1, n - c)
        f_high = f / stats.f.ppf(gamma / 2, c - 1, n - c)
        return float((f_low - 1) / (f_low + n0 - 1)), float((f_high - 1) / (f_high + n0 - 1))


def icc(
    answers: pd.DataFrame,
    *,
    item: str | Sequence[str] | None = None,
    cluster: str = "unit",
    by: str | Sequence[str] | None = None,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Intraclass correlation of each item's answers within clusters (municipalities by default).

    The one-way ANOVA estimator ``(MSB − MSW) / (MSB + (n₀ − 1) MSW)`` with
    ``n₀ = (N − Σ m_c² / N) / (C − 1)`` for unequal cluster sizes, on the 1-based scale
    steps, each respondent once, in the cluster of the respondent's first answer (file
    order); Searle's F interval (:func:`icc_interval`). The estimate can be below 0
    (less alike than chance); the design effect uses ``max(ICC, 0)``.

    Parameters
    ----------
    answers
        Tidy answers.
    item
        Item id(s); default the indicator items of the survey(s) in the data.
    cluster
        The clustering column: ``"unit"`` (municipality or Mysam group), or any other
        column such as ``"verksamhet"``.
    by
        Column(s) to compute the ICC separately within, e.g. ``"wave"``.
    confidence_level
        Of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per item (and ``by`` group): ``item``, the ``by`` columns, ``cluster``
        (the column's name), ``n`` (respondents), ``n_clusters``, ``icc``, ``ci_low``,
        ``ci_high``, ``deff`` (``1 + (Σm²/Σm − 1) max(ICC, 0)``, the design effect of a
        mean over the clusters) and ``note``.

    Examples
    --------
    >>> import samverkan as sv
    >>> staff, _ = sv.reproduce.baseline_sample()
    >>> table = sv.icc(sv.analysis_population(staff), item="rutiner_aktorer")
    >>> int(table["n_clusters"].iloc[0]), bool(table["icc"].iloc[0] > 0)
    (10, True)
    """
    by = as_list(by)
    check_columns(answers, [cluster, *by], "cluster/by")
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level={confidence_level!r} must be between 0 and 1")
    items = _indicator_items(answers) if item is None else select_items(answers, item, scored=True)
    data = at_level(answers[answers["item"].isin(items) & answers["value"].notna()], "respondent", by)
    data = data.dropna(subset=[cluster, *by])
    rows = []
    for key, part in data.groupby(["item", *by], observed=True, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(["item", *by], key)), **_icc_row(part, cluster, confidence_level)})
    table = pd.DataFrame(rows, columns=["item", *by, *ICC_COLUMNS[1:]])
    order = {item_id: pos for pos, item_id in enumerate(items)}
    table = table.sort_values(["item", *by], key=lambda s: s.map(order) if s.name == "item" else s, kind="stable")
    return table.reset_index(drop=True).astype({"item": "string", "cluster": "string", "note": "string",
                                                "n": "int64", "n_clusters": "int64"})


def _icc_row(part: pd.DataFrame, cluster: str, confidence_level: float) -> dict:
    values = part["value"].to_numpy(dtype=float)
    codes = pd.factorize(part[cluster].astype(str))[0]
    estimate = anova_icc(values, codes)
    low, high = icc_interval(values, codes, confidence_level)
    clusters = len(np.unique(codes))
    deff = 1 + (kish_design_effect(codes) - 1) * max(estimate, 0.0) if np.isfinite(estimate) else np.nan
    note = "" if clusters >= 2 else "färre än två kluster: ingen ICC"
    if clusters >= 2 and clusters < 10:
        note = f"bara {clusters} kluster: osäker skattning"
    return dict(cluster=cluster, n=len(values), n_clusters=clusters, icc=estimate, ci_low=low, ci_high=high,
                deff=deff, note=note)
