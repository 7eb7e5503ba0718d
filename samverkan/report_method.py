"""The report's method section ("Om metoden"), written for a board reader.

How the numbers were made: the population and the high values, how respondents are
counted, the tests by their Swedish names (technical names in brackets), the two planned
test families with their corrections and the counts of tests run and holding, how much
answers cluster within municipalities and Mysam groups (ICC with its interval, per
indicator), whether the indicator questions measure one thing (Cronbach's α and
McDonald's ω per survey and wave), and the samverkansklimat index (0–100 with its
interval, by group and wave, only where ω ≥ 0,70, saying which and why not otherwise;
groups the disclosure plan hides stay hidden). The machine tables behind it
(``tester``, ``klustring``, ``reliabilitet``, ``index``) are computed in
:func:`samverkan.report_data.method_tables`; the statistics in :mod:`samverkan.stats`.
"""

from __future__ import annotations

import pandas as pd

from .display import Paragraph, Section, Subsection, Table, absent
from .report_data import SURVEY_NAMES, Computed
from .report_sections import GROUP_HEADERS, count_cell, table
from .sentences import TEST_PROSE, number
from .stats.reliability import MIN_RELIABILITY
from .vocabulary import ADJUST_SWEDISH, FAMILY_METHODS, FAMILY_SWEDISH

#: What each correction keeps below α, in words.
CONTROLS = {"holm": "risken att någon enda av familjens slutsatser är fel",
            "bonferroni": "risken att någon enda av familjens slutsatser är fel",
            "fdr_bh": "den väntade andelen felaktiga fynd bland familjens säkerställda skillnader"}
#: Per survey, its clusters: one, several, all of them, and the column header.
CLUSTER_WORDS = {"operativ": ("kommun", "kommuner", "kommunerna", "Kommuner"),
                 "chefsgrupp": ("chefsgrupp", "chefsgrupper", "chefsgrupperna", "Chefsgrupper")}


# ------------------------------------------------------------------ formatting


def _decimal(value, decimals: int = 2) -> str:
    return "–" if pd.isna(value) else number(float(value), decimals)


def _range(low, high, decimals: int = 2) -> str:
    """An interval: ``"0,84–0,87"``; ``"−0,01 till 0,05"`` when a limit is negative."""
    if pd.isna(low) or pd.isna(high):
        return "–"
    low, high = (round(float(v), decimals) + 0.0 for v in (low, high))  # + 0.0: no "−0,000"
    joined = " till " if low < 0 or high < 0 else "–"
    return f"{number(low, decimals)}{joined}{number(high, decimals)}"


# ------------------------------------------------------------------ the section


def method_section(data: Computed) -> Section:
    """How the numbers were made (see the module docstring), in page order."""
    parts = (*_basics(data), _families(data), _clustering(data), _reliability(data), _index(data),
             Paragraph(f"Grupper med färre än {data.min_n} svarande redovisas inte, och ingen sådan grupp prövas. "
                       "Sekundärt döljs ytterligare grupper där en summa annars skulle avslöja en liten grupp; "
                       "det gäller också indexet.", style="method"))
    return Section("metod", "Om metoden", parts)


def _basics(data: Computed) -> tuple[Paragraph, Paragraph]:
    used = sorted(set(data.tests["test"].dropna().astype(str)))
    names = "; ".join(f"{TEST_PROSE[t][0]} ({TEST_PROSE[t][1]})" for t in used if t in TEST_PROSE)
    return (
        Paragraph("Analysen omfattar personal som har kontakt med målgruppen och har samverkat under det senaste "
                  "året, som i FoU rapport 2017:1. Höga värden är de tre översta svarsstegen: ofta, för det mesta "
                  "eller alltid; till stor del, till mycket stor del eller helt och hållet. Andelar har 95 % "
                  "konfidensintervall (Wilson). Varje svarande räknas en gång per grupp, också den som arbetar i "
                  "flera kommuner.", style="method"),
        Paragraph("Skillnader prövas på hela svarsfördelningen med rangtest; vid små grupper med exakta test "
                  "eller permutationstest där hela svarande byter grupp. Skillnaden i andel höga värden redovisas "
                  "som beskrivning av samma jämförelse, med 95 % konfidensintervall (Newcombe)."
                  + (f" Test som används: {names}." if names else ""), style="method"),
    )


def _families(data: Computed) -> Subsection:
    """The two planned families, their corrections in plain words, and the tests run and holding in each."""
    alpha = number(float(data.params.alpha), 2)
    used = {**FAMILY_METHODS, "confirmatory": data.params.p_adjust}
    text = Paragraph(
        "Testen är planerade i två familjer. Den bekräftande familjen besvarar de frågor mätningen gjordes för: "
        "skiljer sig personal i strukturerad samverkan från övriga, och har något förändrats sedan föregående "
        f"mätning? Den justeras för flera test med {ADJUST_SWEDISH[used['confirmatory']]}, som håller "
        f"{CONTROLS[used['confirmatory']]} under {alpha}. Den utforskande familjen (regioner, kommuner, parade "
        f"frågor, chefer jämfört med personal) justeras med {ADJUST_SWEDISH[used['exploratory']]}, som håller "
        f"{CONTROLS[used['exploratory']]} under {alpha}: ett utforskande fynd är en ledtråd att pröva vidare, inte "
        "en slutsats. Varje fråga och jämförelse prövas med ett enda test, och skillnaden i andel höga värden "
        "räknas inte som ett eget test. En skillnad kallas statistiskt säkerställd när det justerade p-värdet är "
        f"under {alpha}.", style="method")
    rows = [{"Testfamilj": FAMILY_SWEDISH[r.family].capitalize(), "Justering för flera test": ADJUST_SWEDISH[r.method],
             "Prövade skillnader": str(r.tests), "Statistiskt säkerställda": str(r.holding)}
            for r in data.tables["tester"].itertuples()]
    return Subsection("Två testfamiljer", (text, Table(pd.DataFrame(rows), caption="Prövade och statistiskt "
                                                                                   "säkerställda skillnader")),
                      key="metod-familjer")


def _clustering(data: Computed) -> Subsection:
    """The ICC of each indicator within municipalities (staff) and Mysam groups (managers), with its interval."""
    title = "Hur lika svarar kollegor i samma kommun?"
    text = Paragraph(
        "Den som arbetar i samma kommun kan svara mer likt sina kollegor än andra, till exempel för att de samverkar "
        "med samma personer. Intraklasskorrelationen (ICC) anger hur stor del av skillnaderna mellan svaren som "
        "ligger mellan kommunerna (för cheferna: mellan chefsgrupperna): 0 betyder att kommunen inte spelar någon "
        "roll, 1 att alla i en kommun svarar likadant. Också ett litet värde spelar roll när många svarar i varje "
        "kommun: designeffekten anger hur många gånger större osäkerheten i ett medelvärde över kommunerna blir än "
        "om alla svar vore oberoende. Därför jämförs regionerna med test där hela kommuner eller chefsgrupper byter "
        "region, inte enskilda svarande. ICC skattas med variansanalys; intervallet är ett 95 % konfidensintervall "
        "och kan gå under 0.", style="method")
    parts: list = [text]
    table_ = data.tables["klustring"]
    for survey, rows in table_.groupby("survey", sort=False):
        one, several, every, header = CLUSTER_WORDS[str(survey)]
        shown = [{"Fråga": r.question, "ICC": _decimal(r.icc, 3), "95 % KI": _range(r.ci_low, r.ci_high, 3),
                  "Designeffekt": _decimal(r.deff, 1), header: count_cell(r.n_clusters), "Svarande": count_cell(r.n)}
                 for r in rows.itertuples()]
        clusters = int(rows["n_clusters"].max())
        notes = ([f"Med bara {clusters} {several if clusters != 1 else one} är skattningarna osäkra."]
                 if clusters < 10 else [])
        parts.append(table(shown, f"Hur lika svaren är inom {every}, {SURVEY_NAMES[str(survey)]}", notes))
    return Subsection(title, tuple(parts), key="metod-icc")


def _reliability(data: Computed) -> Subsection:
    """Cronbach's α with its interval and McDonald's ω of the indicator set, per survey and wave."""
    text = Paragraph(
        "Indikatorfrågorna är tänkta att tillsammans mäta samverkansklimatet. Cronbachs α (alfa) och McDonalds ω "
        "(omega) anger hur väl de gör det, på en skala från 0 till 1; "
        f"{number(MIN_RELIABILITY, 2)} eller mer brukar räknas som tillräckligt för att lägga ihop frågorna till ett "
        "mått. De beräknas på dem som har besvarat alla frågorna; α har ett 95 % konfidensintervall (Feldt).",
        style="method")
    rows = [{"Enkät": SURVEY_NAMES[str(r.survey)], "Mätning": str(r.wave), "Frågor": str(r.k),
             "Svarande": count_cell(r.n), "α": _decimal(r.alpha), "95 % KI för α": _range(r.alpha_ci_low,
                                                                                         r.alpha_ci_high),
             "ω": _decimal(r.omega)} for r in data.tables["reliabilitet"].itertuples()]
    parts = (text, table(rows, "Reliabilitet, per enkät och mätning")) if rows else \
        (text, absent("Reliabiliteten kan inte beräknas: underlaget saknar indikatorfrågor med svar."))
    return Subsection("Mäter frågorna samma sak?", parts, key="metod-reliabilitet")


def _index(data: Computed) -> Subsection:
    """The samverkansklimat index by group and wave, where ω ≥ 0,70, and which surveys and waves it leaves out."""
    text = Paragraph(
        "Samverkansklimatindex sammanfattar indikatorfrågorna i ett tal: varje svarandes medelvärde av frågorna, "
        "omräknat så att det lägsta svarssteget är 0 och det högsta 100 (för den som har besvarat minst två "
        "tredjedelar av frågorna), och därefter medelvärdet per grupp med 95 % konfidensintervall. Varje svarande "
        f"räknas en gång. Indexet redovisas bara där ω är minst {number(MIN_RELIABILITY, 2)}, alltså där frågorna "
        "mäter samma sak tillräckligt samstämmigt för att läggas ihop.", style="method")
    index = data.tables["index"]
    if index.empty:
        return Subsection("Samverkansklimatindex", (text, absent("Indexet kan inte beräknas: underlaget saknar "
                                                                 "indikatorfrågor med svar.")), key="metod-index")
    parts: list = [text, *_which(index)]
    for survey, rows in index.groupby("survey", sort=False):
        if rows["reported"].any():
            parts.append(_index_table(data, str(survey), rows))
    return Subsection("Samverkansklimatindex", tuple(parts), key="metod-index")


def _reliability_phrase(row) -> str:
    symbol = "ω" if row.reliability_name == "omega" else "α"
    return f"{symbol} = {_decimal(row.reliability)}"


def _which(index: pd.DataFrame) -> list[Paragraph]:
    """Which surveys and waves have the index, and why not where not (from the whole förbund's rows)."""
    whole = index[(index["group"] == "Alla").to_numpy()]
    lines = []
    for survey, rows in whole.groupby("survey", sort=False):
        name = SURVEY_NAMES[str(survey)]
        shown = [f"{r.wave} ({_reliability_phrase(r)})" for r in rows.itertuples() if r.reported]
        hidden = [r for r in rows.itertuples() if not r.reported]
        if shown:
            lines.append(f"Indexet redovisas för {name}: {' och '.join(shown)}.")
        for r in hidden:
            why = (f"{_reliability_phrase(r)}, under {number(MIN_RELIABILITY, 2)}, så frågorna mäter inte samma sak "
                   "tillräckligt samstämmigt för att läggas ihop" if pd.notna(r.reliability) else
                   "reliabiliteten kan inte beräknas med så få svarande")
            lines.append(f"Indexet redovisas inte för {name} {r.wave}: {why}.")
    return [Paragraph(" ".join(lines), style="method")] if lines else []


def _index_table(data: Computed, survey: str, rows: pd.DataFrame) -> Table:
    """One row per group (the whole förbund first), per wave the index, its interval and the respondents."""
    head = GROUP_HEADERS[(data.group, survey)]
    waves = list(dict.fromkeys(rows["wave"].astype(str)))
    shown = []
    for group, part in rows.groupby("group", sort=False):
        by_wave = part.set_index(part["wave"].astype(str))
        row = {head: "Hela förbundet" if group == "Alla" else str(group)}
        for wave in waves:
            r = by_wave.loc[wave] if wave in by_wave.index else None
            row[f"Index {wave}"] = "–" if r is None else _decimal(r["index"], 1)
            row[f"95 % KI {wave}"] = "–" if r is None else _range(r["index_ci_low"], r["index_ci_high"], 1)
            row[f"Svarande {wave}"] = "–" if r is None else count_cell(r["n"])
        shown.append(row)
    unreliable = rows[~rows["reported"].astype(bool).to_numpy() & ~rows["suppressed"].astype(bool).to_numpy()]
    notes = [f"Index utan värde men med svarande: ω under {number(MIN_RELIABILITY, 2)} i gruppen."] \
        if len(unreliable) else []
    return table(shown, f"Samverkansklimatindex (0–100), {SURVEY_NAMES[survey]}", notes, min_n=data.min_n)


__all__ = ["method_section"]
