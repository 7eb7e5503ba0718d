"""The reproduction of FoU rapport 2017:1 (``samverkan.reproduce``) on the committed baseline sample.

The sample ``data/sample/gavleborg/2016/`` is loaded here with ``sv.load``: staff with the
report's regions (``regions`` of ``data/reference/fou_2017_1_published.yaml``), managers
with the Mysam groups' regions (``mysam_groups`` of ``data/sample/specs/gavleborg.yaml``).
A few recomputed figures are checked against plain pandas written in this file (nothing is
imported from ``tests/test_published.py``, the independent check of every figure), and
the Tabell 4 test against R's ``chisq.test`` in ``tests/reference/r_reference.json``.
"""

from __future__ import annotations

import copy
import shutil
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from numpy.testing import assert_allclose
from pandas.testing import assert_frame_equal
from statsmodels.stats.multitest import multipletests

import samverkan as sv
from samverkan import reproduce
from samverkan.vocabulary import TEST_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "gavleborg" / "2016"
SPEC = ROOT / "data" / "sample" / "specs" / "gavleborg.yaml"
R = json.loads((ROOT / "tests" / "reference" / "r_reference.json").read_text(encoding="utf-8"))

HIGH_FREQUENCY = ("ofta", "för det mesta", "alltid")
HIGH_EXTENT = ("till stor del", "till mycket stor del", "helt och hållet")

#: The report's own contradictions: the only recomputable figures the sample cannot match.
CONTRADICTED = {
    "tabell2.n",                        # n = 804, but 817 responses came in
    "tabell2.kontakt.obesvarat",        # 3 = 804 − 718 − 83; of the 817 responses, 16 left it blank
    "tabell4.region.Gävle.andel",       # 66/215 = 30.7 % printed as 30 %
    "sid49.chefer.lyssnar.andel_hög",   # 90 % in the summary, 56 of 67 = 84 % in Diagram 3
}
#: Printed figures no survey export holds.
NOT_IN_EXPORT = {
    "personal.utskickade", "personal.urval_efter_justering", "personal.svarsfrekvens",
    "chefer.namngivna", "chefer.slutat", "chefer.inbjudna", "chefer.svarsfrekvens",
    "chefer.bortfall", "chefer.bortfall.obesvarade", "chefer.bortfall.ofullständiga", "chefer.grupper.alla",
}
STAFF_INDICATORS = ["lyssnar", "vet_tillfora", "brukare_tillvara", "rutiner_myndigheter", "rutiner_aktorer",
                    "strukturer_myndigheter", "strukturer_aktorer", "synsatt", "arbetssatt"]


# ----------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def staff(reference) -> pd.DataFrame:
    return sv.load(SAMPLE / "operativ.csv", survey="operativ", forbund="gavleborg", wave="2016",
                   regions=reference["regions"])


@pytest.fixture(scope="module")
def managers() -> pd.DataFrame:
    groups = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["mysam_groups"]
    return sv.load(SAMPLE / "chefsgrupp.csv", survey="chefsgrupp", forbund="gavleborg", wave="2016", regions=groups)


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return reproduce.published_figures()


@pytest.fixture(scope="module")
def table(staff, managers) -> pd.DataFrame:
    return reproduce.reproduction_table(staff, managers)


@pytest.fixture(scope="module")
def skipped(staff, managers) -> pd.DataFrame:
    return reproduce.skipped_tests(staff, managers)


def _numeric_leaves(node, prefix: str = "") -> dict[str, float]:
    if isinstance(node, dict):
        return {k: v for key, child in node.items() for k, v in _numeric_leaves(child, f"{prefix}{key}.").items()}
    if isinstance(node, list):
        return {k: v for i, child in enumerate(node) for k, v in _numeric_leaves(child, f"{prefix}{i}.").items()}
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return {prefix.rstrip("."): node}
    return {}


# ------------------------------------------------------------ published figures


def test_published_figures_columns(figures):
    assert list(figures.columns) == ["figure", "description", "page", "kind", "published", "tolerance",
                                     "recomputable", "why_not", "key"]
    assert figures["figure"].is_unique
    assert set(figures["kind"]) == {"count", "share"}
    assert figures["published"].dtype == "float64" and figures["recomputable"].dtype == bool
    tolerance = np.where(figures["kind"] == "share", 0.005, 0.0)
    assert_allclose(figures["tolerance"], tolerance)
    assert (figures["description"].str.len() > 0).all()


def test_every_number_of_the_reference_is_a_figure_with_its_value(figures, reference):
    leaves = _numeric_leaves(reference)
    keyed = figures[figures["key"] != ""].set_index("key")["published"]
    assert sorted(set(leaves) - set(keyed.index)) == []
    assert {key: value for key, value in keyed.items() if leaves[key] != value} == {}


def test_the_brief_example_figure(figures):
    row = figures.set_index("figure").loc["tabell4.region.Gävle.ja"]
    assert row["description"] == "Tabell 4: strukturerad samverkan, Gävle, antal ja"
    assert (row["kind"], row["published"], row["tolerance"]) == ("count", 66.0, 0.0)


def test_figures_no_export_holds_say_why(figures):
    not_recomputable = figures[~figures["recomputable"]]
    assert set(not_recomputable["figure"]) == NOT_IN_EXPORT
    assert (not_recomputable["why_not"].str.contains("svarsexport")).all()
    assert (figures.loc[figures["recomputable"], "why_not"] == "").all()


def test_known_pages(figures):
    pages = figures.set_index("figure")["page"]
    assert pages["diagram3.lyssnar.hög"] == 21
    assert pages["sid49.chefer.lyssnar.andel_hög"] == 49
    assert pages["sid38.nytta.n"] == 38
    assert pd.isna(pages["tabell2.n"])


def test_reference_as_mapping_path_and_bad_values(reference, tmp_path):
    changed = copy.deepcopy(reference)
    changed["operativ_personal"]["structured_collaboration"]["by_region"]["Gävle"]["ja"] = 67
    published = reproduce.published_figures(changed).set_index("figure")["published"]
    assert published["tabell4.region.Gävle.ja"] == 67
    path = tmp_path / "reference.yaml"
    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    assert reproduce.published_figures(path).set_index("figure")["published"]["tabell4.region.Gävle.ja"] == 67
    del changed["chefsgrupp"]["invited"]
    with pytest.raises(ValueError, match="chefsgrupp.invited"):
        reproduce.published_figures(changed)
    with pytest.raises(ValueError, match="reference="):
        reproduce.published_figures(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match="reference="):
        reproduce.published_figures(42)


def test_a_changed_reference_is_flagged(staff, managers, reference):
    changed = copy.deepcopy(reference)
    changed["operativ_personal"]["structured_collaboration"]["by_region"]["Gävle"]["ja"] = 67
    table = reproduce.reproduction_table(staff, managers, reference=changed).set_index("figure")
    assert not table.loc["tabell4.region.Gävle.ja", "within_rounding"]
    assert "Avviker" in table.loc["tabell4.region.Gävle.ja", "note"]


# ------------------------------------------------------------ recompute


def test_recompute_covers_exactly_the_recomputable_figures(staff, managers, figures):
    recomputed = reproduce.recompute(staff, managers)
    assert list(recomputed.columns) == ["figure", "recomputed"]
    assert recomputed["figure"].tolist() == figures.loc[figures["recomputable"], "figure"].tolist()
    assert recomputed["recomputed"].notna().all()


def test_every_figure_is_within_rounding_except_the_report_contradictions(table):
    recomputable = table[table["recomputed"].notna()]
    assert set(recomputable.loc[~recomputable["within_rounding"].astype(bool), "figure"]) == CONTRADICTED
    assert table.loc[table["recomputed"].isna(), "within_rounding"].isna().all()
    assert list(table.columns) == ["figure", "description", "kind", "published", "recomputed", "difference",
                                   "within_rounding", "outcome", "note"]
    outcomes = table.set_index("figure")["outcome"]
    assert set(outcomes[outcomes == "motsägelse i rapporten"].index) == CONTRADICTED
    assert set(outcomes[outcomes == "finns inte i en svarsexport"].index) == NOT_IN_EXPORT
    assert (outcomes.drop(list(CONTRADICTED | NOT_IN_EXPORT)) == "återgiven").all()


def test_notes_flag_the_contradictions(table):
    notes = table.set_index("figure")["note"]
    assert all(text in notes["sid49.chefer.lyssnar.andel_hög"] for text in ("90 %", "84 %", "56", "67", "85 %"))
    assert "804" in notes["tabell2.n"] and "817" in notes["tabell2.n"]
    assert "16" in notes["tabell2.kontakt.obesvarat"]
    assert "30,7 %" in notes["tabell4.region.Gävle.andel"]
    assert "90 %" in notes["diagram3.lyssnar.hög"]
    assert (notes[list(NOT_IN_EXPORT)].str.contains("svarsexport")).all()


# Plain pandas, written for this test (not taken from tests/test_published.py).


def _analysis(staff: pd.DataFrame) -> pd.DataFrame:
    return staff[(staff["kontakt_malgrupp"] == "ja") & (staff["erfarenhet_samverkan"] == "ja")]


def _answers(frame: pd.DataFrame, item: str) -> pd.DataFrame:
    return frame[(frame["item"] == item) & frame["value"].notna()]


def _gavle_structured(staff, managers) -> float:
    rows = _analysis(staff).drop_duplicates(["respondent_id", "unit"])
    return float(((rows["region"] == "Gävle") & (rows["strukturerad"] == "ja")).sum())


def _gavle_structured_share(staff, managers) -> float:
    rows = _analysis(staff).drop_duplicates(["respondent_id", "unit"])
    rows = rows[rows["region"] == "Gävle"]
    return float((rows["strukturerad"] == "ja").mean())


def _staff_lyssnar_high(staff, managers) -> float:
    return float(_answers(_analysis(staff), "lyssnar")["label"].isin(HIGH_FREQUENCY).mean())


def _unanswered_contact(staff, managers) -> float:
    return float(staff.drop_duplicates("respondent_id")["kontakt_malgrupp"].isna().sum())


def _forms_with_user(staff, managers) -> float:
    return float(len(_answers(_analysis(staff), "former_med_brukare").drop_duplicates(["respondent_id", "label"])))


def _often_one_party(staff, managers) -> float:
    rows = _analysis(staff)
    rows = rows[rows["item"] == "samverkar_en_part"].drop_duplicates("respondent_id")
    return float((rows["label"] == "ofta").sum())


def _brukare_high_sodra(staff, managers) -> float:
    rows = _answers(_analysis(staff), "brukare_tillvara")
    return float(rows.loc[rows["region"] == "Södra Hälsingland", "label"].isin(HIGH_EXTENT).mean())


def _primary_care_without_mandate(staff, managers) -> float:
    people = managers.drop_duplicates("respondent_id")
    return float(((people["verksamhet"] == "primärvård") & (people["chef_mandat"] == "nej")).sum())


def _managers_lyssnar_high(staff, managers) -> float:
    return float(_answers(managers, "lyssnar")["label"].isin(HIGH_FREQUENCY).mean())


def _group_answers(staff, managers) -> float:
    return float(len(managers.drop_duplicates(["respondent_id", "unit"])))


def _mysam_groups(staff, managers) -> float:
    return float(managers["unit"].nunique())


PLAIN_PANDAS: dict[str, Callable[[pd.DataFrame, pd.DataFrame], float]] = {
    "tabell4.region.Gävle.ja": _gavle_structured,
    "tabell4.region.Gävle.andel": _gavle_structured_share,
    "diagram17.lyssnar.andel_hög": _staff_lyssnar_high,
    "tabell2.kontakt.obesvarat": _unanswered_contact,
    "diagram26.former_med_brukare.val": _forms_with_user,
    "diagram16.samverkar_en_part.ofta": _often_one_party,
    "diagram19.brukare_tillvara.region.Södra Hälsingland.andel_hög": _brukare_high_sodra,
    "tabell3.primärvård.utan_mandat": _primary_care_without_mandate,
    "sid49.chefer.lyssnar.andel_hög": _managers_lyssnar_high,
    "chefer.gruppsvar": _group_answers,
    "chefer.grupper.tillfrågade": _mysam_groups,
}


@pytest.mark.parametrize("figure", list(PLAIN_PANDAS))
def test_recomputed_equals_plain_pandas(table, staff, managers, figure):
    recomputed = table.set_index("figure").loc[figure, "recomputed"]
    assert_allclose(recomputed, PLAIN_PANDAS[figure](staff, managers), rtol=1e-12)


def test_the_contradicted_values_themselves(table):
    recomputed = table.set_index("figure")["recomputed"]
    assert recomputed["tabell2.n"] == 817 and recomputed["tabell2.kontakt.obesvarat"] == 16
    assert_allclose(recomputed["tabell4.region.Gävle.andel"], 66 / 215)
    assert_allclose(recomputed["sid49.chefer.lyssnar.andel_hög"], 56 / 66)


def test_inputs_are_not_changed(staff, managers):
    before = staff.copy(), managers.copy()
    reproduce.reproduction_table(staff, managers)
    reproduce.skipped_tests(staff, managers)
    assert_frame_equal(staff, before[0])
    assert_frame_equal(managers, before[1])


def test_swapped_or_wrong_inputs_raise(staff, managers):
    with pytest.raises(ValueError, match="staff"):
        reproduce.recompute(managers, managers)
    with pytest.raises(ValueError, match="managers"):
        reproduce.recompute(staff, staff)
    with pytest.raises(ValueError, match="managers"):
        reproduce.skipped_tests(staff, staff)


def test_analysis_population(staff):
    analysis = sv.analysis_population(staff)
    assert analysis["respondent_id"].nunique() == 659
    assert len(analysis.drop_duplicates(["respondent_id", "unit"])) == 761
    assert set(analysis["kontakt_malgrupp"]) == {"ja"} and set(analysis["erfarenhet_samverkan"]) == {"ja"}
    assert_frame_equal(sv.analysis_population(analysis), analysis)
    with pytest.raises(ValueError, match="staff"):
        sv.analysis_population(staff.drop(columns="kontakt_malgrupp"))


def test_baseline_sample_is_the_committed_sample(staff, managers):
    loaded_staff, loaded_managers = reproduce.baseline_sample()
    assert_frame_equal(loaded_staff, staff)
    assert_frame_equal(loaded_managers, managers)


# ------------------------------------------------------------ skipped tests


def _expected_rows() -> list[tuple[str, str]]:
    def twice(item, comparison):
        return [(item, comparison)] * 2

    rows = [("strukturerad", "region: 4 grupper")]
    for item in STAFF_INDICATORS:
        rows += twice(item, "strukturerad: ja mot nej")
    rows += twice("brukare_tillvara", "region: 4 grupper")
    for a, b in [("lyssnar", "vet_tillfora"), ("rutiner_myndigheter", "rutiner_aktorer"),
                 ("strukturer_myndigheter", "strukturer_aktorer")]:
        rows += twice(a, f"{a} mot {b}")
    rows += twice("lyssnar", "region: 4 grupper") + twice("vet_tillfora", "region: 4 grupper")
    for item in ("lyssnar", "vet_tillfora", "brukare_tillvara"):
        rows += twice(item, "survey: chefsgrupp mot operativ")
    return rows


def test_skipped_tests_rows_and_columns(skipped):
    assert list(skipped.columns) == [*TEST_COLUMNS, "report_claim", "sentence"]
    assert list(zip(skipped["item"], skipped["comparison"])) == _expected_rows()
    assert skipped["pvalue"].notna().all()
    managers_regions = skipped.iloc[27:31]
    # the Mysam groups are the clusters: whole groups permuted between the regions
    assert set(managers_regions["test"]) == {"kruskal-wallis-unit-permutation", "chi2-share-high-unit-permutation"}


def test_tabell_4_row_is_r_chisq_test(skipped):
    row = skipped.iloc[0]
    expected = R["cases"]["tabell4_chisq"]["output"]
    assert (row["item"], row["test"], row["n"]) == ("strukturerad", "chi2-share-high-rao-scott", 761)
    assert_allclose(row["statistic"], expected["statistic"], rtol=1e-12)
    assert row["df"] == expected["parameter"]
    assert "Rao–Scott" in row["note"] and row["pvalue"] > expected["p_value"]
    assert "Tabell 4" in row["report_claim"]


def test_adjusted_as_one_family_of_the_primary_tests(staff, managers, skipped):
    primary = (skipped["role"] == "primary").to_numpy()
    assert skipped.loc[~primary, "pvalue_adjusted"].isna().all()  # companions are descriptive
    assert_allclose(skipped.loc[primary, "pvalue_adjusted"],
                    multipletests(skipped.loc[primary, "pvalue"], method="holm")[1], rtol=1e-12)
    bonferroni = reproduce.skipped_tests(staff, managers, p_adjust="bonferroni")
    assert_allclose(bonferroni.loc[primary, "pvalue_adjusted"],
                    np.minimum(1, skipped.loc[primary, "pvalue"] * primary.sum()), rtol=1e-12)
    with pytest.raises(ValueError, match="p_adjust"):
        reproduce.skipped_tests(staff, managers, p_adjust="hochberg")


def test_claims_and_sentences(skipped):
    assert (skipped["report_claim"].str.len() > 20).all()
    assert skipped["sentence"].tolist() == [sv.describe_test(row) for _, row in skipped.iterrows()]
    claims = skipped.groupby("item", sort=False)["report_claim"].first()
    assert "Diagram 19" in skipped.loc[19, "report_claim"]
    assert "Diagram 4" in skipped.loc[27, "report_claim"] and "Diagram 6" in skipped.loc[29, "report_claim"]
    assert claims["synsatt"].startswith("Personal i fast, strukturerad samverkan svarar högre")


def test_skipped_tests_are_repeatable(staff, managers, skipped):
    assert_frame_equal(reproduce.skipped_tests(staff, managers), skipped)


# ----------------------------------------------------------------------- for reading


def test_tally_counts_every_figure_once(table):
    counted = reproduce.tally(table)
    assert counted[["outcome", "count"]].values.tolist() == [
        ["återgiven", 102 - len(CONTRADICTED) - len(NOT_IN_EXPORT)], ["motsägelse i rapporten", len(CONTRADICTED)],
        ["avviker", 0], ["finns inte i en svarsexport", len(NOT_IN_EXPORT)], ["totalt", 102]]
    assert str(counted["count"].dtype) == "int64"


def test_figures_for_reading_show_counts_as_integers_and_shares_as_percent(table):
    shown = reproduce.display_figures(table).frame.set_index("Beskrivning")
    assert list(shown.columns) == ["Publicerad", "Omräknad", "Skillnad", "Utfall", "Förklaring"]
    assert shown.loc["Utskickade enkäter till operativ personal", "Publicerad"] == "1 164"  # not 1164,00
    tabell2 = shown.loc["Tabell 2: kontakt med målgruppen, n"]
    assert (tabell2["Publicerad"], tabell2["Omräknad"], tabell2["Skillnad"]) == ("804", "817", "+13")
    gavle = shown.loc["Tabell 4: strukturerad samverkan, Gävle, andel ja (tryckt 30 %)"]
    assert (gavle["Publicerad"], gavle["Omräknad"], gavle["Skillnad"]) == ("30 %", "30,7 %", "+0,7 procentenheter")
    only = reproduce.display_figures(table, outcomes=["avviker"])
    assert only == "Ingen siffra med utfallet avviker."
    with pytest.raises(ValueError, match="outcomes='återgivna' is not allowed"):
        reproduce.display_figures(table, outcomes=["återgivna"])


def test_tests_for_reading_are_swedish(skipped):
    shown = reproduce.display_tests(skipped).frame
    assert list(shown.columns) == ["Rapportens påstående (utan test)", "Test", "Antal svar", "Antal svar (jämförelse)",
                                   "p-värde", "Justerat p-värde", "Effektstorlek", "Effektmått", "Vad testet visar"]
    assert shown["Test"].iloc[0] == "chi2-test av andelen höga värden med Rao–Scott-korrektion"
    assert shown["Antal svar"].iloc[0] == "761"
    assert not shown["Test"].str.contains("mann-whitney|chi2-share").any()


def test_load_exports_reads_a_partners_files(tmp_path, staff, managers):
    """The sample's exports under other names, with the report's regions, give the sample's tables."""
    copies = [Path(shutil.copy(SAMPLE / f"{s}.csv", tmp_path / f"export_{s}_2016.csv")) for s in ("operativ", "chefsgrupp")]
    loaded_staff, loaded_managers = reproduce.load_exports(*copies)
    assert_frame_equal(loaded_staff, staff)
    assert_frame_equal(loaded_managers, managers)


def test_run_reproduction_needs_both_exports(tmp_path):
    from samverkan.reproduce.run import run_reproduction

    with pytest.raises(ValueError, match="give both 2016 exports"):
        run_reproduction(tmp_path, staff=SAMPLE / "operativ.csv")
    with pytest.raises(ValueError, match="staff_export='.*saknas.csv': no such file"):
        run_reproduction(tmp_path, staff=tmp_path / "saknas.csv", managers=SAMPLE / "chefsgrupp.csv")


@pytest.mark.kernel
def test_reproduce_command_runs_the_notebook_on_given_exports_and_writes_html(tmp_path, run_cli_process):
    copies = [shutil.copy(SAMPLE / f"{s}.csv", tmp_path / f"{s}.csv") for s in ("operativ", "chefsgrupp")]
    result = run_cli_process("reproduce", "--staff", copies[0], "--managers", copies[1], "--out", str(tmp_path / "ut"))
    assert result.returncode == 0, result.stderr[-2000:]
    executed = json.loads((tmp_path / "ut" / "reproduce_fou_2017_1.ipynb").read_text(encoding="utf-8"))
    assert str(tmp_path / "operativ.csv") in json.dumps(executed["cells"][2]["source"])  # the injected parameters
    page = (tmp_path / "ut" / "reproduce_fou_2017_1.html").read_text(encoding="utf-8")
    assert "from samverkan" not in page and "staff_export" not in page
    tally = page.index("Sammanfattning")
    assert page.index("återgiven") > tally and "1 164" in page and "statistiskt säkerställd" in page
