"""The tests of each comparison family: from count tables where respondents are independent, row by row where clustered.

:func:`samverkan.compare` splits the answers into families (one item within one
stratum, or one pair of groups of it) and hands them here. A family whose respondents
are each counted once, in one group, is *independent*: its tests come from a table of
counts per group and scale step, many families at once
(:mod:`samverkan.stats.count_tests`). A family with a respondent in several rows (copied
unit rows, a respondent in two groups) or one compared between regions of several
municipalities is *clustered*: its tests come from its rows
(:mod:`samverkan.stats.clustered`). Every function returns a DataFrame in the tests
vocabulary plus the private ``_family`` and ``_kind`` (0 = rank test, 1 = share test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from .. import instrument
from . import clustered, count_tests
from .intervals import rank_biserial_interval

#: Rows of a family with fewer respondents in a group than this are tested by permutation.
SMALL_N = count_tests.SMALL_N


def high_mask(items, steps: int) -> np.ndarray:
    """``F × K`` booleans: which steps of each family's item are high values."""
    mask = np.zeros((len(items), steps), dtype=bool)
    for row, item_id in enumerate(items):
        mask[row, np.array(instrument.item(item_id).high_values, dtype=int) - 1] = True
    return mask


def _ordinal(items) -> np.ndarray:
    return np.array([instrument.item(i).kind == "ordinal" for i in items], dtype=bool)


def _frame(results: dict, families: np.ndarray, extra: dict) -> pd.DataFrame:
    columns = {"_family": families}
    columns.update({name: (np.full(len(families), values) if np.isscalar(values) else values)
                    for name, values in {**extra, **results}.items()})
    return pd.DataFrame(columns, index=pd.RangeIndex(len(families)))


def _take(values: dict, mask: np.ndarray) -> dict:
    return {k: (v[mask] if isinstance(v, np.ndarray) else v) for k, v in values.items()}


def two_group_frames(cube: np.ndarray, fam: np.ndarray, names: np.ndarray, meta: pd.DataFrame,
                     options: dict) -> list[pd.DataFrame]:
    """Mann–Whitney and the share difference of independent two-group families (``cube``: ``F × 2 × K``, group first)."""
    c1, c2 = cube[:, 0], cube[:, 1]
    items = meta["item"].to_numpy()[fam]
    ordinal = _ordinal(items)
    role = meta["_role"].to_numpy()[fam]
    extra = dict(group=names[:, 0], reference=names[:, 1], n=c1.sum(axis=1), n_reference=c2.sum(axis=1), _kind=0,
                 role=role)
    args = dict(alternative=options["alternative"], confidence_level=options["confidence_level"],
                method=options["method"])
    frames = []
    if ordinal.any():
        mw = count_tests.mann_whitney(c1[ordinal], c2[ordinal], **args)
        frames.append(_frame(mw, fam[ordinal], _take(extra, ordinal)))
    high = high_mask(items, cube.shape[2])
    h1, h2 = (c1 * high).sum(axis=1), (c2 * high).sum(axis=1)
    share = count_tests.share_difference(h1, c1.sum(axis=1), h2, c2.sum(axis=1), **args)
    frames.append(_frame(share, fam, {**extra, "_kind": 1, "role": np.where(ordinal, "companion", role)}))
    return frames


def many_group_frames(cube: np.ndarray, fam: np.ndarray, names: list[str], meta: pd.DataFrame,
                      options: dict) -> list[pd.DataFrame]:
    """Kruskal–Wallis and the share chi-square of independent families of three or more groups."""
    items = meta["item"].to_numpy()[fam]
    ordinal = _ordinal(items)
    extra = dict(group=np.array(names, dtype=object), n=cube.sum(axis=(1, 2)), _kind=0, role="primary")
    frames = []
    if ordinal.any():
        kw = count_tests.kruskal_wallis(cube[ordinal], method=options["method"], seed=options["seed"])
        frames.append(_frame(kw, fam[ordinal], _take(extra, ordinal)))
    high = (cube * high_mask(items, cube.shape[2])[:, None, :]).sum(axis=2)
    chi2 = count_tests.share_chi2(high, cube.sum(axis=2), method=options["method"], seed=options["seed"])
    frames.append(_frame(chi2, fam, {**extra, "_kind": 1, "role": np.where(ordinal, "companion", "primary")}))
    return frames


def single_frame(fam: np.ndarray, names: np.ndarray, n: np.ndarray, role: str, note: str) -> pd.DataFrame:
    """One row without a test per family: a single group (``no_test``) or no variation (``not_testable``)."""
    return _frame({}, fam, dict(group=names, n=n, _kind=0, role=role, _note=note))


# ------------------------------------------------------------------ clustered families


def clustered_rows(rows: dict, options: dict) -> list[dict]:
    """The rank test (ordinal items) and the share test of one clustered family.

    ``rows`` holds the family's row arrays (``value``, ``group`` 0 = group / first,
    ``respondent``, ``unit``), its ``item``, ``names`` (group names in order),
    ``mode`` (``"respondent"`` or ``"unit"``) and ``role``.
    """
    item = instrument.item(rows["item"])
    steps = len(item.labels)
    high_steps = np.zeros(steps, dtype=bool)
    high_steps[np.array(item.high_values, dtype=int) - 1] = True
    groups = len(rows["names"])
    value, group = rows["value"], rows["group"]
    sizes = np.bincount(group, minlength=groups)
    respondents = [len(np.unique(rows["respondent"][group == g])) for g in range(groups)]
    small = min(respondents) < SMALL_N or _smallest_expected(value, group, high_steps, groups) < 5
    common = _common_columns(rows, sizes)
    out = []
    kinds = ["rank", "share"] if item.kind == "ordinal" else ["share"]
    for kind in kinds:
        test, statistic, df, p, note = _clustered_test(rows, kind, dict(options, steps=steps, groups=groups,
                                                                          high_steps=high_steps, small=small))
        effect = _clustered_effect(rows, kind, high_steps, groups, options["confidence_level"])
        role = rows["role"] if kind == "rank" or item.kind != "ordinal" else "companion"
        out.append({**common, **effect, "test": test, "statistic": statistic, "df": df, "pvalue": p,
                    "role": role, "_kind": 0 if kind == "rank" else 1, "_note": note})
    return out


def _smallest_expected(value, group, high_steps, groups) -> float:
    high = high_steps[value - 1]
    sizes = np.bincount(group, minlength=groups)
    share = high.mean()
    return float(np.min(np.minimum(sizes * share, sizes * (1 - share))))


def _common_columns(rows: dict, sizes: np.ndarray) -> dict:
    names = rows["names"]
    if len(names) == 2:
        return dict(group=names[0], reference=names[1], n=int(sizes[0]), n_reference=int(sizes[1]),
                    _family=rows["family"])
    return dict(group=", ".join(str(g) for g in names), reference=None, n=int(sizes.sum()), n_reference=None,
                _family=rows["family"])


def _clustered_test(rows: dict, kind: str, options: dict) -> tuple[str, float, float, float, str]:
    """``(test, statistic, df, pvalue, note)`` of one clustered family."""
    groups, alternative = options["groups"], options["alternative"] if options["groups"] == 2 else "two-sided"
    base = ("mann-whitney" if groups == 2 else "kruskal-wallis") if kind == "rank" else "chi2-share-high"
    value, group = rows["value"], rows["group"]
    args = dict(steps=options["steps"], groups=groups, high_steps=options["high_steps"], kind=kind,
                alternative=alternative, seed=options["seed"])
    statistic, df = _row_statistic(value, group, kind, options), np.nan
    if rows["mode"] == "unit":
        statistic, p, total, how = clustered.unit_permutation(value, group, rows["unit"], **args)
        units = len(np.unique(rows["unit"]))
        note = (f"enheterna som kluster: grupperna permuterade mellan {units} enheter "
                f"({_thousands(total)} fördelningar, {'alla' if how == 'exact' else '9 999 slumpade'}); "
                f"statistikan jämför enheternas precisionsvägda {'medelrang' if kind == 'rank' else 'andel höga'}")
        if total < clustered.FEW_ASSIGNMENTS:
            note += f"; för få enheter för ett säkert test (minsta möjliga p = {1 / total:.3f})".replace(".", ",")
        return f"{base}-unit-permutation", statistic, df, p, note
    if options["small"] or options["method"] == "exact":
        p = clustered.respondent_permutation(value, group, rows["respondent"], **args)
        return f"{base}-respondent-permutation", statistic, df, p, "permutation av hela respondenter"
    if kind == "rank":
        statistic, df, p, note = clustered.design_rank_test(value, group, rows["respondent"], groups=groups,
                                                             alternative=alternative)
        return f"{base}-design", statistic, df, p, note
    statistic, df, p, note = clustered.rao_scott_share(options["high_steps"][value - 1], group, rows["respondent"],
                                                        groups=groups, alternative=alternative)
    return f"{base}-rao-scott", statistic, df, p, note


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def _row_statistic(value, group, kind: str, options: dict) -> float:
    """``U`` (two groups) or ``H`` of the rows, or Pearson's ``X²`` of high values."""
    cube = np.zeros((1, options["groups"], options["steps"]))
    np.add.at(cube[0], (group, value - 1), 1)
    if kind == "share":
        return float(clustered.share_statistic(cube[:, :, options["high_steps"]].sum(axis=2), cube.sum(axis=2),
                                               "two-sided")[0])
    if options["groups"] > 2:
        return float(clustered.rank_statistic(cube, "two-sided")[0])
    c1, c2 = cube[0]
    return float(np.sum(c1 * (np.cumsum(c2) - c2 + 0.5 * c2)))


def _clustered_effect(rows: dict, kind: str, high_steps: np.ndarray, groups: int, confidence_level: float) -> dict:
    """Effect size and interval of a clustered family, the variance multiplied by its design effect."""
    value, group = rows["value"], rows["group"]
    sizes = np.bincount(group, minlength=groups).astype(float)
    if rows["mode"] == "unit":
        deff = clustered.unit_design_effect(value, group, rows["unit"])
    else:
        deff = clustered.kish_design_effect(rows["respondent"])
    high = high_steps[value - 1]
    if groups > 2:
        cube = np.zeros((1, groups, len(high_steps)))
        np.add.at(cube[0], (group, value - 1), 1)
        if kind == "rank":
            h = float(clustered.rank_statistic(cube, "two-sided")[0])
            return dict(effect_size=h / (len(value) - 1), effect_size_name="epsilon-squared")
        x2 = float(clustered.share_statistic(np.bincount(group, weights=high, minlength=groups)[None], sizes[None],
                                             "two-sided")[0])
        return dict(effect_size=np.sqrt(x2 / len(value)), effect_size_name="cramers-v")
    if kind == "rank":
        c1 = np.bincount(value[group == 0] - 1, minlength=len(high_steps)).astype(float)
        c2 = np.bincount(value[group == 1] - 1, minlength=len(high_steps)).astype(float)
        r = 2 * np.sum(c1 * (np.cumsum(c2) - c2 + 0.5 * c2)) / (sizes[0] * sizes[1]) - 1
        low, high_ci = rank_biserial_interval(np.array([r]), sizes[0], sizes[1], confidence_level, deff)
        return dict(effect_size=r, effect_size_name="rank-biserial", ci_low=low[0], ci_high=high_ci[0])
    h = np.bincount(group, weights=high, minlength=2)
    low, high_ci = confint_proportions_2indep(h[0] / deff, sizes[0] / deff, h[1] / deff, sizes[1] / deff,
                                              method="newcomb", compare="diff", alpha=1 - confidence_level)
    return dict(effect_size=h[0] / sizes[0] - h[1] / sizes[1], effect_size_name="share_high difference",
                ci_low=float(low), ci_high=float(high_ci))
