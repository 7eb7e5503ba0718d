"""The package's vocabulary, defined once: levels, methods, result columns, Swedish headers, argument checks.

Every module that names a level of analysis, a correction method, a column of a
scores or tests table or a Swedish header takes it from here, and checks its
arguments with the functions below, so that an error message always lists the same
allowed values.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Columns that identify one respondent of one survey.
RESPONDENT_KEY = ["forbund", "wave", "survey", "respondent_id"]
#: Levels of analysis: each respondent once per group, or each respondent–unit row.
LEVELS = ("respondent", "unit")
#: Alternatives of every test, in scipy's words.
ALTERNATIVES = ("two-sided", "less", "greater")
#: Corrections for multiple testing (statsmodels' names).
ADJUST_METHODS = ("holm", "bonferroni", "fdr_bh")
#: Ways a test's p-value may be computed.
METHODS = ("auto", "asymptotic", "exact")
#: What a row of a tests table is: the one ``primary`` test of a question and comparison (the
#: only rows a correction family holds), its descriptive ``companion`` (the share of high values
#: beside a rank test, with its own interval), a ``post_hoc`` pairwise comparison after an
#: omnibus test, an item ``not_testable`` in these data (no variation), or ``no_test`` (one group).
ROLES = ("primary", "companion", "post_hoc", "not_testable", "no_test")
#: Who the resampling unit (cluster) of a comparison is: ``"respondent"`` (a respondent's rows
#: move together), ``"unit"`` (a municipality's or Mysam group's respondents move together) or
#: ``"auto"`` (``"unit"`` for comparisons between regions that hold several units, else respondent).
CLUSTERS = ("auto", "respondent", "unit")
#: The planned test families of a report and the correction each gets: confirmatory questions
#: (structured vs not, change since the baseline) by Holm, exploratory ones (regions,
#: municipalities, paired items, managers vs staff) by Benjamini–Hochberg.
FAMILY_METHODS = {"confirmatory": "holm", "exploratory": "fdr_bh"}
#: Swedish names of the families and corrections, for report text.
FAMILY_SWEDISH = {"confirmatory": "bekräftande", "exploratory": "utforskande"}
ROLE_SWEDISH = {"primary": "huvudtest", "companion": "beskrivande", "post_hoc": "parvis (post hoc)",
                "not_testable": "kan inte prövas", "no_test": "inget test"}
ADJUST_SWEDISH = {"holm": "Holm", "bonferroni": "Bonferroni", "fdr_bh": "Benjamini–Hochberg"}

#: Columns of a scores table, after the ``item`` and grouping columns.
SCORE_COLUMNS = [
    "n", "n_missing", "n_high", "mean", "median", "share_high", "share_high_ci_low", "share_high_ci_high",
]
#: Columns of a label-distribution table, after the ``item`` and grouping columns.
DISTRIBUTION_COLUMNS = ["value", "label", "missing_reason", "count", "percent"]
#: Columns of a tests table, after any stratifying columns: the same for every test.
TEST_COLUMNS = [
    "item", "comparison", "group", "reference", "n", "n_reference", "test", "role", "statistic", "df", "pvalue",
    "pvalue_adjusted", "effect_size", "effect_size_name", "ci_low", "ci_high", "note",
]
#: dtypes of :data:`TEST_COLUMNS`.
TEST_DTYPES = {**{c: "string" for c in ["item", "comparison", "group", "reference", "test", "role",
                                         "effect_size_name", "note"]},
               **{c: "float64" for c in ["statistic", "df", "pvalue", "pvalue_adjusted", "effect_size", "ci_low",
                                         "ci_high"]},
               "n": "Int64", "n_reference": "Int64"}

#: The descriptive companion of a two-group test: each group's share of high values and their
#: difference (group − reference) with its interval, as proportions.
SHARE_TEST_COLUMNS = ("share_high", "share_high_reference", "share_difference", "share_difference_ci_low",
                      "share_difference_ci_high")

#: Swedish column headers of result tables, for display and workbooks.
SWEDISH = {
    "item": "Fråga (id)", "region": "Region", "unit": "Kommun", "strukturerad": "Strukturerad samverkan",
    "survey": "Enkät", "wave": "Mätning", "n": "Antal svar", "n_missing": "Saknade svar", "n_high": "Antal höga",
    "mean": "Medelvärde (steg)", "median": "Median (steg)", "share_high": "Andel höga värden",
    "share_high_ci_low": "95 % KI, nedre", "share_high_ci_high": "95 % KI, övre",
    "comparison": "Jämförelse", "group": "Grupp", "reference": "Jämförs med", "n_reference": "Antal svar (jämförelse)",
    "test": "Test", "role": "Roll", "family": "Testfamilj", "section": "Avsnitt", "statistic": "Teststorhet", "df": "Frihetsgrader", "pvalue": "p-värde",
    "pvalue_adjusted": "Justerat p-värde", "effect_size": "Effektstorlek", "effect_size_name": "Effektmått",
    "ci_low": "KI nedre", "ci_high": "KI övre", "note": "Anmärkning", "label": "Svar", "count": "Antal",
    "percent": "Procent", "missing_reason": "Saknas därför att", "value": "Steg", "suppressed": "Undertryckt",
    "suppression_note": "Undertryckt därför att", "table": "Tabell", "min_n": "Minsta antal", "reason": "Skäl",
    "mdd_up_pp": "Minsta påvisbara ökning (procentenheter)", "mdd_down_pp": "Minsta påvisbara minskning (procentenheter)",
    "n_repeat": "Antal vid upprepning", "n_for_mdd_10": "Antal som behövs för +10 procentenheter",
    "test_alpha": "Signifikansnivå för testet", "power": "Styrka", "respondents": "Respondenter",
    "unit_rows": "Respondent–enhet-rader", "units": "Enheter",
    "icc": "ICC", "n_clusters": "Antal kluster", "deff": "Designeffekt", "cluster": "Kluster",
    "alpha": "Cronbachs alfa", "alpha_ci_low": "Alfa, KI nedre", "alpha_ci_high": "Alfa, KI övre",
    "omega": "McDonalds omega", "k": "Antal frågor", "item_rest": "Korrelation fråga–övriga",
    "alpha_if_dropped": "Alfa utan frågan", "index": "Samverkansindex (0–100)", "index_ci_low": "Index, KI nedre",
    "index_ci_high": "Index, KI övre", "reported": "Redovisas", "reliability": "Reliabilitet",
    "tests": "Antal test", "holding": "Håller", "method": "Metod",
    "share_high_reference": "Andel höga värden (jämförelse)", "share_difference": "Skillnad i andel höga värden",
    "share_difference_ci_low": "Skillnad, 95 % KI nedre", "share_difference_ci_high": "Skillnad, 95 % KI övre",
    "question": "Fråga", "column": "Kolumn", "cells": "Ifyllda celler", "share": "Andel",
    "group_by": "Grupperat efter", "level": "Nivå", "people_up": "Personer, ökning",
    "people_down": "Personer, minskning", "sd": "Standardavvikelse", "reliability_name": "Reliabilitetsmått",
}
#: Swedish headers of the cross-förbund overview's tables (the result headers plus its own).
OVERVIEW_SWEDISH = {
    **SWEDISH,
    "name": "Förbund", "pooled": "Sammanvägd andel", "limit_95_low": "95 %-gräns, nedre",
    "limit_95_high": "95 %-gräns, övre", "limit_998_low": "99,8 %-gräns, nedre",
    "limit_998_high": "99,8 %-gräns, övre", "outside_95": "Utanför 95 %", "outside_998": "Utanför 99,8 %",
    "direction": "Riktning", "forbund": "Förbund (id)", "folder": "Mapp", "problem": "Problem",
    "baseline_wave": "Tidigare mätning", "alpha": "Signifikansnivå", "p_adjust": "Korrektion",
    "table": "Tabell i rapporten", "level": "Nivå",
}
#: Two-sided coverage of the funnel plots' control limits, by the label used in column names
#: (``limit_95_low``, ``outside_998``): 95 % and 99,8 %, as in Spiegelhalter (2005).
FUNNEL_COVERAGES = {"95": 0.95, "998": 0.998}


def as_list(by: str | Sequence[str] | None) -> list[str]:
    """``by`` as a list of column names (``None`` → no grouping)."""
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def check_columns(answers: pd.DataFrame, columns: Sequence[str], argument: str) -> None:
    """Raise ``ValueError`` naming ``argument`` if any of ``columns`` is not in ``answers``."""
    missing = [c for c in columns if c not in answers.columns]
    if missing:
        raise ValueError(f"{argument}={missing!r}: no such column; columns are {list(answers.columns)}")


def check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    """Raise ``ValueError`` naming the argument, its value and the allowed values."""
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not allowed; expected one of {tuple(allowed)}")


def check_min_n(min_n: object) -> int:
    """``min_n`` as an int; ``ValueError`` unless it is a whole number of at least 1."""
    if isinstance(min_n, (bool, np.bool_)) or not isinstance(min_n, (int, np.integer)) or min_n < 1:
        raise ValueError(f"min_n={min_n!r} must be a whole number of at least 1 (the default is 5)")
    return int(min_n)


def stratify_argument(stratify, within, function: str) -> list[str]:
    """The ``stratify`` columns as a list, accepting the deprecated ``within=`` for one release.

    ``within=`` meant "stratify by" here but names a repeated-measures factor in pingouin;
    it still works, with a ``FutureWarning``. Giving both raises ``ValueError``.
    """
    if within is not None:
        if stratify is not None:
            raise ValueError(f"{function}(): give stratify= only; within= is its deprecated old name")
        warnings.warn(f"{function}(within=...) is deprecated and will be removed in the next release; "
                      "use stratify=... (the same columns)", FutureWarning, stacklevel=3)
        stratify = within
    return as_list(stratify)
