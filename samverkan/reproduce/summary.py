"""The reproduction as readers see it: the tally, the figures with counts as integers, the tests in Swedish."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..display import Table, display_table
from ..sentences import EFFECT_NAMES, TEST_NAMES
from ..vocabulary import check_choice, check_columns
from .figures import OUTCOMES, TABLE_COLUMNS

#: What each outcome of the tally means (Swedish).
OUTCOME_MEANINGS = {
    "återgiven": "Samma siffra som rapporten, inom rapportens avrundning (antal exakt, andelar på hela procent).",
    "motsägelse i rapporten": "Rapporten motsäger sig själv här, så ingen export kan ge den tryckta siffran.",
    "avviker": "Skiljer sig från rapporten mer än avrundningen, utan känd motsägelse i rapporten.",
    "finns inte i en svarsexport": "Kräver uppgifter som en svarsexport inte har (utskick, urval, bortfall).",
}


def tally(table: pd.DataFrame) -> pd.DataFrame:
    """How many printed figures were reproduced, contradict each other, differ, or are not in an export.

    Parameters
    ----------
    table
        :func:`samverkan.reproduce.reproduction_table`.

    Returns
    -------
    pandas.DataFrame
        One row per outcome, in the order of :data:`~samverkan.reproduce.figures.OUTCOMES`
        (every outcome, also when none): ``outcome``, ``count`` (int64) and ``meaning``
        (Swedish); then a row ``totalt`` with the number of figures.

    Examples
    --------
    >>> table = pd.DataFrame({"outcome": ["återgiven", "återgiven", "finns inte i en svarsexport"]})
    >>> tally(table)[["outcome", "count"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['återgiven', 2], ['motsägelse i rapporten', 0], ['avviker', 0], ['finns inte i en svarsexport', 1],
     ['totalt', 3]]
    """
    check_columns(table, ["outcome"], "table")
    counts = table["outcome"].value_counts()
    rows = [(outcome, int(counts.get(outcome, 0)), OUTCOME_MEANINGS[outcome]) for outcome in OUTCOMES]
    rows.append(("totalt", len(table), "Siffror som rapporten tryckte."))
    return pd.DataFrame(rows, columns=["outcome", "count", "meaning"]).astype({"count": "int64"})


def display_tally(table: pd.DataFrame) -> Table:
    """:func:`tally` of a reproduction table, with Swedish headers."""
    return display_table(tally(table).rename(columns={"outcome": "Utfall", "meaning": "Det betyder"}))


def _number(value: float, kind: str, signed: bool = False) -> str | None:
    """A count as an integer (``1 164``), a share as a percentage (``74,3 %``); differences with a sign."""
    if pd.isna(value):
        return None
    sign = "+" if signed and value > 0 else ""
    if kind == "count":
        return sign + f"{value:,.0f}".replace(",", " ").replace("-", "−")
    percent = 100 * value
    whole = not signed and abs(percent - round(percent)) < 1e-9  # printed as a whole percent
    text = (f"{percent:.0f}" if whole else f"{percent:.1f}").replace(".", ",").replace("-", "−")
    return f"{sign}{text} {'procentenheter' if signed else '%'}"


def display_figures(table: pd.DataFrame, outcomes: Sequence[str] | None = None) -> Table | str:
    """The reproduction table for reading: counts as integers, shares as percentages, Swedish headers.

    Parameters
    ----------
    table
        :func:`samverkan.reproduce.reproduction_table`.
    outcomes
        Show only figures with these outcomes (of :data:`~samverkan.reproduce.figures.OUTCOMES`);
        default all.

    Returns
    -------
    samverkan.display.Table or str
        Columns Beskrivning, Publicerad, Omräknad, Skillnad, Utfall, Förklaring; a Swedish
        sentence instead when no figure has the outcomes asked for.
    """
    check_columns(table, TABLE_COLUMNS, "table")
    for outcome in outcomes or ():
        check_choice("outcomes", outcome, OUTCOMES)
    shown = table[table["outcome"].isin(outcomes)] if outcomes else table
    if shown.empty:
        return f"Ingen siffra med utfallet {' eller '.join(outcomes or OUTCOMES)}."
    numbers = {column: [_number(v, k, signed=column == "difference") for v, k in zip(shown[column], shown["kind"])]
               for column in ("published", "recomputed", "difference")}
    frame = pd.DataFrame({
        "Beskrivning": shown["description"].tolist(), "Publicerad": numbers["published"],
        "Omräknad": numbers["recomputed"], "Skillnad": numbers["difference"], "Utfall": shown["outcome"].tolist(),
        "Förklaring": shown["note"].tolist(),
    })
    return display_table(frame)


def display_tests(tests: pd.DataFrame) -> Table:
    """The skipped tests for reading: the report's claim, the test in Swedish, p-values, effect, the verdict.

    Parameters
    ----------
    tests
        :func:`samverkan.reproduce.skipped_tests`.

    Returns
    -------
    samverkan.display.Table
        Columns Rapportens påstående (utan test), Test, Antal svar, Antal svar
        (jämförelse), p-värde, Justerat p-värde, Effektstorlek, Effektmått, Vad testet visar.
    """
    check_columns(tests, ["report_claim", "test", "n", "n_reference", "pvalue", "pvalue_adjusted", "effect_size",
                          "effect_size_name", "sentence"], "tests")
    frame = pd.DataFrame({
        "Rapportens påstående (utan test)": tests["report_claim"].tolist(),
        "Test": [TEST_NAMES.get(t, t) for t in tests["test"]],
        "n": tests["n"].tolist(), "n_reference": tests["n_reference"].tolist(),
        "pvalue": tests["pvalue"].tolist(), "pvalue_adjusted": tests["pvalue_adjusted"].tolist(),
        "effect_size": tests["effect_size"].tolist(),
        "Effektmått": [EFFECT_NAMES.get(e, e) for e in tests["effect_size_name"]],
        "Vad testet visar": tests["sentence"].tolist(),
    })
    return display_table(frame)
