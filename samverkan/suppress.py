"""Small-group suppression: the publishing rule for scores, distributions and tests.

Every published count, percentage, mean or test of a group with fewer than ``min_n``
answers (default 5, set in params) is suppressed and marked, and each suppressed group
is listed in a log that goes with the report.

What "suppressed" means here:

* **scores** (:func:`suppress_scores`): a row with ``n < min_n`` gets every statistic
  *and every count* (``n``, ``n_missing``, ``n_high``) set to missing — a count of a
  small group is itself a published count of it. Counts stay nullable integers
  (``Int64``); ``suppressed`` (bool) and ``suppression_note`` (Swedish) mark the row.
* **distributions** (:func:`suppress_distribution`): a group whose substantive total
  is below ``min_n`` gets ``count`` and ``percent`` missing on every row, the rows of
  non-substantive answers included.
* **tests** (:func:`suppress_tests`): a test involving a small group gets its
  statistic, p-values, effect size and interval missing, and the small group's count.
  Tests between many groups do not carry the groups' sizes; run them on
  :func:`drop_small_groups` output (small groups never reach the test) or pass
  ``group_sizes``.

The ``n`` in the logs is the true size of the suppressed group, for the audit trail;
:func:`suppression_log` (what a report publishes) leaves it out unless asked for.
Inputs are never changed. These functions do primary suppression, one table at a time:
a total shown next to every other group can still reveal a suppressed group by
subtraction. The report decides once which groups it hides everywhere
(:class:`samverkan.disclosure.DisclosurePlan`), so that no subtraction across its
tables, charts, tests and ``results.json`` recovers one; :func:`suppress_complement`
is the single-table version.

Examples
--------
>>> import samverkan as sv
>>> from samverkan.suppress import suppress_scores
>>> regions = {"Dalgången": ["Forsbyn", "Älvnäs"], "Sjölandet": ["Tjärnby"], "Fjällbyarna": ["Högfjällsby"]}
>>> staff = sv.load(sv.sample_path("fjallmarken", "2019", "operativ"), survey="operativ", regions=regions)
>>> table, log = suppress_scores(sv.score(staff, by="region", items="synsatt"))
>>> table[["region", "n", "share_high", "suppressed"]].values.tolist()  # doctest: +ELLIPSIS
[['Dalgången', 36, 0.527..., False], ['Fjällbyarna', <NA>, nan, True], ['Sjölandet', 30, 0.433..., False]]
>>> log[["table", "item", "group", "n", "reason"]].values.tolist()
[['andel höga värden', 'synsatt', 'Fjällbyarna', 3, 'färre än 5 svar']]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .stats.scores import at_level, group_codes, select_items
from .vocabulary import (DISTRIBUTION_COLUMNS, LEVELS, SCORE_COLUMNS, TEST_COLUMNS, as_list, check_choice,
                         check_columns, check_min_n, stratify_argument)

LOG_COLUMNS = ["table", "item", "group", "n", "min_n", "reason"]
LOG_DTYPES = {"table": "string", "item": "string", "group": "string", "n": "Int64", "min_n": "int64",
              "reason": "string"}
MARK_COLUMNS = ["suppressed", "suppression_note"]
SCORE_COUNTS = ["n", "n_missing", "n_high"]
TEST_STATISTICS = ["statistic", "pvalue", "pvalue_adjusted", "effect_size", "ci_low", "ci_high"]
TEST_KNOWN = TEST_COLUMNS
GROUP_SEPARATOR = " / "


def is_small(n, min_n: int = 5):
    """Whether a group of ``n`` answers is below ``min_n`` (``n < min_n``; 0 is small, missing is not).

    A missing ``n`` is not small: there is no count to publish (the group was already
    suppressed, or the row has no such count).

    Parameters
    ----------
    n
        A count, or an array / Series of counts (nullable integers allowed).
    min_n
        The smallest group that may be published.

    Returns
    -------
    bool or numpy.ndarray of bool
        Scalar in, scalar out; otherwise an array (a Series keeps its index).

    Examples
    --------
    >>> is_small(4, 5), is_small(5, 5), is_small(0, 5), is_small(None, 5)
    (True, False, True, False)
    """
    min_n = check_min_n(min_n)
    if isinstance(n, pd.Series):
        return (pd.to_numeric(n, errors="coerce") < min_n).fillna(False).astype(bool)
    if np.ndim(n) == 0:
        return bool(not pd.isna(n) and n < min_n)
    values = pd.to_numeric(pd.Series(np.asarray(n, dtype=object)), errors="coerce")
    return (values < min_n).fillna(False).to_numpy(dtype=bool)


def _note(min_n: int, what: str = "svar") -> str:
    return f"färre än {min_n} {what}"


def _group_names(table: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """The group of each row as text: the ``by`` values joined by `` / `` (``"Alla"`` without ``by``)."""
    if not by:
        return pd.Series("Alla", index=table.index, dtype="string")
    parts = [table[c].astype("string").fillna("–") for c in by]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + GROUP_SEPARATOR + part
    return joined.astype("string")


def make_log(table: str, item, group, n, min_n: int, reason: str) -> pd.DataFrame:
    """A suppression log: one row per suppressed group.

    Returns
    -------
    pandas.DataFrame
        ``table`` (which table), ``item``, ``group`` (the group's values joined by
        `` / ``), ``n`` (its true size, ``Int64``), ``min_n``, ``reason`` (Swedish).
    """
    if np.ndim(group) == 1 and len(group) == 0:
        return _empty_log()  # the common case, ~20× cheaper than building it
    log = pd.DataFrame({"item": pd.Series(item, dtype="string").to_numpy(),
                        "group": pd.Series(group, dtype="string").to_numpy(),
                        "n": pd.array(pd.Series(n, dtype="object"), dtype="Int64")})
    log.insert(0, "table", table)
    log["min_n"], log["reason"] = min_n, reason
    return log.astype(LOG_DTYPES)[LOG_COLUMNS].reset_index(drop=True)


def _empty_log() -> pd.DataFrame:
    """A suppression log with no rows (the columns and dtypes of :func:`make_log`)."""
    return pd.DataFrame({c: pd.array([], dtype=d) for c, d in LOG_DTYPES.items()})


def _mark(table: pd.DataFrame, small: np.ndarray, note: str) -> pd.DataFrame:
    """Add (or update) ``suppressed`` and ``suppression_note``; rows already suppressed stay so."""
    before = table["suppressed"].fillna(False).to_numpy(dtype=bool) if "suppressed" in table else False
    old_note = table["suppression_note"].astype("string").fillna("") if "suppression_note" in table else ""
    table["suppressed"] = np.asarray(small | before, dtype=bool)
    new_note = pd.Series(np.where(small, note, ""), index=table.index, dtype="string")
    table["suppression_note"] = new_note.where(new_note != "", old_note).astype("string")
    return table


def _infer_groups(table: pd.DataFrame, by, statistics: Sequence[str], argument: str) -> list[str]:
    """The group columns: ``by``, or every column that is neither a statistic, ``item``, a mark nor numeric."""
    if by is not None:
        by = as_list(by)
        check_columns(table, by, argument)
        return by
    skip = {"item", *statistics, *MARK_COLUMNS}
    return [c for c in table.columns if c not in skip
            and not (pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c]))]


def suppress_scores(
    scores: pd.DataFrame, *, by: str | Sequence[str] | None = None, min_n: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Suppress the rows of a scores table whose group has fewer than ``min_n`` answers.

    Parameters
    ----------
    scores
        Output of :func:`samverkan.score` (also with extra numeric columns, such as
        :func:`samverkan.min_detectable_difference`'s).
    by
        The group columns, for the log; default every column that is not ``item``, not
        numeric and not a score column.
    min_n
        Smallest published group (``n >= min_n`` is shown).

    Returns
    -------
    table : pandas.DataFrame
        A copy of ``scores`` in which, on rows with ``n < min_n``, ``n``, ``n_missing``,
        ``n_high`` and every other numeric column that is not a group column
        (``mean, median, share_high, share_high_ci_low, share_high_ci_high``, …) are
        missing; counts as ``Int64``; plus ``suppressed`` (bool) and
        ``suppression_note`` (``"färre än 5 svar"`` or ``""``).
    log : pandas.DataFrame
        ``table, item, group, n, min_n, reason``: one row per suppressed row
        (``table`` is ``"andel höga värden"``).
    """
    min_n = check_min_n(min_n)
    check_columns(scores, ["item", "n"], "scores")
    by = _infer_groups(scores, by, SCORE_COLUMNS, "by")
    table = scores.copy()
    counts = [c for c in SCORE_COUNTS if c in table]
    table = table.astype({c: "Int64" for c in counts})
    small = is_small(table["n"], min_n).to_numpy()
    statistics = [c for c in table.columns if c not in {"item", *by, *MARK_COLUMNS}
                  and pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]
    log = make_log("andel höga värden", table.loc[small, "item"], _group_names(table.loc[small], by),
                   table.loc[small, "n"], min_n, _note(min_n))
    for column in statistics:
        table.loc[small, column] = pd.NA if column in counts else np.nan
    return _mark(table, small, _note(min_n)), log


def suppress_distribution(
    distribution: pd.DataFrame, *, by: str | Sequence[str] | None = None, min_n: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Suppress every row of a label distribution whose group has fewer than ``min_n`` substantive answers.

    A group is an item × ``by`` combination; its size is the sum of ``count`` over the
    substantive rows (``missing_reason`` missing). For multi-select items that sum is the
    number of choices, which is at least the number of respondents who chose anything.

    Parameters
    ----------
    distribution
        Output of :func:`samverkan.distribution`.
    by
        The group columns; default every column that is not ``item``, not numeric and
        not a distribution column.
    min_n
        Smallest published group.

    Returns
    -------
    table : pandas.DataFrame
        A copy of ``distribution`` with ``count`` (``Int64``) and ``percent`` missing on
        every row of a small group, plus ``suppressed`` (bool) and ``suppression_note``.
    log : pandas.DataFrame
        ``table, item, group, n, min_n, reason``: one row per suppressed group
        (``table`` is ``"fördelning"``, ``n`` its substantive total).

    Examples
    --------
    >>> import samverkan as sv
    >>> regions = {"Dalgången": ["Forsbyn", "Älvnäs"], "Sjölandet": ["Tjärnby"], "Fjällbyarna": ["Högfjällsby"]}
    >>> staff = sv.load(sv.sample_path("fjallmarken", "2019", "operativ"), survey="operativ", regions=regions)
    >>> table, log = suppress_distribution(sv.distribution(staff, by="region", items="lyssnar"))
    >>> table.loc[table["region"] == "Fjällbyarna", ["label", "missing_reason", "count"]].values.tolist()[-2:]
    [['alltid', <NA>, <NA>], [<NA>, 'vet_ej', <NA>]]
    >>> log[["item", "group", "n"]].values.tolist()
    [['lyssnar', 'Fjällbyarna', 2]]
    """
    min_n = check_min_n(min_n)
    check_columns(distribution, ["item", "missing_reason", "count", "percent"], "distribution")
    by = _infer_groups(distribution, by, DISTRIBUTION_COLUMNS, "by")
    table = distribution.copy().astype({"count": "Int64"})
    keys = ["item", *by]
    substantive = table["count"].where(table["missing_reason"].isna(), 0).fillna(0)
    codes = group_codes(table, keys)
    totals = substantive.groupby(codes).transform("sum").to_numpy()
    already = table["count"].isna().groupby(codes).transform("all").to_numpy()
    small = (totals < min_n) & ~already
    first = small & ~pd.Series(codes).duplicated().to_numpy()
    log = make_log("fördelning", table.loc[first, "item"], _group_names(table.loc[first], by),
                   totals[first], min_n, _note(min_n))
    table.loc[small, "count"] = pd.NA
    table.loc[small, "percent"] = np.nan
    return _mark(table, small, _note(min_n)), log


def _stratify_columns(tests: pd.DataFrame, stratify) -> list[str]:
    if stratify is not None:
        stratify = as_list(stratify)
        check_columns(tests, stratify, "stratify")
        return stratify
    return [c for c in tests.columns if c not in {*TEST_KNOWN, *MARK_COLUMNS}
            and not pd.api.types.is_numeric_dtype(tests[c])]


def _sizes_frame(group_sizes) -> pd.DataFrame:
    """``group_sizes`` as a DataFrame with ``group`` (text), ``n`` and optional key columns."""
    if isinstance(group_sizes, Mapping):
        group_sizes = pd.DataFrame({"group": list(group_sizes), "n": list(group_sizes.values())})
    if not isinstance(group_sizes, pd.DataFrame) or not {"group", "n"} <= set(group_sizes.columns):
        raise ValueError("group_sizes must be a mapping group → n or a DataFrame with columns 'group' and 'n' "
                         f"(and optionally 'item' and the stratify columns); got {type(group_sizes).__name__}")
    return group_sizes.assign(group=group_sizes["group"].astype("string"))


def _many_group_small(tests: pd.DataFrame, rows: np.ndarray, group_sizes, stratify: list[str],
                      min_n: int) -> dict[int, list[tuple[str, int]]]:
    """For each many-group test row (position in ``rows``): its groups below ``min_n``, with their n."""
    if group_sizes is None:
        return {}
    sizes = _sizes_frame(group_sizes)
    keys = [c for c in ["item", *stratify] if c in sizes.columns]
    lookup = {tuple(str(v) for v in key): n
              for key, n in zip(sizes[[*keys, "group"]].itertuples(index=False, name=None), sizes["n"])}
    found = {}
    for position in rows:
        row = tests.iloc[position]
        prefix = tuple(str(row[k]) for k in keys)
        small = []
        for group in str(row["group"]).split(", "):
            if prefix + (group,) not in lookup:
                raise ValueError(f"group_sizes has no size for group {group!r} of {dict(zip(keys, prefix))}")
            n = lookup[prefix + (group,)]
            if is_small(n, min_n):
                small.append((group, n))
        if small:
            found[position] = small
    return found


def _test_masks(tests: pd.DataFrame, min_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row masks: small ``n`` (own count), small ``n_reference``, many-group rows, pigeonhole-small rows."""
    two = tests["reference"].notna().to_numpy() | tests["n_reference"].notna().to_numpy()
    k = tests["group"].astype("string").fillna("").str.split(", ").str.len().to_numpy()
    single = ~two & (k <= 1)
    small_n = is_small(tests["n"], min_n).to_numpy() & (two | single)
    small_ref = is_small(tests["n_reference"], min_n).to_numpy()
    many = ~two & ~single
    total = pd.to_numeric(tests["n"], errors="coerce").to_numpy(dtype=float)
    pigeon = many & (total < min_n * k)
    return small_n, small_ref, many, pigeon


def _test_log(tests: pd.DataFrame, stratify: list[str], masks: tuple, by_sizes: dict, min_n: int) -> pd.DataFrame:
    small_n, small_ref, many, pigeon = masks
    prefix = _group_names(tests, stratify) + GROUP_SEPARATOR if stratify else pd.Series("", index=tests.index)
    note = f"{_note(min_n)} i gruppen: testet visas inte"
    parts = [
        make_log("test", tests.loc[small_n, "item"], prefix[small_n] + tests.loc[small_n, "group"].astype("string"),
                 tests.loc[small_n, "n"], min_n, note),
        make_log("test", tests.loc[small_ref, "item"],
                 prefix[small_ref] + tests.loc[small_ref, "reference"].astype("string"),
                 tests.loc[small_ref, "n_reference"], min_n, note),
    ]
    for position, groups in by_sizes.items():
        row = tests.iloc[position]
        parts.append(make_log("test", [row["item"]] * len(groups), [prefix.iloc[position] + g for g, _ in groups],
                              [n for _, n in groups], min_n, note))
    rest = pigeon & ~np.isin(np.arange(len(tests)), list(by_sizes))
    for position in np.flatnonzero(rest):
        row = tests.iloc[position]
        k = len(str(row["group"]).split(", "))
        parts.append(make_log("test", [row["item"]], [prefix.iloc[position] + str(row["group"])], [row["n"]], min_n,
                              f"{_note(min_n)} i minst en av {k} grupper (totalt {row['n']}): testet visas inte"))
    log = pd.concat(parts, ignore_index=True)
    return log.drop_duplicates(subset=["item", "group", "n"]).reset_index(drop=True)


def suppress_tests(
    tests: pd.DataFrame,
    *,
    group_sizes: Mapping[str, int] | pd.DataFrame | None = None,
    stratify: str | Sequence[str] | None = None,
    min_n: int = 5,
    within: str | Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Suppress the tests that involve a group with fewer than ``min_n`` answers.

    A two-group row (``reference`` set: compare, compare_items, compare_surveys,
    compare_waves) is small when ``n`` or ``n_reference`` is below ``min_n``. A row of a
    single group (no test) is small when ``n`` is. A many-group row (``reference``
    missing, the groups listed in ``group`` as ``"A, B, C"``, ``n`` their total) is small

    when ``n < min_n × k`` for its ``k`` groups (then some group must be small: all the
    table alone can tell) or, given ``group_sizes``, when any of its groups is. Better:
    test :func:`drop_small_groups` output, so that no small group reaches the test.

    Parameters
    ----------
    tests
        A tests table (:data:`samverkan.vocabulary.TEST_COLUMNS`, after any
        ``stratify`` columns; extra columns are kept).
    group_sizes
        Sizes of the groups of the many-group tests: a mapping group → n (for every
        item), or a DataFrame with ``group`` and ``n`` and optionally ``item`` and
        ``stratify`` columns to match on, e.g.
        ``sv.score(answers, by="region").rename(columns={"region": "group"})``. A
        listed group without a size raises ``ValueError``.
    stratify
        The ``stratify`` columns of the tests (for the log and for matching
        ``group_sizes``); default every non-numeric column that is not a test column.
    within
        Deprecated name of ``stratify`` (``FutureWarning``).
    min_n
        Smallest published group.

    Returns
    -------
    table : pandas.DataFrame
        A copy of ``tests``: on suppressed rows ``statistic, pvalue, pvalue_adjusted,
        effect_size, ci_low, ci_high`` are missing, and ``n`` / ``n_reference`` where
        that count is the small group's own (``Int64``); plus ``suppressed`` (bool) and
        ``suppression_note``.
    log : pandas.DataFrame
        ``table, item, group, n, min_n, reason``: one row per small group, item and n
        (the tests of one comparison share a row; ``group`` prefixed by the ``stratify`` values; ``table`` is ``"test"``).
    """
    min_n = check_min_n(min_n)
    check_columns(tests, ["item", "group", "reference", "n", "n_reference", *TEST_STATISTICS], "tests")
    stratify = _stratify_columns(tests, stratify_argument(stratify, within, "suppress_tests") or None)
    table = tests.copy().astype({"n": "Int64", "n_reference": "Int64"})
    masks = _test_masks(table, min_n)
    small_n, small_ref, many, pigeon = masks
    by_sizes = _many_group_small(table, np.flatnonzero(many), group_sizes, stratify, min_n)
    small = small_n | small_ref | pigeon | np.isin(np.arange(len(table)), list(by_sizes))
    log = _test_log(table, stratify, masks, by_sizes, min_n)
    table.loc[small, TEST_STATISTICS] = np.nan
    table.loc[small_n, "n"] = pd.NA
    table.loc[small_ref, "n_reference"] = pd.NA
    return _mark(table, small, f"{_note(min_n)} i en grupp"), log


def drop_small_groups(
    answers: pd.DataFrame,
    *,
    by: str | Sequence[str],
    items: str | Sequence[str] | None = None,
    min_n: int = 5,
    level: str = "respondent",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove the groups with fewer than ``min_n`` answers from tidy answers, so tests never see them.

    A group is one item × one combination of the ``by`` values; its size is its number
    of substantive answers at ``level`` — the ``n`` a test on the result would report
    (respondents with an answer at ``"respondent"`` level, answer rows at ``"unit"``).
    Rows whose ``by`` value is missing are kept (tests leave them out anyway).

    Parameters
    ----------
    answers
        Tidy answers (:func:`samverkan.load`).
    by
        The column(s) the test compares by, plus its ``stratify`` columns, e.g.
        ``["strukturerad", "unit"]``.
    items
        Item ids whose small groups are removed (default every item); the answers to
        other items are kept as they are.
    min_n
        Smallest group that may be tested.
    level
        ``"respondent"`` or ``"unit"``, as the test's ``level``.

    Returns
    -------
    answers : pandas.DataFrame
        The rows of ``answers`` not in a small group (same columns and dtypes).
    log : pandas.DataFrame
        ``table, item, group, n, min_n, reason``: one row per removed group (``table``
        is ``"test"``, ``group`` the ``by`` values joined by `` / ``).

    Examples
    --------
    >>> import samverkan as sv
    >>> regions = {"Dalgången": ["Forsbyn", "Älvnäs"], "Sjölandet": ["Tjärnby"], "Fjällbyarna": ["Högfjällsby"]}
    >>> staff = sv.load(sv.sample_path("fjallmarken", "2019", "operativ"), survey="operativ", regions=regions)
    >>> kept, log = drop_small_groups(staff, by="region", items="synsatt")
    >>> sorted(kept.loc[kept["item"] == "synsatt", "region"].unique())
    ['Dalgången', 'Sjölandet']
    >>> log[["item", "group", "n", "reason"]].values.tolist()
    [['synsatt', 'Fjällbyarna', 3, 'färre än 5 svar: gruppen ingår inte i testet']]
    >>> sv.compare(kept, by="region", items="synsatt")["group"].tolist()
    ['Dalgången', 'Dalgången']
    """
    min_n = check_min_n(min_n)
    by = as_list(by)
    if not by:
        raise ValueError("by=[]: name at least one column to group by")
    check_columns(answers, ["item", "value", *by], "by")
    check_choice("level", level, LEVELS)
    codes = group_codes(answers, ["item", *by])
    chosen = np.ones(len(answers), dtype=bool)
    if items is not None:
        chosen = answers["item"].isin(select_items(answers, items, scored=False)).to_numpy()
    data = at_level(answers[chosen].assign(_group=codes[chosen]), level, by)
    sizes = data["value"].notna().groupby(data["_group"].to_numpy()).sum()
    complete = answers[by].notna().all(axis=1).to_numpy()
    small_codes = sizes.index[(sizes < min_n).to_numpy()]
    drop = np.isin(codes, small_codes) & complete & chosen
    first = drop & ~pd.Series(codes).duplicated().to_numpy()
    log = make_log("test", answers.loc[first, "item"], _group_names(answers.loc[first], by),
                   sizes.reindex(codes[first]).to_numpy(), min_n, f"{_note(min_n)}: gruppen ingår inte i testet")
    return answers[~drop], log


def suppression_log(*logs: pd.DataFrame, include_n: bool = False) -> pd.DataFrame:
    """Stack suppression logs into the one log that goes with a report.

    Parameters
    ----------
    *logs
        Logs from :func:`suppress_scores`, :func:`suppress_distribution`,
        :func:`suppress_tests` and :func:`drop_small_groups`.
    include_n
        Keep each group's true ``n``. Off by default: the log is published with the
        report, and the size of a small group is itself a count of it.

    Returns
    -------
    pandas.DataFrame
        ``table, item, group, n, min_n, reason`` (``n`` missing unless ``include_n``),
        duplicates removed, in the order given.
    """
    for position, log in enumerate(logs):
        if not isinstance(log, pd.DataFrame) or not set(LOG_COLUMNS) <= set(log.columns):
            raise ValueError(f"logs[{position}] is not a suppression log with columns {LOG_COLUMNS}")
    empty = make_log("", [], [], [], 5, "").iloc[0:0]
    log = pd.concat([empty, *(g[LOG_COLUMNS] for g in logs)], ignore_index=True).astype(empty.dtypes.to_dict())
    if not include_n:
        log["n"] = pd.array([pd.NA] * len(log), dtype="Int64")
    return log.drop_duplicates().reset_index(drop=True)


def _complement_rows(sizes: np.ndarray, suppressed: np.ndarray, min_n: int) -> np.ndarray:
    """Further rows to hide so that the hidden rows' total cannot be worked out as a small count."""
    hidden = suppressed.copy()
    while hidden.any() and (~hidden).any() and np.nansum(np.where(hidden, sizes, 0)) < min_n:
        candidates = np.where(~hidden, sizes, np.inf)
        hidden[int(np.argmin(candidates))] = True
    return hidden & ~suppressed


def suppress_complement(
    table: pd.DataFrame, *, group: str, total: str = "Alla", sizes: pd.Series | None = None,
    stratify: str | Sequence[str] | None = None, min_n: int = 5, within: str | Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Secondary suppression: hide more groups where a total would reveal a suppressed group.

    When a table shows a total row (``group == total``) beside its groups, a single
    suppressed group is the total minus the others. Within each ``stratify`` block (default ``"item"``;
    ``within`` is its deprecated name),
    the smallest shown groups are hidden too until the hidden groups together hold at
    least ``min_n`` answers. Run it on the output of :func:`suppress_scores` (or any
    table with ``suppressed``); pass ``sizes`` (the true group sizes, aligned with
    ``table``) because the suppressed rows' own ``n`` is already missing.

    Returns
    -------
    table : pandas.DataFrame
        A copy with the further rows' numeric columns missing and ``suppressed`` True,
        ``suppression_note`` "undertryckt för att skydda en mindre grupp".
    log : pandas.DataFrame
        ``table, item, group, n, min_n, reason`` for the further rows.
    """
    min_n = check_min_n(min_n)
    blocks = stratify_argument(stratify, within, "suppress_complement") or ["item"]
    check_columns(table, [group, *blocks, "suppressed"], "table")
    result = table.copy()
    true_sizes = (sizes if sizes is not None else result["n"]).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    extra = np.zeros(len(result), dtype=bool)
    for _, block in result.groupby(blocks, observed=True, sort=False):
        rows = result.index.get_indexer(block.index)
        parts = rows[(result[group].iloc[rows] != total).to_numpy()]
        hidden = result["suppressed"].to_numpy(dtype=bool)[parts]
        extra[parts[_complement_rows(true_sizes[parts], hidden, min_n)]] = True
    note = "undertryckt för att skydda en mindre grupp"
    numeric = [c for c in result.columns if c not in {group, *blocks, *MARK_COLUMNS}
               and pd.api.types.is_numeric_dtype(result[c]) and not pd.api.types.is_bool_dtype(result[c])]
    for column in numeric:
        result.loc[extra, column] = pd.NA if str(result[column].dtype) == "Int64" else np.nan
    log = make_log("sekundär", result.loc[extra, blocks[0]] if blocks else "", result.loc[extra, group].astype("string"),
                   pd.array([pd.NA] * int(extra.sum()), dtype="Int64"), min_n, note)
    return _mark(result, extra, note), log
