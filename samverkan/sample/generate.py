"""Seeded synthetic survey exports from a spec: the generator behind ``data/sample/``.

Every frame made here is **synthetic**: made up by a seeded random generator from a
spec (see :mod:`samverkan.sample.spec`), never collected from anyone. The spec of
``gavleborg`` is calibrated so that its baseline wave reproduces the figures printed in
FoU rapport 2017:1; the other förbund are fictional.

Weights are turned into exact counts by largest-remainder rounding over the answering
rows; weights that are counts summing to the number of rows are reproduced exactly.
Counts are reached by construction (answers are handed out to respondents in a seeded
order until each count is filled), not by hoping a random draw lands on them.
:mod:`samverkan.sample.export` writes the frames as a survey tool would export them.

Examples
--------
>>> from samverkan.sample import generate, spec
>>> frames = generate.generate(spec.load_spec(spec.SPECS_DIR / "gavleborg.yaml"), "2016")
>>> frames["operativ"].shape, frames["chefsgrupp"].shape
((817, 27), (54, 13))
>>> frames["operativ"]["respondent_id"].iloc[0]
'GVB16-0001'
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import instrument
from ..instrument import Item, Survey
from .spec import MISSING_CELLS, unit_regions, validate_spec, wave_survey_spec

STRATUM_ITEM = "strukturerad"
MAX_ATTEMPTS = 200

#: Synthetic comments, per survey, handed out to about ``comments`` (a share) of the respondents.
COMMENT_TEXTS: dict[str, tuple[str, ...]] = {
    "operativ": (
        "Syntetisk kommentar: samverkan fungerar bra i vardagen.",
        "Syntetisk kommentar: svårt att hitta tid för gemensamma möten.",
        "Syntetisk kommentar: rutinerna behöver bli tydligare, särskilt vid överlämningar.",
        "Syntetisk kommentar: fler gemensamma utbildningar önskas.",
        "Syntetisk kommentar: brukarens röst behöver tas tillvara mer; det gäller alla parter.",
        "Syntetisk kommentar: teammötena ger mycket.",
        "Syntetisk kommentar: otydligt vem som har ansvaret för helheten.",
        "Syntetisk kommentar: inga övriga synpunkter.",
    ),
    "chefsgrupp": (
        "Syntetisk kommentar: chefsgruppen behöver tydligare uppdrag.",
        "Syntetisk kommentar: bra forum för att lösa gemensamma frågor.",
        "Syntetisk kommentar: svårt att delta på alla träffar, men de är viktiga.",
        "Syntetisk kommentar: mer förebyggande arbete önskas.",
    ),
}


# ------------------------------------------------------------------- arithmetic


def _counts(weights: Mapping[str, float], total: int) -> dict[str, int]:
    """Largest-remainder rounding of ``weights`` to counts summing to ``total``.

    >>> _counts({"a": 2, "b": 1}, 3)
    {'a': 2, 'b': 1}
    >>> _counts({"a": 0.5, "b": 0.5}, 3)
    {'a': 2, 'b': 1}
    >>> _counts({"a": 0}, 3)
    {'a': 3}
    """
    keys = list(weights)
    raw = np.array([float(weights[k]) for k in keys])
    if raw.sum() <= 0:
        raw = np.ones(len(keys))
    exact = raw / raw.sum() * total
    counts = np.floor(exact + 1e-9).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    for index in order[: total - int(counts.sum())]:
        counts[index] += 1
    return {k: int(c) for k, c in zip(keys, counts)}


class _Infeasible(Exception):
    """A quota cannot be filled exactly with the weights left."""


def _fill_quotas(order: Sequence[int], weight: np.ndarray, quotas: Sequence[tuple[str, int]]) -> dict[int, str]:
    """Hand out ``quotas`` (answer, rows) to respondents taken in ``order``.

    Each respondent counts ``weight[r]`` rows. A respondent too heavy for what is
    left of a quota waits for the next one. Raises :class:`_Infeasible` when a quota
    cannot be met exactly.
    """
    pending = list(order)
    given: dict[int, str] = {}
    for answer, quota in quotas:
        remaining = quota
        while remaining > 0:
            pick = next((j for j, r in enumerate(pending) if weight[r] <= remaining), None)
            if pick is None:
                raise _Infeasible(f"{answer}: {remaining} rows left, no respondent light enough")
            respondent = pending.pop(pick)
            given[respondent] = answer
            remaining -= int(weight[respondent])
    if pending:
        raise _Infeasible(f"{len(pending)} respondents left over")
    return given


# ------------------------------------------------------------------------ state


@dataclass
class _State:
    """One survey of one wave while it is being generated (one entry per respondent)."""

    survey: Survey
    spec: dict
    section: dict
    rng: np.random.Generator
    cells: dict[str, list[str]]
    units: list[tuple[str, ...]]
    common: np.ndarray
    skip: np.ndarray

    @property
    def n(self) -> int:
        return len(self.common)

    def asked(self, item: Item) -> np.ndarray:
        """Indices of the respondents who were put ``item`` (see ``asked_if``)."""
        keep = np.ones(self.n, dtype=bool)
        for condition, allowed in item.asked_if.items():
            keep &= np.array([cell in allowed for cell in self.cells[condition]])
        return np.flatnonzero(keep)

    def weight(self, level: str) -> np.ndarray:
        """Rows each respondent counts for: its number of units, or 1."""
        if level == "respondent":
            return np.ones(self.n, dtype=int)
        return np.array([len(u) for u in self.units])

    def region_of(self, respondent: int) -> str | None:
        """The respondent's region, ``None`` when its units lie in several regions."""
        regions = unit_regions(self.spec, self.survey)
        found = {r for r, members in regions.items() for u in self.units[respondent] if u in members}
        return found.pop() if len(found) == 1 else None


def _wave_seed(spec: dict, wave: str, survey: str) -> list[int]:
    """Seed entropy for one survey of one wave, derived from the spec's seed."""
    return [int(spec["seed"]), zlib.crc32(wave.encode("utf-8")), zlib.crc32(survey.encode("utf-8"))]


# ------------------------------------------------------------------------ units


def _row_units(rows_by_region: Mapping[str, int], regions: dict[str, list[str]], weights: Mapping) -> list[list[str]]:
    """One single-unit list per row: each region's rows spread over its units."""
    rows: list[list[str]] = []
    for region, count in rows_by_region.items():
        per_unit = _counts({u: weights.get(u, 1.0) for u in regions[region]}, count)
        rows += [[unit] for unit, c in per_unit.items() for _ in range(c)]
    return rows


def _merge_rows(
    rows: list[list[str]], respondents: int, rng: np.random.Generator, units: dict, regions: dict
) -> list[tuple[str, ...]]:
    """Merge single-unit rows into ``respondents`` unit sets (respondents with several units)."""
    region_of = {u: r for r, members in regions.items() for u in members}
    sets = [list(r) for r in rows]
    rng.shuffle(sets)
    max_units, cross = int(units.get("max_units", 3)), float(units.get("cross_region", 0.0))
    for _ in range(len(sets) - respondents):
        for _attempt in range(MAX_ATTEMPTS):
            host = int(rng.integers(len(sets)))
            same_region = rng.random() >= cross
            partners = [
                j for j, s in enumerate(sets)
                if j != host and len(s) == 1 and s[0] not in sets[host] and len(sets[host]) < max_units
                and (region_of[s[0]] == region_of[sets[host][0]]) == same_region
            ]
            if partners and (len(sets[host]) == 1 or rng.random() < 0.25):
                partner = partners[int(rng.integers(len(partners)))]
                sets[host] = sets[host] + sets[partner]
                del sets[partner]
                break
        else:
            raise ValueError(f"cannot spread {len(rows)} unit rows over {respondents} respondents "
                             f"with at most {max_units} units each; check units.rows and rows_by_region")
    order = {u: i for i, u in enumerate(region_of)}
    return [tuple(sorted(s, key=order.__getitem__)) for s in sets]


def _stratum_rows(state: _State, members: dict[str, np.ndarray]) -> dict[str, dict[str, int]]:
    """Unit rows per stratum (strukturerad answer, or one stratum ``""``) and region."""
    units = state.section["units"]
    regions = unit_regions(state.spec, state.survey)
    total = sum(len(m) for m in members.values())
    rows = units["rows"] if "rows" in units else int(round(total * units["rows_per_respondent"]))
    by_region = units.get("rows_by_region") or {
        r: sum(units.get("unit_weights", {}).get(u, 1.0) for u in regions[r]) for r in regions
    }
    nested = all(isinstance(v, Mapping) for v in by_region.values())
    if not nested:
        return {"": _counts(by_region, rows)}
    missing = [s for s in members if s not in by_region and len(members[s])]
    if missing:
        raise ValueError(f"units.rows_by_region has no rows for the {len(members[missing[0]])} "
                         f"respondents with strukturerad={missing[0]!r}; add rows_by_region.{missing[0]}")
    cells = {(s, r): w for s, mapping in by_region.items() for r, w in mapping.items()}
    counts = _counts({f"{s}\t{r}": w for (s, r), w in cells.items()}, rows)
    result: dict[str, dict[str, int]] = {}
    for key, count in counts.items():
        stratum, region = key.split("\t")
        result.setdefault(stratum, {})[region] = count
    return result


def _assign_units(state: _State, analysis: np.ndarray) -> None:
    """Give every respondent its unit set; the analysis population gets the calibrated rows."""
    units, rng = state.section["units"], state.rng
    regions = unit_regions(state.spec, state.survey)
    weights = units.get("unit_weights", {})
    by_region = units.get("rows_by_region") or {}
    nested = bool(by_region) and all(isinstance(v, Mapping) for v in by_region.values())
    if nested:
        answers = np.array(state.cells[STRATUM_ITEM])[analysis]
        strata = dict.fromkeys([*by_region, "ja", "nej", "blank"])
        members = {s: analysis[answers == (s if s != "blank" else "")] for s in strata}
    else:
        members = {"": analysis}
    for stratum, rows_by_region in _stratum_rows(state, members).items():
        who = members.get(stratum, np.array([], dtype=int))
        rows = _row_units(rows_by_region, regions, weights)
        if len(rows) < len(who):
            raise ValueError(f"units: {len(rows)} unit rows for {len(who)} respondents (stratum {stratum!r})")
        sets = _merge_rows(rows, len(who), rng, units, regions)
        for respondent, unit_set in zip(rng.permutation(who), sets):
            state.units[int(respondent)] = unit_set
    _assign_other_units(state, np.setdiff1d(np.arange(state.n), analysis), regions, weights)


def _assign_other_units(state: _State, others: np.ndarray, regions: dict, weights: Mapping) -> None:
    """Units of respondents outside the analysis population: one, sometimes two in a region."""
    names = [u for members in regions.values() for u in members]
    p = np.array([float(weights.get(u, 1.0)) for u in names])
    for respondent in others:
        first = names[int(state.rng.choice(len(names), p=p / p.sum()))]
        region = next(r for r, members in regions.items() if first in members)
        extra = [u for u in regions[region] if u != first]
        chosen = [first]
        if extra and state.rng.random() < 0.08:
            chosen.append(extra[int(state.rng.integers(len(extra)))])
        state.units[int(respondent)] = tuple(u for u in names if u in chosen)


# ------------------------------------------------------------------------ items


def _latent(state: _State, who: np.ndarray) -> np.ndarray:
    """A respondent's propensity to answer high on an item: common factor + shifts + noise."""
    latent = state.section["latent"]
    loading = float(latent.get("common", 0.6))
    structured = np.array([state.cells.get(STRATUM_ITEM, [""] * state.n)[r] == "ja" for r in who])
    shifts = latent.get("region", {})
    region = np.array([shifts.get(state.region_of(int(r)), 0.0) for r in who])
    noise = state.rng.standard_normal(len(who))
    return (loading * state.common[who] + float(latent.get("structured", 0.0)) * structured + region
            + np.sqrt(1 - loading**2) * noise)


def _assign_group(state: _State, item: Item, who: np.ndarray, dist: Mapping, weight: np.ndarray) -> None:
    """Fill one population's exact counts of ``dist``: non-substantive first, then labels by latent.

    Non-substantive answers go first to respondents prone to skip questions (``skip``),
    so item non-response clusters in the same people, as it does in real surveys.
    """
    counts = _counts(dist, int(weight[who].sum()))
    missing = [(a, counts[a]) for a in MISSING_CELLS if counts.get(a)]
    labels = [(a, counts[a]) for a in item.labels if counts.get(a)]
    for attempt in range(MAX_ATTEMPTS):
        try:
            valid_total = sum(c for _, c in labels)
            skippers = who[np.argsort(-(state.skip[who] + 0.5 * state.rng.standard_normal(len(who))), kind="stable")]
            given = _fill_quotas(skippers, weight, [*missing, ("\0valid", valid_total)])
            valid = np.array([r for r in who if given[r] == "\0valid"], dtype=int)
            if item.kind == "ordinal":
                score = _latent(state, valid) + 0.05 * attempt * state.rng.standard_normal(len(valid))
                order = valid[np.argsort(score, kind="stable")]
            else:
                order = state.rng.permutation(valid)
            given.update(_fill_quotas(order, weight, labels))
            break
        except _Infeasible:
            continue
    else:
        raise ValueError(f"item {item.id}: the target counts cannot be met with these unit sets; "
                         "loosen the targets or the multi-unit rows")
    for respondent, answer in given.items():
        state.cells[item.id][int(respondent)] = MISSING_CELLS.get(answer, answer)


def _assign_item(state: _State, item: Item, entry: Mapping) -> None:
    """Answers of one ordinal or nominal item, for every respondent who was asked it."""
    who = state.asked(item)
    if not len(who):
        return
    level = entry.get("level", "respondent" if item.background else "unit")
    weight = state.weight(level)
    if "dist" in entry:
        _assign_group(state, item, who, entry["dist"], weight)
        return
    for region, dist in entry["by_region"].items():
        members = np.array([r for r in who if state.region_of(int(r)) == region], dtype=int)
        if len(members):
            _assign_group(state, item, members, dist, weight)
    left = [r for r in who if state.region_of(int(r)) not in entry["by_region"]]
    if left:
        raise ValueError(f"item {item.id}: by_region names no target for the region of {len(left)} respondents")


def _assign_multiselect(state: _State, item: Item, entry: Mapping) -> None:
    """Exact numbers of choosers per option; livelier collaborators choose more forms."""
    who = state.asked(item)
    if not len(who):
        return
    per = entry.get("per")
    lean = np.exp(0.5 * _latent(state, who))
    chosen: dict[int, list[str]] = {int(r): [] for r in who}
    for option in item.labels:
        share = float(entry["selected"].get(option, 0.0)) / (per if per else 1.0)
        count = min(len(who), int(np.floor(share * len(who) + 0.5)))
        for respondent in state.rng.choice(who, size=count, replace=False, p=lean / lean.sum()):
            chosen[int(respondent)].append(option)
    for respondent, options in chosen.items():
        state.cells[item.id][respondent] = ", ".join(options)


def _assign_background(state: _State, who: np.ndarray) -> None:
    """Two background items drawn together from ``background.joint`` (exact counts)."""
    background = state.section["background"]
    first, second = background["items"]
    joint = {f"{a}\t{b}": w for a, inner in background["joint"].items() for b, w in inner.items()}
    counts = _counts(joint, len(who))
    order = list(state.rng.permutation(who))
    for key, count in counts.items():
        a, b = key.split("\t")
        for respondent in order[:count]:
            state.cells[first][int(respondent)] = a
            state.cells[second][int(respondent)] = b
        order = order[count:]
    blank = float(background.get("blank", 0.0))
    for item_id in (first, second):
        for respondent in state.rng.choice(who, size=int(round(blank * len(who))), replace=False):
            state.cells[item_id][int(respondent)] = ""


# ------------------------------------------------------------ structured higher


def _kommun_gaps(state: _State, item: Item, kommun: str) -> tuple[float, float] | None:
    """Structured minus other staff in one municipality: (mean gap, share-high gap) over unit rows."""
    groups: dict[bool, list[int]] = {True: [], False: []}
    for r in range(state.n):
        label = state.cells[item.id][r]
        if kommun in state.units[r] and label in item.labels and state.cells[STRATUM_ITEM][r] in ("ja", "nej"):
            groups[state.cells[STRATUM_ITEM][r] == "ja"].append(item.labels.index(label) + 1)
    if not groups[True] or not groups[False]:
        return None
    high = {item.labels.index(label) + 1 for label in item.high}
    share = {g: np.mean([v in high for v in values]) for g, values in groups.items()}
    return float(np.mean(groups[True]) - np.mean(groups[False])), float(share[True] - share[False])


def _swap_once(state: _State, item: Item, kommun: str) -> bool:
    """Swap the answers of a low structured and a high other respondent, one of them in ``kommun``.

    Only respondents with as many units and in the same region are swapped, so the
    counts over unit rows, overall and per region, stay as they were. The structured
    respondent gains and the other loses, so no municipality's gap shrinks.
    """
    groups: dict[tuple[int, str | None], dict[bool, list[tuple[int, int, bool]]]] = {}
    for r in range(state.n):
        label, stratum = state.cells[item.id][r], state.cells[STRATUM_ITEM][r]
        if label in item.labels and stratum in ("ja", "nej"):
            entry = groups.setdefault((len(state.units[r]), state.region_of(r)), {True: [], False: []})
            entry[stratum == "ja"].append((item.labels.index(label) + 1, r, kommun in state.units[r]))
    best: tuple[int, int, int] | None = None
    for entry in groups.values():
        for low_here in (True, False):  # the structured one in kommun, or the other one
            lows = [x for x in entry[True] if x[2] or not low_here]
            highs = [x for x in entry[False] if x[2] or low_here]
            if lows and highs:
                low, high = min(lows), max(highs)
                if high[0] > low[0] and (best is None or high[0] - low[0] > best[0]):
                    best = (high[0] - low[0], low[1], high[1])
    if best is None:
        return False
    column = state.cells[item.id]
    column[best[1]], column[best[2]] = column[best[2]], column[best[1]]
    return True


def _structured_higher(state: _State) -> None:
    """Make structured staff answer higher (mean and share high) in every municipality.

    Swaps answers between structured and other respondents with as many units in the
    same region (see :func:`_swap_once`): the counts over unit rows, overall and per
    region, stay as they were.
    """
    kommuner = [u for members in state.spec["regions"].values() for u in members]
    for item_id in state.section["structured_higher"]:
        item = state.survey.item(item_id)
        for kommun in kommuner:
            for _ in range(state.n):
                gaps = _kommun_gaps(state, item, kommun)
                if gaps is None or (gaps[0] > 0 and gaps[1] > 0) or not _swap_once(state, item, kommun):
                    break


# --------------------------------------------------------------------- comments


def _assign_comments(state: _State) -> None:
    """About ``comments`` (a share) of the respondents write one short synthetic comment."""
    ids = state.survey.comment_ids
    texts = COMMENT_TEXTS[state.survey.name]
    count = int(round(float(state.section["comments"]) * state.n))
    for respondent in sorted(int(r) for r in state.rng.choice(state.n, size=count, replace=False)):
        field = ids[0] if state.rng.random() < 0.7 else ids[-1]
        structured = "strukturerad_kommentar" in ids and state.cells[STRATUM_ITEM][respondent] == "ja"
        if structured and state.rng.random() < 0.3:
            field = "strukturerad_kommentar"
        state.cells[field][respondent] = texts[int(state.rng.integers(len(texts)))]


# ------------------------------------------------------------------- generate


def _new_state(spec: dict, wave: str, survey: Survey) -> _State:
    section = wave_survey_spec(spec, wave, survey.name)
    rng = np.random.default_rng(_wave_seed(spec, wave, survey.name))
    n = int(section["respondents"])
    columns = [i.id for i in survey.items] + list(survey.comment_ids)
    return _State(
        survey=survey, spec=spec, section=section, rng=rng,
        cells={c: [""] * n for c in columns}, units=[()] * n, common=rng.standard_normal(n),
        skip=rng.standard_normal(n),
    )


def _analysis_population(state: _State) -> np.ndarray:
    """Respondents put the indicator questions (operativ: erfarenhet_samverkan = ja)."""
    return state.asked(state.survey.indicator_items[0])


def _generate_survey(spec: dict, wave: str, survey: Survey) -> pd.DataFrame:
    """One survey of one wave as a wide frame: ids as headers, labels as cells."""
    state = _new_state(spec, wave, survey)
    items = state.section["items"]
    joint = state.section["background"]["items"]
    for item in survey.items:
        if item.background and item.id in items:
            _assign_item(state, item, items[item.id])
    analysis = _analysis_population(state)
    _assign_background(state, analysis)
    _assign_background(state, np.setdiff1d(np.arange(state.n), analysis))
    _assign_units(state, analysis)
    for item in survey.items:
        if item.background or item.id in joint or item.id not in items:
            continue
        if item.kind == "multiselect":
            _assign_multiselect(state, item, items[item.id])
        else:
            _assign_item(state, item, items[item.id])
    _structured_higher(state)
    _assign_comments(state)
    return _to_frame(state, wave)


def _to_frame(state: _State, wave: str) -> pd.DataFrame:
    """Rows in a seeded order (as a survey tool lists responses), ids numbered in that order."""
    order = state.rng.permutation(state.n)
    prefix = f"{state.spec['id_prefix']}{wave[-2:]}-{'C' if state.survey.name == 'chefsgrupp' else ''}"
    state.cells["respondent_id"] = [""] * state.n
    for position, respondent in enumerate(order, start=1):
        state.cells["respondent_id"][int(respondent)] = f"{prefix}{position:04d}"
    state.cells[state.survey.unit_item] = [", ".join(u) for u in state.units]
    frame = pd.DataFrame({c: [values[int(r)] for r in order] for c, values in state.cells.items()})
    return frame.astype(str)


def generate(spec: dict, wave: str) -> dict[str, pd.DataFrame]:
    """Generate every survey of one wave of one förbund.

    Parameters
    ----------
    spec
        A förbund spec (see :func:`samverkan.sample.spec.load_spec`; checked again here).
    wave
        A wave of the spec, e.g. ``"2016"``.

    Returns
    -------
    dict of str to pandas.DataFrame
        Survey name (``operativ``, ``chefsgrupp``) → wide export with string cells:
        one row per respondent; columns ``respondent_id``, every item of the survey in
        questionnaire order (the unit column ``kommun`` / ``mysam_grupp`` holds
        ``"Bollnäs, Söderhamn"`` for several units, multiselect cells the chosen options
        joined with ``", "``), then the comment columns. Cells are the Swedish labels of
        ``data/schema/instrument.yaml``, ``"Vet ej"`` / ``"Ej aktuellt"``, or ``""``
        (unanswered or not asked). Deterministic for a given spec seed.

    Raises
    ------
    ValueError
        If the spec is invalid, ``wave`` is not one of its waves, or its targets cannot
        be met (e.g. fewer unit rows than respondents).
    """
    spec = validate_spec(spec)
    wave = str(wave)
    if wave not in spec["waves"]:
        raise ValueError(f"wave={wave!r} is not a wave of {spec['id']!r}; expected one of {list(spec['waves'])}")
    return {
        name: _generate_survey(spec, wave, instrument.survey(name))
        for name in instrument.survey_names()
        if name in spec["waves"][wave]
    }
