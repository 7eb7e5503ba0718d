"""The significance tests FoU rapport 2017:1 skipped: which differences are real, how large, how sure.

Every test returns the same columns (:data:`TEST_COLUMNS`, after any ``stratify``
columns), so results from every item, comparison and förbund stack with ``pd.concat``.

One respondent is counted once
------------------------------
The respondent is the unit of analysis: at ``level="respondent"`` (the default, as in
:func:`samverkan.score`) each respondent is one row per group. A staff member who works
in three municipalities is still one answer set, and every code path treats that
respondent's rows as one unit:

* where every respondent of a comparison is one row in one group, the classical tests
  (and their exact or permutation versions for small groups) apply as they are;
* where a respondent has several rows — copied unit rows at ``level="unit"``, or a
  respondent whose municipalities lie in two of the compared regions, counted in both —
  the test takes the respondent as a cluster: a design-based rank test and a Rao–Scott
  corrected chi-square (R's ``survey::svyranktest`` and ``svychisq``) for larger groups,
  a permutation of whole respondents for small ones, and effect-size intervals with the
  variance multiplied by the design effect ``Σ m²/Σ m``;
* comparisons between regions that hold several municipalities (``cluster="auto"``)
  take the municipality (or Mysam group) as the cluster and permute whole units between
  regions (:mod:`samverkan.stats.clustered`), because respondents in one municipality
  answer alike.

The ``note`` of each row says which applied and how many respondents were in several
groups. Every path is calibrated by simulation in ``validation/``.

What is tested
--------------
By default the indicator items of the survey(s) in the data — never the ``by`` column
itself; an item without variation in a comparison is reported as ``not_testable``
(no p-value, outside every correction family). Per question and comparison there is one
``primary`` test — the rank test of an ordinal item (Mann–Whitney, or Kruskal–Wallis for
three or more groups), the share test of a nominal one — and for ordinal items the
difference in share of high values as its descriptive ``companion`` with its own
interval. ``reference=`` compares every other group with the reference group;
``pairwise=True`` adds ``post_hoc`` comparisons of every pair after an omnibus test,
Holm-corrected within the item. Seeds make every permutation identical between runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .. import instrument
from ..tidy import concat
from ..vocabulary import CLUSTERS, METHODS, RESPONDENT_KEY, TEST_COLUMNS, check_choice, check_columns, stratify_argument
from . import group_tests
from .families import adjust, adjusted_pvalues
from .paired import DEFAULT_SEED, compare_items, tests_frame
from .paired import check_common as _check_common
from .scores import at_level, group_codes, select_items

__all__ = ["DEFAULT_SEED", "adjust", "compare", "compare_items", "compare_surveys", "compare_waves", "tests_frame"]


def _group_order(values: Sequence[str], by: str) -> list[str]:
    """Groups in questionnaire order when ``by`` is a question, else sorted."""
    known = instrument.items_by_id()
    if by in known and known[by].labels:
        labels = list(known[by].labels)
        return sorted(values, key=lambda v: (labels.index(v) if v in labels else len(labels), str(v)))
    return sorted(values, key=str)


def _items_to_test(answers: pd.DataFrame, items, by: str) -> list[str]:
    """``items``, or by default the indicator items of the surveys in ``answers``; never ``by`` itself."""
    if items is not None:
        chosen = select_items(answers, items, scored=True)
        if by in chosen:
            raise ValueError(f"items={chosen!r} includes by={by!r}: a question cannot be tested against itself")
        return chosen
    surveys = [str(s) for s in answers["survey"].dropna().unique()]
    indicator = {i.id for s in surveys for i in instrument.survey(s).indicator_items}
    present = set(answers["item"].dropna().astype(str).unique())
    chosen = [i for i in instrument.items_by_id() if i in indicator and i in present and i != by]
    if not chosen:
        raise ValueError(f"no indicator items of the surveys {surveys} in the data; name the items to test with items=")
    return chosen


def _with_pairs(data: pd.DataFrame, by: str, reference, pairwise: bool) -> tuple[pd.DataFrame, dict]:
    """The answers once per comparison: whole (label ``""``), and per pair of groups where asked.

    Returns the stacked answers with a ``_pair`` column and ``{label: (group, reference, role)}``.
    """
    groups = _group_order([str(g) for g in data[by].dropna().unique()], by)
    if reference is not None and reference not in groups:
        raise ValueError(f"reference={reference!r} is not a group of {by!r}; groups: {groups}")
    pairs = {"": (None, reference, "primary")}
    frames = [data.assign(_pair="")]
    if len(groups) > 2 and (reference is not None or pairwise):
        if reference is not None:
            wanted, pairs, frames = [(g, reference, "primary") for g in groups if g != reference], {}, []
        else:
            wanted = [(a, b, "post_hoc") for a, b in itertools.combinations(groups, 2)]
        for group, ref, role in wanted:
            label = f"{group} mot {ref}"
            pairs[label] = (group, ref, role)
            frames.append(data[data[by].astype(str).isin([group, ref]).to_numpy()].assign(_pair=label))
    return pd.concat(frames, ignore_index=True), pairs


def _cluster_mode(cluster: str, by: str) -> str:
    return ("unit" if by == "region" else "respondent") if cluster == "auto" else cluster


def compare(
    answers: pd.DataFrame,
    *,
    by: str,
    items: str | Sequence[str] | None = None,
    level: str = "respondent",
    stratify: str | Sequence[str] | None = None,
    reference: str | None = None,
    pairwise: bool = False,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    method: str = "auto",
    cluster: str = "auto",
    seed: int = DEFAULT_SEED,
    within: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Test whether groups differ on each item (see the module docstring for the rules).

    Two groups: Mann–Whitney U (exact conditional p when a group has fewer than
    ``count_tests.SMALL_N`` respondents) with the rank-biserial correlation and
    Newcombe's score interval, and the difference in share of high values (chi-square,
    Fisher's exact test where an expected count is below 5) with a Newcombe interval.
    More groups: Kruskal–Wallis with ε² (permutation p when a group is small) and the
    share chi-square with Cramér's V (Fisher–Freeman–Halton or permutation when small).
    Clustered comparisons as in the module docstring.

    Parameters
    ----------
    answers
        Tidy answers.
    by
        The grouping column, e.g. ``"strukturerad"``, ``"region"``, ``"survey"``.
    items
        Scored items; default the survey's indicator items (never ``by``). Background
        questions are items too: ``items="strukturerad", by="region"`` tests Tabell 4.
    level
        ``"respondent"`` (default: each respondent once per group) or ``"unit"``
        (respondent–unit rows, each respondent's rows kept together as a cluster).
    stratify
        Column(s) to test separately within, e.g. ``"unit"`` for structured vs not per
        municipality, ``["forbund", "wave"]`` for a national set.
    reference
        The reference group: with two groups it sets the direction (default the second
        in questionnaire or sorted order, e.g. ``nej``); with more, every other group is
        compared with it (no omnibus test). A group not in the data raises ``ValueError``.
    pairwise
        With three or more groups: also every pair, as ``post_hoc`` rows whose
        ``pvalue_adjusted`` is Holm within the item.
    alternative
        ``"two-sided"``, ``"greater"`` (group above reference) or ``"less"``; two-sided
        for omnibus tests.
    confidence_level
        Of the effect-size intervals.
    method
        ``"auto"`` (exact or permutation where groups or expected counts are small),
        ``"asymptotic"`` or ``"exact"`` (always exact or permutation).
    cluster
        ``"auto"`` (municipalities or Mysam groups for ``by="region"``, else the
        respondent), ``"respondent"`` or ``"unit"``.
    seed
        Of the permutation tests.
    within
        Deprecated name of ``stratify`` (``FutureWarning``).

    Returns
    -------
    pandas.DataFrame
        The ``stratify`` columns, then ``item, comparison, group, reference, n,
        n_reference, test, role, statistic, df, pvalue, pvalue_adjusted`` (missing until
        :func:`adjust`, except post hoc rows), ``effect_size, effect_size_name, ci_low,
        ci_high, note``. ``n`` counts respondents (rows at ``level="unit"``).

    Examples
    --------
    >>> import samverkan as sv
    >>> staff = sv.load(sv.sample_path("gavleborg", "2016", "operativ"), survey="operativ")
    >>> t = sv.compare(staff, by="strukturerad", items="synsatt")
    >>> t[["group", "reference", "test", "role"]].values.tolist()
    [['ja', 'nej', 'mann-whitney', 'primary'], ['ja', 'nej', 'chi2-share-high', 'companion']]
    """
    stratify = stratify_argument(stratify, within, "compare")
    check_columns(answers, [by, *stratify], "by/stratify")
    _check_common(alternative, confidence_level, level)
    check_choice("method", method, METHODS)
    check_choice("cluster", cluster, CLUSTERS)
    chosen = _items_to_test(answers, items, by)
    data = answers[answers["item"].isin(chosen) & answers["value"].notna()]
    data = at_level(data, level, [by, *stratify]).dropna(subset=[by, *stratify])
    if data.empty:  # no substantive answer in any group: nothing to test
        return tests_frame([], stratify)
    data, pairs = _with_pairs(data, by, reference, bool(pairwise))
    options = dict(alternative=alternative, confidence_level=confidence_level, method=method, seed=seed,
                   level=level, cluster=_cluster_mode(cluster, by), explicit=cluster != "auto")
    tests = _test_families(data, by, stratify, pairs, options)
    return _finish(tests, by, stratify, pairs, options)


# ------------------------------------------------------------------ families


def _count_table(data: pd.DataFrame, by: str, steps: int) -> pd.DataFrame:
    """Counts per step, one row per (family, group), families contiguous, groups in order."""
    counts = data.groupby(["_family", by, "value"], observed=True).size().unstack("value", fill_value=0)
    counts = counts.reindex(columns=range(1, steps + 1), fill_value=0)
    index = counts.index.to_frame(index=False)
    ranks = {g: i for i, g in enumerate(_group_order([str(g) for g in index[by].unique()], by))}
    order = np.lexsort((index[by].astype(str).map(ranks).to_numpy(), index["_family"].to_numpy()))
    return counts.iloc[order]


def _family_layout(data: pd.DataFrame, keys: list[str], by: str, pairs: dict) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                     np.ndarray]:
    """``data`` with a ``_family`` number, one row of metadata per family (keys, groups, role, reference), and
    the counts per (family, group) × step, families contiguous, groups in order."""
    data = data.assign(_family=data.groupby(keys, observed=True, sort=True).ngroup().to_numpy())
    steps = max(len(instrument.item(str(i)).labels) for i in data["item"].unique())
    counts = _count_table(data, by, steps)
    family = counts.index.get_level_values("_family").to_numpy()
    starts = np.flatnonzero(np.r_[True, family[1:] != family[:-1]])
    meta = data.drop_duplicates("_family").sort_values("_family")[keys].reset_index(drop=True)
    meta["_start"], meta["_size"] = starts, np.diff(np.r_[starts, len(family)])
    names = counts.index.get_level_values(by).astype(str).tolist()
    meta["_groups"] = [names[s:s + k] for s, k in zip(meta["_start"], meta["_size"])]
    meta["_role"] = [pairs[p][2] for p in meta["_pair"]]
    meta["_reference"] = [pairs[p][1] for p in meta["_pair"]]
    return data, meta, counts.to_numpy(dtype=float)


def _unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their counts (a sort: ~10× faster here than ``np.unique``'s hashing)."""
    ordered = np.sort(values)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.array([], int)
    return ordered[starts], np.diff(np.r_[starts, len(ordered)])


def _cluster_flags(data: pd.DataFrame, meta: pd.DataFrame, by: str, options: dict) -> pd.DataFrame:
    """Per family: the mode (independent, respondent or unit clusters) and the respondents in several groups."""
    family = data["_family"].to_numpy()
    respondent = pd.factorize(group_codes(data, RESPONDENT_KEY))[0].astype(np.int64)
    group = pd.factorize(data[by].astype(str))[0].astype(np.int64)
    width = np.int64(respondent.max() + 1)
    pair, rows = _unique_counts(family * width + respondent)
    n = len(meta)
    multi = np.bincount(pair[rows > 1] // width, minlength=n) > 0
    triples, _ = _unique_counts((family * width + respondent) * (group.max() + 1) + group)
    per_pair = _unique_counts(triples // (group.max() + 1))
    several = np.bincount(per_pair[0][per_pair[1] > 1] // width, minlength=n)
    flags = pd.DataFrame({"several": several, "mode": np.where(multi, "respondent", "independent"),
                          "respondents": np.bincount(pair // width, minlength=n), "rows": np.bincount(family,
                                                                                                    minlength=n)})
    if options["cluster"] == "unit":
        flags["mode"] = _unit_mode(data, meta, group, flags["mode"].to_numpy(), options["explicit"], by)
    return flags


def merged_units(data: pd.DataFrame, by: str) -> np.ndarray:
    """Per row: its unit, where units that share a respondent within one group of ``by`` are one unit.

    At ``level="unit"`` a respondent of two municipalities in one region is a row in each,
    copies that tie the two together; they are then one cluster (connected components of
    the units linked by respondents). At respondent level nothing is merged.
    """
    unit = pd.factorize(data["unit"].astype(str))[0].astype(np.int64)
    key = pd.factorize(group_codes(data, [*RESPONDENT_KEY, by]))[0]
    links = pd.DataFrame({"k": key, "u": unit}).drop_duplicates().sort_values(["k", "u"])
    k, u = links["k"].to_numpy(), links["u"].to_numpy()
    same = k[1:] == k[:-1]
    size = int(unit.max()) + 1 if len(unit) else 0
    graph = coo_matrix((np.ones(int(same.sum())), (u[:-1][same], u[1:][same])), shape=(size, size))
    return connected_components(graph, directed=False)[1][unit]


def _unit_mode(data: pd.DataFrame, meta: pd.DataFrame, group: np.ndarray, mode: np.ndarray, explicit: bool,
               by: str) -> np.ndarray:
    """``"unit"`` for the families whose groups are made of whole units and hold several units in some group."""
    frame = pd.DataFrame({"f": data["_family"].to_numpy(), "u": data["_unit"].to_numpy(),
                          "g": group}).drop_duplicates()
    units = frame.groupby("f")["u"].nunique().reindex(range(len(meta)), fill_value=0).to_numpy()
    unit_groups = frame.groupby("f").size().reindex(range(len(meta)), fill_value=0).to_numpy()
    nested = units == unit_groups
    if explicit and not nested.all():
        raise ValueError(f"cluster='unit' needs groups made of whole units (e.g. by='region'); {by!r} varies "
                         "within units")
    most = frame.groupby(["f", "g"]).size().groupby(level="f").max().reindex(range(len(meta)), fill_value=0)
    eligible = nested & (most.to_numpy() >= 2) & (meta["_size"].to_numpy() > 1)
    return np.where(eligible, "unit", mode)


def _test_families(data: pd.DataFrame, by: str, stratify: list[str], pairs: dict, options: dict) -> pd.DataFrame:
    keys = [*stratify, "_pair", "item"]
    data, meta, counts = _family_layout(data, keys, by, pairs)
    if options["cluster"] == "unit":
        data = data.assign(_unit=merged_units(data, by))
    flags = _cluster_flags(data, meta, by, options)
    sizes, starts = meta["_size"].to_numpy(), meta["_start"].to_numpy()
    pooled = np.add.reduceat(counts, starts, axis=0) if len(starts) else np.zeros((0, counts.shape[1]))
    constant = (pooled > 0).sum(axis=1) <= 1
    frames = [group_tests.single_frame(np.flatnonzero(sizes == 1), np.array([g[0] for g in meta["_groups"][sizes == 1]],
                                       dtype=object), counts[starts[sizes == 1]].sum(axis=1), "no_test",
                                       "bara en grupp: inget test")]
    untestable = (sizes > 1) & constant
    frames.append(group_tests.single_frame(np.flatnonzero(untestable), np.array(
        [", ".join(g) for g in meta["_groups"][untestable]], dtype=object), pooled[untestable].sum(axis=1),
        "not_testable", "ingen variation: alla svar är lika, inget test"))
    testable = (sizes > 1) & ~constant
    independent = testable & (flags["mode"].to_numpy() == "independent")
    frames += _independent_frames(meta, counts, independent, options)
    frames += _clustered_frames(data, meta, by, testable & ~independent, flags, options)
    tests = pd.concat([f for f in frames if len(f)], ignore_index=True)
    tests = tests.merge(flags[["several", "mode", "respondents", "rows"]], left_on="_family", right_index=True)
    return tests.merge(meta[keys], left_on="_family", right_index=True)


def _independent_frames(meta, counts, mask, options) -> list[pd.DataFrame]:
    sizes, starts = meta["_size"].to_numpy(), meta["_start"].to_numpy()
    frames = []
    two = np.flatnonzero(mask & (sizes == 2))
    if len(two):
        first, second = counts[starts[two]], counts[starts[two] + 1]
        names = np.array([meta["_groups"][f] for f in two], dtype=object)
        swap = np.array([meta["_reference"][f] == names[i][0] for i, f in enumerate(two)], dtype=bool)
        cube = np.stack([np.where(swap[:, None], second, first), np.where(swap[:, None], first, second)], axis=1)
        names = np.where(swap[:, None], names[:, ::-1], names)
        frames += group_tests.two_group_frames(cube, two, names, meta, options)
    many = np.flatnonzero(mask & (sizes > 2))
    if len(many):
        cube = np.zeros((len(many), sizes[many].max(), counts.shape[1]))
        for position in range(sizes[many].max()):
            has = sizes[many] > position
            cube[has, position] = counts[starts[many][has] + position]
        frames += group_tests.many_group_frames(cube, many, [", ".join(meta["_groups"][f]) for f in many], meta,
                                                options)
    return frames


def _clustered_frames(data, meta, by, mask, flags, options) -> list[pd.DataFrame]:
    if not mask.any():
        return []
    chosen = data[np.isin(data["_family"].to_numpy(), np.flatnonzero(mask))]
    respondent = pd.factorize(group_codes(chosen, RESPONDENT_KEY))[0]
    unit = chosen["_unit"].to_numpy() if "_unit" in chosen else respondent
    family, value = chosen["_family"].to_numpy(), chosen["value"].to_numpy(dtype=np.int64)
    groups = chosen[by].astype(str).to_numpy()
    rows = []
    for f in np.flatnonzero(mask):
        at = family == f
        names = list(meta["_groups"][f])
        if len(names) == 2 and meta["_reference"][f] == names[0]:
            names = names[::-1]
        rows += group_tests.clustered_rows(dict(
            value=value[at], group=pd.Index(names).get_indexer(groups[at]), respondent=respondent[at], unit=unit[at],
            item=str(meta["item"][f]), names=names, mode=flags["mode"][f], role=meta["_role"][f], family=f), options)
    return [pd.DataFrame(rows)]


# ------------------------------------------------------------------ finishing


def _cluster_note(row, level: str) -> str:
    if row["mode"] == "unit":
        return ("respondenter med flera enheter i samma grupp hör till den första" if level == "respondent"
                else "")
    if row["mode"] != "respondent":
        return ""
    if level == "unit":
        return (f"{int(row['rows'])} rader från {int(row['respondents'])} respondenter: "
                "respondentens rader hålls ihop (kluster)")
    return f"{int(row['several'])} respondenter finns i flera grupper och räknas i var och en; respondenten är kluster"


def _notes(tests: pd.DataFrame, options: dict) -> list[str]:
    """Each row's note: the test's own, how respondents in several rows or groups were handled, one-sidedness."""
    own = tests["_note"].tolist() if "_note" in tests else [None] * len(tests)
    keys = list(zip(tests["mode"], tests["rows"], tests["respondents"], tests["several"]))
    cluster = {key: _cluster_note(dict(zip(["mode", "rows", "respondents", "several"], key)), options["level"])
               for key in set(keys)}
    many_one_sided = options["alternative"] != "two-sided"
    notes = []
    for note, key, reference, role in zip(own, keys, tests["reference"], tests["role"]):
        parts = [note if isinstance(note, str) else "", cluster[key]]
        if many_one_sided and not isinstance(reference, str) and role not in ("no_test", "not_testable"):
            parts.append("fler än två grupper: tvåsidigt test")
        notes.append("; ".join(p for p in parts if p))
    return notes


def _finish(tests: pd.DataFrame, by: str, stratify: list[str], pairs: dict, options: dict) -> pd.DataFrame:
    if "reference" not in tests:
        tests["reference"] = None
    tests["comparison"] = [f"{by}: {g} mot {r}" if isinstance(r, str) else f"{by}: {str(g).count(',') + 1} grupper"
                           for g, r in zip(tests["group"], tests["reference"])]
    tests["note"] = _notes(tests, options)
    order = {item_id: pos for pos, item_id in enumerate(instrument.items_by_id())}
    tests["_order"] = tests["item"].astype(str).map(order)
    tests["_pair_order"] = tests["_pair"].map({label: k for k, label in enumerate(pairs)})
    tests = tests.sort_values([*stratify, "_order", "_pair_order", "_kind"], kind="stable").reset_index(drop=True)
    tests["pvalue_adjusted"] = _post_hoc_holm(tests, stratify)
    for column in TEST_COLUMNS:
        if column not in tests:
            tests[column] = np.nan
    return tests_frame(tests[[*stratify, *TEST_COLUMNS]].to_dict("records"), stratify)


def _post_hoc_holm(tests: pd.DataFrame, stratify: list[str]) -> np.ndarray:
    """Holm within each item (and stratum) over its post hoc pairs; missing elsewhere."""
    post = (tests["role"] == "post_hoc").to_numpy()
    adjusted = np.full(len(tests), np.nan)
    if post.any():
        family = group_codes(tests, [*stratify, "item"])
        pvalues = np.where(post, tests["pvalue"].to_numpy(dtype=float), np.nan)
        adjusted = np.where(post, adjusted_pvalues(pvalues, family, "holm"), np.nan)
    return adjusted


def compare_surveys(
    staff: pd.DataFrame,
    managers: pd.DataFrame,
    *,
    items: str | Sequence[str] | None = None,
    stratify: str | Sequence[str] | None = None,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    within: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Managers (``chefsgrupp``) against staff (``operativ``) on the indicator items both surveys ask.

    Each respondent counts once. Default items: the indicator items of both surveys
    (``lyssnar``, ``vet_tillfora``, ``brukare_tillvara``). Same tests and columns as
    :func:`compare` with ``by="survey"``, group ``chefsgrupp``, reference ``operativ``.
    """
    stratify = stratify_argument(stratify, within, "compare_surveys")
    if items is None:
        shared = ({i.id for i in instrument.survey("operativ").indicator_items}
                  & {i.id for i in instrument.survey("chefsgrupp").indicator_items})
        items = [i for i in instrument.items_by_id() if i in shared]
    both = concat([staff, managers])
    return compare(both, by="survey", items=items, stratify=stratify or None, reference="operativ",
                   alternative=alternative, confidence_level=confidence_level)


def compare_waves(
    baseline: pd.DataFrame,
    repeat: pd.DataFrame,
    *,
    items: str | Sequence[str] | None = None,
    stratify: str | Sequence[str] | None = None,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    within: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Change per item between a baseline and a repeat measurement (independent samples).

    Each respondent counts once. Same tests and columns as :func:`compare` with
    ``by="wave"`` (default items: the indicator items): ``group`` is the repeat wave,
    ``reference`` the baseline wave, so a positive ``effect_size`` is an improvement.
    Plan a repeat with :func:`min_detectable_difference`.
    """
    stratify = stratify_argument(stratify, within, "compare_waves")
    waves = [set(frame["wave"].dropna().unique()) for frame in (baseline, repeat)]
    if len(waves[0]) != 1 or len(waves[1]) != 1 or waves[0] == waves[1]:
        raise ValueError(f"baseline and repeat must each hold one, different wave; got {waves}")
    both = concat([baseline, repeat])
    return compare(both, by="wave", items=items, stratify=stratify or None, reference=str(next(iter(waves[0]))),
                   alternative=alternative, confidence_level=confidence_level)
