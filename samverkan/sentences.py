"""Plain Swedish sentences for test results, for reports."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

TEST_NAMES = {
    "mann-whitney": "Mann–Whitney U-test",
    "mann-whitney-exact": "exakt Mann–Whitney U-test",
    "chi2-share-high": "chi2-test av andelen höga värden",
    "chi2-share-high-permutation": "permutationstest av andelen höga värden",
    "fisher-exact-share-high": "Fishers exakta test av andelen höga värden",
    "kruskal-wallis": "Kruskal–Wallis test",
    "kruskal-wallis-permutation": "Kruskal–Wallis permutationstest",
    "wilcoxon-signed-rank": "Wilcoxons teckenrangtest",
    "mcnemar": "McNemars test",
    "mcnemar-exact": "exakt McNemar-test",
    "mann-whitney-design": "designbaserat rangtest med respondenten som kluster",
    "kruskal-wallis-design": "designbaserat rangtest med respondenten som kluster",
    "chi2-share-high-rao-scott": "chi2-test av andelen höga värden med Rao–Scott-korrektion",
    "mann-whitney-respondent-permutation": "Mann–Whitney permutationstest med hela respondenter",
    "kruskal-wallis-respondent-permutation": "Kruskal–Wallis permutationstest med hela respondenter",
    "chi2-share-high-respondent-permutation": "permutationstest av andelen höga värden med hela respondenter",
    "mann-whitney-unit-permutation": "permutationstest med kommunerna eller Mysam-grupperna som kluster",
    "kruskal-wallis-unit-permutation": "permutationstest med kommunerna eller Mysam-grupperna som kluster",
    "chi2-share-high-unit-permutation": "permutationstest av andelen höga värden med kommunerna eller "
                                        "Mysam-grupperna som kluster",
}
EFFECT_NAMES = {
    "rank-biserial": "rangbiserial korrelation",
    "matched-pairs rank-biserial": "rangbiserial korrelation för par",
    "share_high difference": "skillnad i andel höga värden",
    "epsilon-squared": "ε²",
    "cramers-v": "Cramérs V",
    "conditional odds ratio": "oddskvot",
}
# Upper bounds of försumbar / liten / måttlig; above the last: stor.
EFFECT_BOUNDS = {
    "rank-biserial": (0.1, 0.3, 0.5),
    "matched-pairs rank-biserial": (0.1, 0.3, 0.5),
    "cramers-v": (0.1, 0.3, 0.5),
    "epsilon-squared": (0.01, 0.08, 0.26),
    "share_high difference": (0.05, 0.15, 0.30),
    "conditional odds ratio": (1.68, 3.47, 6.71),
}
WORDS = ("försumbar", "liten", "måttlig", "stor")


def number(value: float, decimals: int = 2) -> str:
    """``value`` with a decimal comma, e.g. ``0,21``.

    >>> number(0.2149)
    '0,21'
    """
    return f"{value:.{decimals}f}".replace(".", ",").replace("-", "−")


def p_text(p: float) -> str:
    """A p-value as printed in Swedish reports.

    >>> p_text(0.0004), p_text(0.0312)
    ('p < 0,001', 'p = 0,031')
    """
    return "p < 0,001" if p < 0.001 else f"p = {number(p, 3)}"


def effect_words(name: str, value: float) -> str:
    """``försumbar``, ``liten``, ``måttlig`` or ``stor`` for an effect size."""
    size = abs(value)
    if name == "conditional odds ratio":
        size = max(value, 1 / value) if value > 0 else math.inf
    bounds = EFFECT_BOUNDS[name]
    return next((word for word, bound in zip(WORDS, bounds) if size < bound), WORDS[-1])


def _effect_text(row: Mapping) -> str:
    name = row["effect_size_name"]
    if pd.isna(row["effect_size"]) or name not in EFFECT_NAMES:
        return ""
    value = row["effect_size"]
    shown = f"{number(100 * value, 1)} procentenheter" if name == "share_high difference" else number(value)
    ci = ""
    if not pd.isna(row.get("ci_low")) and not pd.isna(row.get("ci_high")):
        scale = 100 if name == "share_high difference" else 1
        ci = f"; 95 % KI {number(scale * row['ci_low'], 1 if scale == 100 else 2)} till " \
             f"{number(scale * row['ci_high'], 1 if scale == 100 else 2)}"
    return f" Effekten är {effect_words(name, value)} ({EFFECT_NAMES[name]} {shown}{ci})."


def _subject(row: Mapping) -> str:
    where = "".join(f"{row[c]}: " for c in ("forbund", "unit") if c in row and not pd.isna(row[c]))
    by, _, _ = str(row.get("comparison", "")).partition(":")
    if not pd.isna(row.get("reference")):
        if by and by not in (row["item"], f"{row['item']} mot {row['reference']}"):
            return f"{where}Skillnaden i {row['item']} mellan {by} = {row['group']} och {row['reference']}"
        return f"{where}Skillnaden mellan {row['group']} och {row['reference']}"
    return f"{where}Skillnaderna i {row['item']} mellan grupperna ({row['comparison']})"


def describe_test(row: Mapping | pd.Series, *, alpha: float = 0.05) -> str:
    """One plain Swedish sentence (or two) about one test result.

    "Statistiskt säkerställd" is said only when the *adjusted* p-value is below
    ``alpha``; without an adjusted p-value the sentence says the result is not yet
    corrected for multiple testing.

    Examples
    --------
    >>> describe_test({"item": "synsatt", "comparison": "strukturerad: ja mot nej", "group": "ja",
    ...     "reference": "nej", "test": "mann-whitney", "pvalue": 0.0004, "pvalue_adjusted": 0.0021,
    ...     "effect_size": 0.214, "effect_size_name": "rank-biserial", "ci_low": 0.12, "ci_high": 0.30})
    'Skillnaden i synsatt mellan strukturerad = ja och nej är statistiskt säkerställd (justerat p = 0,002; Mann–Whitney U-test). Effekten är liten (rangbiserial korrelation 0,21; 95 % KI 0,12 till 0,30).'
    """
    test = TEST_NAMES.get(row["test"], row["test"]) if not pd.isna(row.get("test")) else "inget test"
    if pd.isna(row.get("pvalue")):
        return f"{_subject(row)} kunde inte prövas ({row.get('note') or 'för få svar'})."
    adjusted = row.get("pvalue_adjusted")
    plural = pd.isna(row.get("reference"))
    tested, established = ("prövade", "säkerställda") if plural else ("prövad", "säkerställd")
    if pd.isna(adjusted):
        verdict = (f"är inte {tested} mot flera test ({p_text(row['pvalue'])}, ej justerat; {test}) "
                   f"och kan därför inte kallas statistiskt {established}")
    elif adjusted < alpha:
        verdict = f"är statistiskt {established} (justerat {p_text(adjusted)}; {test})"
    else:
        verdict = f"är inte statistiskt {established} (justerat {p_text(adjusted)}; {test})"
    return f"{_subject(row)} {verdict}.{_effect_text(row)}"
