"""The report's tests as its readers see them: the planned tests, with each group's share of high values.

Which tests a report runs, in which family and with which correction is decided in one
place, :func:`samverkan.stats.plan.planned_tests` (confirmatory: structured
collaboration against the rest and the change since the baseline, Holm or the params
file's ``p_adjust``; exploratory: regions, municipalities, paired items, managers
against staff, Benjamini–Hochberg; one primary test per question and comparison, the
share test its descriptive companion). This module only adds what a reader needs beside
each two-group primary row, taken from its companion row:

* ``share_difference``, ``share_difference_ci_low``, ``share_difference_ci_high``: the
  companion's difference in the share of high values and its Newcombe interval, as
  proportions;
* ``share_high`` and ``share_high_reference``: each group's share, every respondent
  counted once, as the companion test counted them (their difference is the
  companion's, checked in ``tests/test_report.py``).

Paired items have McNemar's test as companion, whose effect is an odds ratio: their
shares are those of the two questions among the respondents who answered both, and
the difference has no interval. Rows of many groups (regions) have no share columns;
the report shows each region's share from its scores table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import instrument
from .disclosure import DisclosurePlan
from .stats.plan import planned_tests
from .stats.scores import score
from .vocabulary import SHARE_TEST_COLUMNS

#: The key that pairs a primary row with its companion.
ROW_KEY = ["section", "item", "comparison", "group", "reference", "unit"]
#: Two-group sections whose groups' shares are looked up: section → (by, stratify).
GROUPED = {"strukturerad": ("strukturerad", []), "strukturerad_kommun": ("strukturerad", ["unit"])}


def all_tests(staff, managers, baseline_staff, *, min_n: int, p_adjust: str, plan: DisclosurePlan,
              overall: dict[str, pd.DataFrame] | None = None) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Every test of the report (:func:`samverkan.stats.plan.planned_tests`) with the share columns.

    ``overall`` (survey → :func:`samverkan.score` of its indicator items, respondents
    once, no groups) saves scoring the whole förbund again.

    Returns
    -------
    tests : pandas.DataFrame
        The planned tests (every ``role``: primary, companion, post hoc, not testable, no
        test; ``section``, ``family``, ``unit``, ``suppressed``, ``suppression_note``)
        plus :data:`samverkan.vocabulary.SHARE_TEST_COLUMNS`, filled on the two-group
        primary rows that are not suppressed.
    logs : list of pandas.DataFrame
        The suppression log of the groups left out of the tests and of the tests suppressed.
    """
    tests, log = planned_tests(staff, managers=managers, baseline=baseline_staff, min_n=min_n,
                               confirmatory_method=p_adjust, plan=plan)
    return with_shares(tests, staff, baseline_staff, overall or {}), [log]


def _keys(tests: pd.DataFrame) -> pd.Series:
    return tests[ROW_KEY].astype("string").fillna("").apply(tuple, axis=1)


def with_shares(tests: pd.DataFrame, staff, baseline_staff, overall: dict) -> pd.DataFrame:
    """``tests`` with :data:`SHARE_TEST_COLUMNS` on the two-group primary rows (see the module docstring)."""
    result = tests.copy()
    for column in SHARE_TEST_COLUMNS:
        result[column] = np.nan
    if result.empty:
        return result
    keys = _keys(result)
    differences = result["effect_size_name"].eq("share_high difference").fillna(False).to_numpy(dtype=bool)
    source = {k: (row.effect_size, row.ci_low, row.ci_high) for k, row in zip(keys[differences],
                                                                               result[differences].itertuples())}
    primary = (result["role"].eq("primary").fillna(False) & result["reference"].notna()
               & ~result["suppressed"].astype(bool)).to_numpy(dtype=bool)
    lookups = _lookups(result, staff, baseline_staff, overall)
    for position in np.flatnonzero(primary):
        row = result.iloc[position]
        share, other = _pair_shares(row, lookups, staff)
        difference = source.get(keys.iloc[position], (share - other, np.nan, np.nan))
        result.iloc[position, [result.columns.get_loc(c) for c in SHARE_TEST_COLUMNS]] = [share, other, *difference]
    return result


def _share_lookup(table: pd.DataFrame, columns: list[str]) -> dict:
    """(item, *values of ``columns`` as text) → share of high values, from a scores table."""
    keys = table[["item", *columns]].astype("string").itertuples(index=False, name=None)
    return {tuple(str(v) for v in key): share for key, share in zip(keys, table["share_high"])}


def _lookups(tests: pd.DataFrame, staff, baseline_staff, overall: dict) -> dict[str, dict]:
    """Per two-group section: its groups' shares of high values, each respondent once per group."""
    sections = set(tests["section"].astype(str))
    lookups = {}
    for section, (by, stratify) in GROUPED.items():
        if section in sections:
            items = sorted(set(tests.loc[tests["section"] == section, "item"].astype(str)))
            lookups[section] = _share_lookup(score(staff, items=items, by=[*stratify, by]), [*stratify, by])
    whole = {survey: _share_lookup(table.assign(survey=survey), ["survey"]) for survey, table in overall.items()}
    if "chefer_personal" in sections:
        lookups["chefer_personal"] = {**whole.get("operativ", {}), **whole.get("chefsgrupp", {})}
    if "forandring" in sections:
        items = sorted(set(tests.loc[tests["section"] == "forandring", "item"].astype(str)))
        now = overall.get("operativ")
        now = score(staff, items=items) if now is None else now
        both = pd.concat([now.assign(wave=str(staff["wave"].iloc[0])),
                          score(baseline_staff, items=items).assign(wave=str(baseline_staff["wave"].iloc[0]))])
        lookups["forandring"] = _share_lookup(both, ["wave"])
    return lookups


def _pair_shares(row: pd.Series, lookups: dict, staff) -> tuple[float, float]:
    """The two shares of one two-group primary row (the group's, the reference's)."""
    section, item = str(row["section"]), str(row["item"])
    if section == "parade":
        return _paired_shares(staff, str(row["group"]), str(row["reference"]))
    found = lookups.get(section, {})
    stratum = (str(row["unit"]),) if section == "strukturerad_kommun" else ()
    return (found.get((item, *stratum, str(row["group"])), np.nan),
            found.get((item, *stratum, str(row["reference"])), np.nan))


def _paired_shares(staff: pd.DataFrame, first: str, second: str) -> tuple[float, float]:
    """Shares of high values of two items among the respondents who answered both (as the paired test counts)."""
    rows = staff[staff["item"].isin([first, second]).to_numpy() & staff["value"].notna().to_numpy()]
    wide = rows.drop_duplicates(["respondent_id", "item"]).pivot(index="respondent_id", columns="item",
                                                                  values="value").dropna()
    if wide.empty:
        return np.nan, np.nan
    return tuple(float(wide[i].isin(set(instrument.item(i).high_values)).mean()) for i in (first, second))


__all__ = ["all_tests", "with_shares", "ROW_KEY"]
