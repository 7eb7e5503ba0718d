"""Small-group suppression: hand-built tables with known n's, and the sample förbund with a tiny region."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal

import samverkan as sv
from samverkan import suppress
from samverkan.vocabulary import TEST_COLUMNS
from samverkan.stats.comparisons import tests_frame as make_tests_frame

from .conftest import ROOT

NOTE = "färre än 5 svar"


def scores_table() -> pd.DataFrame:
    """A sv.score-like table: A (n 20) and D (n 5) are published, B (n 4) and C (n 0) are not."""
    return pd.DataFrame({
        "item": ["lyssnar"] * 4,
        "region": pd.Categorical(["A", "B", "C", "D"]),
        "n": np.array([20, 4, 0, 5], dtype="int64"),
        "n_missing": np.array([2, 1, 3, 0], dtype="int64"),
        "n_high": np.array([10, 2, 0, 5], dtype="int64"),
        "mean": [4.1, 3.5, np.nan, 5.2],
        "median": [4.0, 3.5, np.nan, 5.0],
        "share_high": [0.5, 0.5, np.nan, 1.0],
        "share_high_ci_low": [0.3, 0.15, np.nan, 0.57],
        "share_high_ci_high": [0.7, 0.85, np.nan, 1.0],
    })


def distribution_table() -> pd.DataFrame:
    """A sv.distribution-like table: A has 20 substantive answers (+2 vet ej), B has 3 (+4 blank)."""
    labels = ["aldrig", "sällan", "ibland", "ofta", "för det mesta", "alltid"]
    rows = []
    for region, counts, missing in [("A", [1, 2, 3, 4, 0, 10], ("vet_ej", 2)), ("B", [0, 1, 1, 0, 1, 0], ("blank", 4))]:
        total = sum(counts)
        rows += [("lyssnar", region, v, lab, None, c, 100 * c / total)
                 for v, (lab, c) in enumerate(zip(labels, counts), start=1)]
        rows.append(("lyssnar", region, None, None, missing[0], missing[1], np.nan))
    table = pd.DataFrame(rows, columns=["item", "region", "value", "label", "missing_reason", "count", "percent"])
    return table.astype({"value": "Int64", "label": "string", "missing_reason": "string", "count": "int64"})


def _row(**overrides) -> dict:
    row = dict.fromkeys(TEST_COLUMNS, np.nan)
    row.update({"item": "lyssnar", "comparison": "x", "group": None, "reference": None, "n": None,
                "n_reference": None, "test": "mann-whitney", "effect_size_name": "r", "note": "",
                "statistic": 1.0, "df": 2.0, "pvalue": 0.04, "pvalue_adjusted": 0.08, "effect_size": 0.3,
                "ci_low": 0.1, "ci_high": 0.5})
    row.update(overrides)
    return row


def _tests_table() -> pd.DataFrame:
    return make_tests_frame([
        _row(group="ja", reference="nej", n=30, n_reference=40),            # 0 published
        _row(group="ja", reference="nej", n=3, n_reference=40),             # 1 small group
        _row(group="ja", reference="nej", n=30, n_reference=4),             # 2 small reference
        _row(group="A, B, C", n=12, test="kruskal-wallis", ci_low=np.nan, ci_high=np.nan),   # 3 12 < 3 × 5
        _row(group="A, B, C", n=100, test="kruskal-wallis", ci_low=np.nan, ci_high=np.nan),  # 4 can't tell
        _row(group="nej", n=2, test=None, statistic=np.nan, pvalue=np.nan, pvalue_adjusted=np.nan,
                  effect_size=np.nan, ci_low=np.nan, ci_high=np.nan, note="bara en grupp: inget test"),  # 5
    ])


@pytest.fixture(scope="module")
def fjallmarken() -> pd.DataFrame:
    spec = yaml.safe_load((ROOT / "data/sample/specs/fjallmarken.yaml").read_text(encoding="utf-8"))
    return sv.load(sv.sample_path("fjallmarken", "2019", "operativ"), survey="operativ", regions=spec["regions"])


# ------------------------------------------------------------------ is_small


def test_is_small_semantics():
    assert suppress.is_small(4, 5) and suppress.is_small(0, 5)
    assert not suppress.is_small(5, 5) and not suppress.is_small(None, 5) and not suppress.is_small(pd.NA, 5)
    assert suppress.is_small([0, 4, 5, 6], 5).tolist() == [True, True, False, False]
    series = pd.Series([3, pd.NA, 7], dtype="Int64", index=[10, 11, 12])
    result = suppress.is_small(series, 5)
    assert result.tolist() == [True, False, False] and list(result.index) == [10, 11, 12]


@pytest.mark.parametrize("bad", [0, -1, 2.5, "5", True, None])
def test_bad_min_n_names_the_argument(bad):
    with pytest.raises(ValueError, match="min_n"):
        suppress.suppress_scores(scores_table(), min_n=bad)


# ------------------------------------------------------------------ scores


def test_suppress_scores_blanks_small_groups_only():
    scores = scores_table()
    before = scores.copy()
    table, log = suppress.suppress_scores(scores)
    assert_frame_equal(scores, before)  # input not mutated
    assert table["suppressed"].tolist() == [False, True, True, False]
    assert table["suppression_note"].tolist() == ["", NOTE, NOTE, ""]
    for column in ["n", "n_missing", "n_high"]:
        assert table[column].dtype == "Int64"
        assert table[column].isna().tolist() == [False, True, True, False]
    for column in ["mean", "median", "share_high", "share_high_ci_low", "share_high_ci_high"]:
        assert table[column].isna()[[1, 2]].all()
    published = table.loc[[0, 3], scores.columns]
    assert_frame_equal(published, scores.loc[[0, 3]].astype({"n": "Int64", "n_missing": "Int64", "n_high": "Int64"}))
    assert table["suppressed"].dtype == bool
    assert list(log.columns) == suppress.LOG_COLUMNS
    assert log[["table", "item", "group", "n", "min_n", "reason"]].values.tolist() == [
        ["andel höga värden", "lyssnar", "B", 4, 5, NOTE],
        ["andel höga värden", "lyssnar", "C", 0, 5, NOTE],
    ]
    assert log["n"].dtype == "Int64"


def test_suppress_scores_min_n_and_boundary():
    table, log = suppress.suppress_scores(scores_table(), min_n=6)
    assert table["suppressed"].tolist() == [False, True, True, True]  # n = 5 is small when min_n = 6
    assert table["suppression_note"].iloc[3] == "färre än 6 svar"
    assert log["min_n"].tolist() == [6, 6, 6]


def test_suppress_scores_is_idempotent_and_blanks_extra_statistics():
    scores = scores_table().assign(strukturerad="ja", mdd_up=[0.1, 0.2, np.nan, 0.3])
    once, log = suppress.suppress_scores(scores)
    assert once["mdd_up"].isna().tolist() == [False, True, True, False]
    assert log["group"].tolist() == ["B / ja", "C / ja"]  # both text columns are groups
    twice, again = suppress.suppress_scores(once)
    assert_frame_equal(twice, once)
    assert again.empty


def test_suppress_scores_explicit_by():
    table, log = suppress.suppress_scores(scores_table().assign(wave="2019"), by="region")
    assert log["group"].tolist() == ["B", "C"]
    with pytest.raises(ValueError, match="by"):
        suppress.suppress_scores(scores_table(), by="kommun")


def test_suppress_scores_of_the_sample(fjallmarken):
    table, log = suppress.suppress_scores(sv.score(fjallmarken, by="region"))
    small = table["region"] == "Fjällbyarna"
    assert table.loc[small, "suppressed"].all() and not table.loc[~small, "suppressed"].any()
    assert table.loc[small, ["n", "share_high", "mean"]].isna().all().all()
    assert set(log["group"]) == {"Fjällbyarna"} and len(log) == small.sum()


# ------------------------------------------------------------------ distributions


def test_suppress_distribution_blanks_every_row_of_a_small_group():
    distribution = distribution_table()
    before = distribution.copy()
    table, log = suppress.suppress_distribution(distribution)
    assert_frame_equal(distribution, before)
    b = (table["region"] == "B").to_numpy()
    assert table.loc[b, "count"].isna().all() and table.loc[b, "percent"].isna().all()  # the blank row too
    assert table.loc[b, "suppressed"].all() and not table.loc[~b, "suppressed"].any()
    assert table["count"].dtype == "Int64"
    assert table.loc[~b, "count"].tolist() == [1, 2, 3, 4, 0, 10, 2]
    np.testing.assert_allclose(table.loc[~b, "percent"].to_numpy()[:6], [5, 10, 15, 20, 0, 50])
    assert log.values.tolist() == [["fördelning", "lyssnar", "B", 3, 5, NOTE]]  # substantive total, not 7


def test_suppress_distribution_of_the_sample(fjallmarken):
    distribution = sv.distribution(fjallmarken, by="region", items=["lyssnar", "synsatt"])
    table, log = suppress.suppress_distribution(distribution, by="region")
    small = (table["region"] == "Fjällbyarna").to_numpy()
    assert table.loc[small, "count"].isna().all() and table.loc[~small, "count"].notna().all()
    assert log[["item", "group", "n"]].values.tolist() == [["lyssnar", "Fjällbyarna", 2],
                                                           ["synsatt", "Fjällbyarna", 3]]


# ------------------------------------------------------------------ tests


def test_suppress_tests_two_group_and_single_group_rows():
    tests = _tests_table()
    before = tests.copy()
    table, log = suppress.suppress_tests(tests)
    assert_frame_equal(tests, before)
    assert table["suppressed"].tolist() == [False, True, True, True, False, True]
    for column in suppress.TEST_STATISTICS:
        assert table.loc[[1, 2, 3, 5], column].isna().all()
    assert table.loc[0, "pvalue"] == 0.04 and table.loc[4, "statistic"] == 1.0
    assert table["df"].tolist()[:3] == [2.0, 2.0, 2.0]  # not a figure of a group: kept
    assert table["n"].isna().tolist() == [False, True, False, False, False, True]
    assert table["n_reference"].isna().tolist() == [False, False, True, True, True, True]
    assert table.loc[3, "n"] == 12  # a total of three groups, not the small group's count
    assert table["n"].dtype == "Int64" and table["suppressed"].dtype == bool
    assert log[["item", "group", "n"]].values.tolist() == [
        ["lyssnar", "ja", 3], ["lyssnar", "nej", 2], ["lyssnar", "nej", 4], ["lyssnar", "A, B, C", 12]]
    assert log["reason"].iloc[-1].startswith("färre än 5 svar i minst en av 3 grupper")


def test_suppress_tests_with_group_sizes():
    tests = _tests_table().iloc[[4]]
    table, log = suppress.suppress_tests(tests, group_sizes={"A": 50, "B": 47, "C": 3})
    assert table["suppressed"].tolist() == [True] and np.isnan(table["pvalue"].iloc[0])
    assert log[["group", "n"]].values.tolist() == [["C", 3]]
    sizes = pd.DataFrame({"item": ["lyssnar"] * 3, "group": ["A", "B", "C"], "n": [50, 45, 5]})
    table, log = suppress.suppress_tests(tests, group_sizes=sizes)
    assert not table["suppressed"].any() and log.empty
    with pytest.raises(ValueError, match="group_sizes has no size for group 'C'"):
        suppress.suppress_tests(tests, group_sizes={"A": 50, "B": 47})
    with pytest.raises(ValueError, match="group_sizes"):
        suppress.suppress_tests(tests, group_sizes=[3, 4])


def test_suppress_tests_stratify_columns_prefix_the_log(fjallmarken):
    tests = sv.compare(fjallmarken, by="strukturerad", items="lyssnar", stratify="region")
    table, log = suppress.suppress_tests(tests)
    assert table.loc[table["region"] == "Fjällbyarna", "suppressed"].all()
    assert log["group"].tolist() == ["Fjällbyarna / nej"]
    explicit, _ = suppress.suppress_tests(tests, stratify="region")
    assert_frame_equal(explicit, table)


def test_within_is_a_deprecated_alias_of_stratify_for_one_release(fjallmarken):
    new = sv.compare(fjallmarken, by="strukturerad", items="lyssnar", stratify="region")
    with pytest.warns(FutureWarning, match=r"compare\(within=...\) is deprecated.*stratify="):
        old = sv.compare(fjallmarken, by="strukturerad", items="lyssnar", within="region")
    assert_frame_equal(old, new)
    with pytest.warns(FutureWarning, match="suppress_tests"):
        assert_frame_equal(suppress.suppress_tests(new, within="region")[0], suppress.suppress_tests(new)[0])
    with pytest.raises(ValueError, match="give stratify= only"):
        sv.compare(fjallmarken, by="strukturerad", items="lyssnar", stratify="region", within="region")
    spec = yaml.safe_load((ROOT / "data/sample/specs/fjallmarken.yaml").read_text(encoding="utf-8"))
    managers = sv.load(sv.sample_path("fjallmarken", "2019", "chefsgrupp"), survey="chefsgrupp",
                       regions=spec["regions"] | spec.get("mysam_groups", {}))
    baseline, repeat = fjallmarken.assign(wave="2019"), fjallmarken.assign(wave="2022")
    for name, call in [
        ("compare_items", lambda **k: sv.compare_items(fjallmarken, "lyssnar", "vet_tillfora", **k)),
        ("compare_surveys", lambda **k: sv.compare_surveys(fjallmarken, managers, items="lyssnar", **k)),
        ("compare_waves", lambda **k: sv.compare_waves(baseline, repeat, items="lyssnar", **k)),
        ("suppress_complement", lambda **k: suppress.suppress_complement(
            suppress.suppress_scores(sv.score(fjallmarken, by="region", items="lyssnar"))[0], group="region", **k)),
    ]:
        with pytest.warns(FutureWarning, match=name):
            old = call(within="region" if name != "suppress_complement" else "item")
        new = call(stratify="region" if name != "suppress_complement" else "item")
        assert_frame_equal(old[0] if isinstance(old, tuple) else old, new[0] if isinstance(new, tuple) else new)


def test_drop_small_groups_keeps_small_groups_out_of_tests(fjallmarken):
    before = fjallmarken.copy()
    kept, log = suppress.drop_small_groups(fjallmarken, by="region", items=["lyssnar", "synsatt"])
    assert_frame_equal(fjallmarken, before)
    assert list(kept.columns) == list(fjallmarken.columns) and (kept.dtypes == fjallmarken.dtypes).all()
    gone = (fjallmarken["region"] == "Fjällbyarna") & fjallmarken["item"].isin(["lyssnar", "synsatt"])
    assert len(kept) == len(fjallmarken) - gone.sum()
    assert ((kept["region"] == "Fjällbyarna") & kept["item"].isin(["lyssnar", "synsatt"])).sum() == 0
    assert (kept["region"] == "Fjällbyarna").sum() > 0  # other items untouched
    assert log[["table", "item", "group", "n"]].values.tolist() == [["test", "lyssnar", "Fjällbyarna", 2],
                                                                    ["test", "synsatt", "Fjällbyarna", 3]]
    tests = sv.compare(kept, by="region", items=["lyssnar", "synsatt"])
    assert not tests["group"].str.contains("Fjällbyarna").any()
    assert not suppress.suppress_tests(tests)[0]["suppressed"].any()


def test_drop_small_groups_counts_at_the_level(fjallmarken):
    by_respondent = sv.score(fjallmarken, by="strukturerad", items="lyssnar", level="respondent")
    by_unit = sv.score(fjallmarken, by="strukturerad", items="lyssnar", level="unit")
    min_n = int(by_respondent["n"].min()) + 1  # the smallest respondent group is just too small ...
    assert by_unit["n"].min() >= min_n  # ... but counts enough unit rows
    _, log_r = suppress.drop_small_groups(fjallmarken, by="strukturerad", items="lyssnar", min_n=min_n)
    _, log_u = suppress.drop_small_groups(fjallmarken, by="strukturerad", items="lyssnar", min_n=min_n, level="unit")
    assert len(log_r) == 1 and log_u.empty
    with pytest.raises(ValueError, match="level"):
        suppress.drop_small_groups(fjallmarken, by="strukturerad", level="rad")
    with pytest.raises(ValueError, match="by"):
        suppress.drop_small_groups(fjallmarken, by="kommunen")


# ------------------------------------------------------------------ the log


def test_suppression_log_stacks_and_hides_n_by_default():
    _, a = suppress.suppress_scores(scores_table())
    _, b = suppress.suppress_distribution(distribution_table())
    log = suppress.suppression_log(a, b, a)
    assert list(log.columns) == suppress.LOG_COLUMNS
    assert log["table"].tolist() == ["andel höga värden", "andel höga värden", "fördelning"]
    assert log["n"].isna().all() and log["n"].dtype == "Int64"
    assert suppress.suppression_log(a, b, include_n=True)["n"].tolist() == [4, 0, 3]
    assert suppress.suppression_log().empty
    with pytest.raises(ValueError, match=r"logs\[1\]"):
        suppress.suppression_log(a, scores_table())
