"""Benchmark: scoring plus every comparison for a national-scale set, against a per-group loop.

Run: ``make benchmark`` (or ``.venv/bin/python benchmarks/bench_significance.py [--forbund N]``).

The national set (benchmarks/national.py): 75 förbund × 500 staff × 3 waves, the nine
staff indicator items, ~1.3 million answer rows. Timed in one run, on the same data:

* **samverkan** — ``sv.score`` by förbund × wave × region; ``sv.compare`` structured vs
  not and between regions within förbund × wave (``cluster="respondent"``: the classical
  tests, which the loop can mirror), and between waves within förbund;
  ``sv.compare_items`` for the three item pairs; ``sv.adjust`` per förbund × wave.
  Timed apart: the regions as the report tests them (``cluster="auto"``: the
  municipalities as clusters, every assignment of them to the regions), which has no
  straightforward loop to compare with.
* **loop** — the straightforward way: for each förbund, wave, item and group, filter
  the rows and call scipy / statsmodels once per test.

Both produce the same table: the script checks every p-value, share and interval of
the loop against samverkan's (``assert_allclose``) before it prints the ratio. Both use
``method="asymptotic"`` so that the loop needs no exact tests of its own; on this set
of large groups ``"auto"`` chooses the same tests. Targets (issue 3): under 2 s, at
least 10× the loop. The machine is shared and noisy: read the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

sys.path.insert(0, str(Path(__file__).resolve().parent))

import samverkan as sv  # noqa: E402
from national import ITEMS, national_answers  # noqa: E402
from samverkan import instrument  # noqa: E402

WITHIN = ["forbund", "wave"]
PAIRS = [("lyssnar", "vet_tillfora"), ("rutiner_myndigheter", "rutiner_aktorer"),
         ("strukturer_myndigheter", "strukturer_aktorer")]


def with_samverkan(answers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every table, the library way."""
    scores = sv.score(answers, by=["forbund", "wave", "region"], items=ITEMS)
    options = dict(items=ITEMS, method="asymptotic")
    structured = sv.compare(answers, by="strukturerad", stratify=WITHIN, **options)
    regions = sv.compare(answers, by="region", stratify=WITHIN, cluster="respondent", **options)
    waves = sv.compare(answers, by="wave", stratify="forbund", **options)
    pairs = pd.concat([sv.compare_items(answers, a, b, stratify=WITHIN) for a, b in PAIRS], ignore_index=True)
    tests = sv.adjust(pd.concat([structured, regions, pairs], ignore_index=True), family=WITHIN)
    return {"scores": scores, "tests": tests, "waves": waves}


def _high(item_id: str) -> np.ndarray:
    return np.array(instrument.item(item_id).high_values, dtype=float)


def _loop_scores(part: pd.DataFrame, f: str, w: str, item_id: str) -> list[dict]:
    rows = []
    for region in sorted(part["region"].dropna().unique()):
        group = part[part["region"] == region].drop_duplicates(subset="respondent_id")  # each respondent once
        values = group["value"].dropna().to_numpy(dtype=float)
        high = int(np.isin(values, _high(item_id)).sum())
        low, upper = proportion_confint(high, len(values), method="wilson")
        rows.append(dict(forbund=f, wave=w, region=region, item=item_id, n=len(values),
                         share_high=high / len(values), share_high_ci_low=low, share_high_ci_high=upper,
                         mean=values.mean()))
    return rows


def _loop_two_groups(part: pd.DataFrame, by: str, group: str, reference: str, item_id: str) -> list[dict]:
    answered = part[part["value"].notna()].drop_duplicates(subset=["respondent_id", by])
    x = answered.loc[answered[by] == group, "value"].to_numpy(dtype=float)
    y = answered.loc[answered[by] == reference, "value"].to_numpy(dtype=float)
    mw = stats.mannwhitneyu(x, y, use_continuity=True, method="asymptotic")
    hx, hy = np.isin(x, _high(item_id)).sum(), np.isin(y, _high(item_id)).sum()
    chi2 = stats.chi2_contingency([[hx, len(x) - hx], [hy, len(y) - hy]], correction=False)
    low, upper = confint_proportions_2indep(hx, len(x), hy, len(y), method="newcomb", compare="diff")
    return [dict(test="mann-whitney", statistic=mw.statistic, pvalue=mw.pvalue),
            dict(test="chi2-share-high", statistic=chi2.statistic, pvalue=chi2.pvalue, ci_low=low, ci_high=upper)]


def _loop_many_groups(part: pd.DataFrame, by: str, item_id: str) -> list[dict]:
    answered = part[part["value"].notna()].drop_duplicates(subset=["respondent_id", by])
    samples = [g["value"].to_numpy(dtype=float) for _, g in answered.groupby(by, observed=True)]
    kw = stats.kruskal(*samples)
    table = [[np.isin(s, _high(item_id)).sum() for s in samples], [(~np.isin(s, _high(item_id))).sum() for s in samples]]
    chi2 = stats.chi2_contingency(table, correction=False)
    return [dict(test="kruskal-wallis", statistic=kw.statistic, pvalue=kw.pvalue),
            dict(test="chi2-share-high", statistic=chi2.statistic, pvalue=chi2.pvalue)]


def _loop_pair(part: pd.DataFrame, a: str, b: str) -> list[dict]:
    x = part[part["item"] == a].dropna(subset=["value"]).drop_duplicates("respondent_id").set_index("respondent_id")
    y = part[part["item"] == b].dropna(subset=["value"]).drop_duplicates("respondent_id").set_index("respondent_id")
    both = x.index.intersection(y.index)
    xa, yb = x.loc[both, "value"].to_numpy(dtype=float), y.loc[both, "value"].to_numpy(dtype=float)
    w = stats.wilcoxon(xa, yb, zero_method="wilcox", correction=True, method="asymptotic")
    hx, hy = np.isin(xa, _high(a)), np.isin(yb, _high(b))
    disagree_b, disagree_c = int(np.sum(hx & ~hy)), int(np.sum(~hx & hy))
    if disagree_b + disagree_c < 25:
        p = stats.binomtest(disagree_b, disagree_b + disagree_c).pvalue
    else:
        p = stats.chi2.sf((abs(disagree_b - disagree_c) - 1) ** 2 / (disagree_b + disagree_c), 1)
    return [dict(test="wilcoxon-signed-rank", pvalue=w.pvalue), dict(test="mcnemar", pvalue=p)]


def with_loop(answers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The same tables, the straightforward way: one filter and one scipy call per group."""
    scores, tests, waves = [], [], []
    frame = answers.astype({c: "object" for c in answers.columns if c != "value"})
    for forbund in sorted(frame["forbund"].unique()):
        in_forbund = frame[frame["forbund"] == forbund]
        for item_id in ITEMS:
            part = in_forbund[in_forbund["item"] == item_id]
            waves += [dict(forbund=forbund, item=item_id, **r) for r in _loop_many_groups(part, "wave", item_id)]
        for wave in sorted(in_forbund["wave"].unique()):
            in_wave = in_forbund[in_forbund["wave"] == wave]
            for item_id in ITEMS:
                part = in_wave[in_wave["item"] == item_id]
                keys = dict(forbund=forbund, wave=wave, item=item_id)
                scores += _loop_scores(part, forbund, wave, item_id)
                tests += [dict(keys, comparison="strukturerad", **r)
                          for r in _loop_two_groups(part, "strukturerad", "ja", "nej", item_id)]
                tests += [dict(keys, comparison="region", **r) for r in _loop_many_groups(part, "region", item_id)]
            for a, b in PAIRS:
                tests += [dict(forbund=forbund, wave=wave, item=a, comparison=f"{a} mot {b}", **r)
                          for r in _loop_pair(in_wave, a, b)]
    return {"scores": pd.DataFrame(scores), "tests": pd.DataFrame(tests), "waves": pd.DataFrame(waves)}


def check_same(library: dict[str, pd.DataFrame], loop: dict[str, pd.DataFrame]) -> None:
    """Assert that both ways produced the same numbers."""
    keys = ["forbund", "wave", "region", "item"]
    s = library["scores"].astype({k: str for k in keys}).merge(loop["scores"], on=keys, suffixes=("", "_loop"))
    assert len(s) == len(loop["scores"]) == len(library["scores"])
    for column in ["n", "share_high", "share_high_ci_low", "share_high_ci_high", "mean"]:
        assert_allclose(s[column].astype(float), s[f"{column}_loop"].astype(float), rtol=1e-9)
    tests = library["tests"].copy()
    tests["comparison"] = tests["comparison"].str.replace(r":.*", "", regex=True)
    tests["test"] = tests["test"].str.replace("mcnemar-exact", "mcnemar")
    t = tests.merge(loop["tests"], on=["forbund", "wave", "item", "comparison", "test"], suffixes=("", "_loop"))
    assert len(t) == len(loop["tests"]) == len(tests), (len(t), len(loop["tests"]), len(tests))
    assert_allclose(t["pvalue"], t["pvalue_loop"], rtol=1e-7, atol=1e-300)
    has_ci = t["ci_low_loop"].notna()
    assert_allclose(t.loc[has_ci, "ci_low"], t.loc[has_ci, "ci_low_loop"].astype(float), rtol=1e-9)
    w = library["waves"].merge(loop["waves"], on=["forbund", "item", "test"], suffixes=("", "_loop"))
    assert len(w) == len(loop["waves"])
    assert_allclose(w["pvalue"], w["pvalue_loop"], rtol=1e-7, atol=1e-300)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forbund", type=int, default=75, help="number of förbund (default 75)")
    parser.add_argument("--staff", type=int, default=500, help="staff respondents per förbund and wave")
    args = parser.parse_args(argv)
    answers = national_answers(n_forbund=args.forbund, n_staff=args.staff)
    print(f"national set: {args.forbund} förbund × {args.staff} staff × 3 waves, {len(answers):,} answer rows")
    start = time.perf_counter()
    library = with_samverkan(answers)
    library_seconds = time.perf_counter() - start
    start = time.perf_counter()
    loop = with_loop(answers)
    loop_seconds = time.perf_counter() - start
    check_same(library, loop)
    start = time.perf_counter()
    clustered = sv.compare(answers, by="region", stratify=WITHIN, items=ITEMS)
    clustered_seconds = time.perf_counter() - start
    assert clustered["test"].str.endswith("unit-permutation").all()
    rows = len(library["scores"]) + len(library["tests"]) + len(library["waves"])
    print(f"same table from both ({rows:,} rows of scores and tests): checked")
    print(f"samverkan: {library_seconds:.2f} s   (target < 2 s)")
    print(f"loop:      {loop_seconds:.2f} s")
    print(f"ratio loop / samverkan: {loop_seconds / library_seconds:.1f}×   (target ≥ 10×)")
    print(f"regions with the municipalities as clusters (the report's default), alone: {clustered_seconds:.2f} s "
          f"({len(clustered) // 2:,} comparisons)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
