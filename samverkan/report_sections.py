"""A förbund's report laid out for its readers: sections of Swedish text, tables and charts.

Every heading, table cell and sentence uses the questions' short Swedish labels, never
their ids; the grouping column comes first; long tables are split by region; every
"Svarande" counts people, each respondent once. A section whose data is missing is
kept with one sentence that says why (:func:`samverkan.display.absent`).
"""

from __future__ import annotations

import datetime as _dt

import pandas as pd

from . import instrument, report_summary
from .display import Paragraph, Section, Subsection, Table, absent, display_table
from .report_data import SURVEY_NAMES, Computed, groups_of, indicator_items, scale_blocks
from .stats.plan import PAIRS
from .sentences import interval, people, percent, points
from .version import __version__
from .vocabulary import ADJUST_SWEDISH, FAMILY_METHODS, FAMILY_SWEDISH

GROUP_HEADERS = {("region", "operativ"): "Region", ("region", "chefsgrupp"): "Region",
                 ("unit", "operativ"): "Kommun", ("unit", "chefsgrupp"): "Chefsgrupp"}
NO_REGIONS = ("Förbundets params anger inga regioner, så varje kommun och chefsgrupp redovisas för sig och "
              "regionerna kan inte jämföras.")


def about_lines(data: Computed, today: _dt.date) -> tuple[str, ...]:
    """What the report rests on: data, wave, baseline, publishing rule, version and run date."""
    params = data.params
    counted = [f"{_respondents(a)} svarande i enkäten till {SURVEY_NAMES[s]}" for s, a in data.answers.items()]
    lines = [f"Mätning {params.wave}: " + " och ".join(counted) + "."]
    lines.append(f"Jämförelse med mätningen {params.baseline['wave']}." if params.baseline
                 else "Ingen tidigare mätning att jämföra med.")
    lines.append(f"Grupper med färre än {data.min_n} svarande redovisas inte. Rapporten är gjord med "
                 f"samverkan {__version__}, körd {today.isoformat()}.")
    return tuple(lines)


def _respondents(answers: pd.DataFrame) -> int:
    return int(answers["respondent_id"].nunique())


# ------------------------------------------------------------------ formatting


def share_cell(share) -> str:
    """A share with one decimal: ``"78,4 %"``."""
    return "–" if pd.isna(share) else f"{100 * share:.1f}\u00a0%".replace(".", ",")


def range_cell(low, high) -> str:
    """An interval of shares: ``"74,1–82,3 %"``."""
    if pd.isna(low) or pd.isna(high):
        return "–"
    return f"{100 * low:.1f}–{100 * high:.1f}\u00a0%".replace(".", ",")


def count_cell(value) -> str:
    """A count of people: ``"1 215"``; "–" when suppressed."""
    return "–" if pd.isna(value) else f"{int(value):,}".replace(",", "\u00a0")


def signed_points(difference) -> str:
    """A difference in whole percentage points with its sign: ``"+23"``, ``"−5"``."""
    if pd.isna(difference):
        return "–"
    value = round(100 * difference)
    return f"+{value}" if value > 0 else str(value).replace("-", "−")


def p_cell(p) -> str:
    return "–" if pd.isna(p) else ("< 0,001" if p < 0.001 else f"{p:.3f}".replace(".", ","))


def holds_cell(p, alpha: float) -> str:
    return "–" if pd.isna(p) else ("ja" if p < alpha else "nej")


def table(rows: list[dict], caption: str, notes=(), min_n: int | None = None) -> Table:
    """A reader table of already formatted rows (first key: the row header).

    With ``min_n``, a note explains "–" when a cell holds one.
    """
    frame = pd.DataFrame(rows).astype(str) if rows else pd.DataFrame()
    dashed = min_n is not None and bool((frame == "–").to_numpy().any())
    shown = ([f"– : färre än {min_n} svarande, eller dolt så att en mindre grupp inte kan räknas fram; "
              "visas inte."] if dashed else []) + list(notes)
    return Table(frame, caption=caption, notes=tuple(shown))


# ------------------------------------------------------------------ data


def data_section(data: Computed) -> Section:
    """Who answered: respondents per survey and group, and the staff's verksamhet."""
    overview = data.tables["underlag"]
    parts = [Paragraph("Personalen i analysen är de som har kontakt med målgruppen och har samverkat med minst "
                       "en annan part under det senaste året. Den som arbetar i flera kommuner räknas i varje "
                       "kommun, men bara en gång i förbundet och i varje region.")]
    if data.group == "unit":
        parts.append(absent(NO_REGIONS))
    for survey in data.answers:
        rows = overview[(overview["survey"] == survey).to_numpy()]
        if len(groups_of(data, survey)) < 2:
            rows = rows[(rows["group"] == "Alla").to_numpy()]  # one group: it is the whole förbund
        head = GROUP_HEADERS[(data.group, survey)]
        unit = "Kommuner" if survey == "operativ" else "Chefsgrupper"
        shown = [{head: "Hela förbundet" if r.group == "Alla" else r.group, "Svarande": count_cell(r.respondents),
                  unit: count_cell(r.units)} for r in rows.itertuples(index=False)]
        parts.append(table(shown, f"Svarande i enkäten till {SURVEY_NAMES[survey]}", min_n=data.min_n))
    missing = [s for s in SURVEY_NAMES if s not in data.answers]
    parts += [absent(_missing_survey(data, s)) for s in missing]
    if len(data.ignored):
        shown = [{"Enkät": SURVEY_NAMES.get(str(r.survey), str(r.survey)), "Mätning": r.wave, "Kolumn": r.column,
                  "Skäl": r.reason, "Ifyllda celler": count_cell(r.cells)} for r in data.ignored.itertuples()]
        parts.append(table(shown, "Kolumner i exporterna som inte används i rapporten"))
    if "verksamhet" in data.tables:
        rows = data.tables["verksamhet"]
        shown = [{"Verksamhet": r.label, "Svarande": count_cell(r.count),
                  "Andel": "–" if pd.isna(r.percent) else f"{r.percent:.0f}\u00a0%"} for r in rows.itertuples()]
        parts.append(table(shown, "Operativ personal per verksamhet", min_n=data.min_n))
    return Section("underlag", "Om underlaget", tuple(parts))


def _missing_survey(data: Computed, survey: str) -> str:
    return (f"Enkäten till {SURVEY_NAMES[survey]} ingår inte i underlaget för mätningen {data.params.wave}; "
            "de delar av rapporten som bygger på den utgår.")


# ------------------------------------------------------------------ indicators


def indicator_section(data: Computed, survey: str) -> Section:
    """One survey's indicators: charts of the answers and the share of high values with its interval.

    With several groups, per question a chart by group and a table; with one group, per
    scale one chart with a bar per question and one table of every question.
    """
    key, title = ("personal", "Indikatorerna, operativ personal") if survey == "operativ" else \
        ("chefer", "Indikatorerna, lokala chefsgrupper")
    if survey not in data.answers:
        return Section(key, title, (absent(_missing_survey(data, survey)),))
    head = GROUP_HEADERS[(data.group, survey)]
    grouped = len(groups_of(data, survey)) > 1
    per = f"per {head.lower()}" if grouped else "per fråga"
    parts = [Paragraph(f"Diagrammen visar hur svaren fördelar sig {per}; tabellerna visar andelen höga värden med "
                       "95 % konfidensintervall (Wilson). Varje svarande räknas en gång.")]
    if data.group == "unit":
        parts.append(absent(NO_REGIONS))
    elif not grouped:
        parts.append(absent("Förbundet har en enda region, så svaren redovisas för hela förbundet."))
    blocks = _by_question(data, survey, key, head) if grouped else _by_scale(data, survey, key)
    return Section(key, title, tuple(parts + blocks))


def _by_question(data: Computed, survey: str, key: str, head: str) -> list[Subsection]:
    scores, blocks = data.scores[survey], []
    for item_id in indicator_items(survey):
        high = instrument.survey(survey).item(item_id).high_text
        rows = scores[(scores["item"] == item_id).to_numpy()]
        shown = [{head: "Hela förbundet" if r.group == "Alla" else r.group, "Svarande": count_cell(r.n),
                  f"Andel som svarar {high}": share_cell(r.share_high),
                  "95 % konfidensintervall": range_cell(r.share_high_ci_low, r.share_high_ci_high)}
                 for r in rows.itertuples(index=False)]
        label = instrument.label(item_id, survey)
        blocks.append(Subsection(label, (data.figures[f"{survey}_{item_id}"],
                                         table(shown, f"{label}: andel som svarar {high}", min_n=data.min_n)),
                                 key=f"{key}-{item_id}"))
    return blocks


def _by_scale(data: Computed, survey: str, key: str) -> list[Subsection]:
    scores, blocks = data.scores[survey], []
    whole = scores[(scores["group"] == "Alla").to_numpy()].set_index("item")
    for scale, items in scale_blocks(survey):
        stem = instrument.scale(scale).question_stem.lower()
        high = instrument.scale(scale).high_text
        shown = [{"Fråga": instrument.label(i, survey), "Svarande": count_cell(whole.loc[i, "n"]),
                  f"Andel som svarar {high}": share_cell(whole.loc[i, "share_high"]),
                  "95 % konfidensintervall": range_cell(whole.loc[i, "share_high_ci_low"],
                                                        whole.loc[i, "share_high_ci_high"])} for i in items]
        blocks.append(Subsection(f"Frågor om {stem}", (data.figures[f"{survey}_{scale}"],
                                                       table(shown, f"Andel som svarar {high}, hela förbundet",
                                                             min_n=data.min_n)),
                                 key=f"{key}-{scale}"))
    return blocks


# ------------------------------------------------------------------ comparisons


def _tests(data: Computed, section: str) -> pd.DataFrame:
    return data.tests[(data.tests["section"] == section).to_numpy()]


def comparison_row(row, first: str, second: str, alpha: float, question: bool = True,
                   reference_first: bool = False) -> dict:
    """One two-group test as a reader's table row: both shares, difference, interval, n, p, verdict.

    ``first`` names the group's column and ``second`` the reference's; with
    ``reference_first`` the reference's share and n come first (the baseline before the
    repeat). A row without an interval (paired items) leaves the interval out.
    """
    shares = [(first, share_cell(row.share_high)), (second, share_cell(row.share_high_reference))]
    counts = [count_cell(row.n), count_cell(row.n_reference)]
    if reference_first:
        shares, counts = shares[::-1], counts[::-1]
    shown = {"Fråga": instrument.label(str(row.item))} if question else {}
    shown.update(dict(shares))
    shown["Skillnad (procentenheter)"] = signed_points(row.share_difference)
    ci = interval(row.share_difference_ci_low, row.share_difference_ci_high).replace("95\u00a0% KI ", "")
    if ci:
        shown["95 % KI"] = ci
    shown.update({"Svarande": " / ".join(counts), "Justerat p": p_cell(row.pvalue_adjusted),
                  "Säkerställd": holds_cell(row.pvalue_adjusted, alpha)})
    return shown


def _family_note(data: Computed, family: str) -> str:
    used = data.params.p_adjust if family == "confirmatory" else FAMILY_METHODS[family]
    alpha = str(data.params.alpha).replace(".", ",")
    return (f"{FAMILY_SWEDISH[family].capitalize()} jämförelse. Säkerställd: justerat p under {alpha} efter "
            f"korrektion för flera test ({ADJUST_SWEDISH[used]}); se Om metoden.")


def structured_section(data: Computed) -> Section:
    """Structured collaboration against the rest (confirmatory), and per municipality (exploratory)."""
    tests = _tests(data, "strukturerad")
    alpha = float(data.params.alpha)
    if data.staff is None:
        return Section("strukturerad", "Strukturerad samverkan jämfört med övriga",
                       (absent(_missing_survey(data, "operativ")),), "confirmatory", "bekräftande")
    intro = Paragraph("Personal som ingår i en fast, återkommande och strukturerad samverkansgrupp jämfört med "
                      "övriga. Andelen som svarar högt på varje fråga, i båda grupperna.")
    if tests.empty:
        parts = [intro, absent("Jämförelsen kan inte göras: en av grupperna har färre än "
                               f"{data.min_n} svarande.")]
    else:
        rows = [comparison_row(r, "I strukturerad samverkan", "Övriga", alpha) for r in tests.itertuples()]
        parts = [intro, table(rows, "Andel höga värden, strukturerad samverkan jämfört med övriga",
                              [_family_note(data, "confirmatory") + " Svarande: i strukturerad samverkan / övriga."])]
    parts.append(_by_unit(data))
    return Section("strukturerad", "Strukturerad samverkan jämfört med övriga", tuple(parts), "confirmatory",
                   "bekräftande")


def _by_unit(data: Computed) -> Subsection:
    """Per municipality (the source report's Bilaga 2), split by region; exploratory."""
    tests = _tests(data, "strukturerad_kommun")
    title = "Per kommun (utforskande)"
    if tests.empty:
        return Subsection(title, (absent("Ingen kommun har minst "
                                         f"{data.min_n} svarande både i och utanför strukturerad samverkan."),))
    alpha, staff = float(data.params.alpha), data.staff
    regions = staff.drop_duplicates("unit").set_index("unit")["region"].astype("string") if data.group == "region" \
        else None
    blocks = {}
    for row in tests.itertuples():
        block = str(regions.get(row.unit, "")) if regions is not None else instrument.label(str(row.item))
        blocks.setdefault(block, []).append({"Kommun": row.unit, **comparison_row(row, "Strukturerad", "Övriga",
                                                                                 alpha)})
    tables = tuple(table(rows, f"{name}: strukturerad samverkan jämfört med övriga per kommun")
                   for name, rows in blocks.items())
    note = _family_note(data, "exploratory") + " Svarande: i strukturerad samverkan / övriga."
    return Subsection(title, (*tables, Paragraph(note, style="note")))


def regions_section(data: Computed) -> Section:
    """Differences between regions, per survey (exploratory): each region's share and the rank test."""
    title = "Skillnader mellan regioner"
    if data.group == "unit":
        return Section("regioner", title, (absent(NO_REGIONS),), "exploratory", "utforskande")
    parts = []
    for survey, section in (("operativ", ["region", "region_tabell4"]), ("chefsgrupp", ["region_chefer"])):
        if survey not in data.answers:
            continue
        tests = data.tests[data.tests["section"].isin(section).to_numpy()]
        scores = data.scores[survey]
        regions = [g for g in scores["group"].drop_duplicates() if g != "Alla"]
        if tests.empty:
            name = SURVEY_NAMES[survey]
            parts.append(absent(f"{name[0].upper()}{name[1:]}: färre än två regioner har minst "
                                f"{data.min_n} svarande, så regionerna kan inte jämföras."))
            continue
        parts.append(_region_table(data, survey, tests, regions))
    return Section("regioner", title, tuple(parts) or (absent(NO_REGIONS),), "exploratory", "utforskande")


def _region_table(data: Computed, survey: str, tests: pd.DataFrame, regions: list[str]) -> Table:
    scores = data.scores[survey]
    alpha = float(data.params.alpha)
    rows = []
    for row in tests.itertuples():
        item = str(row.item)
        shares = scores[(scores["item"] == item).to_numpy()].set_index("group")["share_high"] if item in set(
            scores["item"]) else _tabell4_shares(data)
        rows.append({"Fråga": instrument.label(item, survey),
                     **{r: share_cell(shares.get(r, float("nan"))) for r in regions},
                     "Justerat p": p_cell(row.pvalue_adjusted),
                     "Säkerställd": holds_cell(row.pvalue_adjusted, alpha)})
    return table(rows, f"Andel höga värden per region, {SURVEY_NAMES[survey]}",
                 [_family_note(data, "exploratory")], min_n=data.min_n)


def _tabell4_shares(data: Computed) -> pd.Series:
    """Share in structured collaboration per region (the source report's Tabell 4), respondents once.

    A region the disclosure plan hides for the item (too small, or to protect a smaller one) is hidden here too.
    """
    shares = data.tabell4
    hidden = data.plan.hidden("operativ", "strukturerad")  # as the disclosure plan hides them for this item
    small = (shares["n"] < data.min_n).to_numpy() | shares["group"].astype(str).isin(hidden).to_numpy()
    return pd.Series(shares["share_high"].where(~small).to_numpy(), index=shares["group"].astype(str))


def paired_section(data: Computed) -> Section:
    """The same respondents on two related questions (exploratory)."""
    tests = _tests(data, "parade")
    if "operativ" not in data.answers:
        return Section("parade", "Parade frågor", (absent(_missing_survey(data, "operativ")),), "exploratory",
                       "utforskande")
    tested = {(str(r.group), str(r.reference)) for r in tests.itertuples()}
    untested = [f"”{instrument.label(a)}” och ”{instrument.label(b)}”" for a, b in PAIRS if (a, b) not in tested]
    no_pairs = absent(f"Ingen svarande har besvarat båda frågorna {' eller '.join(untested)}, så de jämförs inte.")
    if tests.empty:
        return Section("parade", "Parade frågor", (no_pairs,), "exploratory", "utforskande")
    alpha = float(data.params.alpha)
    rows = []
    for row in tests.itertuples():
        shown = comparison_row(row, "Första frågan", "Andra frågan", alpha, question=False)
        shown["Svarande"] = count_cell(row.n)  # the same respondents on both questions
        rows.append({"Frågor": f"{instrument.label(str(row.group))} – {instrument.label(str(row.reference))}",
                     **shown})
    intro = Paragraph("Samma svarande på två närliggande frågor: andelen höga värden på den första och den "
                      "andra frågan, bland dem som svarat på båda.")
    parts = (intro, table(rows, "Andel höga värden på två frågor, samma svarande", [_family_note(data, "exploratory")]))
    return Section("parade", "Parade frågor", (*parts, *([no_pairs] if untested else [])), "exploratory",
                   "utforskande")


def managers_section(data: Computed) -> Section:
    """Managers against staff on the questions both surveys ask (exploratory)."""
    tests = _tests(data, "chefer_personal")
    title = "Chefer jämfört med personal"
    missing = [s for s in SURVEY_NAMES if s not in data.answers]
    if missing:
        return Section("chefer_personal", title, (absent(_missing_survey(data, missing[0])),), "exploratory",
                       "utforskande")
    if tests.empty:
        return Section("chefer_personal", title, (absent("Enkäterna har inga gemensamma frågor med svar."),),
                       "exploratory", "utforskande")
    alpha = float(data.params.alpha)
    rows = [comparison_row(r, "Chefer", "Personal", alpha) for r in tests.itertuples()]
    return Section("chefer_personal", title, (table(rows, "Andel höga värden, chefer och personal",
                                                    [_family_note(data, "exploratory") +
                                                     " Svarande: chefer / personal."]),),
                   "exploratory", "utforskande")


def forms_section(data: Computed) -> Section:
    """How often each form of collaboration was chosen, one table per question."""
    if data.staff is None:
        return Section("former", "Samverkansformer", (absent(_missing_survey(data, "operativ")),))
    forms = data.tables["former"]
    parts = [Paragraph("Hur många av de svarande som har deltagit i varje form av samverkan. Flera svar är "
                       "möjliga, så andelarna summerar till mer än 100 %.")]
    for item_id, rows in forms.groupby("item", sort=False):
        answered = rows["respondents"].dropna()
        base = f" (av {count_cell(answered.iloc[0])} som svarat på frågan)" if len(answered) else ""
        shown = [{"Form": r.label, "Svarande": count_cell(r.count),
                  "Andel av de svarande": "–" if pd.isna(r.share) else f"{100 * r.share:.0f}\u00a0%"}
                 for r in rows.itertuples()]
        parts.append(table(shown, f"{instrument.label(str(item_id))}{base}", min_n=data.min_n))
    return Section("former", "Samverkansformer", tuple(parts))


def change_section(data: Computed) -> Section:
    """Change since the baseline (confirmatory), and what the next measurement could detect."""
    baseline = data.params.baseline
    title = f"Förändring sedan {baseline['wave']}" if baseline else "Förändring sedan föregående mätning"
    parts = list(report_summary.change_paragraphs(data))
    tests = _tests(data, "forandring")
    if not tests.empty:
        baseline_wave, now = str(tests["reference"].iloc[0]), str(tests["group"].iloc[0])
        rows = [comparison_row(r, now, baseline_wave, float(data.params.alpha), reference_first=True)
                for r in tests.itertuples()]
        parts.append(table(rows, f"Andel höga värden {baseline_wave} och {now}, operativ personal",
                           [_family_note(data, "confirmatory") + f" Svarande: {baseline_wave} / {now}."]))
    parts.append(_planning(data))
    return Section("forandring", title, tuple(parts), "confirmatory", "bekräftande")


def _planning(data: Computed) -> Subsection:
    title = "Inför nästa mätning"
    if data.staff is None:
        return Subsection(title, (absent(_missing_survey(data, "operativ")),))
    rows = [{"Fråga": r.question, "Svarande nu": count_cell(r.n), "Andel nu": share_cell(r.share_high),
             "Minsta påvisbara ökning": points(r.mdd_up_pp / 100, sign=False),
             "motsvarar personer": people(r.people_up),
             "Minsta påvisbara minskning": points(r.mdd_down_pp / 100, sign=False),
             "motsvarar personer ": people(r.people_down),
             "Svarande som behövs för +10 procentenheter": people(r.n_for_mdd_10)}
            for r in data.tables["pavisbar"].itertuples()]
    alpha = str(round(data.planning_alpha, 4)).replace(".", ",")
    tests = round(float(data.params.alpha) / data.planning_alpha)
    text = Paragraph("Den minsta förändring i andel höga värden som en ny mätning med lika många svarande kan "
                     f"påvisa med 80 % sannolikhet (styrka), på nivån α = {alpha}: "
                     f"{str(data.params.alpha).replace('.', ',')} delat med de {tests} bekräftande jämförelser som "
                     "en mätning med en tidigare mätning att jämföra med prövar, den strängaste nivån i korrektionen "
                     "för flera test. Antal personer: hur många fler (eller färre) av dem som svarar som skulle "
                     "behöva svara högt.")
    return Subsection(title, (text, table(rows, "Minsta påvisbara förändring vid nästa mätning",
                                          min_n=data.min_n)))


def suppression_section(data: Computed) -> Section:
    """Every group not shown, and why."""
    log = data.tables["undertryckt"]
    intro = Paragraph(f"Grupper med färre än {data.min_n} svarande visas inte i tabeller, diagram eller meningar; "
                      "ibland döljs ytterligare en grupp, så att den lilla gruppen inte kan räknas fram ur en "
                      "summa.")
    if log.empty:
        return Section("undertryckt", "Grupper som inte visas", (intro, Paragraph("Ingen grupp behövde döljas.")))
    rows = [{"Tabell": r.table, "Fråga": r.question or "–", "Grupp": r.group, "Skäl": r.reason}
            for r in log.itertuples()]
    return Section("undertryckt", "Grupper som inte visas", (intro, table(rows, "Grupper som inte visas")))


__all__ = ["about_lines", "display_table"]
