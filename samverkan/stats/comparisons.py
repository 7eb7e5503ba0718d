"""The significance tests FoU rapport 2017:1 skipped: which differences are real, how large, how sure.

Every test returns the same columns (:data:`TEST_COLUMNS`, after any ``within``
columns), so results from every item, comparison and förbund stack with ``pd.concat``.

Clustered answers
-----------------
A staff member who works in three municipalities has three answer rows that are
copies of one answer set. At ``level="respondent"`` (the default) each respondent is
counted once per group, so nothing is counted twice (a respondent whose units lie in
two regions counts once in each region, and the ``note`` says how many such
respondents there are). At ``level="unit"`` — the unit rows the report tabulated —
the rows are clusters of perfectly correlated copies; the test statistic is computed
on the rows and then divided by the design effect ``deff = Σ m_i² / Σ m_i`` (``m_i``
= rows of respondent *i* in the comparison), a first-order Rao–Scott correction with
intra-respondent correlation 1, which is exact for copied answers. ``statistic`` is
the uncorrected value; ``pvalue`` uses the corrected one; ``note`` gives ``deff``.

Small groups
------------
Two groups with fewer than ``count_tests.SMALL_N`` answers in either: the Mann–Whitney p is
the exact conditional p given the ties. Share of high values: Fisher's exact test
(2 × 2) or the Fisher–Freeman–Halton exact test (2 × G) when an expected count is
below 5. Kruskal–Wallis with a group below ``count_tests.SMALL_N``: a seeded Monte Carlo
permutation p. Seeds make every run identical.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import instrument
from . import count_tests, exact
from ..vocabulary import (ADJUST_METHODS, ALTERNATIVES, LEVELS, METHODS, RESPONDENT_KEY, TEST_COLUMNS, TEST_DTYPES,
                          as_list, check_choice, check_columns)
from .scores import at_level, group_codes, select_items
from ..tidy import is_missing

DEFAULT_SEED = 20161001


def _check_common(alternative: str, confidence_level: float, level: str) -> None:
    check_choice("alternative", alternative, ALTERNATIVES)
    check_choice("level", level, LEVELS)
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level={confidence_level!r} must be between 0 and 1")




def tests_frame(rows: list[dict], within: Sequence[str] = ()) -> pd.DataFrame:
    """Rows as a tests table: the ``within`` columns, then :data:`TEST_COLUMNS` with fixed dtypes.

    Built column by column with each column's dtype (a key missing from a row is a
    missing value), not as an object frame cast afterwards, which cost ~5× more.
    """
    dtypes = {**{c: "string" for c in within}, **TEST_DTYPES}
    return pd.DataFrame({c: pd.array([_missing_to_none(r.get(c)) for r in rows], dtype=dtypes[c])
                         for c in [*within, *TEST_COLUMNS]})


def _missing_to_none(value):
    return None if is_missing(value) else value


# ------------------------------------------------------------------ group order


def _group_order(values: Sequence[str], by: str) -> list[str]:
    """Groups in questionnaire order when ``by`` is a question, else sorted."""
    known = instrument.items_by_id()
    if by in known and known[by].labels:
        labels = list(known[by].labels)
        return sorted(values, key=lambda v: (labels.index(v) if v in labels else len(labels), str(v)))
    return sorted(values, key=str)


# ------------------------------------------------------------------ compare


def _count_table(data: pd.DataFrame, keys: list[str], by: str, steps: int) -> pd.DataFrame:
    """Counts per step, one row per (family keys, group), families contiguous, groups in order."""
    counts = data.groupby([*keys, by, "value"], observed=True).size().unstack("value", fill_value=0)
    counts = counts.reindex(columns=range(1, steps + 1), fill_value=0)
    index = counts.index.to_frame(index=False)
    ranks = {g: i for i, g in enumerate(_group_order(list(index[by].unique()), by))}
    index["_family"] = index.groupby(keys, observed=True, sort=False).ngroup()
    index["_rank"] = index[by].map(ranks)
    order = np.lexsort((index["_rank"].to_numpy(), index["_family"].to_numpy()))
    return counts.iloc[order].set_axis(pd.MultiIndex.from_frame(index.iloc[order].drop(columns=["_rank"])))


def _two_group_positions(families: np.ndarray, groups: np.ndarray, starts: np.ndarray, reference) -> tuple:
    first, second = starts, starts + 1
    if reference is None:
        return first, second
    is_ref_first = groups[first] == reference
    if not np.all(is_ref_first | (groups[second] == reference)):
        bad = sorted({str(groups[i]) for i in np.r_[first, second]} - {reference})
        raise ValueError(f"reference={reference!r} is not a group in every comparison; other groups: {bad}")
    return np.where(is_ref_first, second, first), np.where(is_ref_first, first, second)


def _high_mask(items: np.ndarray, steps: int) -> np.ndarray:
    mask = np.zeros((len(items), steps), dtype=bool)
    for row, item_id in enumerate(items):
        mask[row, np.array(instrument.item(item_id).high_values, dtype=int) - 1] = True
    return mask


def _frame(results: dict, families: np.ndarray, meta: pd.DataFrame, extra: dict) -> pd.DataFrame:
    """The ``meta`` rows of ``families`` with the ``extra`` and ``results`` columns, built in one go."""
    columns = {name: meta[name].take(families).reset_index(drop=True) for name in meta.columns}
    columns.update({name: (np.full(len(families), values) if np.isscalar(values) else values)
                    for name, values in {**extra, **results}.items()})
    return pd.DataFrame(columns, index=pd.RangeIndex(len(families)))


def _two_group_frames(counts, meta, positions, options, deffs) -> list[pd.DataFrame]:
    fam, starts = positions
    groups = counts.index.get_level_values(-1).to_numpy()
    g, r = _two_group_positions(fam, groups, starts, options["reference"])
    c1, c2 = counts.to_numpy(dtype=float)[g], counts.to_numpy(dtype=float)[r]
    items = meta["item"].to_numpy()[fam]
    ordinal = np.array([instrument.item(i).kind == "ordinal" for i in items], dtype=bool)
    extra = dict(group=groups[g], reference=groups[r], n=c1.sum(axis=1), n_reference=c2.sum(axis=1), _kind=0)
    args = dict(alternative=options["alternative"], confidence_level=options["confidence_level"],
                method=options["method"])
    frames = []
    if ordinal.any():
        mw = count_tests.mann_whitney(c1[ordinal], c2[ordinal], deffs[fam][ordinal], **args)
        frames.append(_frame(mw, fam[ordinal], meta, {k: (v[ordinal] if isinstance(v, np.ndarray) else v)
                                                        for k, v in extra.items()}))
    high = _high_mask(items, counts.shape[1])
    h1, h2 = (c1 * high).sum(axis=1), (c2 * high).sum(axis=1)
    share = count_tests.share_difference(h1, c1.sum(axis=1), h2, c2.sum(axis=1), deffs[fam], **args)
    frames.append(_frame(share, fam, meta, {**extra, "_kind": 1}))
    return frames


def _many_group_frames(counts, meta, positions, options, deffs) -> list[pd.DataFrame]:
    fam, starts, sizes = positions
    values = counts.to_numpy(dtype=float)
    cube = np.zeros((len(fam), sizes.max(), values.shape[1]))
    for position in range(sizes.max()):
        has = sizes > position
        cube[has, position] = values[starts[has] + position]
    groups = counts.index.get_level_values(-1).to_numpy()
    names = [", ".join(str(groups[s + j]) for j in range(k)) for s, k in zip(starts, sizes)]
    extra = dict(group=names, n=cube.sum(axis=(1, 2)), _kind=0)
    items = meta["item"].to_numpy()[fam]
    ordinal = np.array([instrument.item(i).kind == "ordinal" for i in items], dtype=bool)
    frames = []
    if ordinal.any():
        kw = count_tests.kruskal_wallis(cube[ordinal], deffs[fam][ordinal], method=options["method"],
                                       seed=options["seed"])
        frames.append(_frame(kw, fam[ordinal], meta, {k: (np.asarray(v)[ordinal] if not np.isscalar(v) else v)
                                                        for k, v in extra.items()}))
    high = (cube * _high_mask(items, values.shape[1])[:, None, :]).sum(axis=2)
    chi2 = count_tests.share_chi2(high, cube.sum(axis=2), deffs[fam], method=options["method"], seed=options["seed"])
    frames.append(_frame(chi2, fam, meta, {**extra, "_kind": 1}))
    return frames


def _unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their counts (a sort, faster here than ``np.unique``'s hashing)."""
    ordered = np.sort(values)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.array([], int)
    return ordered[starts], np.diff(np.r_[starts, len(ordered)])


def _family_notes(data: pd.DataFrame, keys: list[str], by: str, level: str) -> tuple[pd.Series, pd.Series]:
    """Per family: the design effect (1 at respondent level) and respondents found in several groups.

    At respondent level the answers are already one row per respondent and group, so a
    respondent with several rows in a family is in several groups.
    """
    family = data.groupby(keys, observed=True, sort=False).ngroup().to_numpy().astype(np.int64)
    labels = data[keys].iloc[np.unique(family, return_index=True)[1]]
    index = pd.MultiIndex.from_frame(labels) if len(keys) > 1 else pd.Index(labels[keys[0]])
    n_fam = len(index)
    respondent = pd.factorize(group_codes(data, RESPONDENT_KEY))[0].astype(np.int64)
    width = np.int64(respondent.max() + 1 if len(respondent) else 1)
    pairs, m = _unique_counts(family * width + respondent)
    if level == "respondent":
        return pd.Series(np.ones(n_fam), index=index), pd.Series(
            np.bincount(pairs[m > 1] // width, minlength=n_fam), index=index)
    deff = np.bincount(pairs // width, weights=m.astype(float) ** 2, minlength=n_fam) / np.bincount(
        pairs // width, weights=m, minlength=n_fam)
    group = pd.factorize(group_codes(data, [by]))[0].astype(np.int64)
    groups = np.int64(group.max() + 1)
    triples, _ = _unique_counts((family * width + respondent) * groups + group)
    respondent_pairs, per_pair = _unique_counts(triples // groups)
    several = np.bincount(respondent_pairs[per_pair > 1] // width, minlength=n_fam)
    return pd.Series(deff, index=index), pd.Series(several, index=index)


def _note_column(tests: pd.DataFrame, alternative: str, level: str) -> pd.Series:
    notes = pd.Series("", index=tests.index, dtype=object)
    clustered = (tests["_deff"] > 1) & (level == "unit")
    notes[clustered] = tests.loc[clustered, "_deff"].map(lambda d: f"klustrat på respondent: deff = {d:.3f}".replace(".", ","))
    several = tests["_several"] > 0
    notes[several] = [(n + "; " if n else "") + f"{k} respondenter finns i flera grupper"
                      for n, k in zip(notes[several], tests.loc[several, "_several"])]
    if alternative != "two-sided":
        many = tests["reference"].isna()
        notes[many] = [(n + "; " if n else "") + "fler än två grupper: tvåsidigt test" for n in notes[many]]
    single = tests["test"].isna()
    notes[single] = "bara en grupp: inget test"
    return notes


def _single_group_frame(counts, meta, fam, starts) -> pd.DataFrame:
    groups = counts.index.get_level_values(-1).to_numpy()
    return _frame({}, fam, meta, dict(group=groups[starts], n=counts.to_numpy()[starts].sum(axis=1), _kind=0))


def compare(
    answers: pd.DataFrame,
    *,
    by: str,
    items: str | Sequence[str] | None = None,
    level: str = "respondent",
    within: str | Sequence[str] | None = None,
    reference: str | None = None,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    method: str = "auto",
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Test whether groups differ on each item.

    Two groups: Mann–Whitney U (tie-corrected normal approximation with continuity
    correction; exact conditional p when a group has fewer than
    ``count_tests.SMALL_N`` answers) with the rank-biserial correlation and its CI,
    plus the difference in share of high values (chi-square, or Fisher's exact test
    when an expected count is below 5) with a Newcombe CI. More groups:
    Kruskal–Wallis with ε² (permutation p when a group is small), plus chi-square on
    the share of high values with Cramér's V (exact Fisher–Freeman–Halton or a
    permutation p when an expected count is below 5). Nominal items (``strukturerad``)
    get only the share test. See the module docstring for how respondents with
    several units are handled.

    Parameters
    ----------
    answers
        Tidy answers.
    by
        The grouping column, e.g. ``"strukturerad"``, ``"region"``, ``"survey"``.
    items
        Scored items (default: every scored item in the data). Background questions
        are items too: ``items="strukturerad", by="region"`` tests the report's Tabell 4.
    level
        ``"respondent"`` (each respondent once per group) or ``"unit"``.
    within
        Column(s) to test separately within, e.g. ``"unit"`` for structured vs not per
        municipality, ``["forbund", "wave"]`` for a national set.
    reference
        With two groups, the reference group (default: the second in questionnaire
        or sorted order, e.g. ``nej`` for ja/nej questions).
    alternative
        ``"two-sided"``, ``"greater"`` (group above reference) or ``"less"``; only
        two-sided with more than two groups.
    confidence_level
        Of the effect-size intervals.
    method
        ``"auto"`` (exact or permutation where groups or expected counts are small,
        as above), ``"asymptotic"`` or ``"exact"`` (always exact or permutation).
    seed
        Of the permutation tests.

    Returns
    -------
    pandas.DataFrame
        The ``within`` columns, then ``item, comparison, group, reference, n,
        n_reference, test, statistic, df, pvalue, pvalue_adjusted`` (missing until
        :func:`adjust`), ``effect_size, effect_size_name, ci_low, ci_high, note``.
        Per item and family a rank test (ordinal items) and a test of the share of
        high values; a family with one group gets one row without a test.

    Examples
    --------
    >>> import samverkan as sv
    >>> staff = sv.load(sv.sample_path("gavleborg", "2016", "operativ"), survey="operativ")
    >>> t = sv.compare(staff, by="strukturerad", items="synsatt")
    >>> t[["group", "reference", "test"]].values.tolist()
    [['ja', 'nej', 'mann-whitney'], ['ja', 'nej', 'chi2-share-high']]
    """
    within = as_list(within)
    check_columns(answers, [by, *within], "by/within")
    _check_common(alternative, confidence_level, level)
    check_choice("method", method, METHODS)
    chosen = select_items(answers, items, scored=True)
    data = answers[answers["item"].isin(chosen) & answers["value"].notna()]
    data = at_level(data, level, [by, *within]).dropna(subset=[by, *within])
    keys = [*within, "item"]
    steps = max(len(instrument.item(i).labels) for i in chosen)
    counts = _count_table(data, keys, by, steps)
    family = counts.index.get_level_values("_family").to_numpy()
    counts = counts.droplevel("_family")
    meta = counts.index.to_frame(index=False)[keys].drop_duplicates().reset_index(drop=True)
    starts = np.flatnonzero(np.r_[True, family[1:] != family[:-1]])
    sizes = np.diff(np.r_[starts, len(family)])
    deff, several = _family_notes(data, keys, by, level)
    deffs = deff.reindex(pd.MultiIndex.from_frame(meta) if len(keys) > 1 else meta[keys[0]]).to_numpy(dtype=float)
    options = dict(reference=reference, alternative=alternative, confidence_level=confidence_level,
                   method=method, seed=seed)
    fams = np.arange(len(meta))
    frames = [_single_group_frame(counts, meta, fams[sizes == 1], starts[sizes == 1])]
    frames += _two_group_frames(counts, meta, (fams[sizes == 2], starts[sizes == 2]), options, deffs)
    many = sizes > 2
    if many.any():
        frames += _many_group_frames(counts, meta, (fams[many], starts[many], sizes[many]), options, deffs)
    tests = pd.concat([f for f in frames if len(f)], ignore_index=True)
    return _finish(tests, meta, deff, several, keys, by, within, alternative, level)


def _finish(tests, meta, deff, several, keys, by, within, alternative, level) -> pd.DataFrame:
    index = pd.MultiIndex.from_frame(tests[keys]) if len(keys) > 1 else tests[keys[0]]
    tests["_deff"] = deff.reindex(index).to_numpy(dtype=float)
    tests["_several"] = several.reindex(index).fillna(0).to_numpy(dtype=int)
    if "reference" not in tests:
        tests["reference"] = None
    tests["comparison"] = [f"{by}: {g} mot {r}" if isinstance(r, str) else f"{by}: {str(g).count(',') + 1} grupper"
                           for g, r in zip(tests["group"], tests["reference"])]
    tests["note"] = _note_column(tests, alternative, level)
    order = {item_id: pos for pos, item_id in enumerate(instrument.items_by_id())}
    tests["_order"] = tests["item"].map(order)
    tests = tests.sort_values([*within, "_order", "_kind"], kind="stable").reset_index(drop=True)
    for column in TEST_COLUMNS:
        if column not in tests:
            tests[column] = np.nan
    return tests_frame(tests[[*within, *TEST_COLUMNS]].to_dict("records"), within)


# ------------------------------------------------------------------ paired items


def _pair_counts(answers: pd.DataFrame, a: str, b: str, within: list[str], steps: int):
    """Counts of (a, b) step pairs per family: the family labels and a ``F × K × K`` array."""
    data = answers[answers["item"].isin([a, b]) & answers["value"].notna()]
    data = data.dropna(subset=within) if within else data
    respondent = group_codes(data, [*RESPONDENT_KEY, *within])
    keep = ~pd.Series(respondent * 2 + (data["item"] == b).to_numpy()).duplicated().to_numpy()
    data, respondent = data[keep], respondent[keep]
    is_a = (data["item"] == a).to_numpy()
    values = data["value"].to_numpy(dtype=np.int64)
    x = pd.Series(values[is_a], index=respondent[is_a])
    y = pd.Series(values[~is_a], index=respondent[~is_a])
    both = x.index.intersection(y.index)
    rows = data[is_a].set_index(pd.Index(respondent[is_a])).loc[both]
    family = rows.groupby(within, observed=True, sort=True).ngroup().to_numpy() if within else np.zeros(len(both), int)
    labels = rows[within].drop_duplicates().sort_values(within) if within else pd.DataFrame(index=[0])
    counts = np.zeros((family.max() + 1 if len(family) else 0, steps, steps))
    np.add.at(counts, (family, x.loc[both].to_numpy() - 1, y.loc[both].to_numpy() - 1), 1)
    return labels.reset_index(drop=True), counts


def compare_items(
    answers: pd.DataFrame,
    a: str,
    b: str,
    *,
    within: str | Sequence[str] | None = None,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Compare two items answered by the same respondents (e.g. ``lyssnar`` vs ``vet_tillfora``).

    Each respondent counts once; only respondents with a substantive answer to both
    items are used. Wilcoxon signed-rank (zero differences dropped, tie-corrected
    normal approximation with continuity correction, as R's ``wilcox.test(paired =
    TRUE, exact = FALSE)``) with the matched-pairs rank-biserial correlation; McNemar
    on high values (exact binomial when fewer than 25 discordant pairs) with the
    conditional odds ratio and its exact CI. See :mod:`samverkan.stats.count_tests`.

    Returns
    -------
    pandas.DataFrame
        The ``within`` columns, then the tests columns (:data:`TEST_COLUMNS`):
        ``item`` and ``group`` are ``a``, ``reference`` is ``b``, ``n`` and
        ``n_reference`` the pairs; two rows per family (signed-rank, McNemar).

    Examples
    --------
    >>> import samverkan as sv
    >>> staff = sv.load(sv.sample_path("gavleborg", "2016", "operativ"), survey="operativ")
    >>> sv.compare_items(staff, "lyssnar", "vet_tillfora")["test"].tolist()
    ['wilcoxon-signed-rank', 'mcnemar']
    """
    within = as_list(within)
    check_columns(answers, within, "within")
    _check_common(alternative, confidence_level, "respondent")
    for name, item_id in (("a", a), ("b", b)):
        if not instrument.item(item_id).is_scored:
            raise ValueError(f"{name}={item_id!r} is not a scored item")
    if instrument.item(a).labels != instrument.item(b).labels:
        raise ValueError(f"a={a!r} and b={b!r} are not on the same scale")
    steps = len(instrument.item(a).labels)
    labels, counts = _pair_counts(answers, a, b, within, steps)
    high = np.zeros(steps, dtype=bool)
    high[np.array(instrument.item(a).high_values) - 1] = True
    args = dict(alternative=alternative, confidence_level=confidence_level)
    ranks = count_tests.signed_rank(counts, **args)
    zeros = ranks.pop("zeros")
    discordant = count_tests.mcnemar(counts[:, high][:, :, ~high].sum(axis=(1, 2)),
                                    counts[:, ~high][:, :, high].sum(axis=(1, 2)), **args)
    n = counts.sum(axis=(1, 2))
    common = dict(item=a, comparison=f"{a} mot {b}", group=a, reference=b, n=n, n_reference=n)
    first = labels.assign(**common, **ranks, note=[f"{int(z)} par utan skillnad utelämnade" for z in zeros], _kind=0)
    second = labels.assign(**common, **discordant, note="", _kind=1)
    tests = pd.concat([first, second], ignore_index=True).sort_values([*within, "_kind"], kind="stable")
    tests["pvalue_adjusted"] = np.nan
    return tests_frame(tests[[*within, *TEST_COLUMNS]].to_dict("records"), within)


def compare_surveys(
    staff: pd.DataFrame,
    managers: pd.DataFrame,
    *,
    items: str | Sequence[str] | None = None,
    within: str | Sequence[str] | None = None,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Managers (``chefsgrupp``) against staff (``operativ``) on the items both surveys ask.

    Each respondent counts once. Default items: every scored item in both data sets
    (``lyssnar``, ``vet_tillfora``, ``brukare_tillvara``). Same tests and columns as
    :func:`compare` with ``by="survey"``, group ``chefsgrupp``, reference ``operativ``.
    """
    if items is None:
        shared = set(select_items(staff, None, scored=True)) & set(select_items(managers, None, scored=True))
        items = [i for i in instrument.items_by_id() if i in shared]
    both = pd.concat([staff, managers], ignore_index=True)
    return compare(both, by="survey", items=items, within=within, reference="operativ",
                   alternative=alternative, confidence_level=confidence_level)


def compare_waves(
    baseline: pd.DataFrame,
    repeat: pd.DataFrame,
    *,
    items: str | Sequence[str] | None = None,
    within: str | Sequence[str] | None = None,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Change per item between a baseline and a repeat measurement (independent samples).

    Each respondent counts once. Same tests and columns as :func:`compare` with
    ``by="wave"``: ``group`` is the repeat wave, ``reference`` the baseline wave, so a
    positive ``effect_size`` is an improvement. Plan a repeat with
    :func:`min_detectable_difference`.
    """
    waves = [set(frame["wave"].dropna().unique()) for frame in (baseline, repeat)]
    if len(waves[0]) != 1 or len(waves[1]) != 1 or waves[0] == waves[1]:
        raise ValueError(f"baseline and repeat must each hold one, different wave; got {waves}")
    both = pd.concat([baseline, repeat], ignore_index=True)
    return compare(both, by="wave", items=items, within=within, reference=next(iter(waves[0])),
                   alternative=alternative, confidence_level=confidence_level)


# ------------------------------------------------------------------ adjust




def adjusted_pvalues(pvalues: np.ndarray, family: np.ndarray, method: str) -> np.ndarray:
    """Holm, Bonferroni or Benjamini–Hochberg adjusted p-values within each family, all families at once.

    The same numbers as R's ``p.adjust`` and statsmodels' ``multipletests`` (checked in
    ``tests/test_significance_reference.py``), computed for every family in one sorted
    pass: ``multipletests`` runs a garbage collection on every call, which costs
    seconds over the thousands of families of a national run. Missing p-values stay
    missing and do not count in their family.
    """
    adjusted = np.full(len(pvalues), np.nan)
    valid = np.flatnonzero(~np.isnan(pvalues))
    order = valid[np.lexsort((pvalues[valid], family[valid]))]
    fam, p = family[order], pvalues[order]
    starts = np.flatnonzero(np.r_[True, fam[1:] != fam[:-1]])
    sizes = np.diff(np.r_[starts, len(fam)])
    m = np.repeat(sizes, sizes).astype(float)
    rank = np.arange(len(fam)) - np.repeat(starts, sizes) + 1
    groups = pd.Series(np.repeat(np.arange(len(starts)), sizes))
    if method == "bonferroni":
        values = np.minimum(1.0, m * p)
    elif method == "holm":
        values = pd.Series(np.minimum(1.0, (m - rank + 1) * p)).groupby(groups).cummax().to_numpy()
    else:
        scaled = pd.Series(np.minimum(1.0, m * p / rank))[::-1]
        values = scaled.groupby(groups[::-1]).cummin()[::-1].to_numpy()
    adjusted[order] = values
    return adjusted


def adjust(tests: pd.DataFrame, method: str = "holm", *, family: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Correct p-values for multiple testing across a family; fills ``pvalue_adjusted``.

    Parameters
    ----------
    tests
        A tests table (:func:`compare` and friends, or several stacked with ``pd.concat``).
    method
        ``"holm"`` (default), ``"bonferroni"`` or ``"fdr_bh"`` (Benjamini–Hochberg),
        passed to statsmodels explicitly. Tests without a p-value are left out of the
        family and keep a missing ``pvalue_adjusted``.
    family
        Column(s) whose values define separate families (e.g. ``"forbund"``); default:
        the whole table is one family.

    Returns
    -------
    pandas.DataFrame
        A copy of ``tests`` with ``pvalue_adjusted`` filled.
    """
    check_choice("method", method, ADJUST_METHODS)
    family = as_list(family)
    check_columns(tests, ["pvalue", *family], "family")
    result = tests.copy()
    family_code = group_codes(result, family) if family else np.zeros(len(result), dtype=np.int64)
    result["pvalue_adjusted"] = adjusted_pvalues(result["pvalue"].to_numpy(dtype=float), family_code, method)
    return result
