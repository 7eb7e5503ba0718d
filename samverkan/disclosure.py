"""Suppression that survives arithmetic: one decision per report of which groups are hidden, used by every output.

Hiding each small group where it appears (:mod:`samverkan.suppress`) is not enough: a
total beside its parts gives a hidden part away by subtraction, and so does a test's
``n`` or its difference in shares, or one table set against another. A
:class:`DisclosurePlan` decides once, from the answers, which regions (per survey and
per item) and which municipalities (per item of the per-municipality tests) are not
shown; the item tables, the charts, the tests, the sentences built from the tests,
``results.json`` and the workbook all follow it.

The rules, for ``min_n`` (default 5):

1. **Survey**: a region with fewer than ``min_n`` respondents is hidden everywhere in
   that survey's part of the report (data overview, every item table and chart, every
   test). If hidden regions exist, the smallest shown regions are hidden with them until
   the hidden ones hold at least ``min_n`` respondents — a single hidden region would
   be the total minus the shown ones.
2. **Item**: a region with fewer than ``min_n`` respondents answering an item is hidden
   for that item too, with the survey's hidden regions; when that adds a region, the
   smallest shown regions are hidden with it until the hidden ones hold at least
   ``min_n`` answers and are at least two. The same hidden regions apply to the item's
   table, its chart and every test of it; a test never includes a hidden region, so its
   ``n`` and effect size are sums and differences of shown regions only.
3. **Municipality** (the per-municipality tests of structured collaboration): a
   municipality is tested only when both its groups have at least ``min_n`` answers and
   its region is shown; within each shown region, and over the whole förbund, the
   municipalities left out must hold, for each group and in total, none or at least
   ``min_n`` answers — else the smallest tested municipality there is left out too.
   A municipality with a single group is never tested (its one ``n`` would be its total
   minus the other group).

The guarantee is checked by a test that attacks every sample report and a small-groups
förbund with every linear combination of their published counts
(``tests/test_differencing.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import suppress
from .vocabulary import as_list, check_min_n

SECONDARY_NOTE = "undertryckt för att skydda en mindre grupp"
GROUPS = ("ja", "nej")


def _note(min_n: int) -> str:
    return f"färre än {min_n} svar"


def _respondents(answers: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """Distinct respondents per ``keys`` (rows with a missing key left out)."""
    return answers.dropna(subset=list(keys)).groupby(list(keys), observed=True)["respondent_id"].nunique()


def _complement(sizes: Mapping[str, int], hidden: set[str], min_n: int, at_least: int = 2) -> set[str]:
    """``hidden`` plus the smallest other groups, until they hold at least ``min_n`` and number ``at_least``."""
    hidden = set(hidden)
    if not hidden:
        return hidden
    shown = sorted((n, str(name)) for name, n in sizes.items() if name not in hidden)
    while shown and (sum(sizes.get(h, 0) for h in hidden) < min_n or len(hidden) < at_least):
        hidden.add(shown.pop(0)[1])
    return hidden


@dataclass
class DisclosurePlan:
    """Which regions and municipalities a report hides, decided once (see the module docstring)."""

    min_n: int = 5
    survey_hidden: dict[str, frozenset] = field(default_factory=dict)
    survey_small: dict[str, frozenset] = field(default_factory=dict)
    item_hidden: dict[tuple[str, str], frozenset] = field(default_factory=dict)
    item_small: dict[tuple[str, str], frozenset] = field(default_factory=dict)
    tested_units: dict[str, frozenset] = field(default_factory=dict)

    # ------------------------------------------------------------ deciding

    @classmethod
    def from_answers(cls, surveys: Mapping[str, pd.DataFrame | None], *, min_n: int = 5,
                     unit_items: Iterable[str] = ()) -> "DisclosurePlan":
        """The plan of a report: ``surveys`` maps survey name → tidy answers (or ``None``).

        ``unit_items`` are the staff items tested per municipality (structured vs not).
        """
        plan = cls(min_n=check_min_n(min_n))
        for survey, answers in surveys.items():
            if answers is not None and len(answers):
                plan._decide_regions(survey, answers)
        staff = surveys.get("operativ")
        if staff is not None and len(staff) and "strukturerad" in staff:
            for item in unit_items:
                plan._decide_units(staff, item)
        return plan

    def _decide_regions(self, survey: str, answers: pd.DataFrame) -> None:
        respondents = _respondents(answers, ["region"]).to_dict()
        small = {r for r, n in respondents.items() if n < self.min_n}
        self.survey_small[survey] = frozenset(small)
        self.survey_hidden[survey] = frozenset(_complement(respondents, small, self.min_n))
        answered = answers[answers["value"].notna().to_numpy()]
        per_item = _respondents(answered, ["item", "region"])
        for item in answers["item"].astype(str).unique():
            sizes = {r: int(per_item.get((item, r), 0)) for r in respondents}
            item_small = {r for r, n in sizes.items() if n < self.min_n}
            hidden = set(self.survey_hidden[survey]) | item_small
            if hidden - self.survey_hidden[survey]:
                hidden = _complement(sizes, hidden, self.min_n)
            self.item_small[(survey, item)] = frozenset(item_small | small)
            self.item_hidden[(survey, item)] = frozenset(hidden)

    def _decide_units(self, staff: pd.DataFrame, item: str) -> None:
        rows = staff[(staff["item"] == item).to_numpy() & staff["value"].notna().to_numpy()]
        cells = _respondents(rows, ["unit", "strukturerad"])
        region_of = dict(zip(rows["unit"].astype(str), rows["region"].astype(str)))
        units = sorted(region_of)
        size = {u: {g: int(cells.get((u, g), 0)) for g in GROUPS} for u in units}
        hidden_regions = self.item_hidden.get(("operativ", item), frozenset())
        tested = {u for u in units if region_of[u] not in hidden_regions
                  and all(size[u][g] >= self.min_n for g in GROUPS)}
        blocks = [set(units)] + [{u for u in units if region_of[u] == r} for r in sorted(set(region_of.values()))]
        changed = True
        while changed:
            changed = False
            for block in blocks:
                left_out = block - tested
                sums = [sum(size[u][g] for u in left_out) for g in GROUPS]
                sums.append(sum(sums))
                if any(0 < s < self.min_n for s in sums) and block & tested:
                    tested.discard(min(block & tested, key=lambda u: (sum(size[u].values()), u)))
                    changed = True
        self.tested_units[item] = frozenset(tested)

    # ------------------------------------------------------------ asking

    def hidden(self, survey: str, item: str | None = None) -> frozenset:
        """The regions not shown for ``survey`` (and ``item``)."""
        if item is None:
            return self.survey_hidden.get(survey, frozenset())
        return self.item_hidden.get((survey, item), self.hidden(survey))

    def is_small(self, survey: str, item: str | None, region: str) -> bool:
        """Whether ``region`` is hidden for its own size (not to protect another)."""
        small = self.survey_small.get(survey, frozenset()) if item is None else \
            self.item_small.get((survey, item), frozenset())
        return region in small

    # ------------------------------------------------------------ applying

    def hide_scores(self, table: pd.DataFrame, survey: str, *, group: str = "region",
                    total: str = "Alla") -> tuple[pd.DataFrame, pd.DataFrame]:
        """Hide the rows of hidden regions in a scores table (``item`` × ``group``, with a ``total`` row).

        Returns the table (numeric columns missing, ``suppressed`` and
        ``suppression_note`` set; run :func:`samverkan.suppress.suppress_scores` first
        for the small totals) and a log of the regions hidden to protect another.
        """
        result = table.copy()
        keys = list(zip(result["item"].astype(str), result[group].astype(str)))
        hide = np.array([g != total and g in self.hidden(survey, i) for i, g in keys], dtype=bool)
        second = hide & np.array([not self.is_small(survey, i, g) for i, g in keys], dtype=bool)
        notes = np.where(second, SECONDARY_NOTE, _note(self.min_n))
        return _blank(result, hide, notes, exclude={"item", group}), self._log(result, second, group)

    def hide_overview(self, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The data overview (``survey`` × ``region`` with ``respondents``, ``unit_rows``, ``units``) as the plan shows it."""
        result = table.copy()
        keys = list(zip(result["survey"].astype(str), result["region"].astype(str)))
        own = (pd.to_numeric(result["respondents"], errors="coerce") < self.min_n).fillna(False).to_numpy()
        hide = own | np.array([g != "Alla" and g in self.hidden(s) for s, g in keys], dtype=bool)
        second = hide & ~own & np.array([not self.is_small(s, None, g) for s, g in keys], dtype=bool)
        notes = np.where(second, SECONDARY_NOTE, _note(self.min_n))
        return (_blank(result, hide, notes, exclude={"survey", "region"}),
                self._log(result.assign(item=""), second, "region"))

    def hide_distribution(self, distribution: pd.DataFrame, survey: str, *, group: str = "region") -> pd.DataFrame:
        """Mark the rows of hidden regions in a label distribution (``percent`` missing, ``suppressed`` true).

        The counts stay, so a chart can tell a group hidden for its own size (``n <
        min_n``) from one hidden to protect another.
        """
        result = distribution.copy()
        keys = zip(result["item"].astype(str), result[group].astype(str))
        hide = np.array([g in self.hidden(survey, i) for i, g in keys], dtype=bool)
        before = result["suppressed"].to_numpy(dtype=bool) if "suppressed" in result else np.zeros(len(result), bool)
        result.loc[hide, "percent"] = np.nan
        result["suppressed"] = before | hide
        return result

    def for_tests(self, answers: pd.DataFrame, *, by: str, items: Sequence[str], level: str,
                  stratify: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The answers a test of ``items`` by ``by`` may see, and a log of the groups left out.

        By region: no hidden region of the item. By ``strukturerad`` stratified by ``unit``:
        only the municipalities the plan tests. Otherwise: no group below ``min_n``
        (:func:`samverkan.suppress.drop_small_groups`).
        """
        items = as_list(items)
        survey = str(answers["survey"].iloc[0]) if len(answers) else ""
        if by == "region" and stratify is None:
            hidden = {item: self.hidden(survey, item) for item in items}
            drop = np.array([i in hidden and r in hidden[i] for i, r in
                             zip(answers["item"].astype(str), answers["region"].astype(str))], dtype=bool)
            return answers[~drop], self._left_out(answers, drop, ["region"], level)
        if by == "strukturerad" and stratify == "unit":
            drop = np.array([i in items and u not in self.tested_units.get(i, frozenset()) for i, u in
                             zip(answers["item"].astype(str), answers["unit"].astype(str))], dtype=bool)
            return answers[~drop], self._left_out(answers, drop, ["strukturerad", "unit"], level)
        return suppress.drop_small_groups(answers, by=[by, *([stratify] if stratify else [])], items=items,
                                          min_n=self.min_n, level=level)

    # ------------------------------------------------------------ logs

    def _log(self, table: pd.DataFrame, rows: np.ndarray, group: str) -> pd.DataFrame:
        return suppress.make_log("sekundär", table.loc[rows, "item"].astype(str), table.loc[rows, group].astype(str),
                                 pd.array([pd.NA] * int(rows.sum()), dtype="Int64"), self.min_n, SECONDARY_NOTE)

    def _left_out(self, answers: pd.DataFrame, drop: np.ndarray, by: list[str], level: str) -> pd.DataFrame:
        gone = answers[drop].dropna(subset=by)
        if gone.empty:
            return suppress.make_log("test", [], [], [], self.min_n, "")
        counts = gone[gone["value"].notna().to_numpy()].groupby(["item", *by], observed=True)["respondent_id"]
        sizes = counts.nunique() if level == "respondent" else counts.size()
        sizes = sizes.reindex(gone.groupby(["item", *by], observed=True).size().index, fill_value=0)
        names = [suppress.GROUP_SEPARATOR.join(str(v) for v in key[1:]) for key in sizes.index]
        return suppress.make_log("test", [str(key[0]) for key in sizes.index], names, sizes.to_numpy(), self.min_n,
                                 "gruppen ingår inte i testet: den är liten eller döljs för att skydda en mindre grupp")


def _blank(table: pd.DataFrame, hide: np.ndarray, notes: np.ndarray, *, exclude: set[str]) -> pd.DataFrame:
    """Numeric columns missing on ``hide`` rows; ``suppressed`` and ``suppression_note`` set there."""
    numeric = [c for c in table.columns if c not in exclude | set(suppress.MARK_COLUMNS)
               and pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]
    for column in numeric:
        table.loc[hide, column] = pd.NA if str(table[column].dtype) in ("Int64", "Float64") else np.nan
    before = table["suppressed"].to_numpy(dtype=bool) if "suppressed" in table else np.zeros(len(table), bool)
    old = table["suppression_note"].astype("string").fillna("") if "suppression_note" in table else \
        pd.Series("", index=table.index, dtype="string")
    table["suppressed"] = before | hide
    table["suppression_note"] = pd.Series(np.where(hide, notes, old), index=table.index, dtype="string")
    return table
