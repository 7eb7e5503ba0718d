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
Two groups with fewer than :data:`SMALL_N` answers in either: the Mann–Whitney p is
the exact conditional p given the ties. Share of high values: Fisher's exact test
(2 × 2) or the Fisher–Freeman–Halton exact test (2 × G) when an expected count is
below 5. Kruskal–Wallis with a group below :data:`SMALL_N`: a seeded Monte Carlo
permutation p. Seeds make every run identical.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from . import instrument, rankstats
from .scores import RESPONDENT_KEY, as_list, at_level, check_choice, check_columns, select_items

TEST_COLUMNS = [
    "item", "comparison", "group", "reference", "n", "n_reference", "test", "statistic", "df", "pvalue",
    "pvalue_adjusted", "effect_size", "effect_size_name", "ci_low", "ci_high", "note",
]
LEVELS = ("respondent", "unit")
METHODS = ("auto", "asymptotic", "exact")
SMALL_N = 10
MAX_EXACT_TABLES = 2_000_000
N_PERMUTATIONS = 9999
DEFAULT_SEED = 20161001


def _check_common(alternative: str, confidence_level: float, level: str) -> None:
    check_choice("alternative", alternative, rankstats.ALTERNATIVES)
    check_choice("level", level, LEVELS)
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level={confidence_level!r} must be between 0 and 1")


def _row(**values) -> dict:
    row = dict.fromkeys(TEST_COLUMNS, np.nan)
    row.update({"group": None, "reference": None, "note": "", "pvalue_adjusted": np.nan})
    row.update(values)
    return row


def tests_frame(rows: list[dict], within: Sequence[str] = ()) -> pd.DataFrame:
    """Rows as a tests table: the ``within`` columns, then :data:`TEST_COLUMNS` with fixed dtypes."""
    frame = pd.DataFrame.from_records(rows, columns=[*within, *TEST_COLUMNS])
    floats = ["statistic", "df", "pvalue", "pvalue_adjusted", "effect_size", "ci_low", "ci_high"]
    frame = frame.astype({c: "float64" for c in floats})
    frame = frame.astype({"n": "Int64", "n_reference": "Int64"})
    strings = ["item", "comparison", "group", "reference", "test", "effect_size_name", "note", *within]
    return frame.astype({c: "string" for c in strings})


# ------------------------------------------------------------------ group order


def _group_order(values: Sequence[str], by: str) -> list[str]:
    """Groups in questionnaire order when ``by`` is a question, else sorted."""
    known = instrument.items_by_id()
    if by in known and known[by].labels:
        labels = list(known[by].labels)
        return sorted(values, key=lambda v: (labels.index(v) if v in labels else len(labels), str(v)))
    return sorted(values, key=str)


def _design_effect(data: pd.DataFrame, keys: list[str]) -> pd.Series:
    """``Σ m² / Σ m`` per family, ``m`` = rows per respondent (1 when nobody has several)."""
    sizes = data.groupby([*keys, *RESPONDENT_KEY], observed=True, dropna=False).size().rename("m").reset_index()
    sizes["m2"] = sizes["m"] ** 2
    sums = sizes.groupby(keys, observed=True, dropna=False)[["m", "m2"]].sum()
    return sums["m2"] / sums["m"]


def _respondents_in_several(data: pd.DataFrame, keys: list[str], by: str) -> pd.Series:
    groups = data.groupby([*keys, *RESPONDENT_KEY], observed=True, dropna=False)[by].nunique()
    return (groups > 1).groupby(level=list(range(len(keys)))).sum()


# ------------------------------------------------------------------ two groups


def _mann_whitney_row(cg, cr, alternative, confidence_level, deff, method) -> dict:
    mw = rankstats.mann_whitney_from_counts(cg, cr)
    n1, n2 = mw["n1"], mw["n2"]
    if method == "exact" or (method == "auto" and min(n1, n2) < SMALL_N):
        p = rankstats.mann_whitney_exact_pvalue(cg, cr, alternative)
        test = "mann-whitney-exact"
    else:
        _, p = rankstats.normal_pvalue(mw["u"], mw["mu"], mw["sd"] * np.sqrt(deff), alternative)
        test = "mann-whitney"
    r = 2 * mw["u"] / (n1 * n2) - 1 if n1 * n2 > 0 else np.nan
    low, high = rankstats.rank_biserial_ci(r, n1 / deff, n2 / deff, confidence_level)
    return dict(test=test, statistic=mw["u"], pvalue=p, effect_size=r, effect_size_name="rank-biserial",
                ci_low=low, ci_high=high)


def _share_test(h1, n1, h2, n2, alternative: str, deff: float, method: str) -> tuple[str, float, float, float]:
    """``(test, statistic, df, p)`` for the difference in share of high values."""
    table = np.array([[h1, n1 - h1], [h2, n2 - h2]], dtype=float)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    if method == "exact" or (method == "auto" and (expected < 5).any()):
        side = {"two-sided": "two-sided", "greater": "greater", "less": "less"}[alternative]
        result = stats.fisher_exact(table.astype(int), alternative=side)
        return "fisher-exact", float(result.statistic), np.nan, float(result.pvalue)
    chi2 = stats.chi2_contingency(table, correction=False)
    statistic = float(chi2.statistic)
    z = np.sign(h1 / n1 - h2 / n2) * np.sqrt(statistic / deff)
    p = {"two-sided": 2 * stats.norm.sf(abs(z)), "greater": stats.norm.sf(z), "less": stats.norm.cdf(z)}[alternative]
    return "chi2", statistic, 1.0, float(min(1.0, p))


def _share_row(cg, cr, high_steps, alternative, confidence_level, deff, method) -> dict:
    h1, n1 = float(cg[high_steps].sum()), float(cg.sum())
    h2, n2 = float(cr[high_steps].sum()), float(cr.sum())
    test, statistic, df, p = _share_test(h1, n1, h2, n2, alternative, deff, method)
    low, high = confint_proportions_2indep(h1, n1, h2, n2, method="newcomb", compare="diff",
                                           alpha=1 - confidence_level)
    return dict(test=f"{test}-share-high", statistic=statistic, df=df, pvalue=p, effect_size=h1 / n1 - h2 / n2,
                effect_size_name="share_high difference", ci_low=float(low), ci_high=float(high))


# ------------------------------------------------------------------ many groups


def _permutation_pvalue(values: np.ndarray, labels: np.ndarray, statistic, seed: int) -> float:
    """Monte Carlo permutation p ``(1 + #{T* >= T}) / (B + 1)`` with a seeded generator."""
    rng = np.random.default_rng(seed)
    observed = statistic(values, labels[None, :])[0]
    permuted = rng.permuted(np.tile(labels, (N_PERMUTATIONS, 1)), axis=1)
    null = statistic(values, permuted)
    return float((1 + np.sum(null >= observed - 1e-9 * abs(observed))) / (N_PERMUTATIONS + 1))


def _kruskal_statistic(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    ranks = stats.rankdata(values)
    groups = labels.max() + 1
    n = len(values)
    sums = np.stack([np.where(labels == g, ranks, 0).sum(axis=1) for g in range(groups)], axis=1)
    sizes = np.stack([(labels == g).sum(axis=1) for g in range(groups)], axis=1)
    return 12 / (n * (n + 1)) * np.sum(sums**2 / sizes, axis=1) - 3 * (n + 1)


def _chi2_statistic(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    groups = labels.max() + 1
    sizes = np.stack([(labels == g).sum(axis=1) for g in range(groups)], axis=1)
    highs = np.stack([np.where(labels == g, values, 0).sum(axis=1) for g in range(groups)], axis=1)
    share = values.mean()
    expected = sizes * share
    return np.sum((highs - expected) ** 2 / (expected * (1 - share)), axis=1)


def _expand(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of (step, group index) from a ``G × K`` count table."""
    groups, steps = np.nonzero(mat)
    counts = mat[groups, steps].astype(int)
    return np.repeat(steps + 1, counts).astype(float), np.repeat(groups, counts)


def _kruskal_row(mat: np.ndarray, deff: float, seed: int, method: str) -> dict:
    kw = rankstats.kruskal_from_counts(mat)
    p = float(stats.chi2.sf(kw["h"] / deff, kw["df"]))
    test = "kruskal-wallis"
    if method == "exact" or (method == "auto" and mat.sum(axis=1).min() < SMALL_N):
        values, labels = _expand(mat)
        p = _permutation_pvalue(values, labels, _kruskal_statistic, seed)
        test = "kruskal-wallis-permutation"
    return dict(test=test, statistic=kw["h"], df=kw["df"], pvalue=p,
                effect_size=kw["h"] / (kw["n"] - 1), effect_size_name="epsilon-squared")


def _chi2_row(mat: np.ndarray, high_steps: np.ndarray, deff: float, seed: int, method: str) -> dict:
    high = mat[:, high_steps].sum(axis=1)
    n = mat.sum(axis=1)
    table = np.vstack([high, n - high])
    if (table.sum(axis=1) == 0).any():
        return dict(test="chi2-share-high", note="alla eller inga svar är höga: inget test")
    chi2 = stats.chi2_contingency(table, correction=False)
    statistic, df = float(chi2.statistic), float(chi2.dof)
    p, test = float(stats.chi2.sf(statistic / deff, df)), "chi2-share-high"
    if method == "exact" or (method == "auto" and (chi2.expected_freq < 5).any()):
        if rankstats.exact_table_count(n, int(high.sum())) <= MAX_EXACT_TABLES:
            p, test = rankstats.fisher_freeman_halton_2xg(high, n), "fisher-exact-share-high"
        else:
            flags = np.concatenate([np.r_[np.ones(int(h)), np.zeros(int(m - h))] for h, m in zip(high, n)])
            labels = np.repeat(np.arange(len(n)), n.astype(int))
            p, test = _permutation_pvalue(flags, labels, _chi2_statistic, seed), "chi2-share-high-permutation"
    return dict(test=test, statistic=statistic, df=df, pvalue=p,
                effect_size=float(np.sqrt(statistic / table.sum())), effect_size_name="cramers-v")


# ------------------------------------------------------------------ compare


def _count_table(data: pd.DataFrame, keys: list[str], by: str) -> pd.DataFrame:
    counts = data.groupby([*keys, by, "value"], observed=True).size()
    return counts.unstack("value", fill_value=0)


def _family_rows(table, item_id, by, reference, options: dict, deff: float) -> list[dict]:
    item = instrument.item(item_id)
    steps = np.arange(1, len(item.labels) + 1)
    mat = table.reindex(columns=steps, fill_value=0)
    groups = _group_order(list(mat.index.get_level_values(by)), by)
    mat = mat.droplevel(list(range(mat.index.nlevels - 1))).loc[groups].to_numpy(dtype=float)
    high_steps = np.array(item.high_values, dtype=int) - 1
    if len(groups) < 2:
        return [_row(item=item_id, comparison=by, group=groups[0] if groups else None, n=int(mat.sum()),
                     note="bara en grupp: inget test")]
    if len(groups) == 2:
        ref = groups[1] if reference is None else reference
        if ref not in groups:
            raise ValueError(f"reference={reference!r} is not a group of {by!r}; groups are {groups}")
        g = groups[0] if ref == groups[1] else groups[1]
        cg, cr = mat[groups.index(g)], mat[groups.index(ref)]
        common = dict(item=item_id, comparison=f"{by}: {g} mot {ref}", group=g, reference=ref,
                      n=int(cg.sum()), n_reference=int(cr.sum()))
        args = (options["alternative"], options["confidence_level"], deff, options["method"])
        rows = [_row(**common, **_mann_whitney_row(cg, cr, *args))]
        if len(high_steps):
            rows.append(_row(**common, **_share_row(cg, cr, high_steps, *args)))
        return rows
    common = dict(item=item_id, comparison=f"{by}: {len(groups)} grupper", group=", ".join(map(str, groups)),
                  n=int(mat.sum()))
    rows = [_row(**common, **_kruskal_row(mat, deff, options["seed"], options["method"]))]
    if len(high_steps):
        rows.append(_row(**common, **_chi2_row(mat, high_steps, deff, options["seed"], options["method"])))
    return rows


def _notes(rows: list[dict], deff: float, several: int, level: str, alternative: str, n_groups: int) -> None:
    parts = []
    if level == "unit" and deff > 1:
        parts.append(f"klustrat på respondent: deff = {deff:.3f}".replace(".", ","))
    if several:
        parts.append(f"{several} respondenter finns i flera grupper")
    if n_groups > 2 and alternative != "two-sided":
        parts.append("fler än två grupper: tvåsidigt test")
    for row in rows:
        row["note"] = "; ".join(p for p in [row["note"], *parts] if p)


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
    correction; exact conditional p when a group has fewer than :data:`SMALL_N`)
    with the rank-biserial correlation and its CI, plus the difference in share of
    high values (chi-square, or Fisher's exact test when an expected count is below
    5) with a Newcombe CI. More groups: Kruskal–Wallis with ε², plus chi-square on
    the share of high values with Cramér's V (exact Fisher–Freeman–Halton or a
    permutation p when an expected count is below 5). See the module docstring for
    how respondents with several units are handled.

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
        municipality, ``"forbund"`` for a national set.
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
        Two rows per item and family: a rank test and a test of the share of high
        values (nominal items: only the latter).

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
    data = at_level(data, "respondent" if level == "respondent" else "unit", [by, *within])
    data = data.dropna(subset=[by, *within])
    keys = [*within, "item"]
    deffs = _design_effect(data, keys) if level == "unit" else None
    several = _respondents_in_several(data, keys, by)
    rows: list[dict] = []
    for key, table in _count_table(data, keys, by).groupby(level=keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        deff = float(deffs.loc[key]) if deffs is not None else 1.0
        options = dict(alternative=alternative, confidence_level=confidence_level, method=method, seed=seed)
        family = _family_rows(table, key[-1], by, reference, options, deff)
        _notes(family, deff, int(several.get(key, 0)), level, alternative, table.shape[0])
        rows += [{**dict(zip(within, key[:-1])), **row} for row in family]
    return _order_tests(tests_frame(rows, within), within)


def _order_tests(frame: pd.DataFrame, within: Sequence[str]) -> pd.DataFrame:
    order = {item_id: pos for pos, item_id in enumerate(instrument.items_by_id())}
    frame = frame.assign(_order=frame["item"].map(order))
    return frame.sort_values([*within, "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


# ------------------------------------------------------------------ paired items


def _paired_values(answers: pd.DataFrame, a: str, b: str, within: list[str]) -> pd.DataFrame:
    data = answers[answers["item"].isin([a, b]) & answers["value"].notna()]
    data = data.drop_duplicates(subset=[*RESPONDENT_KEY, *within, "item"])
    wide = data.pivot_table(index=[*within, *RESPONDENT_KEY], columns="item", values="value",
                            aggfunc="first", observed=True)
    return wide.reindex(columns=[a, b]).dropna().astype(float).reset_index()


def _wilcoxon_row(x: np.ndarray, y: np.ndarray, alternative: str, confidence_level: float) -> dict:
    d = x - y
    nonzero = d[d != 0]
    nd = len(nonzero)
    if nd == 0:
        return dict(test="wilcoxon-signed-rank", note="inga skillnader mellan frågorna: inget test")
    ranks = stats.rankdata(np.abs(nonzero))
    v = float(ranks[nonzero > 0].sum())
    result = stats.wilcoxon(x, y, zero_method="wilcox", correction=True, method="approx", alternative=alternative)
    total = nd * (nd + 1) / 2
    r = (v - (total - v)) / total
    se = np.sqrt((2 * nd**3 + 3 * nd**2 + nd) / 6) / total
    z = stats.norm.ppf(0.5 + confidence_level / 2)
    centre = np.arctanh(np.clip(r, -1 + 1e-15, 1 - 1e-15))
    return dict(test="wilcoxon-signed-rank", statistic=v, pvalue=float(result.pvalue), effect_size=r,
                effect_size_name="matched-pairs rank-biserial", ci_low=float(np.tanh(centre - z * se)),
                ci_high=float(np.tanh(centre + z * se)), note=f"{len(d) - nd} par utan skillnad utelämnade")


def _mcnemar_row(high_x: np.ndarray, high_y: np.ndarray, alternative: str, confidence_level: float) -> dict:
    b = int(np.sum(high_x & ~high_y))
    c = int(np.sum(~high_x & high_y))
    if b + c == 0:
        return dict(test="mcnemar", note="inga oeniga par: inget test")
    exact = b + c < 25 or alternative != "two-sided"
    binom = stats.binomtest(b, b + c, 0.5, alternative=alternative)
    if exact:
        statistic, p, test = float(b), float(binom.pvalue), "mcnemar-exact"
    else:
        statistic = (abs(b - c) - 1) ** 2 / (b + c)
        p, test = float(stats.chi2.sf(statistic, 1)), "mcnemar"
    ci = binom.proportion_ci(confidence_level=confidence_level, method="exact")
    odds = (lambda q: q / (1 - q) if q < 1 else np.inf)
    return dict(test=test, statistic=statistic, df=np.nan if exact else 1.0, pvalue=p,
                effect_size=b / c if c else np.inf, effect_size_name="conditional odds ratio",
                ci_low=odds(ci.low), ci_high=odds(ci.high), note=f"oeniga par: {b} mot {c}")


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
    TRUE, exact = FALSE)``) with the matched-pairs rank-biserial correlation (CI from
    Fisher's z over the non-zero differences); McNemar on high values (exact binomial
    when fewer than 25 discordant pairs) with the conditional odds ratio and its exact
    CI.

    Returns
    -------
    pandas.DataFrame
        The tests columns (:data:`TEST_COLUMNS`) after any ``within`` columns;
        ``item`` is ``a``, ``group`` is ``a``, ``reference`` is ``b``; ``n`` the pairs.
    """
    within = as_list(within)
    check_columns(answers, within, "within")
    _check_common(alternative, confidence_level, "respondent")
    for name, item_id in (("a", a), ("b", b)):
        if not instrument.item(item_id).is_scored:
            raise ValueError(f"{name}={item_id!r} is not a scored item")
    if instrument.item(a).labels != instrument.item(b).labels:
        raise ValueError(f"a={a!r} and b={b!r} are not on the same scale")
    high = np.array(instrument.item(a).high_values, dtype=float)
    pairs = _paired_values(answers, a, b, within)
    rows = []
    for key, group in (pairs.groupby(within, sort=True) if within else [((), pairs)]):
        key = key if isinstance(key, tuple) else (key,)
        x, y = group[a].to_numpy(), group[b].to_numpy()
        common = dict(zip(within, key)) | dict(item=a, comparison=f"{a} mot {b}", group=a, reference=b,
                                               n=len(x), n_reference=len(y))
        rows.append(_row(**common, **_wilcoxon_row(x, y, alternative, confidence_level)))
        rows.append(_row(**common, **_mcnemar_row(np.isin(x, high), np.isin(y, high), alternative,
                                                   confidence_level)))
    return tests_frame(rows, within)


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


ADJUST_METHODS = ("holm", "bonferroni", "fdr_bh")


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
    from statsmodels.stats.multitest import multipletests

    check_choice("method", method, ADJUST_METHODS)
    family = as_list(family)
    check_columns(tests, ["pvalue", *family], "family")
    result = tests.copy()
    result["pvalue_adjusted"] = np.nan
    parts = [part.index for _, part in result.groupby(family, sort=False, dropna=False)] if family else [result.index]
    for index in parts:
        pvalues = result.loc[index, "pvalue"]
        valid = pvalues.notna()
        if valid.any():
            adjusted = multipletests(pvalues[valid].to_numpy(), method=method)[1]
            result.loc[pvalues[valid].index, "pvalue_adjusted"] = adjusted
    return result
