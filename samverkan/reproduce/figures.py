"""The printed figures of FoU rapport 2017:1 beside the same figures recomputed from a survey export.

How each figure is recomputed, or why no export holds it, is data: the figure catalogue
``data/reference/fou_2017_1_catalogue.yaml``, read by :func:`catalogue`. The printed
values are in ``data/reference/fou_2017_1_published.yaml`` (:func:`published_figures`).

Figure ids
----------
``<källa>.<fråga eller grupp>[.<grupp>].<mått>``, e.g. ``tabell4.region.Gävle.ja`` or
``diagram17.lyssnar.andel_hög``. ``källa`` is the table (``tabell2``), diagram
(``diagram19``) or page (``sid38``) of the report, or ``personal`` / ``chefer`` for the
survey's population counts. Regions and answer labels appear verbatim, as in the data.

Levels, as in the report: staff respondents (N = 659), staff unit rows (respondent ×
kommun, n = 761), manager respondents (N = 54) and manager group answers (respondent ×
Mysam group, n = 67). Shares leave the non-substantive answers (vet ej, ej aktuellt,
blank) out of the denominator.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .. import resources
from ..stats.scores import analysis_population, distribution, score
from ..vocabulary import check_choice, check_columns

#: The published figures of FoU rapport 2017:1 (the default ``reference``).
REFERENCE_PATH = resources.REFERENCE_DIR / "fou_2017_1_published.yaml"
#: How each printed figure is recomputed from an export (the figure catalogue).
CATALOGUE_PATH = resources.REFERENCE_DIR / "fou_2017_1_catalogue.yaml"
PERCENT = 0.005  # tolerance of a percentage printed as a whole percent
KINDS = ("count", "share")

FIGURE_COLUMNS = ["figure", "description", "page", "kind", "published", "tolerance", "recomputable", "why_not", "key"]
TABLE_COLUMNS = ["figure", "description", "kind", "published", "recomputed", "difference", "within_rounding",
                 "outcome", "note"]
#: What became of a printed figure (Swedish, as readers see it), in the order of :func:`samverkan.reproduce.tally`.
OUTCOMES = ("återgiven", "motsägelse i rapporten", "avviker", "finns inte i en svarsexport")


# ----------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Recipe:
    """How to recompute one figure from tidy answers with :func:`score` or :func:`distribution`.

    ``population``: ``"alla"`` (every staff response), ``"analys"`` (the analysis
    population, :func:`analysis_population`) or ``"chefer"`` (managers).
    ``measure``: from :func:`distribution` — ``antal`` (answers with one of
    ``labels``), ``andel`` (the same over the substantive answers), ``besvarade``
    (substantive answers; for a multiselect item the choices), ``saknas``
    (non-substantive answers), ``totalt`` (every row: respondents or unit rows),
    ``grupper`` (distinct values of ``by``); from :func:`score` — ``n``, ``n_hög``,
    ``andel_hög``. ``groups`` selects values of ``by`` (summed when several).
    """

    population: str
    item: str
    measure: str
    labels: tuple[str, ...] = ()
    level: str = "unit"
    by: str | None = None
    groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_choice("population", self.population, POPULATIONS)
        check_choice("measure", self.measure, (*SCORE_MEASURES, *DISTRIBUTION_MEASURES))
        if (self.groups or self.measure == "grupper") and self.by is None:
            raise ValueError(f"groups={self.groups!r} and measure={self.measure!r} need by=")


POPULATIONS = ("alla", "analys", "chefer")
SCORE_MEASURES = ("n", "n_hög", "andel_hög")
DISTRIBUTION_MEASURES = ("antal", "andel", "besvarade", "saknas", "totalt", "grupper")


@dataclass(frozen=True)
class Figure:
    """One printed figure: id, Swedish description, where it is and how to recompute it.

    ``key`` is its path in the reference yaml (the published value is read there);
    figures the yaml records only in a comment carry their printed value in ``printed``.
    A figure without ``recipe`` cannot be recomputed from an export (``why_not``).
    """

    figure: str
    description: str
    kind: str
    key: tuple[str | int, ...] | None = None
    printed: float | None = None
    recipe: Recipe | None = None
    page: int | None = None
    why_not: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, KINDS)
        if (self.key is None) == (self.printed is None):
            raise ValueError(f"figure {self.figure!r}: give either key= (in the yaml) or printed=, not both")
        if (self.recipe is None) == (self.why_not is None):
            raise ValueError(f"figure {self.figure!r}: give either recipe= or why_not=")


#: Keys a figure of the catalogue may have (see the header of the catalogue file).
FIGURE_KEYS = ("figure", "description", "kind", "key", "printed", "recipe", "why_not", "page", "note")


@functools.cache
def _read_catalogue(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    if not isinstance(spec, dict) or not {"reasons", "contradictions", "figures"} <= set(spec):
        raise ValueError(f"{path}: expected the mappings reasons, contradictions and figures")
    return spec


def _recipe(entry: Mapping, where: str) -> Recipe:
    try:
        return Recipe(**{k: tuple(v) if k in ("labels", "groups") else v for k, v in entry.items()})
    except TypeError as error:
        raise ValueError(f"{where}.recipe: {error}; expected keys of {[f.name for f in fields(Recipe)]}") from None


def _figure(entry: Mapping, reasons: Mapping[str, str], where: str) -> Figure:
    unknown = sorted(set(entry) - set(FIGURE_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; expected one of {list(FIGURE_KEYS)}")
    why = entry.get("why_not")
    if why is not None and why not in reasons:
        raise ValueError(f"{where}.why_not: {why!r} is not a reason; expected one of {list(reasons)}")
    return Figure(**{
        **entry,
        "key": tuple(entry["key"]) if entry.get("key") is not None else None,
        "recipe": _recipe(entry["recipe"], where) if entry.get("recipe") is not None else None,
        "why_not": reasons[why] if why is not None else None,
    })


def catalogue(path: str | Path | None = None) -> list[Figure]:
    """Every figure FoU rapport 2017:1 printed, in report order per survey, from the catalogue file.

    Parameters
    ----------
    path
        The catalogue (default ``data/reference/fou_2017_1_catalogue.yaml``; its header
        describes the keys).

    Raises
    ------
    ValueError
        If an entry has an unknown key, names an unknown reason or repeats a figure id;
        the message names the entry.

    Examples
    --------
    >>> figures = catalogue()
    >>> figures[0].figure, figures[0].recipe is None, len({f.figure for f in figures}) == len(figures)
    ('personal.utskickade', True, True)
    """
    path = Path(path) if path is not None else CATALOGUE_PATH
    spec = _read_catalogue(path)
    figures = [_figure(entry, spec["reasons"], f"{path.name}: figures[{i}] ({entry.get('figure')})")
               for i, entry in enumerate(spec["figures"])]
    seen: set[str] = set()
    for figure in figures:
        if figure.figure in seen:
            raise ValueError(f"{path.name}: figure {figure.figure!r} appears twice")
        seen.add(figure.figure)
    return figures


def contradictions(path: str | Path | None = None) -> dict[str, str]:
    """Figure id → the report's own contradiction (Swedish), from the catalogue file (see :func:`catalogue`)."""
    return dict(_read_catalogue(Path(path) if path is not None else CATALOGUE_PATH)["contradictions"])


# ----------------------------------------------------------------- published figures


def read_reference(reference: str | Path | Mapping | None = None) -> Mapping:
    """The reference figures: ``None`` (the report's yaml), a path to such a yaml, or the parsed mapping."""
    if reference is None:
        reference = REFERENCE_PATH
    if isinstance(reference, Mapping):
        return reference
    if isinstance(reference, (str, Path)):
        path = Path(reference)
        if not path.is_file():
            raise ValueError(f"reference={str(reference)!r}: no such file (expected a yaml like {REFERENCE_PATH})")
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    raise ValueError(f"reference={reference!r}: expected None, a path to a yaml file or a mapping")


def _lookup(reference: Mapping, key: tuple) -> float:
    node = reference
    for part in key:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"reference: no figure at {'.'.join(map(str, key))!r}") from None
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise ValueError(f"reference: {'.'.join(map(str, key))!r} is {node!r}, not a number")
    return float(node)


def published_figures(reference: str | Path | Mapping | None = None) -> pd.DataFrame:
    """Every figure printed in FoU rapport 2017:1, one row each.

    Parameters
    ----------
    reference
        The published figures: ``None`` for ``data/reference/fou_2017_1_published.yaml``,
        a path to a yaml of the same layout, or that yaml already parsed. Figures the
        yaml records only in comments (e.g. Tabell 4's printed percentages) are held
        in the catalogue (``data/reference/fou_2017_1_catalogue.yaml``).

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``figure`` (stable id, e.g. ``tabell4.region.Gävle.ja``),
        ``description`` (Swedish), ``page`` (the report's page where known, else
        missing; Int64), ``kind`` (``"count"`` or ``"share"``), ``published`` (float;
        a share as a fraction), ``tolerance`` (0 for counts, 0.005 for a percentage
        printed as a whole percent), ``recomputable`` (bool: whether a survey export
        can hold the figure), ``why_not`` (Swedish reason when it cannot, else
        empty) and ``key`` (the figure's path in the yaml, empty when the yaml
        records it only in a comment).

    Raises
    ------
    ValueError
        If ``reference`` cannot be read or lacks a figure.

    Examples
    --------
    >>> table = published_figures()
    >>> table.loc[table["figure"] == "tabell4.region.Gävle.ja", ["published", "kind", "tolerance"]].values.tolist()
    [[66.0, 'count', 0.0]]
    >>> sorted(table.loc[~table["recomputable"], "figure"])[:3]
    ['chefer.bortfall', 'chefer.bortfall.obesvarade', 'chefer.bortfall.ofullständiga']
    """
    parsed = read_reference(reference)
    rows = [{
        "figure": f.figure,
        "description": f.description,
        "page": f.page,
        "kind": f.kind,
        "published": _lookup(parsed, f.key) if f.key is not None else float(f.printed),
        "tolerance": PERCENT if f.kind == "share" else 0.0,
        "recomputable": f.recipe is not None,
        "why_not": f.why_not or "",
        "key": ".".join(map(str, f.key)) if f.key is not None else "",
    } for f in catalogue()]
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS).astype({"page": "Int64", "recomputable": bool})


# ----------------------------------------------------------------- recompute


def check_survey(frame: pd.DataFrame, name: str, survey: str) -> None:
    check_columns(frame, ["survey", "item", "value", "label", "missing_reason", "region", "unit"], name)
    surveys = sorted(str(s) for s in frame["survey"].dropna().unique())
    if surveys != [survey]:
        raise ValueError(f"{name}: expected answers to the survey {survey!r} only (sv.load(..., survey={survey!r})); "
                         f"got surveys {surveys}")


class _Recomputer:
    """Evaluates recipes on the three populations, computing each score or distribution once."""

    def __init__(self, staff: pd.DataFrame, managers: pd.DataFrame) -> None:
        self.frames = {"alla": staff, "analys": analysis_population(staff), "chefer": managers}
        self.cache: dict[tuple, pd.DataFrame] = {}

    def table(self, function, recipe: Recipe) -> pd.DataFrame:
        key = (function.__name__, recipe.population, recipe.item, recipe.level, recipe.by)
        if key not in self.cache:
            self.cache[key] = function(self.frames[recipe.population], items=recipe.item, by=recipe.by,
                                       level=recipe.level)
        table = self.cache[key]
        return table[table[recipe.by].isin(recipe.groups)] if recipe.groups else table

    def value(self, recipe: Recipe) -> float:
        if recipe.measure in SCORE_MEASURES:
            return _from_score(self.table(score, recipe), recipe)
        return _from_distribution(self.table(distribution, recipe), recipe)


def _from_score(table: pd.DataFrame, recipe: Recipe) -> float:
    n, high = float(table["n"].sum()), float(table["n_high"].sum())
    if recipe.measure == "andel_hög":
        return high / n if n else np.nan
    return n if recipe.measure == "n" else high


def _from_distribution(table: pd.DataFrame, recipe: Recipe) -> float:
    if recipe.measure == "grupper":
        return float(table[recipe.by].nunique())
    substantive = table[table["missing_reason"].isna()]
    chosen = float(substantive.loc[substantive["label"].isin(recipe.labels), "count"].sum())
    answered = float(substantive["count"].sum())
    values = {
        "antal": chosen,
        "andel": chosen / answered if answered else np.nan,
        "besvarade": answered,
        "saknas": float(table["count"].sum()) - answered,
        "totalt": float(table["count"].sum()),
    }
    return values[recipe.measure]


def recompute(staff: pd.DataFrame, managers: pd.DataFrame) -> pd.DataFrame:
    """Recompute every figure of FoU rapport 2017:1 that a survey export can hold.

    Each figure is computed with :func:`samverkan.score` (``n``, ``n_high``,
    ``share_high``) or :func:`samverkan.distribution` (counts per label) at the
    report's level (respondent or unit row), on the whole staff export (Tabell 2 and
    the response count), on :func:`analysis_population` (every other staff figure)
    or on the managers.

    Parameters
    ----------
    staff
        Tidy answers to the staff survey ``operativ`` (:func:`samverkan.load`), the
        **whole** export: it is restricted to the analysis population here (given
        only the analysis population, Tabell 2 and the response count come out wrong).
    managers
        Tidy answers to the manager survey ``chefsgrupp``, with the Mysam groups'
        regions.

    Returns
    -------
    pandas.DataFrame
        One row per recomputable figure, in the order of :func:`published_figures`:
        ``figure`` (id) and ``recomputed`` (float; a share as a fraction, not rounded).

    Raises
    ------
    ValueError
        If ``staff`` or ``managers`` is not tidy answers to its survey.

    Examples
    --------
    >>> from samverkan.reproduce import baseline_sample
    >>> staff, managers = baseline_sample()
    >>> values = recompute(staff, managers).set_index("figure")["recomputed"]
    >>> int(values["tabell4.region.Gävle.ja"]), round(float(values["diagram17.lyssnar.andel_hög"]), 3)
    (66, 0.74)
    """
    check_survey(staff, "staff", "operativ")
    check_survey(managers, "managers", "chefsgrupp")
    recomputer = _Recomputer(staff, managers)
    rows = [(f.figure, recomputer.value(f.recipe)) for f in catalogue() if f.recipe is not None]
    return pd.DataFrame(rows, columns=["figure", "recomputed"]).astype({"recomputed": "float64"})


def _note(figure: Figure, published: float, recomputed: float, tolerance: float, contradicted: Mapping) -> str:
    if figure.figure in contradicted:
        return contradicted[figure.figure]
    if figure.recipe is None:
        return figure.why_not or ""
    if not abs(recomputed - published) <= tolerance + 1e-9:
        return "Avviker från den publicerade siffran mer än avrundningen; ingen känd motsägelse i rapporten."
    return figure.note


def reproduction_table(
    staff: pd.DataFrame, managers: pd.DataFrame, reference: str | Path | Mapping | None = None
) -> pd.DataFrame:
    """Every published figure beside the figure recomputed from the survey exports.

    Parameters
    ----------
    staff, managers
        As for :func:`recompute` (the whole staff export; the managers with the
        Mysam groups' regions).
    reference
        As for :func:`published_figures`.

    Returns
    -------
    pandas.DataFrame
        One row per published figure (also those no export can hold): ``figure``,
        ``description``, ``published``, ``recomputed`` (missing when the figure
        cannot be recomputed), ``difference`` (recomputed − published),
        ``within_rounding`` (nullable boolean: whether ``|difference|`` is within the
        printed rounding, 0 for counts and 0.005 for whole percentages; missing when
        not recomputable), ``kind`` (``"count"`` or ``"share"``), ``outcome`` (one of
        :data:`OUTCOMES`: ``återgiven`` within the rounding; ``motsägelse i rapporten``
        when the report contradicts itself on it; ``avviker`` otherwise; ``finns inte i
        en svarsexport`` when no export holds it) and ``note`` (Swedish: the report's own contradictions —
        page 49's 90 % against Diagram 3's 56 of 67 = 84 %, Tabell 2's n = 804
        against 817 responses, Gävle's 30 % for 66 of 215 = 30.7 % —, why a figure
        cannot be recomputed, or an unexplained deviation; else empty).

    Examples
    --------
    >>> from samverkan.reproduce import baseline_sample
    >>> staff, managers = baseline_sample()
    >>> table = reproduction_table(staff, managers)
    >>> sorted(table.loc[table["within_rounding"] == False, "figure"])  # doctest: +NORMALIZE_WHITESPACE
    ['sid49.chefer.lyssnar.andel_hög', 'tabell2.kontakt.obesvarat', 'tabell2.n',
     'tabell4.region.Gävle.andel']
    >>> table["outcome"].value_counts().to_dict()
    {'återgiven': 87, 'finns inte i en svarsexport': 11, 'motsägelse i rapporten': 4}
    """
    published = published_figures(reference)
    table = published.merge(recompute(staff, managers), on="figure", how="left", validate="one_to_one")
    table["difference"] = table["recomputed"] - table["published"]
    within = table["difference"].abs() <= table["tolerance"] + 1e-9
    table["within_rounding"] = pd.array(within.where(table["recomputable"]), dtype="boolean")
    by_id, contradicted = {f.figure: f for f in catalogue()}, contradictions()
    table["note"] = [_note(by_id[row.figure], row.published, row.recomputed, row.tolerance, contradicted)
                     for row in table.itertuples()]
    table["outcome"] = np.select(
        [~table["recomputable"], within.to_numpy(), table["figure"].isin(list(contradicted)).to_numpy()],
        [OUTCOMES[3], OUTCOMES[0], OUTCOMES[1]], OUTCOMES[2])
    return table[TABLE_COLUMNS]
