"""The report's method tables: planned families, clustering (ICC), reliability, the index, detectable change.

Each function takes the report's answers and settings and returns one table ready to
show (suppressed where it holds counts of small groups), so that the report stays one
call per section. The statistics themselves are in :mod:`samverkan.stats.families`,
:mod:`~samverkan.stats.clustering`, :mod:`~samverkan.stats.reliability` and
:mod:`~samverkan.stats.planning`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import instrument, suppress
from ..vocabulary import ADJUST_SWEDISH, FAMILY_METHODS, FAMILY_SWEDISH
from .clustering import icc
from .families import family_counts
from .planning import min_detectable_difference, planning_alpha
from .reliability import climate_index, reliability
from .scores import score

DETECTABLE_COLUMNS = ["item", "n", "share_high", "mdd_up_pp", "mdd_down_pp", "n_for_mdd_10", "test_alpha", "deff"]
#: Index rows per wave and region, then one per wave for all regions.
INDEX_BY = ["wave", "region"]


def indicators(survey: str = "operativ") -> list[str]:
    """The indicator items of ``survey``, in questionnaire order."""
    return [i.id for i in instrument.survey(survey).indicator_items]


def _methods(p_adjust: str) -> dict[str, str]:
    return {**FAMILY_METHODS, "confirmatory": p_adjust}


def family_table(tests: pd.DataFrame, alpha: float, p_adjust: str) -> pd.DataFrame:
    """Per planned family: its correction, the primary tests run and holding (:func:`samverkan.family_counts`)."""
    return family_counts(tests, alpha=alpha, methods=_methods(p_adjust))


def corrections_sentence(p_adjust: str) -> str:
    """One Swedish sentence naming the two families and their corrections."""
    methods = _methods(p_adjust)
    return (f"Testen är planerade i två familjer: den bekräftande (strukturerad samverkan eller inte, förändring "
            f"sedan föregående mätning) korrigeras med {ADJUST_SWEDISH[methods['confirmatory']]}, den utforskande "
            f"(regioner, kommuner, parade frågor, chefer mot personal) med {ADJUST_SWEDISH[methods['exploratory']]}.")


def family_sentence(families: pd.DataFrame, alpha: float) -> str:
    """How many tests of each family hold, in Swedish (one test per question and comparison)."""
    parts = [f"{int(row['holding'])} av {int(row['tests'])} i den {FAMILY_SWEDISH[row['family']]} familjen "
             f"({ADJUST_SWEDISH[row['method']]})" for _, row in families.iterrows()]
    level = f"{alpha:g}".replace(".", ",")
    return (f"Ett test per fråga och jämförelse; efter korrektion inom sin familj (α = {level}) håller "
            + " och ".join(parts) + ".")


def detectable(staff: pd.DataFrame, *, alpha: float, p_adjust: str) -> pd.DataFrame:
    """The smallest change the next measurement detects in each staff indicator, at the α it will face.

    The change tests are in the confirmatory family with the structured-vs-not tests:
    ``2 × 9`` tests, so each is planned at ``α / 18`` (:func:`samverkan.planning_alpha`).
    Respondents of two waves are independent samples of the same municipalities, and
    the change test counts each respondent once, so the design effect is 1.
    """
    items = indicators("operativ")
    level = planning_alpha(alpha, 2 * len(items), _methods(p_adjust)["confirmatory"])
    table = min_detectable_difference(score(staff, items=items), alpha=level, deff=1.0)
    return table[[*DETECTABLE_COLUMNS, *[c for c in table.columns if c not in DETECTABLE_COLUMNS]]]


def clustering_table(staff: pd.DataFrame, managers: pd.DataFrame | None) -> pd.DataFrame:
    """ICC of each indicator within municipalities (staff) and Mysam groups (managers), with CI and design effect."""
    frames = [icc(staff, item=indicators("operativ")).assign(survey="operativ")]
    if managers is not None:
        frames.append(icc(managers, item=indicators("chefsgrupp")).assign(survey="chefsgrupp"))
    table = pd.concat(frames, ignore_index=True)
    return table[["survey", *[c for c in table.columns if c != "survey"]]]


def reliability_table(staff_waves: pd.DataFrame, managers: pd.DataFrame | None) -> pd.DataFrame:
    """α with CI and ω of the indicator set per survey and wave, one row each (item-level columns left out)."""
    frames = [reliability(staff_waves, by="wave").assign(survey="operativ")]
    if managers is not None:
        frames.append(reliability(managers, by="wave").assign(survey="chefsgrupp"))
    table = pd.concat(frames, ignore_index=True).drop_duplicates(subset=["survey", "wave"])
    return table[["survey", "wave", "k", "n", "alpha", "alpha_ci_low", "alpha_ci_high", "omega"]].reset_index(
        drop=True)


def index_table(staff_waves: pd.DataFrame, *, min_n: int, hidden=frozenset()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The staff index per wave (all regions, ``"Alla"``) and per wave and region, suppressed.

    A region is hidden when it has fewer than ``min_n`` respondents with an index, when
    it is in ``hidden`` (the regions the report's disclosure plan hides), and — so that
    no subtraction from the "Alla" row recovers it — with the smallest other regions of
    its wave until the hidden ones hold at least ``min_n`` respondents.
    """
    overall = climate_index(staff_waves, by="wave").assign(region="Alla")
    by_region = climate_index(staff_waves, by=INDEX_BY)
    table = pd.concat([overall, by_region.astype({"region": "string"})], ignore_index=True)
    table = table[[*INDEX_BY, *[c for c in table.columns if c not in INDEX_BY]]].astype({"n": "Int64"})
    sizes = table["n"].copy()
    small = (suppress.is_small(table["n"], min_n) | table["region"].isin(list(hidden))).to_numpy()
    log = suppress.make_log("index", ["index"] * int(small.sum()), table.loc[small, "region"].astype(str),
                            table.loc[small, "n"], min_n, f"färre än {min_n} svar eller dold region")
    table.loc[small, ["n", "index", "index_ci_low", "index_ci_high", "sd"]] = pd.NA
    table["suppressed"] = small
    table["suppression_note"] = pd.array(np.where(small, "färre än {min_n} svar eller dold region".format(
        min_n=min_n), ""), dtype="string")
    table, complement = suppress.suppress_complement(table, group="region", sizes=sizes, stratify="wave", min_n=min_n)
    return table, pd.concat([log, complement], ignore_index=True)
