"""Plain Swedish for readers: numbers, group names and one sentence per test result.

A sentence says what differs, in which direction and by how much, with the question's
short label (``instrument.yaml``), never its id: "De andra parterna lyssnar: 90 % av
dem i strukturerad samverkan svarar ofta eller oftare, mot 67 % av övriga: +23
procentenheter (95 % KI 17–29)." Test names appear in Swedish prose with the
technical name in brackets (:data:`TEST_PROSE`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from . import instrument

#: Each test's technical name in Swedish (tables for researchers: the reproduction, the workbook).
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
#: Each test in Swedish prose, with its technical name (sentences and the report's method section).
TEST_PROSE = {
    "mann-whitney": ("rangtest för två grupper", "Mann–Whitney U-test"),
    "mann-whitney-exact": ("exakt rangtest för två grupper", "exakt Mann–Whitney U-test"),
    "chi2-share-high": ("test av andelen höga värden", "chi2-test"),
    "chi2-share-high-permutation": ("permutationstest av andelen höga värden", "chi2-permutationstest"),
    "fisher-exact-share-high": ("exakt test av andelen höga värden", "Fishers exakta test"),
    "kruskal-wallis": ("rangtest för flera grupper", "Kruskal–Wallis test"),
    "kruskal-wallis-permutation": ("rangtest för flera grupper med permutationer", "Kruskal–Wallis permutationstest"),
    "wilcoxon-signed-rank": ("rangtest för parade svar", "Wilcoxons teckenrangtest"),
    "mcnemar": ("test av parade andelar", "McNemars test"),
    "mcnemar-exact": ("exakt test av parade andelar", "exakt McNemar-test"),
    "mann-whitney-design": ("rangtest för två grupper där den som finns i båda grupperna räknas rätt",
                            "designbaserat Mann–Whitney-test"),
    "kruskal-wallis-design": ("rangtest för flera grupper där den som finns i flera grupper räknas rätt",
                              "designbaserat Kruskal–Wallis test"),
    "chi2-share-high-rao-scott": ("test av andelen höga värden där den som finns i flera grupper räknas rätt",
                                  "chi2-test med Rao–Scott-korrektion"),
    "mann-whitney-respondent-permutation": ("rangtest för två grupper där hela svarande byter grupp",
                                            "Mann–Whitney permutationstest"),
    "kruskal-wallis-respondent-permutation": ("rangtest för flera grupper där hela svarande byter grupp",
                                              "Kruskal–Wallis permutationstest"),
    "chi2-share-high-respondent-permutation": ("test av andelen höga värden där hela svarande byter grupp",
                                               "chi2-permutationstest"),
    "mann-whitney-unit-permutation": ("rangtest för två grupper där hela kommuner eller chefsgrupper byter grupp",
                                      "Mann–Whitney permutationstest med kluster"),
    "kruskal-wallis-unit-permutation": ("rangtest för flera grupper där hela kommuner eller chefsgrupper byter grupp",
                                        "Kruskal–Wallis permutationstest med kluster"),
    "chi2-share-high-unit-permutation": ("test av andelen höga värden där hela kommuner eller chefsgrupper byter "
                                         "grupp", "chi2-permutationstest med kluster"),
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


# ------------------------------------------------------------------ numbers


def number(value: float, decimals: int = 2) -> str:
    """``value`` with a decimal comma and a true minus sign, e.g. ``0,21``.

    >>> number(0.2149), number(-1.5, 1)
    ('0,21', '−1,5')
    """
    return f"{value:.{decimals}f}".replace(".", ",").replace("-", "−")


def percent(share: float) -> str:
    """A share as whole percent: ``0.784`` → ``"78 %"`` (``"–"`` when missing)."""
    return "–" if share is None or pd.isna(share) else f"{number(100 * share, 0)}\u00a0%"


def points(difference: float, *, sign: bool = True) -> str:
    """A difference of shares in whole percentage points: ``0.23`` → ``"+23 procentenheter"``."""
    if difference is None or pd.isna(difference):
        return "–"
    value = round(100 * difference)
    shown = number(value, 0) if value or not sign else "0"
    unit = "procentenhet" if abs(value) == 1 else "procentenheter"
    return f"{'+' if sign and value > 0 else ''}{shown} {unit}"


def interval(low: float, high: float) -> str:
    """A 95 % interval of a difference in percentage points: ``"95 % KI 17–29"`` (``"−2 till 7"`` across 0)."""
    if any(v is None or pd.isna(v) for v in (low, high)):
        return ""
    low, high = round(100 * low), round(100 * high)
    joined = f"{number(low, 0)} till {number(high, 0)}" if low < 0 or high < 0 else f"{low}–{high}"
    return f"95\u00a0% KI {joined}"


def p_text(p: float) -> str:
    """A p-value as printed in Swedish reports.

    >>> p_text(0.0004), p_text(0.0312)
    ('p < 0,001', 'p = 0,031')
    """
    return "p < 0,001" if p < 0.001 else f"p = {number(p, 3)}"


def people(value: float) -> str:
    """A number of people, rounded up to a whole person: ``239.88`` → ``"240"``."""
    return "–" if value is None or pd.isna(value) else f"{math.ceil(value - 1e-9):,}".replace(",", "\u00a0")


def effect_words(name: str, value: float) -> str:
    """``försumbar``, ``liten``, ``måttlig`` or ``stor`` for an effect size."""
    size = abs(value)
    if name == "conditional odds ratio":
        size = max(value, 1 / value) if value > 0 else math.inf
    bounds = EFFECT_BOUNDS[name]
    return next((word for word, bound in zip(WORDS, bounds) if size < bound), WORDS[-1])


def prose_test_name(test: str) -> str:
    """A test in Swedish prose with its technical name: ``"rangtest för två grupper (Mann–Whitney U-test)"``."""
    prose, technical = TEST_PROSE.get(test, (test, ""))
    return f"{prose} ({technical})" if technical else prose


# ------------------------------------------------------------------ groups


def group_phrase(by: str, value) -> str:
    """How a group is named in a sentence: ``("strukturerad", "ja")`` → ``"dem i strukturerad samverkan"``."""
    value = str(value)
    named = {
        ("strukturerad", "ja"): "dem i strukturerad samverkan", ("strukturerad", "nej"): "övriga",
        ("survey", "chefsgrupp"): "cheferna", ("survey", "operativ"): "personalen",
    }
    if (by, value) in named:
        return named[(by, value)]
    if by in ("region", "unit", "wave"):
        return value
    return f"{instrument.label(by)}: {value}" if by in instrument.items_by_id() else value


def _high(item_id: str) -> str:
    return instrument.item(item_id).high_text if item_id in instrument.items_by_id() else "högt"


def share_sentence(row: Mapping) -> str:
    """The two shares and their difference in words (no verdict), or ``""`` without the shares.

    >>> share_sentence({"item": "lyssnar", "comparison": "strukturerad: ja mot nej", "group": "ja",
    ...     "reference": "nej", "share_high": 0.78, "share_high_reference": 0.55, "share_difference": 0.23,
    ...     "share_difference_ci_low": 0.17, "share_difference_ci_high": 0.29})
    '78\\xa0% av dem i strukturerad samverkan svarar ofta eller oftare, mot 55\\xa0% av övriga: +23 procentenheter (95\\xa0% KI 17–29)'
    """
    share, other = row.get("share_high"), row.get("share_high_reference")
    if share is None or other is None or pd.isna(share) or pd.isna(other):
        return ""
    by, _, _ = str(row.get("comparison", "")).partition(":")
    item, group, reference = str(row["item"]), row["group"], row["reference"]
    difference = row.get("share_difference")
    difference = share - other if difference is None or pd.isna(difference) else difference
    ci = interval(row.get("share_difference_ci_low"), row.get("share_difference_ci_high"))
    tail = f": {points(difference)}" + (f" ({ci})" if ci else "")
    if by == "wave":
        return f"{percent(share)} svarar {_high(item)} {group}, mot {percent(other)} {reference}{tail}"
    if " mot " in str(row.get("comparison", "")) and by == str(row.get("comparison")):  # paired items
        return (f"{percent(share)} svarar {_high(str(group))} på ”{instrument.label(str(group))}”, "
                f"mot {percent(other)} på ”{instrument.label(str(reference))}” (samma svarande){tail}")
    return (f"{percent(share)} av {group_phrase(by, group)} svarar {_high(item)}, "
            f"mot {percent(other)} av {group_phrase(by, reference)}{tail}")


# ------------------------------------------------------------------ one test


def _effect_text(row: Mapping) -> str:
    name = row.get("effect_size_name")
    if pd.isna(row.get("effect_size")) or name not in EFFECT_NAMES:
        return ""
    value = row["effect_size"]
    shown = points(value) if name == "share_high difference" else number(value)
    return f" Effekten är {effect_words(name, value)} ({EFFECT_NAMES[name]} {shown})."


def _subject(row: Mapping) -> str:
    """Who is compared on which question, without ids."""
    by, _, _ = str(row.get("comparison", "")).partition(":")
    where = f"{row['unit']}: " if not pd.isna(row.get("unit", None)) else ""
    item = instrument.label(str(row["item"]))
    if pd.isna(row.get("reference")):
        return f"{where}{item}: skillnaderna mellan {by_plural(by)}"
    if by == str(row.get("comparison")):  # paired items
        return f"{where}{item} jämfört med {instrument.label(str(row['reference'])).lower()}"
    return f"{where}{item}: {group_phrase(by, row['group'])} jämfört med {group_phrase(by, row['reference'])}"


def by_plural(by: str) -> str:
    """The groups of a many-group comparison in plural: ``"regionerna"``."""
    return {"region": "regionerna", "unit": "kommunerna", "survey": "enkäterna", "wave": "mätningarna"}.get(
        by, "grupperna")


def verdict(row: Mapping, alpha: float = 0.05) -> str:
    """``"Skillnaden är statistiskt säkerställd (justerat p < 0,001; rangtest …)"`` or the negative."""
    test = prose_test_name(str(row["test"])) if not pd.isna(row.get("test")) else "inget test"
    plural = pd.isna(row.get("reference"))
    noun, tested, established = ("Skillnaderna", "prövade", "säkerställda") if plural else \
        ("Skillnaden", "prövad", "säkerställd")
    adjusted = row.get("pvalue_adjusted")
    if pd.isna(adjusted):
        return (f"{noun} är inte {tested} mot flera test ({p_text(row['pvalue'])}, ej justerat; {test}) "
                f"och kan därför inte kallas statistiskt {established}.")
    word = "" if adjusted < alpha else "inte "
    return f"{noun} är {word}statistiskt {established} (justerat {p_text(adjusted)}; {test})."


def describe_test(row: Mapping | pd.Series, *, alpha: float = 0.05) -> str:
    """One plain Swedish sentence (or two) about one test result.

    "Statistiskt säkerställd" is said only when the *adjusted* p-value is below
    ``alpha``; without an adjusted p-value the sentence says the result is not yet
    corrected for multiple testing. With the share columns (``share_high``,
    ``share_high_reference``, …) the sentence gives both shares and their difference.

    Examples
    --------
    >>> describe_test({"item": "synsatt", "comparison": "strukturerad: ja mot nej", "group": "ja",
    ...     "reference": "nej", "test": "mann-whitney", "pvalue": 0.0004, "pvalue_adjusted": 0.0021,
    ...     "effect_size": 0.214, "effect_size_name": "rank-biserial", "ci_low": 0.12, "ci_high": 0.30})
    'Gemensamt synsätt på målgruppens behov: dem i strukturerad samverkan jämfört med övriga. Skillnaden är statistiskt säkerställd (justerat p = 0,002; rangtest för två grupper (Mann–Whitney U-test)). Effekten är liten (rangbiserial korrelation 0,21).'
    """
    if pd.isna(row.get("pvalue")):
        return f"{_subject(row)} kunde inte prövas ({row.get('note') or 'för få svar'})."
    shares = share_sentence(row)
    lead = f"{instrument.label(str(row['item']))}: {shares}." if shares else f"{_subject(row)}."
    return f"{lead} {verdict(row, alpha)}{'' if shares else _effect_text(row)}"
