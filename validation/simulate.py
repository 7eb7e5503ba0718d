"""Calibration of every test path and interval of samverkan, by simulation.

Run: ``make validate`` (``.venv/bin/python validation/simulate.py --sims 2000``). A small fixed-seed
version runs in ``make test`` (``tests/test_validation.py``).

**Rejection rates.** Null data — the answers do not depend on the groups — in the shapes the
report meets: independent respondents in large groups and in groups of 5–10 (every exact and
permutation path), respondents copied into several unit rows (design effect ``Σm²/Σm`` drawn
between 1 and 2.5 per data set) or counted in several groups, regions of several
municipalities with a municipality effect (ICC drawn between 0 and 0.05, or 0.1 for Mysam
groups), and paired items. Every data set has an item on each indicator scale — frequency
(``lyssnar``, skewed to the high steps) and extent (``synsatt``, centred) — drawn from a latent
normal cut into six steps. Each path's rejection rate at α = 0.05 is reported per scale.

**Coverage.** Two groups whose latent means differ so that the rank-biserial correlation is
exactly 0, 0.3, 0.6 or 0.9 (computed from the step probabilities), in small and large groups,
independent or with copied rows; paired items with the same targets for the matched-pairs
rank-biserial; each data set also checks the Newcombe interval of the share difference, the
Wilson interval of each group's share and the index's t interval against their true values.

Everything goes through the public functions (``sv.compare``, ``sv.compare_items``,
``sv.score``, ``sv.climate_index``): one call per scenario holds every simulated data set as a
stratum (``stratify="sim"``), so the paths chosen are the paths a user gets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import samverkan as sv  # noqa: E402
from samverkan import instrument  # noqa: E402
from samverkan.tidy import canonical_dtypes  # noqa: E402

ALPHA = 0.05
SCALES = {"lyssnar": np.array([-2.0, -1.3, -0.5, 0.3, 1.1]), "synsatt": np.array([-1.4, -0.6, 0.1, 0.8, 1.6])}
HIGH = np.array([False, False, False, True, True, True])
TARGETS = (0.0, 0.3, 0.6, 0.9)
REJECTION_RANGE = (0.035, 0.065)
COVERAGE_MIN = 0.93


# ------------------------------------------------------------------ data


def steps(latent: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """1-based scale steps of a latent normal cut at ``cuts``."""
    return 1 + (latent[..., None] > cuts).sum(axis=-1)


def step_probabilities(shift: float, cuts: np.ndarray) -> np.ndarray:
    edges = stats.norm.cdf(np.r_[-np.inf, cuts, np.inf] - shift)
    return np.diff(edges)


def rank_biserial_of(p: np.ndarray, q: np.ndarray) -> float:
    """``2 P(X > Y) + P(X = Y) − 1`` for step probabilities ``p`` (X) and ``q`` (Y)."""
    below = np.cumsum(q) - q
    return float(2 * np.sum(p * (below + q / 2)) - 1)


def shift_for(target: float, cuts: np.ndarray) -> float:
    """Latent distance ``δ`` between group X (at ``+δ/2``) and Y (at ``−δ/2``) giving the rank-biserial ``target``.

    Both groups move (a shift of one group alone cannot reach 0.9 when the other has more
    than 10 % in its top step).
    """
    def gap(shift):
        return rank_biserial_of(step_probabilities(shift / 2, cuts), step_probabilities(-shift / 2, cuts)) - target

    return 0.0 if target == 0 else float(optimize.brentq(gap, 0, 12))


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical tidy answers from rows of ``sim, respondent_id, unit, region, grupp, item, value``."""
    label = np.empty(len(frame), dtype=object)
    for item in frame["item"].unique():
        rows = (frame["item"] == item).to_numpy()
        label[rows] = np.array(instrument.item(item).labels, dtype=object)[frame["value"].to_numpy()[rows] - 1]
    frame = frame.assign(forbund="sim", wave="2020", survey="operativ", missing_reason=None, label=label)
    extra = frame[["sim", "grupp"]].astype(str)
    answers = canonical_dtypes(frame, instrument.survey("operativ"))
    return answers.assign(sim=extra["sim"].to_numpy(), grupp=extra["grupp"].to_numpy())


def _rows(sim, respondent, unit, region, group, values: dict[str, np.ndarray]) -> pd.DataFrame:
    parts = [pd.DataFrame({"sim": sim, "respondent_id": respondent, "unit": unit, "region": region, "grupp": group,
                           "item": item, "value": value}) for item, value in values.items()]
    return pd.concat(parts, ignore_index=True)


def independent(rng, sims: int, groups: tuple[int, int], sizes: tuple[int, int]) -> pd.DataFrame:
    """Respondents once each, in 2–4 groups of the given size range (null)."""
    frames = []
    for s in range(sims):
        k = rng.integers(groups[0], groups[1] + 1)
        n = rng.integers(sizes[0], sizes[1] + 1, size=k)
        group = np.repeat([f"g{j}" for j in range(k)], n)
        ids = [f"{s}-{i}" for i in range(n.sum())]
        values = {item: steps(rng.normal(size=n.sum()), cuts) for item, cuts in SCALES.items()}
        frames.append(_rows(s, ids, "U", "R", group, values))
    return tidy(pd.concat(frames, ignore_index=True))


def copies(rng, sims: int, groups: int, sizes: tuple[int, int], several_groups: bool) -> pd.DataFrame:
    """Respondents copied into 1–4 rows (unit rows in their group, or rows in several groups), null.

    The design effect ``Σm²/Σm`` of each data set is drawn between 1 and 2.5.
    """
    frames = []
    for s in range(sims):
        n = rng.integers(sizes[0], sizes[1] + 1, size=groups).sum()
        multi = rng.uniform(0, 0.6)
        m = np.where(rng.random(n) < multi, rng.integers(2, 5, size=n), 1)
        home = rng.integers(0, groups, size=n)
        respondent = np.repeat(np.arange(n), m)
        copy = np.arange(len(respondent)) - np.repeat(np.cumsum(m) - m, m)
        group = (home[respondent] + copy) % groups if several_groups else home[respondent]
        values = {item: steps(rng.normal(size=n), cuts)[respondent] for item, cuts in SCALES.items()}
        frames.append(_rows(s, [f"{s}-{i}" for i in respondent], [f"u{c}" for c in copy], "R",
                            [f"g{g}" for g in group], values))
    return tidy(pd.concat(frames, ignore_index=True))


def regions(rng, sims: int, layout: tuple[int, ...], sizes: tuple[int, int], icc: float) -> pd.DataFrame:
    """Respondents in municipalities with a random municipality effect, municipalities in regions (null).

    ``layout`` gives the municipalities of each region; 15 % of the respondents also answer for
    a second municipality of their region (one row per unit, the same answers).
    """
    region_of = np.repeat(np.arange(len(layout)), layout)
    frames = []
    for s in range(sims):
        rho = rng.uniform(0, icc)
        n = rng.integers(sizes[0], sizes[1] + 1, size=len(region_of))
        unit = np.repeat(np.arange(len(region_of)), n)
        values = {item: steps(np.sqrt(rho) * rng.normal(size=len(n))[unit] + np.sqrt(1 - rho)
                              * rng.normal(size=len(unit)), cuts) for item, cuts in SCALES.items()}
        respondent, units = np.arange(len(unit)), unit.copy()
        second = np.array([u for u in range(len(region_of)) if layout[region_of[u]] > 1])
        extra = np.flatnonzero(np.isin(unit, second) & (rng.random(len(unit)) < 0.15))
        mates = np.array([rng.choice(np.flatnonzero((region_of == region_of[unit[i]]) &
                                                    (np.arange(len(region_of)) != unit[i]))) for i in extra], int)
        respondent, units = np.r_[respondent, extra], np.r_[units, mates]
        values = {item: v[respondent] for item, v in values.items()}
        frames.append(_rows(s, [f"{s}-{i}" for i in respondent], [f"k{u}" for u in units],
                            [f"r{region_of[u]}" for u in units], "-", values))
    return tidy(pd.concat(frames, ignore_index=True))


def paired(rng, sims: int, sizes: tuple[int, int], shift: float = 0.0, correlation: float = 0.5) -> pd.DataFrame:
    """Two items of one scale (``lyssnar`` and ``vet_tillfora``) answered by the same respondents."""
    cuts = SCALES["lyssnar"]
    frames = []
    for s in range(sims):
        n = rng.integers(sizes[0], sizes[1] + 1)
        common = rng.normal(size=n)
        a = np.sqrt(correlation) * common + np.sqrt(1 - correlation) * rng.normal(size=n) + shift
        b = np.sqrt(correlation) * common + np.sqrt(1 - correlation) * rng.normal(size=n)
        frames.append(_rows(s, [f"{s}-{i}" for i in range(n)], "U", "R", "-",
                            {"lyssnar": steps(a, cuts), "vet_tillfora": steps(b, cuts)}))
    return tidy(pd.concat(frames, ignore_index=True))


def two_groups(rng, sims: int, sizes: tuple[int, int], shifts: dict[str, float], copies_deff: bool = False):
    """Group ``a`` shifted by ``shifts[item]`` over group ``b``; with copied unit rows when ``copies_deff``."""
    frames = []
    for s in range(sims):
        n = np.array(sizes)
        group = np.repeat(["a", "b"], n)
        m = np.where(rng.random(n.sum()) < 0.4, rng.integers(2, 4, size=n.sum()), 1) if copies_deff else \
            np.ones(n.sum(), int)
        respondent = np.repeat(np.arange(n.sum()), m)
        copy = np.arange(len(respondent)) - np.repeat(np.cumsum(m) - m, m)
        values = {item: steps(rng.normal(size=n.sum()) + np.where(group == "a", 0.5, -0.5) * shifts[item],
                              cuts)[respondent] for item, cuts in SCALES.items()}
        frames.append(_rows(s, [f"{s}-{i}" for i in respondent], [f"u{c}" for c in copy], "R", group[respondent],
                            values))
    return tidy(pd.concat(frames, ignore_index=True))


# ------------------------------------------------------------------ rejection rates


def scenarios(rng, sims: int) -> list[tuple[str, pd.DataFrame, dict]]:
    """``(scenario, answers, compare options)`` of every null scenario."""
    return [
        ("independent, 2 groups of 40–150", independent(rng, sims, (2, 2), (40, 150)), dict(by="grupp")),
        ("independent, 2 groups of 5–10", independent(rng, sims, (2, 2), (5, 10)), dict(by="grupp")),
        ("independent, 3–4 groups of 40–150", independent(rng, sims, (3, 4), (40, 150)), dict(by="grupp")),
        ("independent, 3–4 groups of 5–10", independent(rng, sims, (3, 4), (5, 10)), dict(by="grupp")),
        ("copied unit rows, 2 groups of 40–120", copies(rng, sims, 2, (40, 120), False),
         dict(by="grupp", level="unit")),
        ("copied unit rows, 2 groups of 5–10", copies(rng, sims, 2, (5, 10), False), dict(by="grupp", level="unit")),
        ("copied unit rows, 3 groups of 40–120", copies(rng, sims, 3, (40, 120), False),
         dict(by="grupp", level="unit")),
        ("respondents in several groups, 3 groups of 40–120", copies(rng, sims, 3, (40, 120), True),
         dict(by="grupp", level="unit")),
        ("respondents in several groups, 3 groups of 5–10", copies(rng, sims, 3, (5, 10), True),
         dict(by="grupp", level="unit")),
        ("regions of 1+3+3+3 municipalities of 30–220, ICC 0–0.05", regions(rng, sims, (1, 3, 3, 3), (30, 220), 0.05),
         dict(by="region")),
        ("regions of 1+2+3+2 Mysam groups of 4–10, ICC 0–0.1", regions(rng, sims, (1, 2, 3, 2), (4, 10), 0.10),
         dict(by="region")),
        ("2 regions of 5 and 6 municipalities of 20–80, ICC 0–0.05", regions(rng, sims, (5, 6), (20, 80), 0.05),
         dict(by="region")),
    ]


def rejection_rates(sims: int, seed: int) -> pd.DataFrame:
    """Per scenario and test path: data sets, tests and the share rejected at α = 0.05, per scale.

    Returns
    -------
    pandas.DataFrame
        ``scenario, test, role, tests, rate_lyssnar, rate_synsatt, rate, within_target``.
    """
    rng = np.random.default_rng(seed)
    frames = []
    for name, answers, options in scenarios(rng, sims):
        tests = sv.compare(answers, items=list(SCALES), stratify="sim", **options)
        frames.append(tests.assign(scenario=name))
    for sizes in ((30, 300), (15, 40)):
        pairs = paired(rng, sims, sizes)
        frames.append(sv.compare_items(pairs, "lyssnar", "vet_tillfora", stratify="sim").assign(
            scenario=f"paired items, {sizes[0]}–{sizes[1]} respondents"))
    tests = pd.concat(frames, ignore_index=True)
    tests = tests[tests["pvalue"].notna()]
    tests["rejected"] = tests["pvalue"] < ALPHA
    rates = tests.pivot_table(index=["scenario", "test", "role"], columns="item", values="rejected", aggfunc="mean",
                              observed=True, sort=False)
    counts = tests.groupby(["scenario", "test", "role"], sort=False, observed=True)["rejected"].agg(["size", "mean"])
    table = counts.join(rates.rename(columns=lambda c: f"rate_{c}")).reset_index()
    table = table.rename(columns={"size": "tests", "mean": "rate"})
    table["within_target"] = table["rate"].between(*REJECTION_RANGE)
    return table


# ------------------------------------------------------------------ coverage


def _covered(low, high, truth) -> np.ndarray:
    return (np.asarray(low, float) <= truth + 1e-12) & (truth - 1e-12 <= np.asarray(high, float))


def coverage_two_groups(rng, sims: int, sizes: tuple[int, int], copied: bool) -> list[dict]:
    """Coverage of the rank-biserial, share-difference and Wilson intervals at each target effect."""
    rows = []
    label = f"{sizes[0]} mot {sizes[1]}" + (" (kopierade rader)" if copied else "")
    for target in TARGETS:
        shifts = {item: shift_for(target, cuts) for item, cuts in SCALES.items()}
        answers = two_groups(rng, sims, sizes, shifts, copied)
        tests = sv.compare(answers, by="grupp", items=list(SCALES), stratify="sim", reference="b",
                           level="unit" if copied else "respondent")
        for item, cuts in SCALES.items():
            p, q = step_probabilities(shifts[item] / 2, cuts), step_probabilities(-shifts[item] / 2, cuts)
            part = tests[tests["item"] == item]
            rank, share = part[part["role"] == "primary"], part[part["role"] == "companion"]
            rows.append(dict(interval="rank-biserial (Newcombe)", design=label, effect=target, item=item,
                             covered=_covered(rank["ci_low"], rank["ci_high"], target).mean(), sims=len(rank)))
            truth = p[HIGH].sum() - q[HIGH].sum()
            rows.append(dict(interval="share difference (Newcombe)", design=label, effect=target, item=item,
                             covered=_covered(share["ci_low"], share["ci_high"], truth).mean(), sims=len(share)))
        if not copied:
            scores = sv.score(answers, by=["sim", "grupp"], items=list(SCALES))
            for item, cuts in SCALES.items():
                part = scores[(scores["item"] == item) & (scores["grupp"] == "a")]
                truth = step_probabilities(shifts[item] / 2, cuts)[HIGH].sum()
                rows.append(dict(interval="share of high values (Wilson)", design=f"{sizes[0]} svar", effect=target,
                                 item=item, covered=_covered(part["share_high_ci_low"], part["share_high_ci_high"],
                                                             truth).mean(), sims=len(part)))
    return rows


def matched_target(shift: float, cuts: np.ndarray, correlation: float = 0.5) -> float:
    """The matched-pairs rank-biserial's population value ``P(D₁ + D₂ > 0) − P(D₁ + D₂ < 0)`` (non-zero D)."""
    grid = np.linspace(-7, 7, 1401)
    weight = stats.norm.pdf(grid) * (grid[1] - grid[0])
    sd = np.sqrt(1 - correlation)
    edges = np.r_[-np.inf, cuts, np.inf]
    a = np.diff(stats.norm.cdf((edges[None, :] - shift - np.sqrt(correlation) * grid[:, None]) / sd), axis=1)
    b = np.diff(stats.norm.cdf((edges[None, :] - np.sqrt(correlation) * grid[:, None]) / sd), axis=1)
    joint = np.einsum("g,gi,gj->ij", weight, a, b)
    diffs = np.subtract.outer(np.arange(6), np.arange(6))
    d = np.array([joint[diffs == k].sum() for k in range(-5, 6)])
    d[5] = 0
    d /= d.sum()
    total = np.convolve(d, d)
    return float(total[11:].sum() - total[:10].sum())


def coverage_paired(rng, sims: int, sizes: tuple[int, int]) -> list[dict]:
    rows = []
    cuts = SCALES["lyssnar"]
    for target in TARGETS:
        shift = optimize.brentq(lambda s: matched_target(s, cuts) - target, -0.5, 6) if target else 0.0
        tests = sv.compare_items(paired(rng, sims, sizes, shift), "lyssnar", "vet_tillfora", stratify="sim")
        rank = tests[tests["role"] == "primary"]
        rows.append(dict(interval="matched-pairs rank-biserial (BCa)", design=f"{sizes[0]}–{sizes[1]} par",
                         effect=target, item="lyssnar", covered=_covered(rank["ci_low"], rank["ci_high"],
                                                                         target).mean(), sims=len(rank)))
    return rows


def coverage_index(rng, sims: int, n: int) -> list[dict]:
    """Coverage of the index's t interval: three items on one common factor (ω ≈ 0.8)."""
    items = {"lyssnar": SCALES["lyssnar"], "vet_tillfora": SCALES["lyssnar"], "synsatt": SCALES["synsatt"]}
    loading = np.sqrt(0.6)
    frames = []
    for s in range(sims):
        common = rng.normal(size=n)
        values = {item: steps(loading * common + np.sqrt(1 - loading**2) * rng.normal(size=n), cuts)
                  for item, cuts in items.items()}
        frames.append(_rows(s, [f"{s}-{i}" for i in range(n)], "U", "R", "-", values))
    table = sv.climate_index(tidy(pd.concat(frames, ignore_index=True)), items=list(items), by="sim")
    truth = np.mean([np.sum(step_probabilities(0.0, cuts) * np.arange(6) / 5 * 100) for cuts in items.values()])
    reported = table[table["reported"]]
    return [dict(interval="index (t)", design=f"{n} svar", effect=0.0, item="3 frågor",
                 covered=_covered(reported["index_ci_low"], reported["index_ci_high"], truth).mean(),
                 sims=len(reported))]


def coverage(sims: int, seed: int) -> pd.DataFrame:
    """Coverage of every interval at each target effect.

    Returns
    -------
    pandas.DataFrame
        ``interval, design, effect, sims, coverage, within_target`` (``coverage`` pooled over
        the two scales where an interval is computed on both).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for sizes, copied in (((8, 10), False), ((60, 90), False), ((40, 60), True)):
        rows += coverage_two_groups(rng, sims, sizes, copied)
    for sizes in ((20, 40), (150, 300)):
        rows += coverage_paired(rng, sims, sizes)
    for n in (30, 200):
        rows += coverage_index(rng, sims, n)
    table = pd.DataFrame(rows)
    table["hits"] = table["covered"] * table["sims"]
    table = table.groupby(["interval", "design", "effect"], sort=False).agg(sims=("sims", "sum"),
                                                                           hits=("hits", "sum")).reset_index()
    table["coverage"] = table.pop("hits") / table["sims"]
    table["within_target"] = table["coverage"] >= COVERAGE_MIN
    return table


# ------------------------------------------------------------------ report


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.node() or 'unknown'} ({platform.machine()}, {cpus} cores, Python {platform.python_version()})"


def per_path(rates: pd.DataFrame) -> pd.DataFrame:
    """The rejection rates summed over the scenarios: one row per test path."""
    rows = []
    for (test, role), part in rates.groupby(["test", "role"], sort=False):
        row = {"test": test, "role": role, "tests": int(part["tests"].sum()),
               "rate": float((part["rate"] * part["tests"]).sum() / part["tests"].sum())}
        for column in [c for c in part.columns if c.startswith("rate_")]:
            per_item = part["tests"] / part[[c for c in part.columns if c.startswith("rate_")]].notna().sum(axis=1)
            known = part[column].notna()
            row[column] = float((part.loc[known, column] * per_item[known]).sum() / per_item[known].sum()) \
                if known.any() else np.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    table["within_target"] = table["rate"].between(*REJECTION_RANGE)
    return table


def _pct(x) -> str:
    return "" if pd.isna(x) else f"{100 * x:.1f} %"


def path_lines(paths: pd.DataFrame) -> list[str]:
    """The per-path table as Markdown lines."""
    lines = ["| test path | role | tests | frequency scale | extent scale | both | in 3.5–6.5 % |",
             "|---|---|---|---|---|---|---|"]
    for _, row in paths.iterrows():
        lines.append(f"| `{row['test']}` | {row['role']} | {row['tests']} | {_pct(row.get('rate_lyssnar'))} | "
                     f"{_pct(row.get('rate_synsatt'))} | {_pct(row['rate'])} | "
                     f"{'ja' if row['within_target'] else '**nej**'} |")
    return lines


def coverage_lines(covered: pd.DataFrame) -> list[str]:
    lines = ["| interval | design | effect | intervals | coverage | ≥ 93 % |", "|---|---|---|---|---|---|"]
    for _, row in covered.iterrows():
        lines.append(f"| {row['interval']} | {row['design']} | {row['effect']:.1f} | {row['sims']} | "
                     f"{_pct(row['coverage'])} | {'ja' if row['within_target'] else '**nej**'} |")
    return lines


def markdown(rates: pd.DataFrame, covered: pd.DataFrame, *, sims: int, seed: int, seconds: float) -> str:
    """The tables as Markdown (per path, coverage, then per scenario), with the date, the machine and the settings."""
    pct = _pct
    lines = [f"Validation run {dt.date.today().isoformat()} on {machine()}: {sims} simulated data sets per scenario, "
             f"seed {seed}, {seconds / 60:.0f} min.", "", *path_lines(per_path(rates)), "", *coverage_lines(covered),
             "", "Per scenario:", "",
             "| scenario | test path | role | tests | frequency scale | extent scale | both | in 3.5–6.5 % |",
             "|---|---|---|---|---|---|---|---|"]
    for _, row in rates.iterrows():
        freq = pct(row.get("rate_lyssnar"))
        extent = pct(row.get("rate_synsatt", row.get("rate_vet_tillfora")))
        lines.append(f"| {row['scenario']} | `{row['test']}` | {row['role']} | {row['tests']} | {freq} | {extent} | "
                     f"{pct(row['rate'])} | {'ja' if row['within_target'] else '**nej**'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=2000, help="simulated data sets per scenario (default 2000)")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.md")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rates = rejection_rates(args.sims, args.seed)
    covered = coverage(args.sims, args.seed + 1)
    text = markdown(rates, covered, sims=args.sims, seed=args.seed, seconds=time.perf_counter() - start)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
