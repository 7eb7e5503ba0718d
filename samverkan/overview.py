"""The cross-förbund overview: every förbund's ``results.json`` collected, and funnel plots of the indicators.

``samverkan report`` (or ``samverkan run``) writes ``DIR/<förbund>/results.json`` for each
förbund; :func:`collect_results` stacks them into one scores table and one tests table.
:func:`funnel_table` then sets each förbund's share of high values beside the control
limits of a funnel plot (Spiegelhalter 2005), and :func:`outside_limits` lists the
förbund outside them. ``notebooks/overview.ipynb`` is a heading plus one call per cell
on these functions and :func:`samverkan.plots.funnel`.

The overview is **not a league table**: förbund are never ranked. A funnel plot asks
only whether a förbund's share differs from the shared level by more than chance
would allow for its number of answers; tables are sorted by item and förbund name.

Everything here is an aggregate read from the published ``results.json`` files; a
förbund with fewer than ``min_n`` answers to an item is left out of that item's funnel
and named in a note, never shown with its count.

Examples
--------
>>> import pandas as pd
>>> scores = pd.DataFrame({
...     "forbund": ["a", "b", "c"], "name": ["A-förbundet", "B-förbundet", "C-förbundet"], "wave": "2019",
...     "survey": "operativ", "level": "respondent", "group": "Alla", "item": "lyssnar",
...     "n": [100, 400, 3], "share_high": [0.9, 0.6, 1.0], "suppressed": False})
>>> table = funnel_table(scores, item="lyssnar")
>>> table[["forbund", "n", "share_high", "outside_95", "outside_998"]].values.tolist()
[['a', 100, 0.9, True, True], ['b', 400, 0.6, True, False], ['c', <NA>, nan, <NA>, <NA>]]
>>> round(float(table["pooled"].iloc[0]), 3)  # (0.9·100 + 0.6·400) / 500; C (n = 3) is left out
0.66
>>> outside_limits(scores, items="lyssnar")[["name", "direction"]].values.tolist()
[['A-förbundet', 'över'], ['B-förbundet', 'under']]
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import instrument, plots
from .display import Figure, Html, Paragraph, Subsection, Table, absent, display_table, render, write_workbook
from .render import FUNNEL
from .sentences import percent
from .vocabulary import FUNNEL_COVERAGES, LEVELS, OVERVIEW_SWEDISH, TEST_COLUMNS, check_choice, check_min_n
from .version import __version__

RESULTS_KEYS = ("forbund", "name", "wave", "scores", "tests")
#: Columns every score record of a ``results.json`` has (:meth:`samverkan.ForbundReport.results`).
SCORE_KEYS = ("survey", "level", "item", "group", "n", "share_high")
FORBUND_COLUMNS = ["forbund", "name", "wave", "baseline_wave", "min_n", "alpha", "p_adjust", "folder"]
SCORES_FRONT = ["forbund", "name", "wave", "survey", "level", "item", "group"]
SCORES_EMPTY = [*SCORES_FRONT, "question", "group_by", "n", "n_missing", "mean", "share_high", "share_high_ci_low",
                "share_high_ci_high", "suppressed", "suppression_note"]
TESTS_EMPTY = ["forbund", "name", "wave", *TEST_COLUMNS, "unit", "section", "family", "suppressed", "suppression_note"]
FUNNEL_COLUMNS = [
    "forbund", "name", "wave", "survey", "level", "item", "question", "n", "share_high", "pooled", "limit_95_low",
    "limit_95_high", "limit_998_low", "limit_998_high", "outside_95", "outside_998", "suppressed",
    "suppression_note",
]
LIMIT_COLUMNS = ["pooled", "limit_95_low", "limit_95_high", "limit_998_low", "limit_998_high"]
_SWEDISH_LETTERS = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e", "è": "e",
                                  "ü": "y"})


# ------------------------------------------------------------------ collecting


def collect_results(reports_dir: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """Read every ``<förbund>/results.json`` under ``reports_dir`` and stack them.

    Folders without a ``results.json`` (and hidden folders) are skipped. A file that
    cannot be read — not JSON, or without the keys a report writes — is reported in
    ``problems`` (and by a warning) and left out; it never stops the others.

    Parameters
    ----------
    reports_dir
        The ``--out`` folder of ``samverkan report`` / ``samverkan run``: one subfolder
        per förbund.

    Returns
    -------
    dict of pandas.DataFrame
        ``"scores"``: one row per förbund × survey × item × group: ``forbund, name, wave,
        survey`` (``operativ`` / ``chefsgrupp``), ``level`` (``"respondent"``: each
        respondent once per group), ``item``, ``group`` (``"Alla"`` for the förbund as a
        whole, else a region or a unit, as ``group_by`` says), then the report's columns
        (``question, group_by, n, n_missing, mean, share_high, share_high_ci_low,
        share_high_ci_high``), ``suppressed`` (bool: ``n`` missing or the row was
        suppressed in the report) and ``suppression_note``.
        ``"tests"``: every test of every report, ``forbund, name, wave`` first, then the
        report's test columns.
        ``"forbund"``: one row per förbund collected: ``forbund, name, wave,
        baseline_wave, min_n, alpha, p_adjust, folder``.
        ``"problems"``: ``folder, problem`` (Swedish), one row per file left out.

    Raises
    ------
    ValueError
        If ``reports_dir`` is not a folder.
    """
    root = Path(reports_dir)
    if not root.is_dir():
        raise ValueError(f"reports_dir={str(reports_dir)!r} is not a folder; expected the --out folder of "
                         "'samverkan report' or 'samverkan run' (one subfolder per förbund with results.json)")
    contents, frames, problems = [], [], []
    for path in sorted(root.glob("*/results.json")):
        if path.parent.name.startswith("."):
            continue
        try:
            content = read_results(path)
            if content["forbund"] in {c["forbund"] for c in contents}:
                raise ValueError(f"förbundet {content['forbund']!r} finns redan i en annan mapp")
            frames.append((_scores_frame(content), _tests_frame(content)))
        except (ValueError, KeyError, TypeError) as error:
            unknown = f"okänt format ({type(error).__name__}: {error})"
            problem = str(error) if isinstance(error, ValueError) else unknown
            problems.append({"folder": path.parent.name, "problem": problem})
            continue
        contents.append({**content, "folder": path.parent.name})
    if problems:
        warnings.warn("results.json som inte kunde läsas och inte ingår: "
                      + "; ".join(f"{p['folder']}: {p['problem']}" for p in problems), stacklevel=2)
    return {
        "scores": _stack([s for s, _ in frames], SCORES_FRONT, SCORES_EMPTY),
        "tests": _stack([t for _, t in frames], ["forbund", "name", "wave"], TESTS_EMPTY),
        "forbund": pd.DataFrame([{k: c.get(k) for k in FORBUND_COLUMNS} for c in contents], columns=FORBUND_COLUMNS),
        "problems": pd.DataFrame(problems, columns=["folder", "problem"]),
    }


def read_results(path: str | os.PathLike) -> dict:
    """One ``results.json`` as a dict; ``ValueError`` (Swedish message) if it is not a report's results."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"results.json är inte UTF-8-text ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"results.json är ingen giltig JSON (rad {error.lineno}, kolumn {error.colno}: "
                         f"{error.msg})") from None
    if not isinstance(content, dict):
        raise ValueError(f"results.json innehåller {type(content).__name__}, inte en rapports resultat")
    missing = [k for k in RESULTS_KEYS if k not in content]
    if missing:
        raise ValueError(f"results.json saknar {', '.join(missing)}")
    if not isinstance(content["scores"], list) or not isinstance(content["tests"], list):
        raise ValueError("results.json: scores och tests ska vara listor")
    return content


def _scores_frame(content: dict) -> pd.DataFrame:
    table = pd.DataFrame.from_records(content["scores"])
    if table.empty:
        return pd.DataFrame()
    missing = [k for k in SCORE_KEYS if k not in table.columns]
    if missing:
        raise ValueError(f"results.json: poängtabellen saknar {', '.join(missing)} (skriven av en äldre version "
                         "av samverkan? kör rapporten igen)")
    table = table.assign(forbund=content["forbund"], name=content["name"], wave=str(content["wave"]))
    note = table["suppression_note"].fillna("").astype(str) if "suppression_note" in table else ""
    table["n"] = pd.to_numeric(table["n"]).astype("Int64")
    table["suppressed"] = (table["n"].isna() | (note != "")).to_numpy(dtype=bool)
    table["suppression_note"] = note
    return table


def _tests_frame(content: dict) -> pd.DataFrame:
    table = pd.DataFrame.from_records(content["tests"])
    if table.empty:
        return pd.DataFrame()
    return table.assign(forbund=content["forbund"], name=content["name"], wave=str(content["wave"]))


def _stack(frames: list[pd.DataFrame], front: list[str], empty: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=empty)
    table = pd.concat(frames, ignore_index=True)
    for column in ("n", "n_missing", "n_reference"):
        if column in table:
            table[column] = pd.to_numeric(table[column]).astype("Int64")
    return table[[*front, *[c for c in table.columns if c not in front]]]


def collection_summary(results: dict[str, pd.DataFrame]) -> Html:
    """What was collected, in Swedish: how many förbund, which waves, and the files that could not be read."""
    forbund, problems = results["forbund"], results["problems"]
    waves = forbund["wave"].astype(str).value_counts().sort_index()
    wave_text = ", ".join(f"{w} ({c} förbund)" for w, c in waves.items()) if len(waves) > 1 else \
        (f"mätning {waves.index[0]}" if len(waves) else "ingen mätning")
    parts = [Paragraph(f"i översikten ({wave_text}); samverkan {__version__}, körd {_dt.date.today().isoformat()}.",
                       lead=f"{len(forbund)} förbund")]
    if len(waves) > 1:
        parts.append(Paragraph("Förbunden kommer från olika mätningar; jämför helst förbund från samma mätning."))
    if len(forbund):
        names = ", ".join(sorted(forbund["name"].astype(str), key=swedish_sort_key))
        parts.append(Paragraph(f"Förbunden: {names}."))
    if len(problems):
        rows = pd.DataFrame({"Mapp": problems["folder"].astype(str), "Problem": problems["problem"].astype(str)})
        parts.append(Table(rows, caption="Kunde inte läsas och ingår inte"))
    return render("parts_only.html.j2", items=parts)


# ------------------------------------------------------------------ funnel


def pooled_share(n, share_high) -> float:
    """The shared level of a funnel: ``Σ n·share / Σ n`` (= Σ n_high / Σ n), NaN without answers."""
    n = np.asarray(n, dtype=float)
    total = n.sum()
    return float((n * np.asarray(share_high, dtype=float)).sum() / total) if total > 0 else float("nan")


def _overall_rows(scores: pd.DataFrame, *, item: str, survey: str, level: str) -> pd.DataFrame:
    """Each förbund's overall row ("Alla") for ``item`` at ``level``; ``ValueError`` for a bad argument."""
    check_choice("survey", survey, instrument.survey_names())
    check_choice("level", level, LEVELS)
    scored = [i.id for i in instrument.survey(survey).items if i.is_scored]
    check_choice("item", item, scored)
    missing = [c for c in ["forbund", "name", "survey", "level", "group", "item", "n", "share_high"]
               if c not in scores.columns]
    if missing:
        raise ValueError(f"scores lacks the columns {missing}; pass collect_results(...)['scores']")
    present = sorted(str(v) for v in scores.loc[(scores["survey"] == survey).to_numpy(), "level"].dropna().unique())
    if present and level not in present:
        raise ValueError(f"level={level!r} is not in results.json for survey={survey!r} (levels there: {present})")
    rows = scores[(scores["survey"] == survey).to_numpy() & (scores["level"] == level).to_numpy()
                  & (scores["group"] == "Alla").to_numpy() & (scores["item"] == item).to_numpy()]
    if rows["forbund"].duplicated().any():
        twice = sorted(rows.loc[rows["forbund"].duplicated(), "forbund"].astype(str).unique())
        raise ValueError(f"scores holds several overall rows of item {item!r} for förbund {twice}")
    return rows


def funnel_table(
    scores: pd.DataFrame,
    *,
    item: str,
    survey: str = "operativ",
    level: str = "respondent",
    min_n: int = 5,
) -> pd.DataFrame:
    """Each förbund's share of high values on one item beside the funnel plot's control limits.

    The method is the funnel plot for institutional comparison (Spiegelhalter, D. J.
    2005, "Funnel plots for comparing institutional performance", *Statistics in
    Medicine* 24: 1185–1202). Each förbund's share ``p_i`` of high values among its
    ``n_i`` answers is compared with the pooled share of all förbund shown,
    ``p = Σ n_i p_i / Σ n_i``. If every förbund had the true share ``p``, ``p_i`` would
    lie within ``p ± z √(p (1 − p) / n_i)`` (binomial, normal approximation; clipped
    to [0, 1]) with probability 95 % for ``z`` = 1,959964 and 99,8 % for ``z`` =
    3,090232. The limits narrow as ``n`` grows — the funnel. A förbund outside the 95 %
    limits differs more than chance would usually allow (about 1 in 20 förbund lands
    there by chance alone); outside 99,8 % (1 in 500) it very probably differs. The
    limits are not adjusted for overdispersion: if many förbund fall outside, the
    förbund differ in ways a single shared level does not describe.

    This is not a ranking: the position of a förbund inside the funnel says nothing, and
    the table is sorted by förbund name.

    Parameters
    ----------
    scores
        ``collect_results(...)["scores"]``.
    item
        The item id, e.g. ``"lyssnar"``.
    survey
        ``"operativ"`` (staff) or ``"chefsgrupp"`` (managers).
    level
        ``"respondent"`` (each respondent counted once, as the binomial limits assume:
        what the reports publish).
    min_n
        Förbund with fewer answers are left out of the funnel (and of the pooled share)
        and marked.

    Returns
    -------
    pandas.DataFrame
        One row per förbund, sorted by name: ``forbund, name, wave, survey, level,
        item, question`` (its Swedish label), ``n`` (``Int64``), ``share_high``, ``pooled``, ``limit_95_low,
        limit_95_high, limit_998_low, limit_998_high`` (the limits at this förbund's
        ``n``), ``outside_95, outside_998`` (nullable bool), ``suppressed`` (bool),
        ``suppression_note``. On suppressed rows ``n``, ``share_high``, the limits and
        the ``outside`` flags are missing.
    """
    min_n = check_min_n(min_n)
    rows = _overall_rows(scores, item=item, survey=survey, level=level)
    n = pd.to_numeric(rows["n"]).astype("Int64")
    share = pd.to_numeric(rows["share_high"]).astype(float)
    flagged = rows["suppressed"].fillna(False).to_numpy(dtype=bool) if "suppressed" in rows else False
    small = flagged | n.isna().to_numpy() | (n.fillna(0) < min_n).to_numpy() | share.isna().to_numpy()
    n_shown, share_shown = n.to_numpy(dtype=float, na_value=np.nan)[~small], share.to_numpy()[~small]
    pooled = pooled_share(n_shown, share_shown)
    table = pd.DataFrame({
        "forbund": rows["forbund"].to_numpy(), "name": rows["name"].to_numpy(),
        "wave": rows["wave"].astype(str).to_numpy() if "wave" in rows else "",
        "survey": survey, "level": level, "item": item, "question": instrument.label(item, survey),
        "n": n.where(~small).to_numpy(), "share_high": np.where(small, np.nan, share),
        "pooled": np.where(small, np.nan, pooled),
    })
    table["n"] = table["n"].astype("Int64")
    for label, coverage in FUNNEL_COVERAGES.items():
        _add_limits(table, label, pooled, n_shown, coverage, small)
    table["suppressed"] = small
    table["suppression_note"] = np.where(small, f"färre än {min_n} svar: visas inte i trattdiagrammet", "")
    return _by_name(table)[FUNNEL_COLUMNS]


def _add_limits(table: pd.DataFrame, label: str, pooled: float, n_shown: np.ndarray, coverage: float,
                small: np.ndarray) -> None:
    """Add ``limit_<label>_low``, ``limit_<label>_high`` and ``outside_<label>`` (missing on small rows)."""
    low, high = np.full(len(table), np.nan), np.full(len(table), np.nan)
    if not np.isnan(pooled):
        low[~small], high[~small] = plots.funnel_limits(pooled, n_shown, coverage=coverage)
    table[f"limit_{label}_low"], table[f"limit_{label}_high"] = low, high
    outside = (table["share_high"] < low) | (table["share_high"] > high)
    table[f"outside_{label}"] = pd.array(np.where(small, None, outside), dtype="boolean")


def outside_limits(
    scores: pd.DataFrame,
    *,
    items: str | Sequence[str] | None = None,
    survey: str = "operativ",
    level: str = "respondent",
    min_n: int = 5,
) -> pd.DataFrame:
    """The förbund × item rows outside the 95 % or the 99,8 % control limits (:func:`funnel_table`).

    Sorted by item (in questionnaire order) and förbund name — never by share: this is
    not a ranking. With many förbund and items, some rows lie outside the 95 % limits
    by chance alone (about 1 in 20); those outside 99,8 % are the ones to look into.

    Parameters
    ----------
    scores
        ``collect_results(...)["scores"]``.
    items
        Item ids; default the survey's indicator items.
    survey, level, min_n
        As :func:`funnel_table`.

    Returns
    -------
    pandas.DataFrame
        The :func:`funnel_table` columns of the rows outside either limit, plus
        ``direction``: ``"över"`` (share above the upper limit) or ``"under"``.
    """
    if items is None:
        items = [i.id for i in instrument.survey(survey).indicator_items]
    items = [items] if isinstance(items, str) else list(items)
    tables = [funnel_table(scores, item=i, survey=survey, level=level, min_n=min_n) for i in items]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=FUNNEL_COLUMNS)
    table = table[table["outside_95"].fillna(False).to_numpy(dtype=bool)].copy()
    table["direction"] = np.where(table["share_high"] > table["pooled"], "över", "under")
    order = {item_id: k for k, item_id in enumerate(items)}
    table = table.assign(_item=table["item"].map(order), _name=table["name"].map(swedish_sort_key))
    return table.sort_values(["_item", "_name", "forbund"], kind="stable").drop(columns=["_item", "_name"]) \
        .reset_index(drop=True)


def swedish_sort_key(text) -> str:
    """A sort key that puts å, ä, ö after z, as in Swedish (``sorted(names, key=swedish_sort_key)``)."""
    return str(text).casefold().translate(_SWEDISH_LETTERS)


def _by_name(table: pd.DataFrame) -> pd.DataFrame:
    keys = table["name"].map(swedish_sort_key)
    return table.assign(_name=keys).sort_values(["_name", "forbund"], kind="stable").drop(columns="_name") \
        .reset_index(drop=True)


# ------------------------------------------------------------------ display and outputs


def display_funnel_table(table: pd.DataFrame, *, empty_text: str = "Inga förbund att visa.",
                         caption: str = "Förbund utanför kontrollgränserna, fråga för fråga"):
    """A :func:`funnel_table` or :func:`outside_limits` table as readers see it (Swedish, percent, "–").

    Returns a :class:`samverkan.display.Table` (:func:`samverkan.display_table`) with
    the questions' labels, or ``empty_text`` as a paragraph when the table has no rows.
    """
    if table.empty:
        return Html(render("parts_only.html.j2", items=[Paragraph(empty_text)]))
    shown = table if "question" in table else table.assign(question=table["item"].astype(str).map(instrument.label))
    order = ["question", "name", "wave", "n", "share_high", "direction", "outside_95", "outside_998", *LIMIT_COLUMNS]
    notes = ["suppression_note"] if "suppression_note" in shown and (shown["suppression_note"] != "").any() else []
    shown = shown[[c for c in order if c in shown.columns] + notes].copy()
    for column in LIMIT_COLUMNS:
        if column in shown:
            shown[column] = [None if pd.isna(v) else f"{100 * v:.1f} %".replace(".", ",") for v in shown[column]]
    return display_table(shown, headers=OVERVIEW_SWEDISH, caption=caption)


def _position(row) -> str:
    """Where a förbund lies against the limits, in Swedish."""
    if row.suppressed:
        return "visas inte (för få svar)"
    if row.outside_998:
        return f"{'över' if row.share_high > row.pooled else 'under'} 99,8 %-gränsen"
    if row.outside_95:
        return f"{'över' if row.share_high > row.pooled else 'under'} 95 %-gränsen"
    return "inom gränserna"


def funnel_figure(table: pd.DataFrame, *, item: str, survey: str = "operativ", min_n: int = 5) -> Figure:
    """One item's funnel plot (:func:`samverkan.plots.funnel` of a :func:`funnel_table`) as SVG with alt text."""
    name = f"funnel_{survey}_{item}"
    label = instrument.label(item, survey)
    svg = plots.render_svg(lambda ax: plots.funnel(table, item=item, group="name", ax=ax, min_n=min_n),
                           name=name, layout=FUNNEL, title=f"Trattdiagram: {label}")
    shown = table[~table["suppressed"]]
    outside = [f"{r.name} ({_position(r)})" for r in shown.itertuples() if r.outside_95]
    pooled = percent(shown["pooled"].iloc[0]) if len(shown) else "–"
    alt = (f"Trattdiagram: {label}. {len(shown)} förbund visas; sammanvägd andel {pooled}. "
           + (f"Utanför gränserna: {'; '.join(outside)}." if outside else "Alla förbund ligger inom gränserna.")
           + " Varje förbunds värde står i tabellen under diagrammet.")
    return Figure(name=name, svg=svg, alt=alt, caption="Punkterna är förbund: antal svarande vågrätt, andel höga "
                  "värden lodrätt; streckade linjer 95 %-gränser, prickade 99,8 %-gränser.")


def funnel_listing(table: pd.DataFrame, *, item: str, survey: str = "operativ") -> Table:
    """Every förbund of a funnel plot with its n, share and position, sorted by name (not a ranking)."""
    rows = pd.DataFrame({
        "Förbund": table["name"].astype(str),
        "Svarande": ["–" if pd.isna(n) else f"{int(n):,}".replace(",", "\u00a0") for n in table["n"]],
        "Andel höga värden": ["–" if pd.isna(v) else f"{100 * v:.1f}\u00a0%".replace(".", ",")
                              for v in table["share_high"]],
        "Läge": [_position(r) for r in table.itertuples()],
    })
    return Table(rows, caption=f"{instrument.label(item, survey)}: alla förbund i diagrammet")


def write_overview(
    results: dict[str, pd.DataFrame],
    output_dir: str | os.PathLike,
    *,
    items: Sequence[str] | None = None,
    level: str = "respondent",
    min_n: int = 5,
    figures: Mapping[str, Figure] | None = None,
) -> list[Path]:
    """Write the overview's tables and funnel plots into ``output_dir`` (``""``: write nothing).

    ``output_dir/tables.xlsx`` (Swedish headers, unrounded numbers) holds the sheets
    ``forbund`` (the förbund collected), ``tratt`` (:func:`funnel_table` of every item),
    ``utanfor_granserna`` (:func:`outside_limits`), ``test`` (every förbund's tests) and
    ``problem`` (files that could not be read); ``output_dir/figures/funnel_operativ_<item>.svg``
    holds one funnel plot per item (:func:`samverkan.plots.funnel`). Staff survey only.

    Parameters
    ----------
    results
        :func:`collect_results` output.
    output_dir
        Folder to write into (created); ``""`` writes nothing.
    items
        Item ids; default the staff indicator items.
    level, min_n
        As :func:`funnel_table`.
    figures
        Funnel plots already drawn (item → :class:`samverkan.display.Figure`, as
        :class:`Overview` keeps them); the other items are drawn here.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    if not str(output_dir):
        return []
    folder = Path(output_dir)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    items = list(items) if items is not None else [i.id for i in instrument.survey("operativ").indicator_items]
    funnels = {i: funnel_table(results["scores"], item=i, level=level, min_n=min_n) for i in items}
    sheets = {
        "forbund": results["forbund"],
        "tratt": pd.concat(funnels.values(), ignore_index=True) if funnels else pd.DataFrame(columns=FUNNEL_COLUMNS),
        "utanfor_granserna": outside_limits(results["scores"], items=items, level=level, min_n=min_n),
        "test": results["tests"],
        "problem": results["problems"],
    }
    written = [write_workbook(folder / "tables.xlsx", sheets, headers=OVERVIEW_SWEDISH)]
    figures = figures or {}
    for item_id, table in funnels.items():
        figure = figures[item_id] if item_id in figures else funnel_figure(table, item=item_id, min_n=min_n)
        written.append(figure.save(folder / "figures" / f"funnel_operativ_{item_id}.svg"))
    return written


@dataclass
class Overview:
    """The cross-förbund overview as the notebook shows it: each funnel plot drawn once.

    ``notebooks/overview.ipynb`` is a heading plus one call per cell on an ``Overview``
    of :func:`collect_results`; :meth:`funnel` keeps the figure it shows, and
    :meth:`write_outputs` writes that same SVG to ``figures/``.
    """

    results: dict[str, pd.DataFrame]
    level: str = "respondent"
    min_n: int = 5
    figures: dict[str, Figure] = field(default_factory=dict)

    def summary(self) -> Html:
        """Which förbund the overview holds (:func:`collection_summary`)."""
        return collection_summary(self.results)

    def funnel(self, *, item: str) -> Subsection:
        """The funnel plot of ``item`` (staff survey) under the question's label, with every förbund listed beneath."""
        table = funnel_table(self.results["scores"], item=item, level=self.level, min_n=self.min_n)
        self.figures[item] = funnel_figure(table, item=item, min_n=self.min_n)
        parts = (self.figures[item], funnel_listing(table, item=item)) if len(table) else \
            (absent("Inget förbund har svar på frågan."),)
        return Subsection(instrument.label(item), parts, key=f"tratt-{item}")

    def outside(self, *, empty_text: str = "Inga förbund att visa."):
        """The förbund outside the control limits, as readers see them (:func:`display_funnel_table`)."""
        table = outside_limits(self.results["scores"], level=self.level, min_n=self.min_n)
        return display_funnel_table(table, empty_text=empty_text)

    def write_outputs(self, output_dir: str | os.PathLike) -> list[Path]:
        """:func:`write_overview`, with the funnel plots already drawn."""
        return write_overview(self.results, output_dir, level=self.level, min_n=self.min_n, figures=self.figures)
