"""The report's summary: what differs, in which direction, by how much (the method section: :mod:`samverkan.report_method`).

The summary answers a board's questions in its own words: how many differences were
tested and how many hold (counted from the tests table itself, per family); whether
anything changed since the baseline, and if not, what change the data could have
detected; then, question by question, each difference that holds — the two shares and
the difference in percentage points with its interval — confirmatory findings first,
exploratory ones labelled as such.
"""

from __future__ import annotations

import pandas as pd

from . import instrument
from .display import Bullets, Line, Paragraph, Section, Subsection, absent
from .report_data import Computed
from .sentences import interval, percent, points, share_sentence
from .vocabulary import FAMILY_SWEDISH

SECTION_ORDER = ["strukturerad", "forandring", "chefer_personal", "parade", "region", "region_chefer",
                 "strukturerad_kommun", "region_tabell4"]


def _held(data: Computed) -> pd.DataFrame:
    tests = data.tests
    keep = tests["pvalue_adjusted"].lt(float(data.params.alpha)).fillna(False).to_numpy(dtype=bool)
    return tests[keep & ~tests["suppressed"].astype(bool).to_numpy()]


def counts_paragraph(data: Computed) -> Paragraph:
    """How many differences were tested and how many hold, per family (from the ``tester`` table)."""
    counts = data.tables["tester"].set_index("family")
    run_c, run_e = int(counts.loc["confirmatory", "tests"]), int(counts.loc["exploratory", "tests"])
    held_c, held_e = int(counts.loc["confirmatory", "holding"]), int(counts.loc["exploratory", "holding"])
    if run_c + run_e == 0:
        return absent("Inga skillnader kunde prövas: underlaget har inga två grupper med minst "
                      f"{data.min_n} svarande att jämföra.")
    return Paragraph(
        f"Rapporten prövar {run_c + run_e} skillnader med statistiska test: {run_c} bekräftande (planerade frågor: "
        "strukturerad samverkan jämfört med övriga och förändring sedan föregående mätning) och "
        f"{run_e} utforskande (regioner, kommuner, parade frågor, chefer jämfört med personal). "
        f"Efter korrektion för flera test är {held_c} av de bekräftande och {held_e} av de utforskande "
        "skillnaderna statistiskt säkerställda.")


def change_paragraphs(data: Computed) -> tuple:
    """The change since the baseline in plain words: what holds, what does not, and what could have been seen."""
    params = data.params
    if not params.baseline:
        return (absent("Ingen tidigare mätning ingår i underlaget, så förändring över tid kan inte redovisas."),)
    tests = data.tests[(data.tests["section"] == "forandring").to_numpy()]
    if tests.empty:
        return (absent(f"Förändringen sedan {params.baseline['wave']} kan inte prövas: personalenkäten saknas "
                       "i en av mätningarna."),)
    tests = tests[~tests["suppressed"].fillna(False).to_numpy(dtype=bool)]
    if tests.empty:
        return (absent(f"Förändringen sedan {params.baseline['wave']} prövas inte: en av mätningarna har färre än "
                       f"{data.min_n} svarande i personalenkäten."),)
    baseline, now = str(tests["reference"].iloc[0]), str(tests["group"].iloc[0])
    alpha = float(params.alpha)
    held = tests["pvalue_adjusted"].lt(alpha).fillna(False).to_numpy(dtype=bool)
    detect = data.tables["forandring_pavisbar"].set_index("item")
    size = _detectable_range(detect)
    n_base, n_now = int(tests["n_reference"].max()), int(tests["n"].max())
    could = (f"Med upp till {n_base} svarande {baseline} och {n_now} {now} hade en förändring på ungefär {size} "
             "kunnat påvisas (med 80 % sannolikhet); mindre förändringar kan ha skett utan att synas.")
    if not held.any():
        return (Paragraph(f"Ingen av de {len(tests)} frågorna har förändrats statistiskt säkerställt sedan "
                          f"{baseline}. {could}"),)
    changed = "; ".join(f"{instrument.label(str(r.item))} ({points(r.share_difference)})"
                        for r in tests[held].itertuples())
    unchanged = "; ".join(f"{instrument.label(str(r.item))} ({points(r.share_difference)}"
                          f"{', ' + interval(r.share_difference_ci_low, r.share_difference_ci_high) if not pd.isna(r.share_difference_ci_low) else ''})"
                          for r in tests[~held].itertuples())
    lines = [Paragraph(f"Statistiskt säkerställd förändring sedan {baseline}: {changed}.")]
    if unchanged:
        lines.append(Paragraph(f"Inte statistiskt säkerställd förändring: {unchanged}. {could}"))
    return tuple(lines)


def _detectable_range(detect: pd.DataFrame) -> str:
    values = pd.concat([detect["mdd_up_pp"], detect["mdd_down_pp"]]).dropna()
    if values.empty:
        return "okänd storlek"
    low, high = round(values.min()), round(values.max())
    return f"{low} procentenheter" if low == high else f"{low}–{high} procentenheter"


# ------------------------------------------------------------------ findings by question


def _region_finding(data: Computed, row) -> str:
    survey = "chefsgrupp" if row.section == "region_chefer" else "operativ"
    scores = data.scores.get(survey)
    if scores is None:
        return ""
    shown = scores[(scores["item"] == str(row.item)).to_numpy() & (scores["group"] != "Alla").to_numpy()
                   & ~scores["suppressed"].astype(bool).to_numpy()].dropna(subset=["share_high"])
    if shown.empty:
        return "Skiljer sig mellan regionerna."
    low, high = shown.loc[shown["share_high"].idxmin()], shown.loc[shown["share_high"].idxmax()]
    who = " bland cheferna" if survey == "chefsgrupp" else ""
    high_text = instrument.item(str(row.item)).high_text
    return (f"Skiljer sig mellan regionerna{who}: från {percent(low['share_high'])} ({low['group']}) till "
            f"{percent(high['share_high'])} ({high['group']}) svarar {high_text}.")


def _unit_finding(rows: pd.DataFrame, tested: int) -> str:
    named = ", ".join(f"{r.unit} ({points(r.share_difference)})" for r in rows.itertuples())
    return (f"Per kommun: skillnaden mellan strukturerad samverkan och övriga är säkerställd i {len(rows)} av "
            f"{tested} kommuner: {named}.")


def _finding(data: Computed, row) -> str:
    if row.section in ("region", "region_chefer", "region_tabell4"):
        return _region_finding(data, row)
    text = share_sentence(row._asdict())
    return f"{text}." if text else ""


def findings_by_question(data: Computed) -> list[Subsection]:
    """One subsection per question with a difference that holds; confirmatory lines first."""
    held = _held(data)
    blocks: dict[str, list[Line]] = {}
    for section in SECTION_ORDER:
        rows = held[(held["section"] == section).to_numpy()]
        if section == "strukturerad_kommun":
            tested = data.tests[(data.tests["section"] == section).to_numpy()]
            for item_id, part in rows.groupby("item", sort=False):
                units = tested.loc[tested["item"] == item_id, "unit"].nunique()
                blocks.setdefault(str(item_id), []).append(_line("exploratory", _unit_finding(part, units)))
            continue
        for row in rows.itertuples(index=False):
            text = _finding(data, row)
            if text:
                blocks.setdefault(str(row.item), []).append(_line(row.family, text))
    order = list(instrument.items_by_id())
    return [Subsection(instrument.label(item_id), (Bullets(tuple(lines)),))
            for item_id, lines in sorted(blocks.items(), key=lambda kv: order.index(kv[0]))]


def _line(family: str, text: str) -> Line:
    return Line(text=text, tag=FAMILY_SWEDISH[family].capitalize(), tag_style=family)


def _direction(row) -> float:
    """The sign of a two-group test's difference: the rank effect's, else the shares'."""
    value = row.effect_size if row.effect_size_name in ("rank-biserial", "matched-pairs rank-biserial") else \
        row.share_difference
    return 0.0 if pd.isna(value) else float(value)


def brief(data: Computed) -> Bullets | None:
    """The report in two or three lines: the planned questions' answers, then how many exploratory findings hold."""
    alpha, tests = float(data.params.alpha), data.tests
    run = tests[tests["pvalue"].notna().to_numpy() & ~tests["suppressed"].astype(bool).to_numpy()]
    lines = []
    structured = run[(run["section"] == "strukturerad").to_numpy()]
    if len(structured):
        held = structured[structured["pvalue_adjusted"].lt(alpha).to_numpy()]
        signs = [_direction(r) for r in held.itertuples()]
        higher, lower = sum(s > 0 for s in signs), sum(s < 0 for s in signs)
        text = (f"Personal i strukturerad samverkan svarar högre än övriga på {higher} av {len(structured)} frågor"
                + (f" och lägre på {lower}" if lower else "") + " (statistiskt säkerställt)." if len(held) else
                f"Personal i strukturerad samverkan skiljer sig inte statistiskt säkerställt från övriga på någon "
                f"av de {len(structured)} frågorna.")
        lines.append(Line(text, tag="Bekräftande", tag_style="confirmatory"))
    change = run[(run["section"] == "forandring").to_numpy()]
    if len(change):
        held = change[change["pvalue_adjusted"].lt(alpha).to_numpy()]
        signs = [_direction(r) for r in held.itertuples()]
        baseline = data.params.baseline["wave"]
        text = (f"Sedan {baseline} har {sum(s > 0 for s in signs)} av {len(change)} frågor fått högre och "
                f"{sum(s < 0 for s in signs)} lägre svar (statistiskt säkerställt)." if len(held) else
                f"Ingen av de {len(change)} frågorna har förändrats statistiskt säkerställt sedan {baseline}.")
        lines.append(Line(text, tag="Bekräftande", tag_style="confirmatory"))
    exploratory = run[(run["family"] == "exploratory").to_numpy()]
    if len(exploratory):
        held = int(exploratory["pvalue_adjusted"].lt(alpha).sum())
        lines.append(Line(f"{held} av {len(exploratory)} utforskande jämförelser (regioner, kommuner, parade frågor, "
                          "chefer och personal) visar en statistiskt säkerställd skillnad; de står fråga för fråga "
                          "nedan.", tag="Utforskande", tag_style="exploratory"))
    return Bullets(tuple(lines)) if lines else None


def summary_section(data: Computed) -> Section:
    """The summary: in brief, the counts, the change since the baseline, and the findings question by question."""
    short = brief(data)
    parts = ([Subsection("I korthet", (short,))] if short else []) + [counts_paragraph(data)]
    if data.params.baseline:
        parts.append(Subsection(f"Förändring sedan {data.params.baseline['wave']}", change_paragraphs(data)))
    findings = findings_by_question(data)
    if findings:
        parts.append(Paragraph("Nedan, fråga för fråga, de skillnader som är statistiskt säkerställda. "
                               "Bekräftande resultat besvarar de frågor mätningen planerades för; utforskande "
                               "resultat är förslag att pröva vidare, inte slutsatser.", style="note"))
        parts += findings
    else:
        parts.append(Paragraph("Ingen skillnad är statistiskt säkerställd efter korrektion för flera test."))
    return Section("sammanfattning", "Sammanfattning", tuple(parts))
