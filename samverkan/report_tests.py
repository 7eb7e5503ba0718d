"""Every significance test of a förbund's report: planned families, one primary test per question.

The report's questions fall in two families, corrected separately:

* **confirmatory** (``bekräftande``): structured collaboration against the rest, and
  the change since the baseline wave — the questions the measurement was planned to
  answer; corrected with the params file's ``p_adjust`` (Holm by default);
* **exploratory** (``utforskande``): regions, municipalities, paired items, managers
  against staff — corrected with Benjamini–Hochberg (``fdr_bh``).

For each question and comparison the rank test (Mann–Whitney, Kruskal–Wallis,
Wilcoxon) is the primary test and the only one that enters its family (the share test
of a nominal item is primary where there is no rank test, as for Tabell 4). The
difference in the share of high values is its descriptive companion:
``share_high`` and ``share_high_reference`` (each group's share, every respondent
counted once) and ``share_difference`` with the interval of the share test
(``share_difference_ci_low``, ``share_difference_ci_high``; Newcombe), in percentage
points × 0.01.

Each row also says which report section it belongs to (``section``). A comparison
that cannot be made (one group left after small groups were removed, a survey or the
baseline missing) is simply absent; the report says why in Swedish.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import instrument, suppress
from .disclosure import DisclosurePlan
from .stats.comparisons import adjust, compare, compare_items, compare_surveys, compare_waves
from .stats.scores import score
from .vocabulary import SHARE_TEST_COLUMNS

PAIRS = [("lyssnar", "vet_tillfora"), ("rutiner_myndigheter", "rutiner_aktorer"),
         ("strukturer_myndigheter", "strukturer_aktorer")]
#: The items of the per-municipality comparison (the source report's Bilaga 2).
BY_UNIT_ITEMS = ["synsatt", "arbetssatt", "rutiner_myndigheter"]
#: Report section → its family.
FAMILIES = {
    "strukturerad": "confirmatory", "forandring": "confirmatory",
    "strukturerad_kommun": "exploratory", "region": "exploratory", "region_tabell4": "exploratory",
    "region_chefer": "exploratory", "parade": "exploratory", "chefer_personal": "exploratory",
}
#: Correction method of the exploratory family (the confirmatory one takes the params file's).
EXPLORATORY_ADJUST = "fdr_bh"
#: Tests that are a share test (descriptive companions, or primary where no rank test exists).
SHARE_TESTS = ("chi2-share-high", "chi2-share-high-permutation", "fisher-exact-share-high", "mcnemar",
               "mcnemar-exact")


def staff_items() -> list[str]:
    """The staff survey's indicator items, in questionnaire order."""
    return [i.id for i in instrument.survey("operativ").indicator_items]


def manager_items() -> list[str]:
    """The manager survey's indicator items, in questionnaire order."""
    return [i.id for i in instrument.survey("chefsgrupp").indicator_items]


def _testable(answers: pd.DataFrame, by: str, within: str | None, items: list[str]) -> bool:
    """Whether some item (within some stratum) has answers in at least two groups of ``by``."""
    rows = answers[answers["item"].isin(items) & answers["value"].notna()]
    keys = ["item", *([within] if within else [])]
    if rows.empty or rows[by].isna().all():
        return False
    return bool((rows.dropna(subset=[by, *keys[1:]]).groupby(keys, observed=True)[by].nunique() >= 2).any())


def _group_tests(staff, managers, plan: DisclosurePlan) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """The group comparisons (structured, per municipality, regions), without the groups the plan hides.

    A test never sees a hidden region or an untested municipality (:meth:`DisclosurePlan.for_tests`),
    so its ``n`` and differences are sums and differences of shown groups only.
    """
    plans = []
    if staff is not None:
        plans += [("strukturerad", staff, "strukturerad", "respondent", None, staff_items()),
                  ("strukturerad_kommun", staff, "strukturerad", "respondent", "unit", BY_UNIT_ITEMS),
                  ("region", staff, "region", "respondent", None, staff_items()),
                  ("region_tabell4", staff, "region", "respondent", None, ["strukturerad"])]
    if managers is not None:
        plans.append(("region_chefer", managers, "region", "respondent", None, manager_items()))
    pieces, logs = [], []
    for section, answers, by, level, within, items in plans:
        kept, log = plan.for_tests(answers, by=by, items=items, level=level, within=within)
        logs.append(log.assign(table=section))
        if _testable(kept, by, within, items):
            tests = compare(kept, by=by, items=items, level=level, within=within)
            pieces.append(tests.assign(section=section))
    return pieces, logs


def _other_tests(staff, managers, baseline_staff) -> list[pd.DataFrame]:
    """Paired items, managers against staff, and the change since the baseline."""
    pieces = []
    if staff is not None:
        pieces.append(pd.concat([compare_items(staff, a, b) for a, b in PAIRS], ignore_index=True)
                      .assign(section="parade"))
    if staff is not None and managers is not None:
        pieces.append(compare_surveys(staff, managers).assign(section="chefer_personal"))
    if staff is not None and baseline_staff is not None:
        pieces.append(compare_waves(baseline_staff, staff, items=staff_items()).assign(section="forandring"))
    return pieces


def all_tests(staff, managers, baseline_staff, *, min_n: int, p_adjust: str,
              overall: dict[str, pd.DataFrame] | None = None,
              plan: DisclosurePlan | None = None) -> tuple[pd.DataFrame, list]:
    """Every primary test of the report, adjusted within its family and suppressed.

    ``overall`` (survey → :func:`samverkan.score` of its indicator items, respondents
    once, no groups) saves scoring the whole förbund again for the share columns;
    ``plan`` is the report's :class:`samverkan.disclosure.DisclosurePlan` (made here
    from the answers when not given).

    Returns
    -------
    tests : pandas.DataFrame
        The test columns (:data:`samverkan.vocabulary.TEST_COLUMNS`) plus ``unit``
        (per-municipality rows), ``section``, ``family`` (``"confirmatory"`` /
        ``"exploratory"``), the share columns
        (:data:`samverkan.vocabulary.SHARE_TEST_COLUMNS`), ``suppressed`` and
        ``suppression_note``. One row per question and comparison.
    logs : list of pandas.DataFrame
        Suppression logs of the groups removed before testing and of the tests.
    """
    plan = plan or DisclosurePlan.from_answers({"operativ": staff, "chefsgrupp": managers}, min_n=min_n,
                                               unit_items=BY_UNIT_ITEMS)
    pieces, logs = _group_tests(staff, managers, plan)
    pieces += _other_tests(staff, managers, baseline_staff)
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return empty_tests(), logs
    tests = pd.concat(pieces, ignore_index=True)
    if "unit" not in tests:
        tests["unit"] = pd.NA
    tests = _with_shares(tests[tests["test"].notna()].reset_index(drop=True), staff, managers, baseline_staff,
                         overall or {})
    tests["family"] = tests["section"].map(FAMILIES)
    tests = _adjust_families(tests, p_adjust)
    tests, log = suppress.suppress_tests(tests, min_n=min_n, within=["unit"])
    tests.loc[tests["suppressed"].to_numpy(dtype=bool), list(SHARE_TEST_COLUMNS)] = np.nan
    return tests.reset_index(drop=True), [*logs, log.assign(table="test")]


def empty_tests() -> pd.DataFrame:
    """A tests table without rows, with every column :func:`all_tests` returns."""
    from .vocabulary import TEST_COLUMNS, TEST_DTYPES

    columns = {c: pd.array([], dtype=TEST_DTYPES[c]) for c in TEST_COLUMNS}
    extra = {"unit": pd.array([], dtype="string"), "section": pd.array([], dtype="string"),
             "family": pd.array([], dtype="string"), **{c: pd.array([], dtype="float64") for c in SHARE_TEST_COLUMNS},
             "suppressed": pd.array([], dtype="bool"), "suppression_note": pd.array([], dtype="string")}
    return pd.DataFrame({**columns, **extra})


def _adjust_families(tests: pd.DataFrame, p_adjust: str) -> pd.DataFrame:
    """``pvalue_adjusted`` within each family, with that family's method."""
    parts = []
    for family, method in (("confirmatory", p_adjust), ("exploratory", EXPLORATORY_ADJUST)):
        part = tests[(tests["family"] == family).to_numpy()]
        if len(part):
            parts.append(adjust(part, method=method))
    return pd.concat(parts).sort_index()


# ------------------------------------------------------------------ primary tests and their shares


def _with_shares(tests: pd.DataFrame, staff, managers, baseline_staff, overall: dict) -> pd.DataFrame:
    """One primary row per question and comparison, with the share columns of its companion share test."""
    key = ["section", "item", "comparison", "unit"]
    is_share = tests["test"].isin(SHARE_TESTS).to_numpy()
    keys = tests[key].astype("string").fillna("").apply(tuple, axis=1)
    has_rank = set(keys[~is_share])
    primary = ~is_share | ~keys.isin(has_rank).to_numpy()
    companions = tests[is_share & keys.isin(has_rank).to_numpy()]
    difference = {k: row for k, (_, row) in zip(keys[companions.index], companions.iterrows())
                  if row["effect_size_name"] == "share_high difference"}
    result = tests[primary].copy()
    own = result["effect_size_name"] == "share_high difference"
    shares = {"share_difference": [], "share_difference_ci_low": [], "share_difference_ci_high": []}
    for k, (_, row), is_own in zip(keys[result.index], result.iterrows(), own):
        source = row if is_own else difference.get(k)
        shares["share_difference"].append(np.nan if source is None else source["effect_size"])
        shares["share_difference_ci_low"].append(np.nan if source is None else source["ci_low"])
        shares["share_difference_ci_high"].append(np.nan if source is None else source["ci_high"])
    high, reference = _group_shares(result, staff, managers, baseline_staff, overall)
    result = result.assign(share_high=high, share_high_reference=reference, **shares)
    paired = result["section"].eq("parade").to_numpy()
    result.loc[paired, "share_difference"] = (result["share_high"] - result["share_high_reference"])[paired]
    return result.reset_index(drop=True)


def _share_lookup(answers: pd.DataFrame | None, by: list[str], scored: pd.DataFrame | None = None) -> dict:
    """(item, *group values as text) → share of high values, every respondent once per group.

    ``scored``: the scores table already computed (respondents once, grouped by ``by``).
    """
    if answers is None:
        return {}
    table = scored if scored is not None else score(
        answers, items=sorted(set(answers["item"].astype(str)) & set(_scored())), by=by or None, level="respondent")
    columns = ["item", *by]
    return {tuple(str(v) for v in key): share
            for key, share in zip(table[columns].itertuples(index=False, name=None), table["share_high"])}


def _scored() -> list[str]:
    return [i for i, it in instrument.items_by_id().items() if it.is_scored]


def _group_shares(tests: pd.DataFrame, staff, managers, baseline_staff, overall: dict) -> tuple[list, list]:
    """Each two-group row's ``share_high`` (group) and ``share_high_reference``; missing for many-group rows."""
    sections = set(tests["section"])
    whole = {s: _share_lookup(a, [], overall.get(s)) for s, a in (("operativ", staff), ("chefsgrupp", managers))
             if a is not None and sections & {"chefer_personal", "forandring"}}
    lookups = {
        "strukturerad": _share_lookup(staff, ["strukturerad"]) if "strukturerad" in sections else {},
        "strukturerad_kommun": _share_lookup(staff, ["unit", "strukturerad"])
        if "strukturerad_kommun" in sections else {},
        "chefer_personal": {(s, *k): v for s, found in whole.items() for k, v in found.items()},
    }
    waves = {}
    if "forandring" in sections:
        waves = {str(staff["wave"].iloc[0]): whole["operativ"],
                 str(baseline_staff["wave"].iloc[0]): _share_lookup(baseline_staff, [])}
    high, reference = [], []
    for row in tests.itertuples(index=False):
        pair = _pair_shares(row, lookups, waves, staff)
        high.append(pair[0])
        reference.append(pair[1])
    return high, reference


def _pair_shares(row, lookups: dict, waves: dict, staff) -> tuple[float, float]:
    """The two shares of one test row (NaN where the row compares more than two groups)."""
    item, group, ref, section = str(row.item), str(row.group), str(row.reference), row.section
    if pd.isna(row.reference):
        return np.nan, np.nan
    if section == "strukturerad":
        found = lookups["strukturerad"]
        return found.get((item, group), np.nan), found.get((item, ref), np.nan)
    if section == "strukturerad_kommun":
        found = lookups["strukturerad_kommun"]
        return found.get((item, str(row.unit), group), np.nan), found.get((item, str(row.unit), ref), np.nan)
    if section == "chefer_personal":
        found = lookups["chefer_personal"]
        return found.get((group, item), np.nan), found.get((ref, item), np.nan)
    if section == "forandring":
        return waves.get(group, {}).get((item,), np.nan), waves.get(ref, {}).get((item,), np.nan)
    if section == "parade":
        return _paired_shares(staff, group, ref)
    return np.nan, np.nan


def _paired_shares(staff: pd.DataFrame, first: str, second: str) -> tuple[float, float]:
    """Shares of high values of two items among the respondents who answered both (as the paired test)."""
    shares = []
    rows = staff[staff["item"].isin([first, second]) & staff["value"].notna()]
    wide = rows.drop_duplicates(["respondent_id", "item"]).pivot(index="respondent_id", columns="item",
                                                                  values="value").dropna()
    for item_id in (first, second):
        high = set(instrument.item(item_id).high_values)
        shares.append(float(wide[item_id].isin(high).mean()) if len(wide) else np.nan)
    return shares[0], shares[1]


__all__ = ["all_tests", "empty_tests", "FAMILIES", "PAIRS", "SHARE_TEST_COLUMNS"]
