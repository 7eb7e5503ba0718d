"""A small, fixed-seed run of validation/simulate.py (the full run is ``make validate``).

40 simulated data sets per scenario (two items each: 80 or more tests per path) and 30 per
interval and effect, with 999 permutations and bootstrap resamples instead of 9999 and 1999,
so it takes seconds; the bounds are wide for that many (a true 5 % rate exceeds 15 % in 80
tests with probability below 0.001; 85 % coverage is 3 standard errors below 95 % in 60
intervals) and still catch a path that ignores duplicated respondents (14–19 % in the audit).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from samverkan.stats import clustered, count_tests, intervals

SCRIPT = Path(__file__).resolve().parent.parent / "validation" / "simulate.py"


@pytest.fixture(scope="module")
def simulate():
    spec = importlib.util.spec_from_file_location("simulate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fewer_resamples(monkeypatch):
    monkeypatch.setattr(clustered, "N_PERMUTATIONS", 999)
    monkeypatch.setattr(count_tests, "N_PERMUTATIONS", 999)
    monkeypatch.setattr(intervals, "N_BOOTSTRAP", 999)


def test_every_test_path_holds_its_size_under_the_null(simulate, fewer_resamples):
    rates = simulate.rejection_rates(40, seed=11)
    paths = set(rates["test"])
    for path in ("mann-whitney", "mann-whitney-exact", "kruskal-wallis", "kruskal-wallis-permutation",
                 "mann-whitney-design", "kruskal-wallis-design", "kruskal-wallis-respondent-permutation",
                 "mann-whitney-respondent-permutation", "kruskal-wallis-unit-permutation",
                 "mann-whitney-unit-permutation", "chi2-share-high-rao-scott", "wilcoxon-signed-rank"):
        assert path in paths, path
    per_path = simulate.per_path(rates)
    tested = per_path[per_path["tests"] >= 60]
    assert (tested["rate"] <= 0.15).all(), tested[tested["rate"] > 0.15]
    primary = rates[rates["role"] == "primary"]
    pooled = (primary["rate"] * primary["tests"]).sum() / primary["tests"].sum()
    assert 0.025 <= pooled <= 0.075, pooled


def test_every_interval_covers(simulate, fewer_resamples):
    table = simulate.coverage(30, seed=12)
    assert set(table["effect"]) == {0.0, 0.3, 0.6, 0.9}
    assert (table["coverage"] >= 0.85).all(), table[table["coverage"] < 0.85]
