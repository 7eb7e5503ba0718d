"""Two items answered by the same respondents: the Wilcoxon signed-rank test and McNemar's test.

:func:`compare_items` is the paired counterpart of :func:`samverkan.compare`: each
respondent is one pair, and the primary test's interval is a bootstrap over respondents
(:mod:`samverkan.stats.intervals`). :func:`tests_frame` builds every tests table of the
package (the same columns and dtypes for every test).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import instrument
from ..tidy import is_missing
from ..vocabulary import (ALTERNATIVES, LEVELS, RESPONDENT_KEY, TEST_COLUMNS, TEST_DTYPES, check_choice,
                          check_columns, stratify_argument)
from . import count_tests
from .intervals import paired_rank_biserial_intervals
from .scores import group_codes

DEFAULT_SEED = 20161001


def check_common(alternative: str, confidence_level: float, level: str) -> None:
    """``ValueError`` for a bad ``alternative``, ``level`` or ``confidence_level``."""
    check_choice("alternative", alternative, ALTERNATIVES)
    check_choice("level", level, LEVELS)
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level={confidence_level!r} must be between 0 and 1")


def tests_frame(rows: list[dict], stratify: Sequence[str] = ()) -> pd.DataFrame:
    """Rows as a tests table: the ``stratify`` columns, then :data:`TEST_COLUMNS` with fixed dtypes.

    Built column by column with each column's dtype (a key missing from a row is a
    missing value), not as an object frame cast afterwards, which cost ~5× more.
    """
    dtypes = {**{c: "string" for c in stratify}, **TEST_DTYPES}
    return pd.DataFrame({c: pd.array([None if is_missing(r.get(c)) else r.get(c) for r in rows], dtype=dtypes[c])
                         for c in [*stratify, *TEST_COLUMNS]})


def _pair_counts(answers: pd.DataFrame, a: str, b: str, stratify: list[str], steps: int):
    """Counts of (a, b) step pairs per family: the family labels and a ``F × K × K`` array."""
    data = answers[answers["item"].isin([a, b]) & answers["value"].notna()]
    data = data.dropna(subset=stratify) if stratify else data
    respondent = group_codes(data, [*RESPONDENT_KEY, *stratify])
    keep = ~pd.Series(respondent * 2 + (data["item"] == b).to_numpy()).duplicated().to_numpy()
    data, respondent = data[keep], respondent[keep]
    is_a = (data["item"] == a).to_numpy()
    values = data["value"].to_numpy(dtype=np.int64)
    x = pd.Series(values[is_a], index=respondent[is_a])
    y = pd.Series(values[~is_a], index=respondent[~is_a])
    both = x.index.intersection(y.index)
    rows = data[is_a].set_index(pd.Index(respondent[is_a])).loc[both]
    family = rows.groupby(stratify, observed=True, sort=True).ngroup().to_numpy() if stratify else np.zeros(len(both),
                                                                                                          int)
    labels = rows[stratify].drop_duplicates().sort_values(stratify) if stratify else pd.DataFrame(index=[0])
    counts = np.zeros((family.max() + 1 if len(family) else 0, steps, steps))
    np.add.at(counts, (family, x.loc[both].to_numpy() - 1, y.loc[both].to_numpy() - 1), 1)
    return labels.reset_index(drop=True), counts


def _paired_intervals(counts: np.ndarray, confidence_level: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """BCa bootstrap interval of the matched-pairs rank-biserial per family (pairs resampled)."""
    steps = counts.shape[1]
    diff = np.subtract.outer(np.arange(steps), np.arange(steps)).ravel() + steps - 1
    tables = np.zeros((len(counts), 2 * steps - 1))
    for d in range(2 * steps - 1):
        tables[:, d] = counts.reshape(len(counts), -1)[:, diff == d].sum(axis=1)
    return paired_rank_biserial_intervals(tables, confidence_level, seed)


def compare_items(
    answers: pd.DataFrame,
    a: str,
    b: str,
    *,
    stratify: str | Sequence[str] | None = None,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    seed: int = DEFAULT_SEED,
    within: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Compare two items answered by the same respondents (e.g. ``lyssnar`` vs ``vet_tillfora``).

    Each respondent counts once; only respondents with a substantive answer to both
    items are used. The ``primary`` test is the Wilcoxon signed-rank test (zero
    differences dropped, tie-corrected normal approximation with continuity
    correction, as R's ``wilcox.test(paired = TRUE, exact = FALSE)``) with the
    matched-pairs rank-biserial correlation and a BCa bootstrap interval over
    respondents (:mod:`samverkan.stats.intervals`); its ``companion`` is McNemar's test
    on high values (exact binomial when fewer than 25 discordant pairs) with the
    conditional odds ratio and its exact CI. ``within`` is the deprecated name of
    ``stratify``.

    Returns
    -------
    pandas.DataFrame
        The ``stratify`` columns, then the tests columns (:data:`TEST_COLUMNS`):
        ``item`` and ``group`` are ``a``, ``reference`` is ``b``, ``n`` and
        ``n_reference`` the pairs; two rows per family (signed-rank, McNemar); no rows
        when no respondent answered both items.

    Examples
    --------
    >>> import samverkan as sv
    >>> staff = sv.load(sv.sample_path("gavleborg", "2016", "operativ"), survey="operativ")
    >>> sv.compare_items(staff, "lyssnar", "vet_tillfora")[["test", "role"]].values.tolist()
    [['wilcoxon-signed-rank', 'primary'], ['mcnemar', 'companion']]
    """
    stratify = stratify_argument(stratify, within, "compare_items")
    check_columns(answers, stratify, "stratify")
    check_common(alternative, confidence_level, "respondent")
    for name, item_id in (("a", a), ("b", b)):
        if not instrument.item(item_id).is_scored:
            raise ValueError(f"{name}={item_id!r} is not a scored item")
    if instrument.item(a).labels != instrument.item(b).labels:
        raise ValueError(f"a={a!r} and b={b!r} are not on the same scale")
    steps = len(instrument.item(a).labels)
    labels, counts = _pair_counts(answers, a, b, stratify, steps)
    if not len(counts):  # no respondent answered both items: nothing to compare
        return tests_frame([], stratify)
    high = np.zeros(steps, dtype=bool)
    high[np.array(instrument.item(a).high_values) - 1] = True
    ranks = count_tests.signed_rank(counts, alternative=alternative)
    ranks["ci_low"], ranks["ci_high"] = _paired_intervals(counts, confidence_level, seed)
    zeros = ranks.pop("zeros")
    discordant = count_tests.mcnemar(counts[:, high][:, :, ~high].sum(axis=(1, 2)),
                                    counts[:, ~high][:, :, high].sum(axis=(1, 2)), alternative=alternative,
                                    confidence_level=confidence_level)
    n = counts.sum(axis=(1, 2))
    common = dict(item=a, comparison=f"{a} mot {b}", group=a, reference=b, n=n, n_reference=n)
    first = labels.assign(**common, **ranks, role="primary", _kind=0,
                          note=[f"{int(z)} par utan skillnad utelämnade" for z in zeros])
    second = labels.assign(**common, **discordant, role="companion", note=_odds_notes(discordant), _kind=1)
    tests = pd.concat([first, second], ignore_index=True).sort_values([*stratify, "_kind"], kind="stable")
    tests["pvalue_adjusted"] = np.nan
    return tests_frame(tests[[*stratify, *TEST_COLUMNS]].to_dict("records"), stratify)


def _odds_notes(discordant: dict) -> list[str]:
    """Why an odds ratio or its upper limit is infinite or undefined (for strict JSON and for readers)."""
    notes = []
    for odds, high in zip(discordant["effect_size"], discordant["ci_high"]):
        if np.isnan(odds):
            notes.append("oddskvoten är odefinierad: inga oeniga par")
        elif np.isinf(odds) or np.isinf(high):
            notes.append("oddskvoten eller dess övre gräns är oändlig: inga oeniga par åt andra hållet")
        else:
            notes.append("")
    return notes
