"""The numbers of a förbund's report, computed once and suppressed: scores, charts, tests, planning.

:func:`compute` is the first half of :func:`samverkan.report.build_report`; the second
half (:mod:`samverkan.report_sections`) turns these numbers into sections a reader
reads. The tables here are the machine tables of ``tables.xlsx`` and ``results.json``:
exact values, question ids beside the Swedish labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import instrument, plots, report_tests, suppress
from .chart_parts import likert_table
from .disclosure import DisclosurePlan
from .display import Figure
from .render import LIKERT
from .sentences import percent
from .stats import methods
from .stats.plan import PER_UNIT_ITEMS
from .stats.planning import detectable_share
from .stats.scores import distribution, score
from .tidy import concat

FORMS = ["former_med_brukare", "former_utan_brukare", "former_ovriga"]
SURVEY_NAMES = {"operativ": "operativ personal", "chefsgrupp": "lokala chefsgrupper (Mysam)"}
#: Power of the detectable differences (the usual 80 %).
POWER = 0.8
#: Columns of the detectable-difference table (``pavisbar``).
DETECTABLE_COLUMNS = ["item", "question", "n", "share_high", "mdd_up_pp", "people_up", "mdd_down_pp", "people_down",
                      "n_for_mdd_10", "test_alpha", "deff"]


@dataclass
class Computed:
    """Everything a report shows, before it is laid out in sections.

    ``planned`` is every row of the planned tests (:func:`samverkan.report_tests.all_tests`:
    primary tests, their companions, rows without a test); ``tests`` its primary rows, one
    per question and comparison, with the share columns: what the sections read.
    """

    params: object
    answers: dict[str, pd.DataFrame]
    baseline: pd.DataFrame | None
    group: str
    planned: pd.DataFrame
    tests: pd.DataFrame
    scores: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    logs: list[pd.DataFrame] = field(default_factory=list)
    planning_alpha: float = 0.05
    overall: dict[str, pd.DataFrame] = field(default_factory=dict)
    tabell4: pd.DataFrame | None = None
    background: pd.DataFrame | None = None
    ignored: pd.DataFrame | None = None
    plan: DisclosurePlan | None = None
    baseline_answers: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def min_n(self) -> int:
        return int(self.params.min_n)

    @property
    def staff(self) -> pd.DataFrame | None:
        return self.answers.get("operativ")

    @property
    def managers(self) -> pd.DataFrame | None:
        return self.answers.get("chefsgrupp")


def compute(staff, managers, baseline_staff, params, *, ignored: list[pd.DataFrame] = (),
            baseline_managers: pd.DataFrame | None = None) -> Computed:
    """Every number of the report, suppressed; see :class:`Computed`.

    ``ignored``: the export columns left out on purpose (:attr:`samverkan.load.ReadResult.ignored`
    with ``survey`` and ``wave``), listed in the report's data section. ``baseline_managers``:
    the managers' answers of the baseline wave, used for the reliability and the index only.
    """
    answers = {s: a for s, a in (("operativ", staff), ("chefsgrupp", managers)) if a is not None}
    group = "region" if params.regions else "unit"
    overall = {s: score(a, items=indicator_items(s), level="respondent") for s, a in answers.items()}
    plan = DisclosurePlan.from_answers({"operativ": staff, "chefsgrupp": managers}, min_n=int(params.min_n),
                                       unit_items=PER_UNIT_ITEMS)
    planned, logs = report_tests.all_tests(staff, managers, baseline_staff, min_n=int(params.min_n),
                                           p_adjust=params.p_adjust, overall=overall, plan=plan)
    primary = planned["role"].eq("primary").fillna(False).to_numpy(dtype=bool)
    data = Computed(params=params, answers=answers, baseline=baseline_staff, group=group, planned=planned,
                    tests=planned[primary].reset_index(drop=True), logs=logs, overall=overall, plan=plan,
                    baseline_answers={s: a for s, a in (("operativ", baseline_staff),
                                                        ("chefsgrupp", baseline_managers)) if a is not None})
    data.planning_alpha = methods.report_planning_alpha(float(params.alpha), params.p_adjust)
    data.ignored = _ignored_table(ignored)
    for survey, survey_answers in answers.items():
        data.scores[survey] = _item_scores(data, survey, survey_answers)
        _charts(data, survey, survey_answers)
    data.tables = _machine_tables(data)
    return data


# ------------------------------------------------------------------ item scores and charts


def indicator_items(survey: str) -> list[str]:
    """The indicator items of ``survey`` in questionnaire order."""
    return [i.id for i in instrument.survey(survey).indicator_items]


def _item_scores(data: Computed, survey: str, answers: pd.DataFrame) -> pd.DataFrame:
    """Share of high values per indicator item: the whole förbund ("Alla") and each group, respondents once."""
    items = indicator_items(survey)
    overall = data.overall[survey].assign(group="Alla")
    extra = ["strukturerad"] if survey == "operativ" and data.group == "region" else []
    by_group = score(answers, items=items + extra, by=data.group, level="respondent")
    by_group = by_group.rename(columns={data.group: "group"}).astype({"group": "string"})
    if extra:  # the share in structured collaboration per region (the source report's Tabell 4), for its table
        data.tabell4 = by_group[(by_group["item"] == "strukturerad").to_numpy()].reset_index(drop=True)
        by_group = by_group[(by_group["item"] != "strukturerad").to_numpy()]
    table = pd.concat([overall, by_group], ignore_index=True).astype({"group": "string", "item": "string"})
    order = {item_id: k for k, item_id in enumerate(items)}
    table = table.sort_values("item", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    sizes = table["n"].copy()
    table, log = suppress.suppress_scores(table, by="group", min_n=data.min_n)
    if data.group == "region":  # every output hides the regions the report's disclosure plan hides
        table, complement = data.plan.hide_scores(table, survey, group="group")
    else:
        table, complement = suppress.suppress_complement(table, group="group", sizes=sizes, min_n=data.min_n)
    data.logs.append(pd.concat([log, complement]).assign(table=f"andel höga värden, {SURVEY_NAMES[survey]}"))
    table.insert(0, "survey", survey)
    table.insert(1, "level", "respondent")
    table.insert(3, "question", table["item"].map(lambda i: instrument.label(i, survey)))
    table.insert(4, "group_by", data.group)
    columns = ["survey", "level", "item", "question", "group_by", "group", "n", "n_missing", "share_high",
               "share_high_ci_low", "share_high_ci_high", "mean", "suppressed", "suppression_note"]
    return table[columns]


def groups_of(data: "Computed", survey: str) -> list[str]:
    """The groups (regions, or units without regions) of a survey's answers that have answers."""
    column = data.answers[survey][data.group]
    return sorted(str(g) for g in column.dropna().unique())


def scale_blocks(survey: str) -> list[tuple[str, list[str]]]:
    """The survey's indicator items by scale, in questionnaire order: ``[(scale name, [items])]``."""
    blocks: dict[str, list[str]] = {}
    for item_id in indicator_items(survey):
        blocks.setdefault(instrument.item(item_id).scale.name, []).append(item_id)
    return list(blocks.items())


def _charts(data: Computed, survey: str, answers: pd.DataFrame) -> None:
    """The survey's Likert charts, with the scores table's suppression.

    With several groups, one chart per indicator item with a bar per group; with one
    group (or none), one chart per scale with a bar per item: the whole förbund at a glance.
    """
    items = indicator_items(survey)
    if len(groups_of(data, survey)) > 1:
        shown = distribution(answers, items=items, by=data.group, level="respondent")
        hidden = data.scores[survey]
        hidden = set(zip(hidden.loc[hidden["suppressed"], "item"], hidden.loc[hidden["suppressed"], "group"]))
        keys = list(zip(shown["item"].astype(str), shown[data.group].astype("string").fillna("")))
        shown = shown.assign(suppressed=[key in hidden for key in keys])
        for item_id in items:
            title = instrument.survey(survey).item(item_id).text
            _chart(data, f"{survey}_{item_id}", shown, [item_id], data.group, title)
        return
    shown = distribution(answers, items=items, level="respondent")
    for scale, scale_items in scale_blocks(survey):
        stem = instrument.scale(scale).question_stem.lower()
        _chart(data, f"{survey}_{scale}", shown, scale_items, None, f"Frågor om {stem}, hela förbundet")


def _chart(data: Computed, name: str, shown: pd.DataFrame, items: list[str], by, title: str) -> None:
    """Draw one chart (``name``: ``<survey>_<item or scale>``) and keep it with its alt text and caption."""
    survey = name.partition("_")[0]
    rows = likert_table(shown, items=items, by=by, min_n=data.min_n)
    svg = plots.render_svg(lambda ax: plots.likert(shown, items=items, by=by, ax=ax, min_n=data.min_n, title=title),
                           name=name, layout=LIKERT, rows=len(rows),
                           title=instrument.label(items[0], survey) if len(items) == 1 else title)
    data.figures[name] = Figure(name=name, svg=svg, alt=likert_alt(rows, survey, data.min_n),
                                caption=_chart_caption(data, survey, by is not None))


def _chart_caption(data: Computed, survey: str, grouped: bool) -> str:
    unit = "region" if data.group == "region" else "kommun" if survey == "operativ" else "chefsgrupp"
    what = f"Svarsfördelning per {unit}" if grouped else "Svarsfördelning per fråga, hela förbundet"
    return (f"{what}, {SURVEY_NAMES[survey]}. Vet ej, ej aktuellt och blanka svar står till höger och ingår inte "
            "i procenten.")


def likert_alt(rows: pd.DataFrame, survey: str, min_n: int) -> str:
    """The alt text of a Likert chart: its questions and every number it shows, in Swedish."""
    items = list(dict.fromkeys(rows["item"]))
    labels = list(instrument.item(items[0]).labels)
    what = instrument.label(items[0], survey) if len(items) == 1 else "frågorna " + ", ".join(
        instrument.label(i, survey) for i in items)
    parts = [f"Diagram: svarsfördelning, {what}."]
    for row in rows.itertuples(index=False):
        record = row._asdict()
        name = record["group"] if len(items) == 1 else instrument.label(record["item"], survey)
        if record["suppressed"]:
            small = pd.isna(record["n"]) or record["n"] < min_n
            parts.append(f"{name}: färre än {min_n} svar, visas inte." if small else
                         f"{name}: visas inte, för att skydda en mindre grupp.")
            continue
        shares = ", ".join(f"{label} {percent(record[label] / 100)}" for label in labels if label in record)
        parts.append(f"{name} ({int(record['n'])} svarande): {shares}.")
    return " ".join(parts)


# ------------------------------------------------------------------ the other tables


def data_overview(data: Computed) -> pd.DataFrame:
    """Respondents and units per survey and group (suppressed below ``min_n``, and its complement)."""
    rows = []
    for survey, answers in data.answers.items():
        parts = [("Alla", answers), *answers.groupby(data.group, observed=True)]
        for group, part in parts:
            rows.append({"survey": survey, "group_by": data.group, "group": str(group),
                         "respondents": part["respondent_id"].nunique(), "units": part["unit"].nunique()})
    table = pd.DataFrame(rows, columns=["survey", "group_by", "group", "respondents", "units"])
    table = table.astype({"respondents": "Int64", "units": "Int64"})
    if data.group == "region":  # as the disclosure plan shows the regions
        table, log = data.plan.hide_overview(table.rename(columns={"group": "region"}))
        table = table.rename(columns={"region": "group"})
    else:
        sizes = table["respondents"].copy()
        small = (table["respondents"] < data.min_n).to_numpy()
        table.loc[small, ["respondents", "units"]] = pd.NA
        table["suppressed"] = small
        table["suppression_note"] = np.where(small, f"färre än {data.min_n} svar", "")
        table, log = suppress.suppress_complement(table, group="group", stratify="survey", sizes=sizes,
                                                  min_n=data.min_n)
    data.logs.append(log.assign(table="underlag"))
    return table


def _background(data: Computed) -> pd.DataFrame:
    """Staff respondents per verksamhet and per form of collaboration: one distribution, computed once."""
    if data.background is None:
        data.background = distribution(data.staff, items=["verksamhet", *FORMS], level="respondent")
    return data.background


def verksamhet(data: Computed) -> pd.DataFrame:
    """Staff respondents per verksamhet (suppressed below ``min_n``)."""
    table = _background(data)
    table = table[(table["item"] == "verksamhet").to_numpy()].reset_index(drop=True)
    table, log = suppress.suppress_distribution(table, min_n=data.min_n)
    data.logs.append(log.assign(table="verksamhet"))
    return table.dropna(subset=["label"])[["item", "label", "count", "percent", "suppressed"]].reset_index(drop=True)


def forms(data: Computed) -> pd.DataFrame:
    """How often each form of collaboration was chosen (multi-select, respondents)."""
    table = _background(data)
    table = table[table["item"].isin(FORMS).to_numpy()].reset_index(drop=True)
    table, log = suppress.suppress_distribution(table, min_n=data.min_n)
    data.logs.append(log.assign(table="samverkansformer"))
    table = table.dropna(subset=["label"])[["item", "label", "count"]].reset_index(drop=True)
    table.insert(1, "question", table["item"].map(instrument.label))
    answered = _answered(data.staff, FORMS)
    table["respondents"] = table["item"].astype(str).map(answered).astype("Int64")
    table["share"] = table["count"].astype("Float64") / table["respondents"].astype("Float64")
    small = (table["respondents"] < data.min_n).fillna(False).to_numpy(dtype=bool)
    table.loc[small, ["count", "respondents", "share"]] = pd.NA
    return table


def _answered(answers: pd.DataFrame, items: list[str]) -> dict[str, int]:
    """Per item: the respondents who chose at least one option (a multi-select's denominator)."""
    rows = answers[answers["item"].isin(items).to_numpy() & answers["value"].notna().to_numpy()]
    return {str(k): int(v) for k, v in rows.groupby("item", observed=True)["respondent_id"].nunique().items()}


def detectable(data: Computed) -> pd.DataFrame:
    """The smallest change in share of high values the next measurement could detect (at the planning α).

    :func:`samverkan.stats.methods.detectable` in percentage points, with the whole people
    each change means (``people_up``, ``people_down``).
    """
    table = methods.detectable(data.overall["operativ"], alpha=float(data.params.alpha), p_adjust=data.params.p_adjust)
    table, log = suppress.suppress_scores(table, min_n=data.min_n)
    data.logs.append(log.assign(table="påvisbar skillnad"))
    table.insert(1, "question", table["item"].astype(str).map(instrument.label))
    table["people_up"] = np.ceil(table["mdd_up_pp"] / 100 * table["n"].astype(float) - 1e-9)
    table["people_down"] = np.ceil(table["mdd_down_pp"] / 100 * table["n"].astype(float) - 1e-9)
    return table[DETECTABLE_COLUMNS].astype({"item": "string"})


def change_detectable(data: Computed) -> pd.DataFrame:
    """Per item, the change since the baseline that the two measurements could have detected (80 % power).

    In percentage points (``mdd_up_pp``, ``mdd_down_pp``), at the planning α.
    """
    changes = data.tests[(data.tests["section"] == "forandring").to_numpy()]
    rows = []
    for row in changes.itertuples(index=False):
        base, now_n, base_n = row.share_high_reference, row.n, row.n_reference
        usable = not (pd.isna(base) or pd.isna(now_n) or pd.isna(base_n)) and 0 < base < 1
        up = detectable_share(base, base_n, now_n, alpha=data.planning_alpha, power=POWER) - base if usable \
            else np.nan
        down = base - detectable_share(base, base_n, now_n, alpha=data.planning_alpha, power=POWER,
                                       direction="down") if usable else np.nan
        rows.append({"item": row.item, "mdd_up_pp": 100 * up, "mdd_down_pp": 100 * down})
    return pd.DataFrame(rows, columns=["item", "mdd_up_pp", "mdd_down_pp"])


# ------------------------------------------------------------------ the method tables


def method_tables(data: Computed) -> dict[str, pd.DataFrame]:
    """``klustring`` (ICC per indicator), ``reliabilitet`` (α, ω per survey and wave) and ``index``.

    The index follows the report's disclosure plan: the regions it hides for a survey (or
    for any of its indicators) are hidden in the index too, with their complement.
    """
    clustering = methods.clustering_table(data.answers)
    clustering.insert(2, "question", [instrument.label(str(i), s) for s, i in
                                      zip(clustering["survey"], clustering["item"])])
    waves = {s: _waves(data, s) for s in data.answers}
    parts, logs = [], []
    for survey, answers in waves.items():
        hidden = frozenset()
        if data.group == "region":
            hidden = data.plan.hidden(survey).union(*(data.plan.hidden(survey, i) for i in indicator_items(survey)))
        index, log = methods.index_table(answers, survey=survey, group=data.group, min_n=data.min_n, hidden=hidden)
        parts.append(index)
        logs.append(log.assign(table=f"samverkansklimatindex, {SURVEY_NAMES[survey]}"))
    data.logs.extend(logs)
    index = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return {"klustring": clustering, "reliabilitet": methods.reliability_table(waves), "index": index}


def _waves(data: Computed, survey: str) -> pd.DataFrame:
    """A survey's answers of this wave and the baseline's (when the params name it), stacked."""
    earlier = data.baseline_answers.get(survey)
    return concat([earlier, data.answers[survey]]) if earlier is not None else data.answers[survey]


IGNORED_REASONS = {"metadata från enkätverktyget": "metadata från enkätverktyget",
                   "columns: ignore": "utelämnad enligt förbundets params"}


def _ignored_table(frames) -> pd.DataFrame:
    """``survey, wave, column, reason, cells``: every export column left out on purpose (no cell content)."""
    columns = ["survey", "wave", "column", "reason", "cells"]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.array([], dtype="Int64" if c == "cells" else "string") for c in columns})
    table = pd.concat(frames, ignore_index=True)[columns]
    table["reason"] = table["reason"].map(lambda r: IGNORED_REASONS.get(str(r), str(r)))
    return table.reset_index(drop=True)


def _tests_sheet(data: Computed, sections: list[str]) -> pd.DataFrame:
    part = data.planned[data.planned["section"].isin(sections).to_numpy()].copy()
    part.insert(1, "question", part["item"].astype(str).map(instrument.label))
    return part.reset_index(drop=True)


def _machine_tables(data: Computed) -> dict[str, pd.DataFrame]:
    """The sheets of ``tables.xlsx`` in page order (the suppression log last)."""
    tables = {"underlag": data_overview(data), "ignorerade_kolumner": data.ignored}
    if data.staff is not None:
        tables["verksamhet"] = verksamhet(data)
    scores = [s for s in data.scores.values()]
    tables["andel"] = pd.concat(scores, ignore_index=True)
    for sheet, sections in (("strukturerad", ["strukturerad", "strukturerad_kommun"]),
                            ("regioner", ["region", "region_tabell4", "region_chefer"]), ("parade", ["parade"]),
                            ("chefer_personal", ["chefer_personal"]), ("forandring", ["forandring"])):
        tables[sheet] = _tests_sheet(data, sections)
    tables["former"] = forms(data) if data.staff is not None else pd.DataFrame(
        columns=["item", "question", "label", "count", "respondents", "share"])
    tables["pavisbar"] = detectable(data) if data.staff is not None else pd.DataFrame(columns=DETECTABLE_COLUMNS)
    tables["forandring_pavisbar"] = change_detectable(data)
    tables["tester"] = methods.family_table(data.planned, float(data.params.alpha), data.params.p_adjust)
    tables.update(method_tables(data))
    log = suppress.suppression_log(*data.logs)
    log.insert(2, "question", log["item"].map(lambda i: instrument.label(i) if i else ""))
    tables["undertryckt"] = log
    return tables
