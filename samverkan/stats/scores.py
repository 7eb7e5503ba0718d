"""Indicator scores and label distributions per item and group.

Levels: ``level="respondent"`` (the default everywhere: here, in
:func:`samverkan.compare` and in :func:`samverkan.suppress.drop_small_groups`) counts each
respondent once per group, however many units the respondent answered for (659 staff
in the baseline sample); ``level="unit"`` counts one answer per (respondent, unit) row —
what the source report printed (761 staff rows). A respondent is identified by
``(forbund, wave, survey, respondent_id)``.

A respondent whose units lie in two groups (two regions, say) is counted once in each
group: each group's share is a share of the respondents in it. The overall row
(``by=None``) counts every respondent once. Where a canonical file holds different
answers of one respondent for different units, the respondent's answer in a group is
the first substantive answer among the units in that group (file order), so that
``n`` never exceeds the respondents.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from .. import instrument
from ..vocabulary import (DISTRIBUTION_COLUMNS, LEVELS, RESPONDENT_KEY, SCORE_COLUMNS, as_list, check_choice,
                          check_columns)

#: Items answered with several options (one row per chosen option).
MULTISELECT = [item_id for item_id, it in instrument.items_by_id().items() if it.kind == "multiselect"]


def analysis_population(staff: pd.DataFrame) -> pd.DataFrame:
    """The report's analysis population: staff with contact with the target group and experience of collaboration.

    FoU rapport 2017:1 analyses the staff who answered *ja* to ``kontakt_malgrupp``
    (contact with people aged 16–64 who need coordinated support) **and** *ja* to
    ``erfarenhet_samverkan`` (collaborated with at least one other party in the past
    year): 659 respondents, 761 unit rows (respondent × kommun). Every answer row of
    those respondents is kept; the input is not changed.

    Returns
    -------
    pandas.DataFrame
        The rows of ``staff`` whose ``kontakt_malgrupp`` and ``erfarenhet_samverkan``
        are ``"ja"``, same columns, index reset.

    Raises
    ------
    ValueError
        If ``staff`` lacks either column (it is not the staff survey).

    Examples
    --------
    >>> from samverkan.reproduce import baseline_sample
    >>> staff, _ = baseline_sample()
    >>> analysis_population(staff)["respondent_id"].nunique()
    659
    """
    check_columns(staff, ["kontakt_malgrupp", "erfarenhet_samverkan"], "staff")
    keep = (staff["kontakt_malgrupp"] == "ja") & (staff["erfarenhet_samverkan"] == "ja")
    return staff[keep.fillna(False).astype(bool)].reset_index(drop=True)


def select_items(answers: pd.DataFrame, items: str | Sequence[str] | None, *, scored: bool) -> list[str]:
    """Items to work on, in questionnaire order.

    ``items=None``: every item present in ``answers`` (only scored items when
    ``scored``). Named items must be present and known.
    """
    known = instrument.items_by_id()
    present = set(answers["item"].dropna().unique())
    if items is None:
        return [i for i, it in known.items() if i in present and (it.is_scored or not scored)]
    wanted = as_list(items)
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise ValueError(f"items={unknown!r}: not questions of any survey; known: {list(known)}")
    absent = [i for i in wanted if i not in present]
    if absent:
        raise ValueError(f"items={absent!r}: no answers to these items in the data")
    if scored:
        unscored = [i for i in wanted if not known[i].is_scored]
        if unscored:
            raise ValueError(f"items={unscored!r}: not scored items (ordinal, or nominal with a high set)")
    return sorted(dict.fromkeys(wanted), key=list(known).index)


def group_codes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One int64 code per row for the combination of ``columns`` (missing values included as a value).

    Categorical columns use their codes (no hashing), so this is fast on tidy answers.
    """
    key = np.zeros(len(frame), dtype=np.int64)
    for column in columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes, size = values.cat.codes.to_numpy(dtype=np.int64) + 1, len(values.cat.categories) + 1
        else:
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            codes, size = codes.astype(np.int64) + 1, len(uniques) + 1
        if len(key) and int(key.max()) >= (2**62) // size:
            key = pd.factorize(key)[0].astype(np.int64)
        key = key * size + codes
    return key


def at_level(answers: pd.DataFrame, level: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Answers at ``level``: unchanged for ``"unit"``; for ``"respondent"`` one row per respondent, item and group.

    The row kept is the respondent's first substantive answer in the group (file
    order), or the first non-substantive one when there is none. Multi-select items
    keep one row per chosen option.
    """
    check_choice("level", level, LEVELS)
    if level == "unit" or not len(answers):
        return answers
    columns = [*RESPONDENT_KEY, "item", *dict.fromkeys(by)]
    key = group_codes(answers, columns)
    multiple = answers["item"].isin(MULTISELECT).to_numpy()
    if multiple.any():
        option = group_codes(answers, ["value", "missing_reason"])
        key = pd.factorize(key)[0].astype(np.int64) * (int(option.max()) + 2) + np.where(multiple, option + 1, 0)
    order = np.argsort(answers["value"].isna().to_numpy(), kind="stable")
    keep = np.zeros(len(answers), dtype=bool)
    keep[order[~pd.Series(key[order]).duplicated().to_numpy()]] = True
    return answers[keep]


def high_flags(data: pd.DataFrame) -> pd.Series:
    """Boolean Series: the row's value is in its item's high set (False when missing)."""
    pairs = [(item_id, v) for item_id in data["item"].unique() for v in instrument.item(item_id).high_values]
    if not pairs:
        return pd.Series(False, index=data.index)
    key = pd.MultiIndex.from_frame(data[["item", "value"]].astype({"item": "object", "value": "float64"}))
    return pd.Series(key.isin(pd.MultiIndex.from_tuples([(i, float(v)) for i, v in pairs])), index=data.index)


def _order(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Rows in questionnaire order, then by group; categorical columns keep only the categories present.

    (Unused categories would show as empty legend entries and bars in seaborn.)
    """
    order = {item_id: pos for pos, item_id in enumerate(instrument.items_by_id())}
    frame = frame.assign(_order=frame["item"].map(order))
    frame = frame.sort_values(["_order", *by], kind="stable").drop(columns="_order").reset_index(drop=True)
    unused = {c: frame[c].cat.remove_unused_categories() for c in frame.columns
              if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.assign(**unused) if unused else frame


def wilson_interval(count, nobs, confidence_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (statsmodels, asked for explicitly); NaN where ``nobs`` is 0."""
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        low, high = proportion_confint(count, np.where(nobs > 0, nobs, np.nan), alpha=1 - confidence_level,
                                       method="wilson")
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def score(
    answers: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    items: str | Sequence[str] | None = None,
    level: str = "respondent",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Score items per group: counts, mean and median step, share of high values with Wilson CI.

    Parameters
    ----------
    answers
        Tidy answers (:func:`samverkan.load`).
    by
        Column(s) to group by, e.g. ``"region"`` or ``["region", "strukturerad"]``.
        Rows whose group is missing are left out.
    items
        Item ids; default every scored item in the data (ordinal items, and nominal
        items with a high set such as ``strukturerad``), in questionnaire order.
    level
        ``"respondent"`` (default: each respondent once per group, see the module
        docstring) or ``"unit"`` (one answer per respondent and unit row).
    confidence_level
        Of the Wilson interval (on respondents at the default level).

    Returns
    -------
    pandas.DataFrame
        One row per item × group: ``item``, the ``by`` columns, ``n`` (substantive
        answers), ``n_missing`` (blank, vet ej, ej aktuellt, ej tillfrågad),
        ``n_high``, ``mean`` and ``median`` (of the 1-based step; NaN for nominal
        items), ``share_high`` (``n_high / n``), ``share_high_ci_low``,
        ``share_high_ci_high`` (Wilson). Not rounded.

    Examples
    --------
    >>> import samverkan as sv
    >>> staff = sv.load(sv.sample_path("gavleborg", "2016", "operativ"), survey="operativ")
    >>> row = sv.score(staff, items="strukturerad").iloc[0]
    >>> int(row["n_high"]), int(row["n"])
    (232, 659)
    """
    by = as_list(by)
    check_columns(answers, by, "by")
    check_choice("level", level, LEVELS)
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level={confidence_level!r} must be between 0 and 1")
    chosen = select_items(answers, items, scored=True)
    data = at_level(answers[answers["item"].isin(chosen)], level, by)
    data = data.assign(_high=high_flags(data), _value=data["value"].astype("float64"))
    grouped = data.groupby(["item", *by], observed=True, sort=False, dropna=True)
    table = grouped.agg(
        n=("_value", "count"), n_high=("_high", "sum"), rows=("item", "size"),
        mean=("_value", "mean"), median=("_value", "median"),
    ).reset_index()
    table["n_missing"] = table.pop("rows") - table["n"]
    nominal = table["item"].map(lambda i: instrument.item(i).kind == "nominal").astype(bool)
    table.loc[nominal, ["mean", "median"]] = np.nan
    table["n_high"] = table["n_high"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share_high"] = table["n_high"] / table["n"].where(table["n"] > 0)
    table["share_high_ci_low"], table["share_high_ci_high"] = wilson_interval(
        table["n_high"], table["n"], confidence_level
    )
    return _order(table[["item", *by, *SCORE_COLUMNS]], by)


def _label_grid(data: pd.DataFrame, chosen: list[str], by: list[str]) -> pd.DataFrame:
    """Every (item, group) observed × every label of the item: zero-count levels kept."""
    labels = pd.DataFrame(
        [(i, pos, label) for i in chosen for pos, label in enumerate(instrument.item(i).labels, start=1)],
        columns=["item", "value", "label"],
    )
    groups = data[["item", *by]].drop_duplicates().dropna()
    return groups.merge(labels, on="item", how="inner")


def distribution(
    answers: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    items: str | Sequence[str] | None = None,
    level: str = "respondent",
) -> pd.DataFrame:
    """Count and percent per answer label, in questionnaire order, per item and group.

    Every label of the item's scale is listed, also those nobody chose (count 0).
    Non-substantive answers (blank, vet ej, ej aktuellt, ej tillfrågad) are counted in
    rows of their own after the labels, with ``percent`` missing: percentages are of
    the substantive answers only. For multiselect items ``count`` is the number of
    choices of each option and ``percent`` is of all choices. ``level`` as in
    :func:`score` (default ``"respondent"``).

    Returns
    -------
    pandas.DataFrame
        ``item``, the ``by`` columns, ``value`` (1-based step; missing on
        non-substantive rows), ``label``, ``missing_reason`` (set on non-substantive
        rows), ``count``, ``percent`` (0–100).

    Examples
    --------
    >>> import samverkan as sv
    >>> managers = sv.load(sv.sample_path("gavleborg", "2016", "chefsgrupp"), survey="chefsgrupp")
    >>> d = sv.distribution(managers, items="vikt_delta")
    >>> d.loc[d["label"].notna(), ["label", "count"]].values.tolist()[:2]
    [['helt oviktigt', 0], ['ganska oviktigt', 1]]
    """
    by = as_list(by)
    check_columns(answers, by, "by")
    chosen = select_items(answers, items, scored=False)
    data = at_level(answers[answers["item"].isin(chosen)], level, by)
    data = data.dropna(subset=by) if by else data
    keys = ["item", *by]
    counts = data.groupby([*keys, "value"], observed=True, sort=False).size().rename("count").reset_index()
    grid = _label_grid(data, chosen, by).astype({"value": "Int64"})
    substantive = grid.merge(counts, on=[*keys, "value"], how="left").fillna({"count": 0})
    totals = substantive.groupby(keys, observed=True, sort=False)["count"].transform("sum")
    substantive["percent"] = 100 * substantive["count"] / totals.where(totals > 0)
    missing = data[data["value"].isna()].groupby([*keys, "missing_reason"], observed=True, sort=False).size()
    missing = missing.rename("count").reset_index()
    reasons = {r: pos for pos, r in enumerate(instrument.load_instrument().missing_reasons)}
    missing = missing.assign(value=pd.NA, label=pd.NA, percent=np.nan, _r=missing["missing_reason"].map(reasons))
    substantive = substantive.assign(missing_reason=pd.NA, _r=-1)
    table = pd.concat([substantive, missing], ignore_index=True)
    table = table.sort_values([*by, "_r", "value"], kind="stable").drop(columns="_r")
    table["count"] = table["count"].astype("int64")
    table = table.astype({"value": "Int64", "label": "string", "missing_reason": "string"})
    return _order(table[[*keys, *DISTRIBUTION_COLUMNS]], by)
