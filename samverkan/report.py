"""Everything the per-förbund report shows, computed once, suppressed, and ready to display or write.

``notebooks/forbund_report.ipynb`` is a heading plus one call per cell on a
:class:`ForbundReport` built by :func:`build_report`. Every table and chart here is an
aggregate; groups below ``min_n`` are suppressed (:mod:`samverkan.suppress`) and logged,
and every table, chart and test follows one :class:`samverkan.disclosure.DisclosurePlan`
so that no subtraction recovers a hidden group; respondent ids, respondent-level rows
and comments never leave this module.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import instrument, plots, suppress
from .disclosure import DisclosurePlan
from .display import Markdown, Png, comma, write_workbook
from .files import write_atomically
from .likert_png import likert_png
from .load import load
from .sentences import describe_test
from .stats import methods
from .stats.plan import PER_UNIT_ITEMS, planned_tests
from .stats.scores import analysis_population, distribution, score
from .strict_json import dumps, strict_records
from .tidy import concat
from .version import __version__

FORMS = ["former_med_brukare", "former_utan_brukare", "former_ovriga"]
BY_UNIT_ITEMS = PER_UNIT_ITEMS


@dataclass
class ForbundReport:
    """One förbund's report: settings, the answers it rests on, and every published table."""

    forbund: str
    name: str
    wave: str
    min_n: int
    alpha: float
    p_adjust: str
    staff: pd.DataFrame
    managers: pd.DataFrame | None
    baseline_staff: pd.DataFrame | None = None
    baseline_wave: str | None = None
    tests: pd.DataFrame = field(default_factory=pd.DataFrame)
    logs: list[pd.DataFrame] = field(default_factory=list)
    figures: dict[str, "Png"] = field(default_factory=dict)
    score_cache: dict[str, pd.DataFrame] = field(default_factory=dict)
    shown_cache: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)
    distribution_cache: dict[str, pd.DataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    plan: DisclosurePlan = field(default_factory=DisclosurePlan)

    # ------------------------------------------------------------ summary and data

    def summary(self) -> "Markdown":
        """The findings that hold after correction within their planned family, as Swedish sentences."""
        primary = (self.tests["role"] == "primary").fillna(False) & ~self.tests["suppressed"]
        held = self.tests[primary & (self.tests["pvalue_adjusted"] < self.alpha).fillna(False)]
        intro = methods.family_sentence(self.families(), self.alpha)
        if held.empty:
            return Markdown(f"Inga skillnader är statistiskt säkerställda. {intro}")
        lines = [f"- {describe_test(row, alpha=self.alpha)}" for _, row in held.iterrows()]
        return Markdown("\n".join([intro, "", *lines]))

    def families(self) -> pd.DataFrame:
        """Per planned family (confirmatory, exploratory): its correction, the tests run and those holding."""
        return self._keep("testfamiljer", methods.family_table(self.tests, self.alpha, self.p_adjust))

    def about(self) -> "Markdown":
        """Data, wave, package version and run date."""
        staff_n = self.staff["respondent_id"].nunique()
        managers_n = self.managers["respondent_id"].nunique() if self.managers is not None else 0
        baseline = f" Jämförelse med mätningen {self.baseline_wave}." if self.baseline_wave else ""
        return Markdown(
            f"**{self.name}**, mätning {self.wave}: {staff_n} operativa medarbetare och {managers_n} chefer "
            f"i analysen.{baseline} Grupper med färre än {self.min_n} svar redovisas inte. "
            f"{methods.corrections_sentence(self.p_adjust)} Signifikansnivå {comma(self.alpha)}. "
            f"samverkan {__version__}; körd {_dt.date.today().isoformat()}."
        )

    def data_overview(self) -> pd.DataFrame:
        """Respondents and unit rows per survey and region (suppressed below ``min_n``)."""
        frames = [("operativ", self.staff)] + ([("chefsgrupp", self.managers)] if self.managers is not None else [])
        rows = []
        for survey, answers in frames:
            for region, part in [("Alla", answers), *answers.groupby("region", observed=True)]:
                rows.append({"survey": survey, "region": str(region), "respondents": part["respondent_id"].nunique(),
                             "unit_rows": len(part[["respondent_id", "unit"]].drop_duplicates()),
                             "units": part["unit"].nunique()})
        table = pd.DataFrame(rows).astype({"respondents": "Int64", "unit_rows": "Int64", "units": "Int64"})
        table, log = self.plan.hide_overview(table)
        self.logs.append(log.assign(table="data"))
        return self._keep("data", table)

    def verksamhet(self) -> pd.DataFrame:
        """Respondents per verksamhet (staff), suppressed below ``min_n``."""
        table = distribution(self.staff, items="verksamhet", level="respondent")
        table, log = suppress.suppress_distribution(table, min_n=self.min_n)
        self.logs.append(log.assign(table="verksamhet"))
        return self._keep("verksamhet", table[["label", "count", "percent", "suppressed"]].dropna(subset=["label"]))

    def suppression(self) -> pd.DataFrame:
        """The suppression log: every group not shown, and why."""
        log = suppress.suppression_log(*self.logs) if self.logs else pd.DataFrame()
        if not log.empty:
            log = log.drop_duplicates().reset_index(drop=True)
        return self._keep("undertryckt", log)

    # ------------------------------------------------------------ items

    def _answers(self, item_ref: str) -> tuple[pd.DataFrame, str]:
        """Answers and item id of ``"lyssnar"`` (staff) or ``"chefsgrupp:lyssnar"`` (managers)."""
        survey, _, item_id = item_ref.rpartition(":")
        answers = self.managers if survey == "chefsgrupp" else self.staff
        if answers is None:
            raise ValueError(f"item={item_ref!r}: the report has no {survey} data")
        return answers, item_id

    def item_chart(self, item_ref: str) -> "Png":
        """Diverging Likert chart of an item by region, as PNG; ``"chefsgrupp:<item>"`` for managers.

        Drawn with Pillow (:mod:`samverkan.likert_png`, ~10 ms against matplotlib's ~270 ms
        a chart) from the same :func:`samverkan.plots.likert_table` as
        :func:`samverkan.plots.likert`, which is the chart to call for an ``Axes`` to
        work on. The PNG is what the notebook shows and what ``figures/`` gets.
        """
        answers, item_id = self._answers(item_ref)
        survey = str(answers["survey"].iloc[0])
        drawn = plots.likert_table(self._distributions(survey), item=item_id, by="region", min_n=self.min_n)
        png = Png(likert_png(drawn, labels=list(instrument.item(item_id).labels), min_n=self.min_n,
                             title=instrument.survey(survey).item(item_id).text))
        self.figures[f"{survey}_{item_id}"] = png
        return png

    def _distributions(self, survey: str) -> pd.DataFrame:
        """Every indicator item of ``survey``: count and percent per label by region, computed once."""
        if survey not in self.distribution_cache:
            answers = self.staff if survey == "operativ" else self.managers
            items = [i.id for i in instrument.survey(survey).indicator_items]
            self.distribution_cache[survey] = self.plan.hide_distribution(
                distribution(answers, items=items, by="region"), survey)
        return self.distribution_cache[survey]

    def item_table(self, item_ref: str) -> pd.DataFrame:
        """Share of high values with Wilson CI, overall and by region (suppressed); ``"chefsgrupp:<item>"`` for managers."""
        answers, item_id = self._answers(item_ref)
        survey = str(answers["survey"].iloc[0])
        table, log = self._shown_scores(survey)
        table = table[(table["item"] == item_id).to_numpy()].reset_index(drop=True)
        self.logs.append(log[(log["item"] == item_id).to_numpy()])
        columns = ["item", "region", "n", "n_missing", "share_high", "share_high_ci_low", "share_high_ci_high",
                   "mean", "suppression_note"]
        return self._keep(f"{survey}_{item_id}", table[columns])

    def _shown_scores(self, survey: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every item's scores of ``survey`` after primary and secondary suppression (per item), and the log."""
        if survey not in self.shown_cache:
            table = self._scores(survey).reset_index(drop=True)
            table, log = suppress.suppress_scores(table, by="region", min_n=self.min_n)
            table, complement = self.plan.hide_scores(table, survey)
            logs = pd.concat([log, complement], ignore_index=True)
            self.shown_cache[survey] = (table, logs.assign(table="andel höga: " + logs["item"].astype("string")))
        return self.shown_cache[survey]

    # ------------------------------------------------------------ tests

    def _tests(self, mask) -> pd.DataFrame:
        return self.tests[mask].reset_index(drop=True)

    def structured(self) -> pd.DataFrame:
        """Structured collaboration vs not, every staff item (respondent level)."""
        return self._keep("strukturerad", self._tests(self.tests["section"] == "strukturerad"))

    def structured_by_unit(self) -> pd.DataFrame:
        """Structured vs not per municipality (the report's Bilaga 2)."""
        return self._keep("strukturerad_kommun", self._tests(self.tests["section"] == "strukturerad_kommun"))

    def regions(self) -> pd.DataFrame:
        """Differences between regions (municipalities or Mysam groups as clusters): staff items, Tabell 4, managers."""
        return self._keep("regioner", self._tests(self.tests["section"].str.startswith("region")))

    def paired(self) -> pd.DataFrame:
        """Paired items within the same respondents."""
        return self._keep("parade", self._tests(self.tests["section"] == "parade"))

    def managers_vs_staff(self) -> pd.DataFrame:
        """Managers against staff on the shared items."""
        return self._keep("chefer_personal", self._tests(self.tests["section"] == "chefer_personal"))

    def forms(self) -> pd.DataFrame:
        """How often each form of collaboration was chosen (multi-select, respondent level)."""
        table = distribution(self.staff, items=FORMS, level="respondent")
        table, log = suppress.suppress_distribution(table, min_n=self.min_n)
        self.logs.append(log.assign(table="samverkansformer"))
        return self._keep("former", table.dropna(subset=["label"])[["item", "label", "count", "percent"]])

    def change(self) -> pd.DataFrame:
        """Change since the baseline wave (empty without a baseline)."""
        return self._keep("forandring", self._tests(self.tests["section"] == "forandring"))

    def detectable(self) -> pd.DataFrame:
        """The smallest change in share of high values the next measurement could detect, at the report's α."""
        table = methods.detectable(self.staff, alpha=self.alpha, p_adjust=self.p_adjust)
        table, log = suppress.suppress_scores(table, by=[], min_n=self.min_n)
        self.logs.append(log.assign(table="påvisbar skillnad"))
        return self._keep("pavisbar", table[[*methods.DETECTABLE_COLUMNS, "suppressed"]])

    def clustering(self) -> pd.DataFrame:
        """ICC of every indicator item within municipalities (staff) and Mysam groups (managers), with CI."""
        return self._keep("klustring", methods.clustering_table(self.staff, self.managers))

    def reliability(self) -> pd.DataFrame:
        """Cronbach's α (CI) and McDonald's ω of the indicator set per survey and wave."""
        return self._keep("reliabilitet", methods.reliability_table(self._waves(), self.managers))

    def climate_index(self) -> pd.DataFrame:
        """The samverkansklimat index (0–100) per wave and region, where ω ≥ 0.70, hiding what the plan hides."""
        hidden = self.plan.hidden("operativ").union(*(self.plan.hidden("operativ", i) for i in methods.indicators()))
        table, log = methods.index_table(self._waves(), min_n=self.min_n, hidden=hidden)
        self.logs.append(log)
        return self._keep("index", table)

    def _waves(self) -> pd.DataFrame:
        """The staff analysis population of this wave and the baseline, stacked."""
        frames = [f for f in (self.baseline_staff, self.staff) if f is not None]
        return concat(frames) if len(frames) > 1 else frames[0]

    def _scores(self, survey: str) -> pd.DataFrame:
        """Every indicator item of ``survey`` scored overall ("Alla") and by region, computed once."""
        if survey not in self.score_cache:
            answers = self.staff if survey == "operativ" else self.managers
            items = [i.id for i in instrument.survey(survey).indicator_items]
            overall = score(answers, items=items).assign(region="Alla")  # each respondent once
            by_region = score(answers, items=items, by="region").astype({"region": "string"})
            table = pd.concat([overall, by_region], ignore_index=True)
            order = {item_id: k for k, item_id in enumerate(items)}
            self.score_cache[survey] = table.sort_values("item", key=lambda s: s.map(order), kind="stable")
        return self.score_cache[survey]

    def _keep(self, name: str, table: pd.DataFrame) -> pd.DataFrame:
        self.tables[name] = table
        return table

    # ------------------------------------------------------------ outputs

    def results(self) -> dict:
        """Scores and tests as plain data for ``results.json`` (collected across förbund)."""
        scores = [t.assign(table=name, level="respondent") for name, t in self.tables.items()
                  if "share_high" in t.columns]  # every scores table counts each respondent once
        return {
            "forbund": self.forbund, "name": self.name, "wave": self.wave, "baseline_wave": self.baseline_wave,
            "min_n": self.min_n, "alpha": self.alpha, "p_adjust": self.p_adjust,
            "families": strict_records(methods.family_table(self.tests, self.alpha, self.p_adjust)),
            "scores": strict_records(pd.concat(scores, ignore_index=True)) if scores else [],
            "tests": strict_records(self.tests),
        }

    def write_outputs(self, folder: str | Path) -> list[Path]:
        """Write ``tables.xlsx``, ``results.json`` and ``figures/*.png`` into ``folder`` (``""``: write nothing)."""
        if not str(folder):
            return []
        folder = Path(folder)
        (folder / "figures").mkdir(parents=True, exist_ok=True)
        written = [_write_json(folder / "results.json", self.results()), write_workbook(folder / "tables.xlsx", self.tables)]
        for name, png in sorted(self.figures.items()):
            written.append(write_atomically(folder / "figures" / f"{name}.png",
                                            lambda p, data=png.data: p.write_bytes(data)))
        return written


# ------------------------------------------------------------ building


def _load_survey(data: Mapping[str, str], survey: str, forbund: str, wave: str, regions,
                 columns: Mapping | None = None) -> pd.DataFrame | None:
    if data.get(survey) is None:
        return None
    return load(data[survey], survey=survey, forbund=forbund, wave=str(wave), regions=regions,
                columns=(columns or {}).get(survey))


def _all_tests(rep: ForbundReport) -> pd.DataFrame:
    tests, log = planned_tests(rep.staff, managers=rep.managers, baseline=rep.baseline_staff, min_n=rep.min_n,
                               confirmatory_method=rep.p_adjust, plan=rep.plan)
    rep.logs.append(log)
    return tests


def build_report(
    *,
    forbund: str,
    name: str,
    wave: str,
    data: Mapping[str, str],
    regions: Mapping[str, list[str]],
    baseline: Mapping | None = None,
    min_n: int = 5,
    alpha: float = 0.05,
    p_adjust: str = "holm",
    columns: Mapping[str, Mapping[str, str]] | None = None,
) -> ForbundReport:
    """Load a förbund's exports and compute every test of its report, in its planned family.

    Parameters are those of a params file (``params/<forbund>.yaml``); ``columns`` is
    survey → the export-header mapping of :func:`samverkan.load`.

    Returns
    -------
    ForbundReport
        With ``tests`` (every test, suppressed, with its ``section`` and planned ``family``,
        corrected within the family: :func:`samverkan.stats.plan.planned_tests`) and methods
        returning each section's table or chart.
    """
    staff = analysis_population(_load_survey(data, "operativ", forbund, wave, regions, columns))
    managers = _load_survey(data, "chefsgrupp", forbund, wave, regions, columns)
    rep = ForbundReport(forbund=forbund, name=name, wave=str(wave), min_n=int(min_n), alpha=float(alpha),
                        p_adjust=p_adjust, staff=staff, managers=managers,
                        plan=DisclosurePlan.from_answers({"operativ": staff, "chefsgrupp": managers}, min_n=min_n,
                                                         unit_items=BY_UNIT_ITEMS))
    if baseline:
        rep.baseline_wave = str(baseline["wave"])
        rep.baseline_staff = analysis_population(_load_survey(baseline["data"], "operativ", forbund, rep.baseline_wave,
                                                      regions, columns))
    rep.tests = _all_tests(rep)
    return rep


# ------------------------------------------------------------ helpers


def _write_json(path: Path, content: dict) -> Path:
    text = dumps(content)  # strict: allow_nan=False, infinities as null with a *_note
    return write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
