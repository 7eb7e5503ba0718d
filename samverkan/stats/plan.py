"""The tests of a förbund report, planned: which comparisons, in which family, corrected how.

:func:`planned_tests` is the one call the report makes. Each comparison is a
``section`` of the report; each section belongs to one of two planned families
(:data:`SECTIONS`):

* **confirmatory** — the questions the measurement is for: staff in structured
  collaboration or not (``strukturerad``), and the change since the baseline
  measurement (``forandring``); corrected by Holm (or the params file's ``p_adjust``).
* **exploratory** — regions (staff, Tabell 4, managers), structured vs not per
  municipality, paired items, managers vs staff; corrected by Benjamini–Hochberg.

Only the primary test of each question and comparison is in a family; companions,
items without variation and suppressed tests (of a group below ``min_n``, decided by
group sizes alone, before any p-value is seen) are not (:mod:`samverkan.stats.families`).
Every comparison counts each respondent once (``level="respondent"``); regions are
compared with their municipalities or Mysam groups as clusters. Any combination of
surveys works: a comparison whose data are missing (no staff survey, no baseline, no
regions, one group left) is simply absent.
"""

from __future__ import annotations

import pandas as pd

from .. import instrument, suppress
from ..vocabulary import FAMILY_METHODS, TEST_COLUMNS
from .comparisons import compare, compare_items, compare_surveys, compare_waves
from .families import adjust_families
from .paired import tests_frame

#: Section of the report → its planned family.
SECTIONS = {
    "strukturerad": "confirmatory", "forandring": "confirmatory",
    "strukturerad_kommun": "exploratory", "region": "exploratory", "region_tabell4": "exploratory",
    "region_chefer": "exploratory", "parade": "exploratory", "chefer_personal": "exploratory",
}
#: Paired items tested within the same respondents.
PAIRS = [("lyssnar", "vet_tillfora"), ("rutiner_myndigheter", "rutiner_aktorer"),
         ("strukturer_myndigheter", "strukturer_aktorer")]
#: Items tested per municipality (the source report's Bilaga 2).
PER_UNIT_ITEMS = ["synsatt", "arbetssatt", "rutiner_myndigheter"]


def _indicators(survey: str) -> list[str]:
    return [i.id for i in instrument.survey(survey).indicator_items]


def _group_comparisons(staff: pd.DataFrame | None, managers: pd.DataFrame | None) -> list[tuple]:
    """``(section, answers, by, stratify, items)`` of every between-group comparison."""
    plan = []
    if staff is not None:
        items = _indicators("operativ")
        plan += [("strukturerad", staff, "strukturerad", None, items),
                 ("strukturerad_kommun", staff, "strukturerad", "unit", PER_UNIT_ITEMS),
                 ("region", staff, "region", None, items),
                 ("region_tabell4", staff, "region", None, ["strukturerad"])]
    if managers is not None:
        plan.append(("region_chefer", managers, "region", None, _indicators("chefsgrupp")))
    return plan


def _other_comparisons(staff, managers, baseline) -> list[pd.DataFrame]:
    """Paired items, managers against staff and the change since the baseline, where their data exist."""
    if staff is None:
        return []
    pieces = [pd.concat([compare_items(staff, a, b) for a, b in PAIRS], ignore_index=True).assign(section="parade")]
    if managers is not None:
        pieces.append(compare_surveys(staff, managers).assign(section="chefer_personal"))
    if baseline is not None:
        pieces.append(compare_waves(baseline, staff, items=_indicators("operativ")).assign(section="forandring"))
    return pieces


def empty_tests() -> pd.DataFrame:
    """A tests table of :func:`planned_tests` without rows (every column, with its dtype)."""
    extra = {"unit": "string", "section": "string", "family": "string", "suppressed": "bool",
             "suppression_note": "string"}
    return tests_frame([]).assign(**{c: pd.array([], dtype=d) for c, d in extra.items()})


def planned_tests(
    staff: pd.DataFrame | None,
    *,
    managers: pd.DataFrame | None = None,
    baseline: pd.DataFrame | None = None,
    min_n: int = 5,
    confirmatory_method: str = FAMILY_METHODS["confirmatory"],
    plan=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every test of a förbund report, with its section and family, corrected per family and suppressed.

    Parameters
    ----------
    staff
        The staff analysis population (:func:`samverkan.analysis_population`), or ``None``.
    managers
        The managers' answers, or ``None``.
    baseline
        The staff analysis population of the baseline wave, or ``None``.
    min_n
        Groups below it are left out of the tests and logged; tests of a small group
        are suppressed.
    confirmatory_method
        The correction of the confirmatory family (Holm unless the params file says
        otherwise); the exploratory family is always Benjamini–Hochberg.
    plan
        The report's :class:`samverkan.disclosure.DisclosurePlan`: the groups it hides are
        left out of the tests (default: groups below ``min_n``, :func:`samverkan.drop_small_groups`).

    Returns
    -------
    tests : pandas.DataFrame
        The tests columns (:data:`samverkan.vocabulary.TEST_COLUMNS`, ``unit`` for the
        per-municipality section) plus ``section``, ``family`` (``"confirmatory"`` /
        ``"exploratory"`` on the primary rows, missing on companions and rows without
        a test), ``suppressed`` and ``suppression_note``.
    logs : pandas.DataFrame
        The suppression log of the groups left out or suppressed.
    """
    pieces, logs = [], []
    for section, answers, by, stratify, items in _group_comparisons(staff, managers):
        if plan is not None:
            kept, log = plan.for_tests(answers, by=by, items=items, level="respondent", stratify=stratify)
        else:
            kept, log = suppress.drop_small_groups(answers, by=[by, *([stratify] if stratify else [])], items=items,
                                                   min_n=min_n)
        logs.append(log.assign(table=section))
        groups = kept.groupby("item", observed=True)[by].nunique()
        present = [i for i in items if groups.get(i, 0) >= 2]  # an item left with one group has nothing to test
        if present:
            pieces.append(compare(kept, by=by, items=present, stratify=stratify).assign(section=section))
    pieces = [p for p in [*pieces, *_other_comparisons(staff, managers, baseline)] if len(p)]
    if not pieces:
        return empty_tests(), suppress.suppression_log(*logs, include_n=True)
    tests = pd.concat(pieces, ignore_index=True)
    if "unit" not in tests:
        tests["unit"] = pd.array([pd.NA] * len(tests), dtype="string")
    tests = tests[[*TEST_COLUMNS, "unit", "section"]]
    primary = tests["role"].eq("primary").fillna(False).to_numpy(dtype=bool)
    tests["family"] = pd.array(tests["section"].map(SECTIONS).where(primary), dtype="string")
    tests, log = suppress.suppress_tests(tests, min_n=min_n)
    tests = adjust_families(tests, methods={**FAMILY_METHODS, "confirmatory": confirmatory_method})
    return tests, suppress.suppression_log(*logs, log.assign(table="test"), include_n=True)
