"""The report's method tables: planned families, clustering (ICC), reliability, the index, detectable change.

Each function takes the report's answers and settings and returns one machine table
(suppressed where it holds counts of small groups); the report's method section
(:mod:`samverkan.report_method`) lays them out in Swedish. The statistics themselves are in :mod:`samverkan.stats.families`,
:mod:`~samverkan.stats.clustering`, :mod:`~samverkan.stats.reliability` and
:mod:`~samverkan.stats.planning`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import instrument, suppress
from ..vocabulary import FAMILY_METHODS
from .clustering import ICC_COLUMNS, icc
from .families import family_counts
from .planning import min_detectable_difference, planning_alpha
from .reliability import climate_index, reliability

DETECTABLE_COLUMNS = ["item", "n", "share_high", "mdd_up_pp", "mdd_down_pp", "n_for_mdd_10", "test_alpha", "deff"]


def indicators(survey: str = "operativ") -> list[str]:
    """The indicator items of ``survey``, in questionnaire order."""
    return [i.id for i in instrument.survey(survey).indicator_items]


def _methods(p_adjust: str) -> dict[str, str]:
    return {**FAMILY_METHODS, "confirmatory": p_adjust}


def family_table(tests: pd.DataFrame, alpha: float, p_adjust: str) -> pd.DataFrame:
    """Per planned family: its correction, the primary tests run and holding (:func:`samverkan.family_counts`)."""
    return family_counts(tests, alpha=alpha, methods=_methods(p_adjust))


def report_planning_alpha(alpha: float, p_adjust: str) -> float:
    """The α a change test of a report's confirmatory family faces at worst (:func:`samverkan.planning_alpha`).

    The confirmatory family of a report with a baseline holds ``2 × 9`` tests (structured
    vs not and the change since the baseline, each staff indicator), so each is planned
    at ``α / 18``.
    """
    return planning_alpha(alpha, 2 * len(indicators("operativ")), _methods(p_adjust)["confirmatory"])


def detectable(overall: pd.DataFrame, *, alpha: float, p_adjust: str) -> pd.DataFrame:
    """The smallest change the next measurement detects in each staff indicator, at the α it will face.

    ``overall`` is the staff scores of the whole förbund (:func:`samverkan.score`, each
    respondent once, no groups). The change tests are in the confirmatory family
    (:func:`report_planning_alpha`). Respondents of two waves are independent samples
    of the same municipalities, and the change test counts each respondent once, so the
    design effect is 1.

    Returns
    -------
    pandas.DataFrame
        :data:`DETECTABLE_COLUMNS`, then the other columns of
        :func:`samverkan.min_detectable_difference`.
    """
    items = indicators("operativ")
    scores = overall[overall["item"].isin(items).to_numpy()].reset_index(drop=True)
    table = min_detectable_difference(scores, alpha=report_planning_alpha(alpha, p_adjust), deff=1.0)
    return table[[*DETECTABLE_COLUMNS, *[c for c in table.columns if c not in DETECTABLE_COLUMNS]]]


def clustering_table(surveys: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """ICC of each indicator within municipalities (staff) and Mysam groups (managers), with CI and design effect.

    ``surveys``: survey → its answers (``None`` or missing: left out). Returns ``survey``
    then the columns of :func:`samverkan.icc`.
    """
    frames = [icc(answers, item=indicators(survey)).assign(survey=survey) for survey, answers in surveys.items()
              if answers is not None and len(answers)]
    if not frames:
        return pd.DataFrame(columns=["survey", *ICC_COLUMNS])
    table = pd.concat(frames, ignore_index=True)
    return table[["survey", *[c for c in table.columns if c != "survey"]]]


def reliability_table(surveys: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """α with CI and ω of the indicator set per survey and wave, one row each (item-level columns left out).

    ``surveys``: survey → its answers of every wave, stacked (``None``: left out).
    """
    columns = ["survey", "wave", "k", "n", "alpha", "alpha_ci_low", "alpha_ci_high", "omega"]
    frames = [reliability(answers, items=indicators(survey), by="wave").assign(survey=survey)
              for survey, answers in surveys.items() if answers is not None and len(answers)]
    if not frames:
        return pd.DataFrame(columns=columns)
    table = pd.concat(frames, ignore_index=True).drop_duplicates(subset=["survey", "wave"])
    return table[columns].astype({"wave": "string"}).reset_index(drop=True)


def index_table(answers: pd.DataFrame, *, survey: str, group: str = "region", min_n: int,
                hidden=frozenset()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A survey's index per wave (all groups, ``"Alla"``) and per wave and group, suppressed.

    ``answers`` holds every wave of the survey, stacked. A group is hidden when it has
    fewer than ``min_n`` respondents with an index, when it is in ``hidden`` (the regions
    the report's disclosure plan hides), and — so that no subtraction from the "Alla"
    row recovers it — with the smallest other groups of its wave until the hidden ones
    hold at least ``min_n`` respondents.

    Returns
    -------
    table : pandas.DataFrame
        ``survey, wave, group`` then :data:`samverkan.stats.reliability.INDEX_COLUMNS`,
        ``suppressed`` and ``suppression_note``.
    log : pandas.DataFrame
        The groups hidden, and why.
    """
    items = indicators(survey)
    overall = climate_index(answers, items=items, by="wave").assign(group="Alla")
    grouped = answers.dropna(subset=[group])
    parts = [overall]
    if len(grouped):
        by_group = climate_index(grouped, items=items, by=["wave", group]).rename(columns={group: "group"})
        parts.append(by_group.astype({"group": "string"}))
    table = pd.concat(parts, ignore_index=True).astype({"n": "Int64", "wave": "string", "group": "string"})
    table = table[["wave", "group", *[c for c in table.columns if c not in ("wave", "group")]]]
    sizes = table["n"].copy()
    small = (suppress.is_small(table["n"], min_n) | table["group"].isin(list(hidden))).to_numpy()
    note = f"färre än {min_n} svar eller dold grupp"
    log = suppress.make_log(f"index, {survey}", [""] * int(small.sum()), table.loc[small, "group"].astype(str),
                            table.loc[small, "n"], min_n, note)
    table.loc[small, ["n", "index", "index_ci_low", "index_ci_high", "sd"]] = pd.NA
    table["suppressed"] = small
    table["suppression_note"] = pd.array(np.where(small, note, ""), dtype="string")
    table, complement = suppress.suppress_complement(table, group="group", sizes=sizes, stratify="wave", min_n=min_n)
    table.insert(0, "survey", survey)
    return table, pd.concat([log, complement], ignore_index=True)
