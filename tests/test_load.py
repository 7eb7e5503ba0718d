"""Every accepted input form of ``sv.load`` gives the same tidy answers; canonical round trip."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import samverkan as sv
from samverkan import instrument

REGIONS = {
    "Södra Hälsingland": ["Bollnäs", "Söderhamn", "Ovanåker"],
    "Gävle": ["Gävle"],
}

# A small wide export in the plainest form: ids as headers, labels as cells.
HEADER = ["respondent_id", "kontakt_malgrupp", "erfarenhet_samverkan", "verksamhet", "yrke", "kommun",
          "strukturerad", "lyssnar", "vet_tillfora", "synsatt", "former_med_brukare", "samverkan_kommentar"]
ROWS = [
    ["R1", "ja", "ja", "primärvård", "sjuksköterska", "Bollnäs, Söderhamn", "ja", "för det mesta", "ofta",
     "delvis", "SIP-möte, trepartssamtal", "Bra möten"],
    ["R2", "ja", "ja", "socialtjänst", "socialsekreterare", "Gävle", "nej", "Vet ej", "sällan",
     "till stor del", "", ""],
    ["R3", "nej", "", "Arbetsförmedlingen", "arbetsförmedlare", "Ovanåker", "", "", "", "", "", ""],
    ["R4", "ja", "ja", "psykiatri", "kurator", "gävle", "ja", "alltid", "Ej aktuellt", "", "teammöte", ""],
]
# R4's "teammöte" is not an option of former_med_brukare: fixed below so ROWS is valid.
ROWS[3][10] = "avstämningsmöte"
CODES = {"lyssnar": "frequency", "vet_tillfora": "frequency", "synsatt": "extent"}


def _write_csv(path, header, rows, *, encoding="utf-8", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    return path


def _load(path, **kwargs):
    """Load the small export; only the columns present are compared (missing columns are problems)."""
    answers, rejected = sv.load(path, survey="operativ", regions=REGIONS, errors="collect", **kwargs)
    cell_problems = rejected[rejected["row"].fillna(0) > 1]
    assert cell_problems.empty, cell_problems.to_string()
    return answers


@pytest.fixture
def plain(tmp_path):
    return _load(_write_csv(tmp_path / "plain.csv", HEADER, ROWS))


def test_plain_export_gives_one_row_per_respondent_unit_item(plain):
    lyssnar = plain[plain["item"] == "lyssnar"].set_index(["respondent_id", "unit"])
    assert lyssnar.loc[("R1", "Bollnäs"), "label"] == "för det mesta"
    assert lyssnar.loc[("R1", "Söderhamn"), "value"] == 5
    assert lyssnar.loc[("R1", "Söderhamn"), "region"] == "Södra Hälsingland"
    assert lyssnar.loc[("R2", "Gävle"), "missing_reason"] == "vet_ej"
    assert lyssnar.loc[("R3", "Ovanåker"), "missing_reason"] == "ej_tillfragad"
    assert lyssnar.loc[("R4", "Gävle"), "value"] == 6  # unit written "gävle" is matched to "Gävle"
    assert list(plain.columns[:10]) == list(instrument.CANONICAL_COLUMNS)
    assert plain["value"].isna().eq(plain["missing_reason"].notna()).all()


def test_background_answers_are_columns_on_every_row(plain):
    r1 = plain[plain["respondent_id"] == "R1"]
    assert set(r1["verksamhet"]) == {"primärvård"}
    assert set(r1["strukturerad"]) == {"ja"}
    assert plain.loc[plain["respondent_id"] == "R3", "strukturerad"].isna().all()


def test_multiselect_gives_one_row_per_chosen_option(plain):
    chosen = plain[(plain["item"] == "former_med_brukare") & (plain["respondent_id"] == "R1")]
    assert sorted(chosen.loc[chosen["unit"] == "Bollnäs", "label"]) == ["SIP-möte", "trepartssamtal"]


def test_comments_never_in_answers(tmp_path, plain):
    assert "Bra möten" not in plain.astype(str).to_numpy().ravel()
    comments = sv.load_comments(_write_csv(tmp_path / "c.csv", HEADER, ROWS), survey="operativ")
    assert comments[["respondent_id", "item", "text"]].values.tolist() == [["R1", "samverkan_kommentar", "Bra möten"]]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ";"), ("utf-8", "\t"), ("cp1252", ","), ("utf-8-sig", ";")],
)
def test_encodings_and_delimiters(tmp_path, plain, encoding, delimiter):
    path = _write_csv(tmp_path / "e.csv", HEADER, ROWS, encoding=encoding, delimiter=delimiter)
    assert_frame_equal(_load(path), plain)


def test_xlsx(tmp_path, plain):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [HEADER, *ROWS]:
        sheet.append([_xlsx_cell(c) for c in row])
    book.save(tmp_path / "e.xlsx")
    assert_frame_equal(_load(tmp_path / "e.xlsx"), plain)


def _xlsx_cell(cell: str):
    return None if cell == "" else cell


def test_swedish_wording_headers_and_messy_case(tmp_path, plain):
    survey = instrument.survey("operativ")
    header = [f"  {survey.item(h).text.upper()} " if h in CODES else h for h in HEADER]
    rows = [[c.upper() + "  " if HEADER[i] in CODES else c for i, c in enumerate(row)] for row in ROWS]
    assert_frame_equal(_load(_write_csv(tmp_path / "w.csv", header, rows)), plain)


def test_numeric_codes(tmp_path, plain):
    survey = instrument.survey("operativ")

    def code(column, cell):
        labels = survey.item(column).labels if column in CODES else ()
        return str(labels.index(cell) + 1) if cell in labels else cell

    rows = [[code(HEADER[i], c) for i, c in enumerate(row)] for row in ROWS]
    assert rows[0][7] == "5"
    assert_frame_equal(_load(_write_csv(tmp_path / "n.csv", HEADER, rows)), plain)


def test_numeric_codes_as_excel_numbers(tmp_path, plain):
    book = openpyxl.Workbook()
    for row in [HEADER, *ROWS]:
        book.active.append([_xlsx_cell(c) for c in row])
    book.active["H5"] = 6.0  # R4 lyssnar "alltid" as the float Excel stores
    book.save(tmp_path / "n.xlsx")
    assert_frame_equal(_load(tmp_path / "n.xlsx"), plain)


def test_without_regions_units_kept_as_written(tmp_path):
    answers, _ = sv.load(_write_csv(tmp_path / "p.csv", HEADER, ROWS), survey="operativ", errors="collect")
    assert answers["region"].isna().all()
    assert "gävle" in set(answers["unit"])


def test_forbund_and_wave_fill_every_row(tmp_path):
    answers, _ = sv.load(_write_csv(tmp_path / "p.csv", HEADER, ROWS), survey="operativ",
                         forbund="gavleborg", wave="2016", errors="collect")
    assert set(answers["forbund"]) == {"gavleborg"} and set(answers["wave"]) == {"2016"}


def test_canonical_round_trip_is_lossless(tmp_path):
    wide = _write_csv(tmp_path / "plain.csv", HEADER, ROWS)
    original = _load(wide, forbund="gavleborg", wave="2016")
    saved = sv.save(original, tmp_path / "canonical.csv")
    again = sv.load(saved, survey="operativ", regions=REGIONS)
    assert_frame_equal(again, original)
    assert sv.save(again, tmp_path / "twice.csv").read_bytes() == saved.read_bytes()
    assert isinstance(again["item"].dtype, pd.CategoricalDtype)


def test_concat_unites_categories(tmp_path):
    wide = _write_csv(tmp_path / "plain.csv", HEADER, ROWS)
    first = _load(wide, forbund="a", wave="2016")
    second = _load(wide, forbund="b", wave="2019")
    both = sv.concat([first, second])
    assert len(both) == 2 * len(first)
    assert list(both["forbund"].cat.categories) == ["a", "b"]
    assert list(both["item"].cat.categories) == list(first["item"].cat.categories)
    assert both["value"].dtype == "Int64"


def test_canonical_header_follows_table_schema(tmp_path, plain):
    import json

    schema = json.loads(instrument.TABLE_SCHEMA_PATH.read_text(encoding="utf-8"))
    names = [f["name"] for f in schema["fields"]]
    header = next(csv.reader(open(sv.save(plain, tmp_path / "c.csv"), encoding="utf-8")))
    assert header == [n for n in names if n in header]
    assert set(instrument.CANONICAL_COLUMNS) <= set(header)
    reasons = next(f for f in schema["fields"] if f["name"] == "missing_reason")["constraints"]["enum"]
    assert set(plain["missing_reason"].dropna()) <= set(reasons)


def test_load_does_not_accept_unknown_arguments(tmp_path):
    path = _write_csv(tmp_path / "p.csv", HEADER, ROWS)
    with pytest.raises(ValueError, match="errors='ignore'.*'raise', 'collect'"):
        sv.load(path, survey="operativ", errors="ignore")
    with pytest.raises(ValueError, match="survey='personal'.*chefsgrupp"):
        sv.load(path, survey="personal")
    with pytest.raises(ValueError, match="two regions"):
        sv.load(path, survey="operativ", regions={"A": ["Gävle"], "B": ["gävle"]})


def test_raise_mode_lists_every_problem(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][7] = "oftta"
    rows[2][5] = "Bolnäs"
    with pytest.raises(sv.DataError) as caught:
        sv.load(_write_csv(tmp_path / "bad.csv", HEADER, rows), survey="operativ", regions=REGIONS)
    text = str(caught.value)
    assert "bad.csv:3:lyssnar: okänt svar 'oftta'" in text and "menade du 'ofta'" in text
    assert "bad.csv:4:kommun: enheten 'Bolnäs' finns inte i förbundets regions; menade du 'Bollnäs'?" in text
    assert isinstance(caught.value, ValueError)


def test_instrument_ids_are_the_design_contract():
    operativ = [i.id for i in instrument.survey("operativ").items]
    for item_id in ["respondent_id", "kontakt_malgrupp", "erfarenhet_samverkan", "verksamhet", "yrke", "kommun",
                    "samverkar_en_part", "samverkar_tva_parter", "samverkar_tre_fler", "strukturerad",
                    "nytta_individ", "nytta_organisation", "former_med_brukare", "former_utan_brukare",
                    "former_ovriga", "lyssnar", "vet_tillfora", "brukare_tillvara", "rutiner_myndigheter",
                    "rutiner_aktorer", "strukturer_myndigheter", "strukturer_aktorer", "synsatt", "arbetssatt"]:
        assert item_id in operativ
    chefsgrupp = [i.id for i in instrument.survey("chefsgrupp").items]
    for item_id in ["respondent_id", "verksamhet", "chef_mandat", "antal_traffar", "vikt_delta", "mysam_grupp",
                    "lyssnar", "vet_tillfora", "rutiner_relationer", "forebyggande", "brukare_tillvara"]:
        assert item_id in chefsgrupp
    assert all(c.endswith("_kommentar") for s in instrument.survey_names() for c in instrument.survey(s).comment_ids)


def test_scales_match_the_published_report(reference):
    for name in ("frequency", "extent", "importance"):
        assert list(instrument.scale(name).labels) == reference["scales"][name]
    for name in ("frequency", "extent"):
        assert list(instrument.scale(name).high) == reference["scales"]["high_values"][name]


def test_wording_is_unique_within_each_survey():
    for name in instrument.survey_names():
        survey = instrument.survey(name)
        texts = [instrument.normalize_text(i.text) for i in survey.items] + [
            instrument.normalize_text(t) for _, t in survey.comments
        ]
        assert len(texts) == len(set(texts))


def test_tidy_frame_is_a_dataframe(plain):
    assert isinstance(plain, pd.DataFrame)
    assert plain["value"].dtype == "Int64"
