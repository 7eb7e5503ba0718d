"""A förbund's report as data: every table, chart, sentence and suppression computed once, up front.

:func:`build_report` loads a förbund's exports (from a params object,
:class:`samverkan.Params`), runs every test (:mod:`samverkan.report_tests`), suppresses
small groups (:mod:`samverkan.suppress`), draws every chart and writes every sentence
into one immutable :class:`ForbundReport`. ``notebooks/forbund_report.ipynb`` only
displays parts of it (``rapport.header()``, ``rapport.section("strukturerad")``, …);
``results.json``, ``tables.xlsx`` and ``figures/*.svg`` are written from the same
result (:meth:`ForbundReport.write_outputs`), so they are identical whichever cells ran.

Any combination of surveys and regions gives a report: staff only, managers only, no
baseline, no ``regions`` (each unit is then reported on its own), one region large
enough and the others not. A section without its data is left out with one Swedish
sentence saying why; the tables and figures hold what exists.

Every table and chart here is an aggregate; respondent ids, respondent-level rows and
comments never leave this module.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from . import report_data, report_method, report_sections, report_summary
from .display import Figure, Html, Section, render, write_workbook
from .errors import DataError
from .files import write_atomically
from .load import read_export
from .stats.scores import analysis_population
from .strict_json import dumps, strict_records

#: Order of the report's sections (their keys are the page's anchors).
SECTION_KEYS = ("sammanfattning", "underlag", "personal", "chefer", "strukturerad", "regioner", "parade",
                "chefer_personal", "former", "forandring", "metod", "undertryckt")


@dataclass(frozen=True)
class ForbundReport:
    """One förbund's report, complete: settings, sections, machine tables, figures and tests.

    Attributes
    ----------
    forbund, name, wave, baseline_wave, min_n, alpha, p_adjust
        The params the report was built from.
    sections
        Section key → :class:`samverkan.display.Section` (headings, text, tables,
        figures), in :data:`SECTION_KEYS` order.
    tables
        Sheet name → the exact (unrounded, suppressed) table behind the page, as the
        workbook holds it; question ids in the ``item`` column beside the Swedish
        ``question``.
    figures
        Figure name → :class:`samverkan.display.Figure` (SVG and alt text).
    tests
        Every planned test (:func:`samverkan.report_tests.all_tests`): its ``role``
        (the ``primary`` test of each question and comparison, its descriptive
        ``companion``, rows without a test), ``section`` and ``family``; the share columns
        on the two-group primary rows.
    about
        The lines under the title: data, wave, version, run date.
    planning_alpha
        The α a change test of the confirmatory family faces at worst
        (:func:`samverkan.stats.methods.report_planning_alpha`): the detectable differences use it.
    """

    forbund: str
    name: str
    wave: str
    baseline_wave: str | None
    min_n: int
    alpha: float
    p_adjust: str
    sections: Mapping[str, Section]
    tables: Mapping[str, pd.DataFrame]
    figures: Mapping[str, Figure]
    tests: pd.DataFrame
    about: tuple[str, ...]
    planning_alpha: float

    # ------------------------------------------------------------ what cells show

    def header(self) -> Html:
        """The title block: the förbund's name as ``<h1>``, what the report rests on, and the contents."""
        contents = [(key, section.title) for key, section in self.sections.items()]
        return render("header.html.j2", kicker=f"Samverkansklimatet · mätning {self.wave}", name=self.name,
                      about=self.about, contents=contents)

    def section(self, key: str) -> Section:
        """The section ``key`` (one of :data:`SECTION_KEYS`), ready to display."""
        if key not in self.sections:
            raise ValueError(f"section={key!r} is not a section of the report; expected one of {SECTION_KEYS}")
        return self.sections[key]

    def table(self, name: str) -> pd.DataFrame:
        """A copy of the machine table ``name`` (a sheet of ``tables.xlsx``)."""
        if name not in self.tables:
            raise ValueError(f"table={name!r} is not a table of the report; expected one of {list(self.tables)}")
        return self.tables[name].copy()

    def summary(self) -> Section:
        """The summary section (:meth:`section` ``"sammanfattning"``)."""
        return self.section("sammanfattning")

    # ------------------------------------------------------------ outputs

    def results(self) -> dict:
        """Scores, tests and counts as plain data for ``results.json`` (collected across förbund).

        The same whichever cells of the notebook ran: everything comes from the built report.
        Strict JSON: an infinite value is ``null`` with a ``<column>_note``
        (:mod:`samverkan.strict_json`).
        """
        tables = {"scores": "andel", "test_counts": "tester", "detectable": "pavisbar", "clustering": "klustring",
                  "reliability": "reliabilitet", "index": "index"}
        return {
            "forbund": self.forbund, "name": self.name, "wave": self.wave, "baseline_wave": self.baseline_wave,
            "min_n": self.min_n, "alpha": self.alpha, "p_adjust": self.p_adjust,
            "planning_alpha": self.planning_alpha,
            "tests": strict_records(self.tests),
            **{key: strict_records(self.tables[name]) for key, name in tables.items()},
        }

    def write_outputs(self, folder: str | Path) -> list[Path]:
        """Write ``tables.xlsx``, ``results.json`` and ``figures/*.svg`` into ``folder`` (``""``: write nothing)."""
        if not str(folder):
            return []
        folder = Path(folder)
        (folder / "figures").mkdir(parents=True, exist_ok=True)
        written = [_write_json(folder / "results.json", self.results()),
                   write_workbook(folder / "tables.xlsx", self.tables)]
        for name, figure in sorted(self.figures.items()):
            written.append(figure.save(folder / "figures" / f"{name}.svg"))
        return written


# ------------------------------------------------------------------ building


def _load_survey(files: Mapping, survey: str, params, wave: str, ignored: list | None = None) -> pd.DataFrame | None:
    """One survey's answers (the analysis population for staff), or ``None`` when the params name no file.

    The columns the export holds but the report leaves out on purpose (survey-tool
    metadata, ``columns: ignore``) are added to ``ignored`` (never a cell's content).
    """
    if not files or survey not in files or files[survey] is None:
        return None
    columns = (getattr(params, "columns", None) or {}).get(survey)
    result = read_export(files[survey], survey=survey, forbund=params.forbund, wave=str(wave),
                         regions=params.regions or None, columns=columns)
    if result.problems:
        raise DataError(result.problems)
    if ignored is not None:
        ignored.append(result.ignored.assign(survey=survey, wave=str(wave)))
    return analysis_population(result.answers) if survey == "operativ" else result.answers


def build_report(params) -> ForbundReport:
    """Load a förbund's exports and compute its whole report: tables, charts, sentences, tests.

    Parameters
    ----------
    params
        A :class:`samverkan.Params` (``samverkan.load_params(path)``), or any object
        with its attributes: ``forbund, name, wave, data`` (survey → file; either
        survey may be missing), ``baseline`` (``None`` or ``{"wave", "data"}``),
        ``regions`` (region → units; empty or ``None``: each unit on its own),
        ``min_n, alpha, p_adjust`` and ``columns`` (survey → export-header mapping
        of :func:`samverkan.load`; may be empty).

    Returns
    -------
    ForbundReport
        Immutable; every section, table, figure and test already computed.

    Raises
    ------
    ValueError
        If the params name neither survey.
    """
    ignored: list[pd.DataFrame] = []
    staff = _load_survey(params.data, "operativ", params, params.wave, ignored)
    managers = _load_survey(params.data, "chefsgrupp", params, params.wave, ignored)
    if staff is None and managers is None:
        raise ValueError(f"params for {params.forbund!r} name no data file of a known survey; expected "
                         "data: {operativ: ..., chefsgrupp: ...} (one or both)")
    baseline = params.baseline or None
    earlier = {s: _load_survey(baseline["data"], s, params, baseline["wave"], ignored) if baseline else None
               for s in ("operativ", "chefsgrupp")}
    computed = report_data.compute(staff, managers, earlier["operativ"], params, ignored=ignored,
                                   baseline_managers=earlier["chefsgrupp"])
    sections = build_sections(computed)
    return ForbundReport(
        forbund=params.forbund, name=params.name, wave=str(params.wave),
        baseline_wave=str(baseline["wave"]) if baseline else None, min_n=int(params.min_n),
        alpha=float(params.alpha), p_adjust=params.p_adjust,
        sections=MappingProxyType({s.key: s for s in sections}),
        tables=MappingProxyType(dict(computed.tables)), figures=MappingProxyType(dict(computed.figures)),
        tests=computed.planned, about=report_sections.about_lines(computed, _dt.date.today()),
        planning_alpha=computed.planning_alpha,
    )


# ------------------------------------------------------------------ helpers


def build_sections(data: report_data.Computed) -> list[Section]:
    """Every section of the report, in page order (:data:`SECTION_KEYS`)."""
    s = report_sections
    return [report_summary.summary_section(data), s.data_section(data), s.indicator_section(data, "operativ"),
            s.indicator_section(data, "chefsgrupp"), s.structured_section(data), s.regions_section(data),
            s.paired_section(data), s.managers_section(data), s.forms_section(data), s.change_section(data),
            report_method.method_section(data), s.suppression_section(data)]


def _write_json(path: Path, content: dict) -> Path:
    text = dumps(content)  # strict: allow_nan=False, infinities as null with a *_note
    return write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
