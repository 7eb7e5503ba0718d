"""Reproduce FoU rapport 2017:1: every printed figure beside the figure recomputed from a survey export.

*En baslinjemätning av samverkansklimatet* (FoU Välfärd, Region Gävleborg, FoU rapport
2017:1) printed counts and percentages and tested none of its differences. This module
is the library behind the reproduction notebook:

* :func:`published_figures` — every figure of ``data/reference/fou_2017_1_published.yaml``
  (and the few printed figures that file records only in its comments), one row each,
  with whether a survey export can hold it at all;
* :func:`recompute` — each recomputable figure computed from tidy answers with the
  package's own :func:`samverkan.score` and :func:`samverkan.distribution`;
* :func:`reproduction_table` — published beside recomputed, with notes on the places
  where the report contradicts itself;
* :func:`skipped_tests` — the significance tests the report skipped, corrected for
  multiple testing as one family, each with the claim the report made without a test.

``tests/test_published.py`` recomputes the same figures independently in plain pandas;
this module deliberately does not share its code.

Figure ids
----------
``<källa>.<fråga eller grupp>[.<grupp>].<mått>``, e.g. ``tabell4.region.Gävle.ja`` or
``diagram17.lyssnar.andel_hög``. ``källa`` is the table (``tabell2``), diagram
(``diagram19``) or page (``sid38``) of the report, or ``personal`` / ``chefer`` for the
survey's population counts. Regions and answer labels appear verbatim, as in the data.

Levels, as in the report: staff respondents (N = 659), staff unit rows (respondent ×
kommun, n = 761), manager respondents (N = 54) and manager group answers (respondent ×
Mysam group, n = 67). Shares leave the non-substantive answers (vet ej, ej aktuellt,
blank) out of the denominator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import instrument, resources
from .sentences import describe_test
from .load import load
from .stats.comparisons import adjust, compare, compare_items, compare_surveys
from .stats.scores import analysis_population, distribution, score
from .vocabulary import ADJUST_METHODS, TEST_COLUMNS, check_choice, check_columns

#: The published figures of FoU rapport 2017:1 (the default ``reference``).
REFERENCE_PATH = resources.REFERENCE_DIR / "fou_2017_1_published.yaml"
PERCENT = 0.005  # tolerance of a percentage printed as a whole percent
KINDS = ("count", "share")

FIGURE_COLUMNS = ["figure", "description", "page", "kind", "published", "tolerance", "recomputable", "why_not", "key"]
TABLE_COLUMNS = ["figure", "description", "published", "recomputed", "difference", "within_rounding", "note"]

N, S, V, G = "Norra Hälsingland", "Södra Hälsingland", "Västra Gästrikland", "Gävle"
REGIONS = (N, S, V, G)
HIGH_FREQUENCY = ("ofta", "för det mesta", "alltid")
LOW_EXTENT = ("inte alls", "till liten del", "delvis")


# ----------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Recipe:
    """How to recompute one figure from tidy answers with :func:`score` or :func:`distribution`.

    ``population``: ``"alla"`` (every staff response), ``"analys"`` (the analysis
    population, :func:`analysis_population`) or ``"chefer"`` (managers).
    ``measure``: from :func:`distribution` — ``antal`` (answers with one of
    ``labels``), ``andel`` (the same over the substantive answers), ``besvarade``
    (substantive answers; for a multiselect item the choices), ``saknas``
    (non-substantive answers), ``totalt`` (every row: respondents or unit rows),
    ``grupper`` (distinct values of ``by``); from :func:`score` — ``n``, ``n_hög``,
    ``andel_hög``. ``groups`` selects values of ``by`` (summed when several).
    """

    population: str
    item: str
    measure: str
    labels: tuple[str, ...] = ()
    level: str = "unit"
    by: str | None = None
    groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_choice("population", self.population, POPULATIONS)
        check_choice("measure", self.measure, (*SCORE_MEASURES, *DISTRIBUTION_MEASURES))
        if (self.groups or self.measure == "grupper") and self.by is None:
            raise ValueError(f"groups={self.groups!r} and measure={self.measure!r} need by=")


POPULATIONS = ("alla", "analys", "chefer")
SCORE_MEASURES = ("n", "n_hög", "andel_hög")
DISTRIBUTION_MEASURES = ("antal", "andel", "besvarade", "saknas", "totalt", "grupper")


@dataclass(frozen=True)
class Figure:
    """One printed figure: id, Swedish description, where it is and how to recompute it.

    ``key`` is its path in the reference yaml (the published value is read there);
    figures the yaml records only in a comment carry their printed value in ``printed``.
    A figure without ``recipe`` cannot be recomputed from an export (``why_not``).
    """

    figure: str
    description: str
    kind: str
    key: tuple[str | int, ...] | None = None
    printed: float | None = None
    recipe: Recipe | None = None
    page: int | None = None
    why_not: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, KINDS)
        if (self.key is None) == (self.printed is None):
            raise ValueError(f"figure {self.figure!r}: give either key= (in the yaml) or printed=, not both")
        if (self.recipe is None) == (self.why_not is None):
            raise ValueError(f"figure {self.figure!r}: give either recipe= or why_not=")


def _count(figure, description, key=None, recipe=None, **options) -> Figure:
    return Figure(figure, description, "count", key=key, recipe=recipe, **options)


def _share(figure, description, key=None, recipe=None, **options) -> Figure:
    return Figure(figure, description, "share", key=key, recipe=recipe, **options)


OP = "operativ_personal"
STRUCT = (OP, "structured_collaboration")
CH = "chefsgrupp"

WHY_SENT = "Antalet utskickade enkäter finns inte i en svarsexport: den innehåller bara de svar som kom in."
WHY_SAMPLE = "Urvalet efter justering finns inte i en svarsexport: den innehåller bara de svar som kom in."
WHY_RATE = ("Svarsfrekvensen kräver urvalets storlek (1 149), som inte finns i en svarsexport; "
            "bara täljaren (817 inkomna svar) går att räkna om.")
WHY_INVITED = "Antalet inbjudna chefer finns inte i en svarsexport: den innehåller bara de svar som kom in."
WHY_MANAGER_RATE = ("Svarsfrekvensen kräver antalet inbjudna chefer (75), som inte finns i en svarsexport; "
                    "bara täljaren (54 svarande) går att räkna om.")
WHY_DROPOUT = "Bortfallet (de som inte svarade eller inte fullföljde enkäten) finns inte i en svarsexport."
WHY_GROUPS = "Den nionde chefsgruppen fick ingen enkät och finns därför inte i svarsexporten."

#: The report's own contradictions, by figure id (Swedish, for the reproduction table).
CONTRADICTIONS = {
    "tabell2.n": (
        "Rapporten motsäger sig själv: Tabell 2 anger n = 804, men 817 svar kom in "
        "(718 ja + 83 nej + 16 obesvarade = 817). Tabellen omfattar bara 804 av svaren."
    ),
    "tabell2.kontakt.obesvarat": (
        "Följer av Tabell 2:s n = 804 (804 − 718 − 83 = 3). Av de 817 inkomna svaren lämnade "
        "817 − 718 − 83 = 16 frågan obesvarad."
    ),
    "tabell4.region.Gävle.andel": (
        "Rapporten avrundar fel: 66 av 215 = 30,7 %, vilket avrundas till 31 %, inte 30 %. "
        "De tre andra länsdelarna är rätt avrundade."
    ),
    "sid49.chefer.lyssnar.andel_hög": (
        "Rapporten motsäger sig själv: sammanfattningen (s. 49) anger 90 %, men Diagram 3 (s. 21) ger "
        "56 höga svar av 67 gruppsvar = 84 % (56 av de 66 som besvarade frågan = 85 %)."
    ),
}
#: Remarks on figures that match but belong to a contradiction.
REMARKS = {
    "diagram3.lyssnar.hög": "Sammanfattningen (s. 49) anger 90 % höga svar; 56 av 67 är 84 % (se sid49).",
    "chefer.gruppsvar": ("n per länsdel i Diagram 4 summerar till 66 (20 + 22 + 16 + 8), inte 67; "
                         "ett av gruppsvaren saknar troligen svar på frågan."),
}


def _staff_population_figures() -> list[Figure]:
    everyone = Recipe("alla", "kontakt_malgrupp", "totalt", level="respondent")
    contact = dict(population="alla", item="kontakt_malgrupp", level="respondent")
    return [
        _count("personal.utskickade", "Utskickade enkäter till operativ personal", (OP, "sent"), why_not=WHY_SENT),
        _count("personal.urval_efter_justering", "Urval efter justering, operativ personal",
               (OP, "sample_after_adjustment"), why_not=WHY_SAMPLE),
        _count("personal.inkomna_svar", "Inkomna svar från operativ personal (minst en fråga besvarad)",
               (OP, "responses_received"), everyone),
        _share("personal.svarsfrekvens", "Svarsfrekvens, operativ personal (tryckt 71 %)", printed=0.71,
               why_not=WHY_RATE),
        _count("tabell2.kontakt.ja", "Tabell 2: kontakt med målgruppen, antal ja",
               (OP, "target_group_contact", "ja"), Recipe(**contact, measure="antal", labels=("ja",))),
        _count("tabell2.kontakt.nej", "Tabell 2: kontakt med målgruppen, antal nej",
               (OP, "target_group_contact", "nej"), Recipe(**contact, measure="antal", labels=("nej",))),
        _count("tabell2.kontakt.obesvarat", "Tabell 2: kontakt med målgruppen, antal obesvarade",
               (OP, "target_group_contact", "obesvarat"), Recipe(**contact, measure="saknas")),
        _count("tabell2.n", "Tabell 2: kontakt med målgruppen, n", (OP, "target_group_contact", "n"), everyone),
        _count("personal.analyspopulation",
               "Personer i analysen (kontakt med målgruppen och erfarenhet av samverkan), N",
               (OP, "respondents_in_analysis"),
               Recipe("analys", "erfarenhet_samverkan", "totalt", level="respondent")),
        _count("personal.enhetsrader", "Enhetsrader i analysen (person × kommun), n", (OP, "unit_rows"),
               Recipe("analys", "erfarenhet_samverkan", "totalt")),
    ]


def _staff_background_figures() -> list[Figure]:
    def person(item: str, label: str) -> Recipe:
        return Recipe("analys", item, "antal", labels=(label,), level="respondent")

    often = [("samverkar_en_part", "one_party", "en annan part"),
             ("samverkar_tva_parter", "two_parties", "två andra parter samtidigt"),
             ("samverkar_tre_fler", "three_or_more", "tre eller fler andra parter samtidigt")]
    return [
        _count("diagram13.verksamhet.primärvård", "Diagram 13: verksamhet primärvård (störst), antal personer",
               (OP, "verksamhet_largest", "primärvård"), person("verksamhet", "primärvård")),
        *[_count(f"diagram15.yrke.{label}", f"Diagram 15: yrke {label}, antal personer",
                 (OP, "yrke_largest", label), person("yrke", label))
          for label in ("socialsekreterare", "arbetsförmedlare", "sjuksköterska")],
        *[_count(f"diagram16.{item}.ofta", f"Diagram 16: samverkar ofta med {text}, antal personer",
                 (OP, "collaborates_often_with", key), person(item, "ofta"))
          for item, key, text in often],
    ]


def _structured_figures() -> list[Figure]:
    def people(measure: str) -> Recipe:
        return Recipe("analys", "strukturerad", measure, level="respondent")

    def rows(measure: str, region: str) -> Recipe:
        return Recipe("analys", "strukturerad", measure, by="region", groups=(region,))

    printed = {N: 0.41, S: 0.42, V: 0.37, G: 0.30}
    figures = [
        _count("strukturerad.respondenter.ja", "Strukturerad samverkan: antal personer som ingår",
               (*STRUCT, "respondents", "ja"), people("n_hög"), page=37),
        _count("strukturerad.respondenter.n", "Strukturerad samverkan: antal personer, N",
               (*STRUCT, "respondents", "n"), people("n"), page=37),
        _share("strukturerad.respondenter.andel", "Strukturerad samverkan: andel personer som ingår (tryckt 35 %)",
               recipe=people("andel_hög"), printed=0.35, page=37),
    ]
    for region in REGIONS:
        base = f"tabell4.region.{region}"
        figures += [
            _count(f"{base}.ja", f"Tabell 4: strukturerad samverkan, {region}, antal ja",
                   (*STRUCT, "by_region", region, "ja"), rows("n_hög", region)),
            _count(f"{base}.n", f"Tabell 4: strukturerad samverkan, {region}, antal enhetsrader",
                   (*STRUCT, "by_region", region, "n"), rows("n", region)),
            _share(f"{base}.andel", f"Tabell 4: strukturerad samverkan, {region}, andel ja "
                   f"(tryckt {printed[region]:.0%})".replace("%", " %"), recipe=rows("andel_hög", region),
                   printed=printed[region]),
        ]
    benefit = (OP, "structured_benefit")
    return figures + [
        _count("sid38.nytta.n", "Sid. 38: enhetsrader i strukturerad samverkan som svarat om nyttan, n",
               (*benefit, "n"), Recipe("analys", "nytta_individ", "n"), page=38),
        _count("sid38.nytta_individ.stor nytta", "Sid. 38: samverkansgruppen ger stor nytta för individen, antal",
               (*benefit, "individ_stor_nytta"), Recipe("analys", "nytta_individ", "antal", ("stor nytta",)), page=38),
        _count("sid38.nytta_organisation.stor nytta",
               "Sid. 38: samverkansgruppen ger stor nytta för organisationen, antal",
               (*benefit, "organisation_stor_nytta"),
               Recipe("analys", "nytta_organisation", "antal", ("stor nytta",)), page=38),
    ]


def _staff_item_figures() -> list[Figure]:
    items = (OP, "items")
    figures = [
        _share("diagram17.lyssnar.andel_hög", "Diagram 17: de andra parterna lyssnar, andel höga värden",
               (*items, "lyssnar", "share_high"), Recipe("analys", "lyssnar", "andel_hög")),
        _share("diagram18.vet_tillfora.andel_hög",
               "Diagram 18: vet vad de andra parterna kan tillföra, andel höga värden",
               (*items, "vet_tillfora", "share_high"), Recipe("analys", "vet_tillfora", "andel_hög")),
        *[_share(f"diagram19.brukare_tillvara.region.{region}.andel_hög",
                 f"Diagram 19: brukarens kunskap tas tillvara, {region}, andel höga värden",
                 (*items, "brukare_tillvara", "share_high_by_region", region),
                 Recipe("analys", "brukare_tillvara", "andel_hög", by="region", groups=(region,)))
          for region in REGIONS],
        *[_share(f"diagram{number}.{item}.andel_låg",
                 f"Diagram {number}: strukturer för samverkan {whom}, andel delvis eller lägre",
                 (*items, item, "share_low"), Recipe("analys", item, "andel", LOW_EXTENT))
          for number, item, whom in [(22, "strukturer_myndigheter", "mellan myndigheterna"),
                                     (23, "strukturer_aktorer", "med andra aktörer")]],
    ]
    shares = [(24, "synsatt", "gemensamt synsätt", "delvis"), (24, "synsatt", "gemensamt synsätt", "till stor del"),
              (25, "arbetssatt", "gemensamma arbetssätt", "delvis"),
              (25, "arbetssatt", "gemensamma arbetssätt", "till stor del"),
              (25, "arbetssatt", "gemensamma arbetssätt", "till mycket stor del")]
    figures += [_share(f"diagram{number}.{item}.{label}", f"Diagram {number}: {text}, andel {label}",
                       (*items, item, "share", label), Recipe("analys", item, "andel", (label,)))
                for number, item, text, label in shares]
    forms = [(26, "former_med_brukare", "with_user_answers", "med brukaren närvarande"),
             (27, "former_utan_brukare", "without_user_answers", "utan brukaren närvarande"),
             (28, "former_ovriga", "other_forms_answers", "övriga former")]
    return figures + [
        _count(f"diagram{number}.{item}.val", f"Diagram {number}: samverkansformer {text}, antal val",
               (OP, "collaboration_forms", key), Recipe("analys", item, "besvarade", level="respondent"))
        for number, item, key, text in forms
    ]


def _manager_population_figures() -> list[Figure]:
    def person(item: str, measure: str, labels=(), **options) -> Recipe:
        return Recipe("chefer", item, measure, labels, level="respondent", **options)

    return [
        _count("chefer.namngivna", "Chefer namngivna i chefsgrupperna", printed=80, why_not=WHY_INVITED),
        _count("chefer.slutat", "Namngivna chefer som hade slutat", printed=5, why_not=WHY_INVITED),
        _count("chefer.inbjudna", "Chefer som fick enkäten", (CH, "invited"), why_not=WHY_INVITED),
        _count("chefer.respondenter", "Chefer som svarade, N", (CH, "respondents"), person("chef_mandat", "totalt")),
        _share("chefer.svarsfrekvens", "Svarsfrekvens, chefer (tryckt 72 %)", printed=0.72, why_not=WHY_MANAGER_RATE),
        _count("chefer.bortfall", "Bortfall bland cheferna", printed=21, why_not=WHY_DROPOUT),
        _count("chefer.bortfall.obesvarade", "Bortfall: chefer som inte svarade", printed=18, why_not=WHY_DROPOUT),
        _count("chefer.bortfall.ofullständiga", "Bortfall: chefer som inte fullföljde enkäten", printed=3,
               why_not=WHY_DROPOUT),
        _count("chefer.grupper.alla", "Lokala chefsgrupper (Mysam) i länet", printed=9, why_not=WHY_GROUPS),
        _count("chefer.grupper.tillfrågade", "Lokala chefsgrupper (Mysam) som fick enkäten", printed=8,
               recipe=Recipe("chefer", "lyssnar", "grupper", by="unit")),
        _count("chefer.gruppsvar", "Gruppsvar (chef × chefsgrupp), n", (CH, "group_answers"),
               Recipe("chefer", "chef_mandat", "totalt"), note=REMARKS["chefer.gruppsvar"]),
        _count("tabell3.mandat.ja", "Tabell 3: chefer med mandat, antal ja", (CH, "manager_with_mandate", "ja"),
               person("chef_mandat", "antal", ("ja",))),
        _count("tabell3.n", "Tabell 3: chefer, n", (CH, "manager_with_mandate", "n"), person("chef_mandat", "n")),
        _count("tabell3.primärvård.n", "Tabell 3: chefer inom primärvården (text: 12)", printed=12,
               recipe=person("verksamhet", "antal", ("primärvård",))),
        _count("tabell3.primärvård.utan_mandat", "Tabell 3: chefer inom primärvården utan mandat (text: 7 av 12)",
               printed=7, recipe=person("chef_mandat", "antal", ("nej",), by="verksamhet", groups=("primärvård",))),
        *[_count(f"diagram2.vikt_delta.{label}", f"Diagram 2: vikten av att delta i träffarna, {label}, antal chefer",
                 (CH, "importance_of_meetings", "counts", label), person("vikt_delta", "antal", (label,)))
          for label in instrument.item("vikt_delta").labels],
    ]


def _manager_listening_figures() -> list[Figure]:
    items = (CH, "items")

    def by_region(item: str, measure: str, region: str, labels=()) -> Recipe:
        return Recipe("chefer", item, measure, labels, by="region", groups=(region,))

    mostly = ("ofta", "för det mesta")
    figures = [
        _count("diagram3.lyssnar.hög", "Diagram 3: de andra parterna lyssnar ofta, för det mesta eller alltid, antal",
               (*items, "lyssnar", "high"), Recipe("chefer", "lyssnar", "n_hög"), page=21,
               note=REMARKS["diagram3.lyssnar.hög"]),
        _count("diagram3.lyssnar.ibland", "Diagram 3: de andra parterna lyssnar ibland, antal",
               (*items, "lyssnar", "ibland"), Recipe("chefer", "lyssnar", "antal", ("ibland",))),
    ]
    for region in REGIONS:
        key = (*items, "lyssnar", "alltid_by_region", region)
        figures += [
            _count(f"diagram4.lyssnar.region.{region}.alltid", f"Diagram 4: lyssnar alltid, {region}, antal",
                   (*key, 0), by_region("lyssnar", "antal", region, ("alltid",))),
            _count(f"diagram4.lyssnar.region.{region}.n", f"Diagram 4: lyssnar, {region}, n",
                   (*key, 1), by_region("lyssnar", "n", region)),
        ]
    figures.append(_count("diagram5.vet_tillfora.ibland", "Diagram 5: vet vad de andra parterna kan tillföra, ibland",
                          (*items, "vet_tillfora", "ibland"), Recipe("chefer", "vet_tillfora", "antal", ("ibland",))))
    for region in (N, S, V):
        key = (*items, "vet_tillfora", "ofta_or_mostly_by_region", region) if region != V else None
        text = " (text: 2 av 16)" if region == V else ""
        figures += [
            _count(f"diagram6.vet_tillfora.region.{region}.ofta_eller_för_det_mesta",
                   f"Diagram 6: vet vad parterna kan tillföra ofta eller för det mesta, {region}, antal{text}",
                   key and (*key, 0), by_region("vet_tillfora", "antal", region, mostly),
                   printed=2 if region == V else None),
            _count(f"diagram6.vet_tillfora.region.{region}.n",
                   f"Diagram 6: vet vad parterna kan tillföra, {region}, n{text}",
                   key and (*key, 1), by_region("vet_tillfora", "n", region), printed=16 if region == V else None),
        ]
    return figures + [
        _count("diagram6.vet_tillfora.region.Gävle.för_det_mesta_eller_alltid",
               "Diagram 6: vet vad parterna kan tillföra för det mesta eller alltid, Gävle (text: ingen)",
               printed=0, recipe=by_region("vet_tillfora", "antal", G, ("för det mesta", "alltid"))),
    ]


def _manager_extent_figures() -> list[Figure]:
    items = (CH, "items")

    def answers(item: str, measure: str, labels=(), **options) -> Recipe:
        return Recipe("chefer", item, measure, labels, **options)

    return [
        _count("diagram7.rutiner_relationer.hög",
               "Diagram 7: rutiner och relationer till stor eller mycket stor del, antal",
               (*items, "rutiner_relationer", "high"),
               answers("rutiner_relationer", "antal", ("till stor del", "till mycket stor del"))),
        _count("diagram7.rutiner_relationer.delvis", "Diagram 7: rutiner och relationer delvis, antal",
               (*items, "rutiner_relationer", "delvis"), answers("rutiner_relationer", "antal", ("delvis",))),
        _count("diagram9.forebyggande.delvis", "Diagram 9: chefsgruppen arbetar förebyggande delvis, antal",
               (*items, "forebyggande", "delvis"), answers("forebyggande", "antal", ("delvis",))),
        _count("diagram9.forebyggande.hög", "Diagram 9: chefsgruppen arbetar förebyggande, höga värden, antal",
               (*items, "forebyggande", "high"), answers("forebyggande", "n_hög")),
        *[_count(f"diagram10.forebyggande.region.{region}.hög",
                 f"Diagram 10: arbetar förebyggande, höga värden, {region}, antal (text: {value})", printed=value,
                 recipe=answers("forebyggande", "n_hög", by="region", groups=(region,)))
          for region, value in ((N, 5), (S, 4))],
        *[_count(f"diagram11.brukare_tillvara.{label}", f"Diagram 11: brukarens kunskap tas tillvara {label}, antal",
                 (*items, "brukare_tillvara", "counts", label), answers("brukare_tillvara", "antal", (label,)))
          for label in ("inte alls", "till liten del", "delvis")],
        _count("diagram11.brukare_tillvara.hög", "Diagram 11: brukarens kunskap tas tillvara, höga värden, antal",
               (*items, "brukare_tillvara", "high"), answers("brukare_tillvara", "n_hög")),
        _count("diagram12.brukare_tillvara.hög_utanför_hälsingland",
               "Diagram 12: höga värden om brukarens kunskap utanför Hälsingland (text: alla i Norra och Södra)",
               printed=0, recipe=answers("brukare_tillvara", "n_hög", by="region", groups=(V, G))),
        _share("sid49.chefer.lyssnar.andel_hög", "Sid. 49 (sammanfattning): cheferna, de andra parterna lyssnar, "
               "andel höga värden", (CH, "summary_claims", "lyssnar_share_high"), answers("lyssnar", "andel_hög"),
               page=49),
        _share("sid49.chefer.vet_tillfora.andel_hög", "Sid. 49 (sammanfattning): cheferna, vet vad de andra "
               "parterna kan tillföra, andel höga värden", (CH, "summary_claims", "vet_tillfora_share_high"),
               answers("vet_tillfora", "andel_hög"), page=49),
    ]


def catalogue() -> list[Figure]:
    """The catalogue of every figure FoU rapport 2017:1 printed, in report order per survey."""
    return [*_staff_population_figures(), *_staff_background_figures(), *_structured_figures(),
            *_staff_item_figures(), *_manager_population_figures(), *_manager_listening_figures(),
            *_manager_extent_figures()]


# ----------------------------------------------------------------- published figures


def read_reference(reference: str | Path | Mapping | None = None) -> Mapping:
    """The reference figures: ``None`` (the report's yaml), a path to such a yaml, or the parsed mapping."""
    if reference is None:
        reference = REFERENCE_PATH
    if isinstance(reference, Mapping):
        return reference
    if isinstance(reference, (str, Path)):
        path = Path(reference)
        if not path.is_file():
            raise ValueError(f"reference={str(reference)!r}: no such file (expected a yaml like {REFERENCE_PATH})")
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    raise ValueError(f"reference={reference!r}: expected None, a path to a yaml file or a mapping")


def _lookup(reference: Mapping, key: tuple) -> float:
    node = reference
    for part in key:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"reference: no figure at {'.'.join(map(str, key))!r}") from None
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise ValueError(f"reference: {'.'.join(map(str, key))!r} is {node!r}, not a number")
    return float(node)


def published_figures(reference: str | Path | Mapping | None = None) -> pd.DataFrame:
    """Every figure printed in FoU rapport 2017:1, one row each.

    Parameters
    ----------
    reference
        The published figures: ``None`` for ``data/reference/fou_2017_1_published.yaml``,
        a path to a yaml of the same layout, or that yaml already parsed. Figures the
        yaml records only in comments (e.g. Tabell 4's printed percentages) are held
        in this module.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``figure`` (stable id, e.g. ``tabell4.region.Gävle.ja``),
        ``description`` (Swedish), ``page`` (the report's page where known, else
        missing; Int64), ``kind`` (``"count"`` or ``"share"``), ``published`` (float;
        a share as a fraction), ``tolerance`` (0 for counts, 0.005 for a percentage
        printed as a whole percent), ``recomputable`` (bool: whether a survey export
        can hold the figure), ``why_not`` (Swedish reason when it cannot, else
        empty) and ``key`` (the figure's path in the yaml, empty when the yaml
        records it only in a comment).

    Raises
    ------
    ValueError
        If ``reference`` cannot be read or lacks a figure.

    Examples
    --------
    >>> table = published_figures()
    >>> table.loc[table["figure"] == "tabell4.region.Gävle.ja", ["published", "kind", "tolerance"]].values.tolist()
    [[66.0, 'count', 0.0]]
    >>> sorted(table.loc[~table["recomputable"], "figure"])[:3]
    ['chefer.bortfall', 'chefer.bortfall.obesvarade', 'chefer.bortfall.ofullständiga']
    """
    parsed = read_reference(reference)
    rows = [{
        "figure": f.figure,
        "description": f.description,
        "page": f.page,
        "kind": f.kind,
        "published": _lookup(parsed, f.key) if f.key is not None else float(f.printed),
        "tolerance": PERCENT if f.kind == "share" else 0.0,
        "recomputable": f.recipe is not None,
        "why_not": f.why_not or "",
        "key": ".".join(map(str, f.key)) if f.key is not None else "",
    } for f in catalogue()]
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS).astype({"page": "Int64", "recomputable": bool})


# ----------------------------------------------------------------- recompute


def _check_survey(frame: pd.DataFrame, name: str, survey: str) -> None:
    check_columns(frame, ["survey", "item", "value", "label", "missing_reason", "region", "unit"], name)
    surveys = sorted(str(s) for s in frame["survey"].dropna().unique())
    if surveys != [survey]:
        raise ValueError(f"{name}: expected answers to the survey {survey!r} only (sv.load(..., survey={survey!r})); "
                         f"got surveys {surveys}")


class _Recomputer:
    """Evaluates recipes on the three populations, computing each score or distribution once."""

    def __init__(self, staff: pd.DataFrame, managers: pd.DataFrame) -> None:
        self.frames = {"alla": staff, "analys": analysis_population(staff), "chefer": managers}
        self.cache: dict[tuple, pd.DataFrame] = {}

    def table(self, function, recipe: Recipe) -> pd.DataFrame:
        key = (function.__name__, recipe.population, recipe.item, recipe.level, recipe.by)
        if key not in self.cache:
            self.cache[key] = function(self.frames[recipe.population], items=recipe.item, by=recipe.by,
                                       level=recipe.level)
        table = self.cache[key]
        return table[table[recipe.by].isin(recipe.groups)] if recipe.groups else table

    def value(self, recipe: Recipe) -> float:
        if recipe.measure in SCORE_MEASURES:
            return _from_score(self.table(score, recipe), recipe)
        return _from_distribution(self.table(distribution, recipe), recipe)


def _from_score(table: pd.DataFrame, recipe: Recipe) -> float:
    n, high = float(table["n"].sum()), float(table["n_high"].sum())
    if recipe.measure == "andel_hög":
        return high / n if n else np.nan
    return n if recipe.measure == "n" else high


def _from_distribution(table: pd.DataFrame, recipe: Recipe) -> float:
    if recipe.measure == "grupper":
        return float(table[recipe.by].nunique())
    substantive = table[table["missing_reason"].isna()]
    chosen = float(substantive.loc[substantive["label"].isin(recipe.labels), "count"].sum())
    answered = float(substantive["count"].sum())
    values = {
        "antal": chosen,
        "andel": chosen / answered if answered else np.nan,
        "besvarade": answered,
        "saknas": float(table["count"].sum()) - answered,
        "totalt": float(table["count"].sum()),
    }
    return values[recipe.measure]


def recompute(staff: pd.DataFrame, managers: pd.DataFrame) -> pd.DataFrame:
    """Recompute every figure of FoU rapport 2017:1 that a survey export can hold.

    Each figure is computed with :func:`samverkan.score` (``n``, ``n_high``,
    ``share_high``) or :func:`samverkan.distribution` (counts per label) at the
    report's level (respondent or unit row), on the whole staff export (Tabell 2 and
    the response count), on :func:`analysis_population` (every other staff figure)
    or on the managers.

    Parameters
    ----------
    staff
        Tidy answers to the staff survey ``operativ`` (:func:`samverkan.load`), the
        **whole** export: it is restricted to the analysis population here (given
        only the analysis population, Tabell 2 and the response count come out wrong).
    managers
        Tidy answers to the manager survey ``chefsgrupp``, with the Mysam groups'
        regions.

    Returns
    -------
    pandas.DataFrame
        One row per recomputable figure, in the order of :func:`published_figures`:
        ``figure`` (id) and ``recomputed`` (float; a share as a fraction, not rounded).

    Raises
    ------
    ValueError
        If ``staff`` or ``managers`` is not tidy answers to its survey.

    Examples
    --------
    >>> staff, managers = baseline_sample()
    >>> values = recompute(staff, managers).set_index("figure")["recomputed"]
    >>> int(values["tabell4.region.Gävle.ja"]), round(float(values["diagram17.lyssnar.andel_hög"]), 3)
    (66, 0.74)
    """
    _check_survey(staff, "staff", "operativ")
    _check_survey(managers, "managers", "chefsgrupp")
    recomputer = _Recomputer(staff, managers)
    rows = [(f.figure, recomputer.value(f.recipe)) for f in catalogue() if f.recipe is not None]
    return pd.DataFrame(rows, columns=["figure", "recomputed"]).astype({"recomputed": "float64"})


def _note(figure: Figure, published: float, recomputed: float, tolerance: float) -> str:
    if figure.figure in CONTRADICTIONS:
        return CONTRADICTIONS[figure.figure]
    if figure.recipe is None:
        return figure.why_not or ""
    if not abs(recomputed - published) <= tolerance + 1e-9:
        return "Avviker från den publicerade siffran mer än avrundningen; ingen känd motsägelse i rapporten."
    return figure.note


def reproduction_table(
    staff: pd.DataFrame, managers: pd.DataFrame, reference: str | Path | Mapping | None = None
) -> pd.DataFrame:
    """Every published figure beside the figure recomputed from the survey exports.

    Parameters
    ----------
    staff, managers
        As for :func:`recompute` (the whole staff export; the managers with the
        Mysam groups' regions).
    reference
        As for :func:`published_figures`.

    Returns
    -------
    pandas.DataFrame
        One row per published figure (also those no export can hold): ``figure``,
        ``description``, ``published``, ``recomputed`` (missing when the figure
        cannot be recomputed), ``difference`` (recomputed − published),
        ``within_rounding`` (nullable boolean: whether ``|difference|`` is within the
        printed rounding, 0 for counts and 0.005 for whole percentages; missing when
        not recomputable) and ``note`` (Swedish: the report's own contradictions —
        page 49's 90 % against Diagram 3's 56 of 67 = 84 %, Tabell 2's n = 804
        against 817 responses, Gävle's 30 % for 66 of 215 = 30.7 % —, why a figure
        cannot be recomputed, or an unexplained deviation; else empty).

    Examples
    --------
    >>> staff, managers = baseline_sample()
    >>> table = reproduction_table(staff, managers)
    >>> sorted(table.loc[table["within_rounding"] == False, "figure"])  # doctest: +NORMALIZE_WHITESPACE
    ['sid49.chefer.lyssnar.andel_hög', 'tabell2.kontakt.obesvarat', 'tabell2.n',
     'tabell4.region.Gävle.andel']
    """
    published = published_figures(reference)
    table = published.merge(recompute(staff, managers), on="figure", how="left", validate="one_to_one")
    table["difference"] = table["recomputed"] - table["published"]
    within = table["difference"].abs() <= table["tolerance"] + 1e-9
    table["within_rounding"] = pd.array(within.where(table["recomputable"]), dtype="boolean")
    by_id = {f.figure: f for f in catalogue()}
    table["note"] = [_note(by_id[row.figure], row.published, row.recomputed, row.tolerance)
                     for row in table.itertuples()]
    return table[TABLE_COLUMNS]


# ----------------------------------------------------------------- skipped tests


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
       counts (``level="unit"``, p corrected for respondents with several
       municipalities);
    2. structured vs not on every staff indicator item (respondent level);
    3. regions on ``brukare_tillvara`` (Diagram 19);
    4. ``lyssnar`` vs ``vet_tillfora``, and myndigheter vs aktörer for ``rutiner`` and
       ``strukturer``, paired within the same respondents;
    5. the managers' regions on ``lyssnar`` and ``vet_tillfora`` (Diagrams 4 and 6;
       small groups, so permutation and exact tests);
    6. managers vs staff on ``lyssnar``, ``vet_tillfora`` and ``brukare_tillvara``.

    Staff tests use :func:`analysis_population`. Every p-value of the table is one
    family for :func:`samverkan.adjust`.

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
    >>> staff, managers = baseline_sample()
    >>> tests = skipped_tests(staff, managers)
    >>> row = tests.iloc[0]
    >>> row["item"], row["test"], int(row["df"]), int(row["n"])
    ('strukturerad', 'chi2-share-high', 3, 761)
    >>> round(float(row["statistic"]), 4)  # R: chisq.test(tab4, correct = FALSE)
    6.2743
    """
    check_choice("p_adjust", p_adjust, ADJUST_METHODS)
    _check_survey(staff, "staff", "operativ")
    _check_survey(managers, "managers", "chefsgrupp")
    analysis = analysis_population(staff)
    parts = [_with_claims(tests, claim)
             for tests, claim in [*_staff_tests(analysis), *_manager_tests(analysis, managers)]]
    tests = adjust(pd.concat(parts, ignore_index=True), method=p_adjust)
    sentences = [describe_test(row) for _, row in tests.iterrows()]
    return tests.assign(sentence=pd.array(sentences, dtype="string"))[[*TEST_COLUMNS, "report_claim", "sentence"]]


# ----------------------------------------------------------------- the baseline sample


def baseline_sample(sample_dir: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The committed synthetic baseline (``gavleborg`` 2016), loaded as the report's data.

    Staff answers get the report's regions (``regions`` of the reference yaml), the
    managers' answers the Mysam groups' regions (``mysam_groups`` of
    ``data/sample/specs/gavleborg.yaml``). The data are **synthetic**, calibrated to
    the report's printed figures (``data/sample/README.md``).

    Parameters
    ----------
    sample_dir
        The sample folder (default ``data/sample``).

    Returns
    -------
    tuple of pandas.DataFrame
        ``(staff, managers)``: tidy answers (:func:`samverkan.load`), the whole staff export.
    """
    folder = Path(sample_dir) if sample_dir is not None else resources.SAMPLE_DIR
    regions = read_reference()["regions"]
    with open(folder / "specs" / "gavleborg.yaml", encoding="utf-8") as handle:
        groups = yaml.safe_load(handle)["mysam_groups"]
    options = dict(forbund="gavleborg", wave="2016")
    staff = load(folder / "gavleborg" / "2016" / "operativ.csv", survey="operativ", regions=regions, **options)
    managers = load(folder / "gavleborg" / "2016" / "chefsgrupp.csv", survey="chefsgrupp", regions=groups, **options)
    return staff, managers


__all__ = [
    "analysis_population",
    "baseline_sample",
    "published_figures",
    "recompute",
    "reproduction_table",
    "skipped_tests",
]
