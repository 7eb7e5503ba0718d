"""Every accepted input form of ``sv.load`` gives the same tidy answers; canonical round trip."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import samverkan as sv
from samverkan import instrument
from samverkan.load import ABOVE_HEADER, OTHER_SHEET, read_export

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


def _with_title(path, title_rows, *, delimiter=",", encoding="utf-8", rows=ROWS):
    """The small export (or ``rows``) with ``title_rows`` (lists of cells; [] a blank row) above its header."""
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows([*title_rows, HEADER, *rows])
    return path


@pytest.mark.parametrize(("title", "delimiter", "encoding"), [
    ([["Enkätresultat operativ personal 2019"]], ",", "utf-8"),
    ([["Enkätresultat", ""], ["Samordningsförbundet Test", "2019"], []], ";", "utf-8-sig"),
    ([["Rapport"], ["Export 2019-03-01"], ["Filter: alla"]], "\t", "cp1252"),
])
def test_a_title_above_the_header_is_skipped_and_listed(tmp_path, plain, title, delimiter, encoding):
    """Survey tools and hand-made sheets put a title above the header: the answers are read all the same."""
    path = _with_title(tmp_path / "title.csv", title, delimiter=delimiter, encoding=encoding)
    assert_frame_equal(_load(path), plain)
    result = read_export(path, survey="operativ", regions=REGIONS)
    titled = [k + 1 for k, row in enumerate(title) if any(row)]
    listed = result.ignored[result.ignored["reason"] == ABOVE_HEADER]
    assert list(listed["column"]) == [f"rad {row}" for row in titled]
    assert list(listed["cells"]) == [sum(bool(c) for c in title[row - 1]) for row in titled]
    assert not [p for p in result.problems if p.row and p.row > 1]
    rows = [list(row) for row in ROWS]
    rows[0][HEADER.index("lyssnar")] = "kanske"
    bad_export = _with_title(tmp_path / "bad.csv", title, delimiter=delimiter, encoding=encoding, rows=rows)
    bad = read_export(bad_export, survey="operativ", regions=REGIONS)
    # the first answer row keeps its number in the file: below the title and the header
    assert [(p.row, p.column) for p in bad.problems if p.row and p.row > 1] == [(len(title) + 2, "lyssnar")]


def test_a_title_above_the_header_of_a_workbook_is_skipped(tmp_path, plain):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in ([["Rapport: operativ personal"], [], HEADER, *ROWS]):
        sheet.append(row)
    book.save(tmp_path / "title.xlsx")
    assert_frame_equal(_load(tmp_path / "title.xlsx"), plain)


def test_an_information_sheet_before_the_answers_is_skipped_and_listed(tmp_path, plain):
    """A workbook that opens with a sheet about the survey: the answers' sheet is read, the first listed."""
    book = openpyxl.Workbook()
    info = book.active
    info.title = "Information"
    for row in (["Enkät: Samverkan 2019"], ["Exporterad: 2019-03-01", "av: enkätverktyget"]):
        info.append(row)
    answers = book.create_sheet("Svar")
    for row in (HEADER, *ROWS):
        answers.append(row)
    book.save(tmp_path / "info.xlsx")
    assert_frame_equal(_load(tmp_path / "info.xlsx"), plain)
    ignored = read_export(tmp_path / "info.xlsx", survey="operativ", regions=REGIONS).ignored
    listed = ignored[ignored["reason"] == OTHER_SHEET]
    assert list(listed["column"]) == ["bladet 'Information'"] and list(listed["cells"]) == [3]


def test_the_first_sheet_is_read_when_it_names_questions(tmp_path, plain):
    book = openpyxl.Workbook()
    for row in (HEADER, *ROWS):
        book.active.append(row)
    other = book.create_sheet("Kopia")
    for row in (HEADER, ["R9"]):
        other.append(row)
    book.save(tmp_path / "two.xlsx")
    assert_frame_equal(_load(tmp_path / "two.xlsx"), plain)
    assert not (read_export(tmp_path / "two.xlsx", survey="operativ", regions=REGIONS).ignored["reason"]
                == OTHER_SHEET).any()


@pytest.mark.parametrize("first", [
    ["Enkät", "operativ", "2019"],            # three filled cells: not a title, so it is the header
    ["lyssnar"],                              # names a question: it is the header
])
def test_a_first_row_that_is_not_a_title_stays_the_header(tmp_path, first):
    """The header is not searched for below a row that names a question or holds more than a title."""
    with pytest.raises(sv.DataError) as info:
        read_export(_with_title(tmp_path / "first.csv", [first]), survey="operativ", regions=REGIONS)
    assert all(p.row in (None, 1) for p in info.value.problems)
    assert any("respondent_id" in (p.column or "") + p.reason for p in info.value.problems)


@pytest.mark.parametrize("cell", [";", " ; ", ",;", ",\n;"])
def test_a_multiselect_cell_of_separators_only_is_a_blank_cell(tmp_path, plain, cell):
    """R2 (asked) and R3 (not asked) with only separators in former_med_brukare: as if the cells were blank."""
    rows = [list(row) for row in ROWS]
    column = HEADER.index("former_med_brukare")
    assert rows[1][column] == rows[2][column] == ""
    rows[1][column] = rows[2][column] = cell
    answers = _load(_write_csv(tmp_path / "separators.csv", HEADER, rows))
    assert_frame_equal(answers, plain)
    reasons = answers[answers["item"] == "former_med_brukare"].groupby("respondent_id")["missing_reason"].first()
    assert reasons["R2"] == "blank" and reasons["R3"] == "ej_tillfragad"


@pytest.mark.parametrize("cell", [";", " ; ", ",;"])
def test_a_unit_cell_of_separators_only_is_refused_like_a_blank_unit(tmp_path, cell):
    column = HEADER.index("kommun")
    problems = {}
    for name, text in (("blank", ""), ("separators", cell)):
        rows = [list(row) for row in ROWS]
        rows[1][column] = text
        answers, rejected = sv.load(_write_csv(tmp_path / f"{name}.csv", HEADER, rows), survey="operativ",
                                    regions=REGIONS, errors="collect")
        assert "R2" not in set(answers["respondent_id"])
        problems[name] = rejected[["row", "column", "reason"]].reset_index(drop=True)
    assert problems["blank"]["reason"].str.contains("kommun saknas").any()
    assert_frame_equal(problems["separators"], problems["blank"])

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


# ------------------------------------------------------------- survey-tool exports (issue 10)

TEXTS = {i.id: i.text for i in instrument.survey("operativ").items} | dict(instrument.survey("operativ").comments)


def _numbered(style: str) -> list[str]:
    """HEADER as a survey tool writes it: numbered wording (``style`` formats number and text)."""
    return [h if h == "respondent_id" else style.format(n=n, text=TEXTS[h]) for n, h in enumerate(HEADER, start=1)]


@pytest.mark.parametrize("style", ["Q{n}. {text}", "{n}. {text}", "{n}) {text}", "Fråga {n}: {text}", "F{n} {text}",
                                   "q{n}.{text}", "{n}.a {text}"])
def test_numbered_headers_match_the_wording(tmp_path, plain, style):
    assert_frame_equal(_load(_write_csv(tmp_path / "n.csv", _numbered(style), ROWS)), plain)


def test_metadata_columns_are_ignored_and_listed_and_svars_id_is_the_respondent(tmp_path, plain):
    header = ["Svars-ID", "Starttid", *HEADER[1:], "Språk", "Slutförd", "E-postadress", "IP-adress"]
    rows = [[r[0], "2019-03-01 10:00", *r[1:], "sv", "Ja", "", "10.0.0.1"] for r in ROWS]
    path = _write_csv(tmp_path / "m.csv", header, rows)
    assert_frame_equal(_load(path), plain)
    result = sv.read_export(path, survey="operativ")
    assert result.ignored[["column", "reason", "cells"]].values.tolist() == [
        ["Starttid", "metadata från enkätverktyget", 4], ["Språk", "metadata från enkätverktyget", 4],
        ["Slutförd", "metadata från enkätverktyget", 4], ["E-postadress", "metadata från enkätverktyget", 0],
        ["IP-adress", "metadata från enkätverktyget", 4]]
    assert result.cells_read == sv.read_export(_write_csv(tmp_path / "p.csv", HEADER, ROWS), survey="operativ").cells_read


def test_unknown_column_is_still_an_error_with_did_you_mean(tmp_path):
    header = [*HEADER[:7], "Q8. Hur ofta upplever du att de andra parterna lyssnar på vad du säger?", *HEADER[8:]]
    with pytest.raises(sv.DataError) as caught:
        sv.load(_write_csv(tmp_path / "u.csv", header, ROWS), survey="operativ")
    text = str(caught.value)
    assert "u.csv:1:Q8. Hur ofta upplever du att de andra parterna lyssnar på vad du säger?: okänd kolumn" in text
    assert "menade du 'lyssnar'?" in text and "u.csv::lyssnar: kolumnen lyssnar saknas i filen" in text


def test_columns_mapping_names_odd_headers_and_ignores_others(tmp_path, plain):
    header = ["Löpnr.", *HEADER[1:7], "Lyssnar de andra?", *HEADER[8:], "Intern anteckning"]
    rows = [[*r, "ring tillbaka"] for r in ROWS]
    path = _write_csv(tmp_path / "c.csv", header, rows)
    columns = {"löpnr.": "respondent_id", "Lyssnar de andra?": "lyssnar", "INTERN  anteckning": "ignore"}
    assert_frame_equal(_load(path, columns=columns), plain)
    ignored = sv.read_export(path, survey="operativ", columns=columns).ignored
    assert ignored[["column", "reason", "cells"]].values.tolist() == [["Intern anteckning", "columns: ignore", 4]]


def test_a_mapping_to_an_unknown_question_is_an_argument_error(tmp_path):
    path = _write_csv(tmp_path / "p.csv", HEADER, ROWS)
    with pytest.raises(ValueError, match=r"columns\['Q7'\]: 'lyssnr' är inte en fråga i enkäten operativ; "
                                         r"menade du 'lyssnar'\?") as caught:
        sv.load(path, survey="operativ", columns={"Q7": "lyssnr"})
    assert not isinstance(caught.value, sv.DataError)
    with pytest.raises(ValueError, match="går bara för enhetsfrågan och flervalsfrågor"):
        sv.load(path, survey="operativ", columns={"Q7": "lyssnar = ofta"})
    with pytest.raises(ValueError, match="okänt alternativ 'fika'"):
        sv.load(path, survey="operativ", columns={"Q7": "former_med_brukare = fika"})
    with pytest.raises(ValueError, match="columns must be a mapping"):
        sv.load(path, survey="operativ", columns=["lyssnar"])


def test_ignoring_a_required_column_says_which_mapping_did_it(tmp_path):
    path = _write_csv(tmp_path / "p.csv", ["Svars-ID", *HEADER[1:]], ROWS)
    with pytest.raises(sv.DataError) as caught:
        sv.load(path, survey="operativ", columns={"Svars-ID": "ignore", "lyssnar": "ignore"})
    lines = str(caught.value).splitlines()[1:]
    assert lines[0] == (f"{path}::respondent_id: kolumnen respondent_id saknas i filen: kolumnen 'Svars-ID' är den, "
                        "men columns säger ignore")
    assert f"{path}::lyssnar: kolumnen lyssnar saknas i filen: kolumnen 'lyssnar' är den, men columns säger ignore" in lines
    with pytest.raises(sv.DataError, match="p.csv::lyssnar: kolumnen lyssnar saknas i filen: kolumnen 'lyssnar' är den"):
        sv.load(path, survey="operativ", columns={"lyssnar": "ignore"})


def test_answer_synonyms_from_the_instrument(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][7], rows[0][8], rows[0][9] = "Vet inte", "Ingen åsikt", "Ej relevant"
    rows[1][8] = "Vet ej/Ej aktuellt"
    answers = _load(_write_csv(tmp_path / "s.csv", HEADER, rows)).drop_duplicates(["respondent_id", "item"])
    reasons = answers.set_index(["respondent_id", "item"])["missing_reason"]
    assert [reasons[("R1", "lyssnar")], reasons[("R1", "vet_tillfora")], reasons[("R1", "synsatt")],
            reasons[("R2", "vet_tillfora")]] == ["vet_ej", "vet_ej", "ej_aktuellt", "vet_ej"]
    synonyms = yaml_instrument()["non_substantive"]
    assert {"vet inte", "ingen åsikt", "ej relevant", "vet ej/ej aktuellt"} <= set(synonyms)


def yaml_instrument() -> dict:
    import yaml

    return yaml.safe_load(instrument.INSTRUMENT_PATH.read_text(encoding="utf-8"))


# One column per option: the unit question and former_med_brukare, as Netigate-like tools write them.
UNITS = ["Bollnäs", "Söderhamn", "Gävle", "Ovanåker"]
FORMS = list(instrument.survey("operativ").item("former_med_brukare").labels)


def _per_option(marks: dict[str, str], *, unit_mark: str = "name") -> tuple[list[str], list[list[str]]]:
    """HEADER/ROWS with kommun and former_med_brukare spread over one column per option."""
    k, f = HEADER.index("kommun"), HEADER.index("former_med_brukare")
    header = [h for h in HEADER if h not in ("kommun", "former_med_brukare")]
    header += [f"6. {TEXTS['kommun']} - {u}" for u in UNITS] + [f"Q11. {TEXTS['former_med_brukare']} - {o}" for o in FORMS]
    rows = []
    for row in ROWS:
        units = [u.casefold() for u in row[k].split(", ")]
        chosen = row[f].split(", ") if row[f] else []
        cells = [c for i, c in enumerate(row) if i not in (k, f)]
        cells += [(u if unit_mark == "name" else unit_mark) if u.casefold() in units else "" for u in UNITS]
        cells += [marks.get(o, "x") if o in chosen else marks.get("", "") for o in FORMS]
        rows.append(cells)
    return header, rows


@pytest.mark.parametrize(("marks", "unit_mark"), [({}, "name"), ({"SIP-möte": "1", "trepartssamtal": "Ja"}, "x"),
                                                  ({"SIP-möte": "SIP-möte", "": "0"}, "1"), ({"": "Nej"}, "Ja")])
def test_multi_choice_as_one_column_per_option(tmp_path, plain, marks, unit_mark):
    header, rows = _per_option(marks, unit_mark=unit_mark)
    path = _write_csv(tmp_path / "o.csv", header, rows)
    answers = _load(path)
    columns = list(plain.columns)
    key = ["respondent_id", "unit", "item", "value"]
    expected = plain.assign(unit=plain["unit"].astype(str).replace({"gävle": "Gävle"}))
    got = answers[columns].astype({"unit": str}).sort_values(key).reset_index(drop=True)
    assert_frame_equal(got, expected.astype({"unit": str}).sort_values(key).reset_index(drop=True), check_categorical=False)
    result = sv.read_export(path, survey="operativ")
    plain_cells = sv.read_export(_write_csv(tmp_path / "p.csv", HEADER, ROWS), survey="operativ").cells_read
    assert result.cells_read == plain_cells + 4 * (len(FORMS) - 1)  # one cell per option instead of one per row


def test_bad_option_cell_names_row_and_column_and_rejects_every_option_cell(tmp_path):
    header, rows = _per_option({})
    column = f"Q11. {TEXTS['former_med_brukare']} - trepartssamtal"
    rows[0][header.index(column)] = "kanske"
    path = _write_csv(tmp_path / "o.csv", header, rows)
    result = sv.read_export(path, survey="operativ")
    assert [str(p) for p in result.problems if p.row is not None] == [
        f"{path}:2:{column}: okänt värde 'kanske' i kolumnen för alternativet 'trepartssamtal' av frågan "
        "former_med_brukare; förväntat alternativets text, x, 1 eller ja (valt), eller tomt, 0 eller nej (inte valt)"]
    rejected = result.rejected[result.rejected["row"] == 2]
    assert len(rejected) == len(FORMS) and set(rejected["item"]) == {"former_med_brukare"}
    kept = result.answers.drop_duplicates(["respondent_id", "item"])
    per_item = {i: (len(FORMS) if i == "former_med_brukare" else 1) for i in kept["item"].astype(str)}
    kept_cells = sum(per_item[i] for i in kept["item"].astype(str)) + len(result.comments)
    assert kept_cells + len(rejected) == result.cells_read


@pytest.mark.parametrize(("header_cell", "reason"), [
    (f"Q11. {TEXTS['former_med_brukare']} - ", "saknar alternativet"),
    (f"Q11. {TEXTS['former_med_brukare']} - Fika", "okänt alternativ 'Fika' för frågan former_med_brukare"),
    (f"Q11. {TEXTS['former_med_brukare']} [SIP-möte]", "finns redan som en kolumn"),
])
def test_bad_option_headers_are_named(tmp_path, header_cell, reason):
    path = _write_csv(tmp_path / "b.csv", [*HEADER, header_cell], [[*r, ""] for r in ROWS])
    [problem] = [p for p in sv.read_export(path, survey="operativ").problems if p.row is not None]
    assert (problem.row, problem.column) == (1, header_cell.strip()) and reason in problem.reason, problem


def test_bom_and_a_unit_per_option_in_a_cp1252_semicolon_file(tmp_path, plain):
    header, rows = _per_option({}, unit_mark="X")
    bom = _write_csv(tmp_path / "bom.csv", ["Svars-ID", *header[1:]], rows, encoding="utf-8-sig", delimiter=";")
    assert bom.read_bytes().startswith(b"\xef\xbb\xbfSvars-ID;")
    windows = _write_csv(tmp_path / "win.csv", header, rows, encoding="cp1252", delimiter=";")
    assert_frame_equal(_load(bom), _load(windows))
    assert set(_load(bom)["unit"].astype(str)) == {"Bollnäs", "Söderhamn", "Gävle", "Ovanåker"}


def test_missing_relative_file_names_the_resolved_path_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sv.DataError) as caught:
        sv.load("../data/x.xlsx", survey="operativ")
    [problem] = caught.value.problems
    assert problem.file == str((tmp_path / "../data/x.xlsx").resolve())
    assert f"från arbetsmappen {tmp_path}" in problem.reason and "--cwd" in problem.reason


# ------------------------------------------------------------------------------ SPSS


def _write_sav(path, rows=ROWS, *, extra_missing=None):
    """ROWS as SPSS would hold them: coded variables q1… with value and variable labels, user-missing
    codes 97 "Ej aktuellt", 98 "Vet ej", 99 "Ej svar", former_med_brukare as 0/1 dichotomies."""
    import numpy as np
    import pyreadstat

    survey = instrument.survey("operativ")
    data, labels, value_labels, missing = {}, {}, {}, {}
    special = {"ej aktuellt": 97.0, "vet ej": 98.0}
    for n, column in enumerate(HEADER, start=1):
        cells = [r[n - 1] for r in rows]
        name = f"q{n}"
        if column in ("respondent_id", "kommun", "samverkan_kommentar"):
            data[name if column != "respondent_id" else "lopnr"] = cells
            labels[name if column != "respondent_id" else "lopnr"] = TEXTS[column] if column != "respondent_id" else "Löpnummer"
            continue
        item = survey.item(column)
        if item.kind == "multiselect":
            for k, option in enumerate(item.labels, start=1):
                data[f"{name}_{k}"] = [float(option in c.split(", ")) if c else 0.0 for c in cells]
                labels[f"{name}_{k}"] = f"{item.text} - {option}"
                value_labels[f"{name}_{k}"] = {0.0: "Ej vald", 1.0: "Vald"}
            continue
        codes = {label.casefold(): float(k) for k, label in enumerate(item.labels, start=1)}
        data[name] = [np.nan if not c else special.get(c.casefold(), codes.get(c.casefold())) for c in cells]
        labels[name] = item.text
        value_labels[name] = {v: k.capitalize() for k, v in codes.items()} | {97.0: "Ej aktuellt", 98.0: "Vet ej",
                                                                                99.0: "Ej svar"}
        missing[name] = [97.0, 98.0, 99.0]
    for name, (row, value) in (extra_missing or {}).items():
        data[name][row] = value
    frame = pd.DataFrame(data)
    pyreadstat.write_sav(frame, str(path), column_labels=labels, variable_value_labels=value_labels,
                         missing_ranges=missing)
    return path


def test_spss_file_loads_like_the_csv(tmp_path, plain):
    path = _write_sav(tmp_path / "e.sav")
    answers = _load(path)
    assert_frame_equal(answers, plain)
    result = sv.read_export(path, survey="operativ")
    assert [c.how for c in result.layout.columns][:2] == ["respondent-id (variabeletiketten)",
                                                         "frågans formulering (variabeletiketten)"]


def test_spss_user_missing_code_without_a_known_label_is_coded_missing(tmp_path):
    path = _write_sav(tmp_path / "m.sav", extra_missing={"q9": (0, 99.0)})
    answers = _load(path)
    synsatt = answers[(answers["item"] == "vet_tillfora") & (answers["respondent_id"] == "R1")]  # q9
    assert set(synsatt["missing_reason"]) == {"kodat_saknat"} and synsatt["value"].isna().all()


def test_spss_value_label_not_on_the_scale_is_named(tmp_path):
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(_write_sav(tmp_path / "a.sav")), user_missing=True)
    labels = dict(meta.variable_value_labels)
    labels["q8"] = {**labels["q8"], 5.0: "Nästan alltid"}
    pyreadstat.write_sav(frame, str(tmp_path / "b.sav"), column_labels=meta.column_names_to_labels,
                         variable_value_labels=labels, missing_ranges=meta.missing_ranges)
    problems = sv.read_export(tmp_path / "b.sav", survey="operativ").problems
    cells = [str(p) for p in problems if p.row is not None]
    assert cells == [f"{tmp_path / 'b.sav'}:2:q8: okänt svar 'Nästan alltid' på frågan lyssnar; förväntat ett av "
                     "'aldrig', 'sällan', 'ibland', 'ofta', 'för det mesta', 'alltid' eller en kod 1–6; "
                     "menade du 'alltid'?"]


def test_a_file_that_is_not_spss_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "x.sav"
    path.write_bytes(b"not an spss file at all" * 10)
    with pytest.raises(sv.DataError, match="kan inte läsas som SPSS-fil"):
        sv.load(path, survey="operativ")


def test_ignored_columns_of_a_forbund_for_the_report(tmp_path):
    header = ["Svars-ID", "Starttid", *HEADER[1:], "Intern anteckning"]
    rows = [[r[0], "2019-03-01", *r[1:], ""] for r in ROWS]
    path = _write_csv(tmp_path / "m.csv", header, rows)
    table = sv.ignored_columns({"operativ": path, "chefsgrupp": None},
                               columns={"operativ": {"Intern anteckning": "ignore"}})
    assert table.values.tolist() == [["operativ", "Starttid", "metadata från enkätverktyget", 4],
                                     ["operativ", "Intern anteckning", "columns: ignore", 0]]


def test_init_reads_a_canonical_file_as_its_survey(tmp_path):
    from samverkan.scaffold import detect_all

    saved = sv.save(sv.load(sv.sample_path("kustbygden", "2019", "chefsgrupp"), survey="chefsgrupp"), tmp_path / "c.csv")
    [detected] = detect_all([saved])
    assert (detected.survey, detected.entries, detected.problems) == ("chefsgrupp", [], [])
    assert detected.respondents == sv.load(saved, survey="chefsgrupp")["respondent_id"].nunique()


def test_an_oversized_spss_file_is_refused_before_its_data_is_read(tmp_path, monkeypatch):
    from samverkan import sav

    path = _write_sav(tmp_path / "big.sav")
    monkeypatch.setattr(sav, "MAX_CELLS", 10)
    with pytest.raises(sv.DataError, match=r"big.sav::: filen har 4 fall × \d+ variabler, fler celler än gränsen 10"):
        sv.load(path, survey="operativ")
