"""The significance tests FoU rapport 2017:1 skipped, each beside the claim the report made without a test."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .. import instrument
from ..sentences import describe_test
from ..stats.comparisons import adjust, compare, compare_items, compare_surveys
from ..stats.scores import analysis_population
from ..vocabulary import ADJUST_METHODS, TEST_COLUMNS, check_choice
from .figures import check_survey

#: Short Swedish names of the staff indicator items, for the report's claims.
ITEM_PHRASES = {
    "lyssnar": "att de andra parterna lyssnar",
    "vet_tillfora": "att veta vad de andra parterna kan tillföra",
    "brukare_tillvara": "att brukarens kunskap och erfarenheter tas tillvara",
    "rutiner_myndigheter": "gemensamma rutiner mellan myndigheterna",
    "rutiner_aktorer": "gemensamma rutiner med andra aktörer",
    "strukturer_myndigheter": "strukturer som underlättar samverkan mellan myndigheterna",
    "strukturer_aktorer": "strukturer som underlättar samverkan med andra aktörer",
    "synsatt": "ett gemensamt synsätt på målgruppens behov",
    "arbetssatt": "gemensamma arbetssätt",
}
#: Items on which the report says staff in structured collaboration answer higher (Bilaga 2).
STRUCTURED_HIGHER = ("rutiner_myndigheter", "rutiner_aktorer", "synsatt", "arbetssatt")


def _structured_claims(items: Sequence[str]) -> dict[str, str]:
    claims = {}
    for item in items:
        phrase = ITEM_PHRASES.get(item, item)
        claims[item] = (
            f"Personal i fast, strukturerad samverkan svarar högre än övrig personal om {phrase} (Bilaga 2)"
            if item in STRUCTURED_HIGHER
            else f"Personal i och utanför strukturerad samverkan jämförs om {phrase} utan test (Bilaga 2)"
        )
    return claims


def _staff_tests(analysis: pd.DataFrame) -> list[tuple[pd.DataFrame, str | dict[str, str]]]:
    indicators = [i.id for i in instrument.survey("operativ").indicator_items]
    return [
        (compare(analysis, items="strukturerad", by="region", level="unit"),
         "Strukturerad samverkan är vanligare i Hälsingland (41 och 42 %) än i Västra Gästrikland (37 %) "
         "och Gävle (30 %) (Tabell 4)"),
        (compare(analysis, by="strukturerad", items=indicators), _structured_claims(indicators)),
        (compare(analysis, by="region", items="brukare_tillvara"),
         "Brukarens kunskap och erfarenheter tas oftare tillvara i Södra Hälsingland (61 %) än i Gävle (48 %); "
         "Norra Hälsingland och Västra Gästrikland 54 % (Diagram 19)"),
        (compare_items(analysis, "lyssnar", "vet_tillfora"),
         "Personalen upplever oftare att de andra parterna lyssnar (74 %) än att de vet vad parterna kan "
         "tillföra (60 %) (Diagram 17 och 18)"),
        (compare_items(analysis, "rutiner_myndigheter", "rutiner_aktorer"),
         "Gemensamma rutiner finns i högre grad mellan myndigheterna än med andra aktörer"),
        (compare_items(analysis, "strukturer_myndigheter", "strukturer_aktorer"),
         "Strukturer som underlättar samverkan finns i högre grad mellan myndigheterna än med andra aktörer "
         "(56 % mot 61 % svarar delvis eller lägre, Diagram 22 och 23)"),
    ]


def _manager_tests(analysis: pd.DataFrame, managers: pd.DataFrame) -> list[tuple[pd.DataFrame, str | dict[str, str]]]:
    return [
        (compare(managers, by="region", items=["lyssnar", "vet_tillfora"]), {
            "lyssnar": "Cheferna i Norra Hälsingland svarar oftare än cheferna i övriga länsdelar att de andra "
                       "parterna alltid lyssnar (8 av 20 mot 3 av 22, 2 av 16 och 2 av 8) (Diagram 4)",
            "vet_tillfora": "Cheferna i Hälsingland vet oftare vad de andra parterna kan tillföra (15 av 20 och "
                            "14 av 21 ofta eller för det mesta) än cheferna i Västra Gästrikland (2 av 16) och "
                            "Gävle (Diagram 6)",
        }),
        (compare_surveys(analysis, managers, items=["lyssnar", "vet_tillfora", "brukare_tillvara"]), {
            "lyssnar": "Cheferna upplever oftare än personalen att de andra parterna lyssnar (90 % enligt "
                       "sammanfattningen s. 49 mot 74 % i Diagram 17)",
            "vet_tillfora": "Chefer och personal vet lika ofta vad de andra parterna kan tillföra (60 % i båda, "
                            "s. 49 och Diagram 18)",
            "brukare_tillvara": "Cheferna bedömer att brukarens kunskap tas tillvara i lägre grad än personalen "
                                "(7 gruppsvar med höga värden, Diagram 11, mot 48–61 % av personalen, Diagram 19)",
        }),
    ]


def _with_claims(tests: pd.DataFrame, claim: str | Mapping[str, str]) -> pd.DataFrame:
    claims = [claim] * len(tests) if isinstance(claim, str) else [claim[str(i)] for i in tests["item"]]
    return tests.assign(report_claim=pd.array(claims, dtype="string"))


def skipped_tests(staff: pd.DataFrame, managers: pd.DataFrame, *, p_adjust: str = "holm") -> pd.DataFrame:
    """The significance tests FoU rapport 2017:1 skipped, corrected for multiple testing as one family.

    The report twice writes that its differences "inte signifikanstestats och därmed
    inte statistiskt säkerställts". These are those tests, in this order:

    1. Tabell 4 — structured collaboration by region, on the unit rows the table
       counts (``level="unit"``; each respondent's rows are one cluster, the p-value
       Rao–Scott corrected: the municipalities that share respondents cannot be told
       apart at this level);
    2. structured vs not on every staff indicator item (respondent level);
    3. regions on ``brukare_tillvara`` (Diagram 19);
    4. ``lyssnar`` vs ``vet_tillfora``, and myndigheter vs aktörer for ``rutiner`` and
       ``strukturer``, paired within the same respondents;
    5. the managers' regions on ``lyssnar`` and ``vet_tillfora`` (Diagrams 4 and 6;
       small groups, tested by permuting whole Mysam groups between the regions);
    6. managers vs staff on ``lyssnar``, ``vet_tillfora`` and ``brukare_tillvara``.

    Staff tests use :func:`analysis_population`. The primary test of every question
    and comparison is one family for :func:`samverkan.adjust`; the share-of-high-values
    companions are descriptive (no adjusted p-value).

    Parameters
    ----------
    staff
        Tidy answers to the staff survey (the whole export, or already the analysis population).
    managers
        Tidy answers to the manager survey, with the Mysam groups' regions.
    p_adjust
        ``"holm"`` (default), ``"bonferroni"`` or ``"fdr_bh"`` (Benjamini–Hochberg).

    Returns
    -------
    pandas.DataFrame
        One row per test: the columns of :func:`samverkan.compare` (``item,
        comparison, group, reference, n, n_reference, test, statistic, df, pvalue,
        pvalue_adjusted, effect_size, effect_size_name, ci_low, ci_high, note``), then
        ``report_claim`` (Swedish: what the report said without a test, and where)
        and ``sentence`` (:func:`samverkan.describe_test` of the row).

    Examples
    --------
    >>> from samverkan.reproduce import baseline_sample
    >>> staff, managers = baseline_sample()
    >>> tests = skipped_tests(staff, managers)
    >>> row = tests.iloc[0]
    >>> row["item"], row["test"], int(row["df"]), int(row["n"])
    ('strukturerad', 'chi2-share-high-rao-scott', 3, 761)
    >>> round(float(row["statistic"]), 4)  # R: chisq.test(tab4, correct = FALSE)
    6.2743
    """
    check_choice("p_adjust", p_adjust, ADJUST_METHODS)
    check_survey(staff, "staff", "operativ")
    check_survey(managers, "managers", "chefsgrupp")
    analysis = analysis_population(staff)
    parts = [_with_claims(tests, claim)
             for tests, claim in [*_staff_tests(analysis), *_manager_tests(analysis, managers)]]
    tests = adjust(pd.concat(parts, ignore_index=True), method=p_adjust)
    sentences = [describe_test(row) for _, row in tests.iterrows()]
    return tests.assign(sentence=pd.array(sentences, dtype="string"))[[*TEST_COLUMNS, "report_claim", "sentence"]]
