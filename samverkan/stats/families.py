"""Correction for multiple testing, and the planned test families of a report.

:func:`adjust` corrects the p-values of a tests table within families (Holm, Bonferroni or
Benjamini–Hochberg). Only the rows that *are* the test of a question enter a family: the
``primary`` row of each question and comparison (the rank test of an ordinal item, the
share test of a nominal one). A rank test's share-of-high-values ``companion`` is
descriptive (its interval is what it is for) and post hoc pairwise rows are corrected
within their item by :func:`samverkan.compare`; neither enters a family.

A report plans two families (:data:`samverkan.vocabulary.FAMILY_METHODS`): the
**confirmatory** questions the survey was made for — structured collaboration or not, and
the change since the baseline measurement — corrected by Holm; and the **exploratory**
ones — regions, municipalities, paired items, managers vs staff — corrected by
Benjamini–Hochberg (a false discovery rate, not a familywise error rate: a finding there is
a lead to follow, not a conclusion). :func:`adjust_families` corrects each family by its
method and :func:`family_counts` counts tests run and holding the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..vocabulary import ADJUST_METHODS, FAMILY_METHODS, as_list, check_choice, check_columns
from .scores import group_codes


def adjusted_pvalues(pvalues: np.ndarray, family: np.ndarray, method: str) -> np.ndarray:
    """Holm, Bonferroni or Benjamini–Hochberg adjusted p-values within each family, all families at once.

    The same numbers as R's ``p.adjust`` and statsmodels' ``multipletests`` (checked in
    ``tests/test_significance_reference.py``), computed for every family in one sorted
    pass: ``multipletests`` runs a garbage collection on every call, which costs
    seconds over the thousands of families of a national run. Missing p-values stay
    missing and do not count in their family.
    """
    adjusted = np.full(len(pvalues), np.nan)
    valid = np.flatnonzero(~np.isnan(pvalues))
    order = valid[np.lexsort((pvalues[valid], family[valid]))]
    fam, p = family[order], pvalues[order]
    starts = np.flatnonzero(np.r_[True, fam[1:] != fam[:-1]])
    sizes = np.diff(np.r_[starts, len(fam)])
    m = np.repeat(sizes, sizes).astype(float)
    rank = np.arange(len(fam)) - np.repeat(starts, sizes) + 1
    groups = pd.Series(np.repeat(np.arange(len(starts)), sizes))
    if method == "bonferroni":
        values = np.minimum(1.0, m * p)
    elif method == "holm":
        values = pd.Series(np.minimum(1.0, (m - rank + 1) * p)).groupby(groups).cummax().to_numpy()
    else:
        scaled = pd.Series(np.minimum(1.0, m * p / rank))[::-1]
        values = scaled.groupby(groups[::-1]).cummin()[::-1].to_numpy()
    adjusted[order] = values
    return adjusted


def in_family(tests: pd.DataFrame) -> np.ndarray:
    """Rows that belong in a correction family: ``role == "primary"`` (every row if there is no ``role``)."""
    if "role" not in tests:
        return np.ones(len(tests), dtype=bool)
    return (tests["role"].astype("string") == "primary").fillna(False).to_numpy(dtype=bool)


def adjust(tests: pd.DataFrame, method: str = "holm", *, family: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Correct p-values for multiple testing across a family; fills ``pvalue_adjusted``.

    Parameters
    ----------
    tests
        A tests table (:func:`compare` and friends, or several stacked with ``pd.concat``).
    method
        ``"holm"`` (default), ``"bonferroni"`` or ``"fdr_bh"`` (Benjamini–Hochberg),
        passed to statsmodels explicitly. Tests without a p-value are left out of the
        family and keep a missing ``pvalue_adjusted``.
    family
        Column(s) whose values define separate families (e.g. ``"forbund"``); default:
        the whole table is one family.

    Returns
    -------
    pandas.DataFrame
        A copy of ``tests`` with ``pvalue_adjusted`` filled on the ``primary`` rows (the
        one test of each question and comparison). Companion rows get a missing
        ``pvalue_adjusted``; post hoc rows keep the within-item correction they came with.
    """
    check_choice("method", method, ADJUST_METHODS)
    family = as_list(family)
    check_columns(tests, ["pvalue", *family], "family")
    result = tests.copy()
    family_code = group_codes(result, family) if family else np.zeros(len(result), dtype=np.int64)
    member = in_family(result)
    pvalues = np.where(member, result["pvalue"].to_numpy(dtype=float, na_value=np.nan), np.nan)
    adjusted = adjusted_pvalues(pvalues, family_code, method)
    keep = result["role"].astype("string").eq("post_hoc").fillna(False).to_numpy(dtype=bool) \
        if "role" in result else np.zeros(len(result), dtype=bool)
    old = result["pvalue_adjusted"].to_numpy(dtype=float, na_value=np.nan) if "pvalue_adjusted" in result else adjusted
    result["pvalue_adjusted"] = np.where(keep, old, adjusted)
    return result


def adjust_families(tests: pd.DataFrame, *, family: str = "family",
                    methods: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Correct each planned family by its own method (default Holm for confirmatory, BH for exploratory).

    Parameters
    ----------
    tests
        A tests table with a ``family`` column (``"confirmatory"`` / ``"exploratory"``;
        a missing family keeps its rows out of every correction).
    family
        The column naming each row's family.
    methods
        Family → correction method; default :data:`samverkan.vocabulary.FAMILY_METHODS`.

    Returns
    -------
    pandas.DataFrame
        A copy with ``pvalue_adjusted`` filled per family on the primary rows.
    """
    methods = dict(FAMILY_METHODS if methods is None else methods)
    check_columns(tests, [family, "pvalue"], "family")
    for name, method in methods.items():
        check_choice(f"methods[{name!r}]", method, ADJUST_METHODS)
    result = tests.copy()
    adjusted = np.full(len(result), np.nan)
    names = result[family].astype("string")
    for name, method in methods.items():
        rows = names.eq(name).fillna(False).to_numpy(dtype=bool)
        if rows.any():
            adjusted[rows] = adjust(result[rows], method)["pvalue_adjusted"].to_numpy(dtype=float, na_value=np.nan)
    post_hoc = result["role"].astype("string").eq("post_hoc").fillna(False).to_numpy(dtype=bool) \
        if "role" in result else np.zeros(len(result), dtype=bool)
    result["pvalue_adjusted"] = np.where(post_hoc, result["pvalue_adjusted"].to_numpy(dtype=float, na_value=np.nan),
                                         adjusted)
    return result


def family_counts(tests: pd.DataFrame, *, alpha: float = 0.05, family: str = "family",
                  methods: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per planned family: its correction, the primary tests run and those holding after correction.

    A test "runs" when its primary row has a p-value (suppressed rows do not), and
    "holds" when its adjusted p-value is below ``alpha``.

    Returns
    -------
    pandas.DataFrame
        ``family``, ``method`` (statsmodels' name), ``tests``, ``holding``.
    """
    methods = dict(FAMILY_METHODS if methods is None else methods)
    check_columns(tests, [family, "pvalue", "pvalue_adjusted"], "tests")
    primary = tests[in_family(tests)]
    names = primary[family].astype("string")
    rows = []
    for name, method in methods.items():
        part = primary[names.eq(name).fillna(False).to_numpy(dtype=bool)]
        run = part["pvalue"].notna()
        held = part["pvalue_adjusted"].lt(alpha).fillna(False)
        rows.append({"family": name, "method": method, "tests": int(run.sum()), "holding": int(held.sum())})
    return pd.DataFrame(rows).astype({"family": "string", "method": "string", "tests": "int64", "holding": "int64"})
