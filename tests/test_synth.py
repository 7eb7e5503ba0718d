"""The synthetic sample: byte-identical regeneration, seeds, formats, and spec validation."""

from __future__ import annotations

import copy
import re

import numpy as np
import pandas as pd
import pytest

from samverkan import instrument
from samverkan.sample import SAMPLE_DIR, SPECS_DIR, export, generate
from samverkan.sample import spec as spec_module

COMMITTED = sorted(SAMPLE_DIR.glob("*/*/*.csv"))
FICTIONAL = ["alvdalsbygden", "fjallmarken", "kustbygden", "sjobygden", "skogslandet"]


@pytest.fixture(scope="module")
def gavleborg() -> dict:
    return spec_module.load_spec(SPECS_DIR / "gavleborg.yaml")


@pytest.fixture(scope="module")
def frames(gavleborg) -> dict[str, pd.DataFrame]:
    return generate.generate(gavleborg, "2016")


@pytest.fixture(scope="module")
def all_frames() -> dict[tuple[str, str, str], pd.DataFrame]:
    out = {}
    for path in spec_module.spec_paths():
        spec = spec_module.load_spec(path)
        for wave in spec["waves"]:
            for survey, frame in generate.generate(spec, wave).items():
                out[(spec["id"], wave, survey)] = frame
    return out


# -------------------------------------------------------------- regeneration


def test_regeneration_is_byte_identical_to_the_committed_sample(tmp_path) -> None:
    written = export.write_all(tmp_path)
    relative = sorted(p.relative_to(tmp_path) for p in written)
    assert relative == sorted(p.relative_to(SAMPLE_DIR) for p in COMMITTED)
    for path in COMMITTED:
        fresh = tmp_path / path.relative_to(SAMPLE_DIR)
        assert fresh.read_bytes() == path.read_bytes(), f"{path} differs from a fresh regeneration"


def test_write_forbund_returns_every_wave_and_survey(tmp_path) -> None:
    paths = export.write_forbund(SPECS_DIR / "gavleborg.yaml", tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "gavleborg/2016/operativ.csv", "gavleborg/2016/chefsgrupp.csv",
        "gavleborg/2019/operativ.csv", "gavleborg/2019/chefsgrupp.csv",
    ]


def test_same_seed_same_data_other_seed_other_data(gavleborg, frames) -> None:
    again = generate.generate(gavleborg, "2016")
    other = generate.generate({**gavleborg, "seed": gavleborg["seed"] + 1}, "2016")
    for survey, frame in frames.items():
        pd.testing.assert_frame_equal(frame, again[survey])
        assert not frame.equals(other[survey])
    # the calibrated counts are built, not drawn: they do not depend on the seed
    for column in ("kontakt_malgrupp", "strukturerad", "verksamhet", "samverkar_en_part"):  # respondent level
        assert frames["operativ"][column].value_counts().sort_index().equals(
            other["operativ"][column].value_counts().sort_index()
        ), column


def test_write_all_without_specs_fails(tmp_path) -> None:
    with pytest.raises(ValueError, match="no spec files"):
        export.write_all(tmp_path / "out", specs_dir=tmp_path)


# ------------------------------------------------------------------ contents


def test_columns_are_every_item_and_comment_in_questionnaire_order(all_frames) -> None:
    for (_, _, survey), frame in all_frames.items():
        spec = instrument.survey(survey)
        assert list(frame.columns) == [i.id for i in spec.items] + list(spec.comment_ids)


def test_cells_are_instrument_labels(all_frames) -> None:
    missing = set(spec_module.MISSING_CELLS.values())
    for key, frame in all_frames.items():
        spec = instrument.survey(key[2])
        for item in spec.items:
            cells = set(frame[item.id])
            if item.kind in ("ordinal", "nominal"):
                assert cells <= set(item.labels) | missing, (key, item.id, cells - set(item.labels) - missing)
            elif item.kind == "multiselect":
                chosen = {part for cell in cells if cell for part in cell.split(", ")}
                assert chosen <= set(item.labels), (key, item.id)


def test_unit_cells_name_known_units(all_frames) -> None:
    for (forbund, _, survey), frame in all_frames.items():
        spec = spec_module.load_spec(SPECS_DIR / f"{forbund}.yaml")
        regions = spec["regions"] if survey == "operativ" else spec["mysam_groups"]
        known = {u for units in regions.values() for u in units}
        column = instrument.survey(survey).unit_item
        units = [cell.split(", ") for cell in frame[column]]
        assert all(u and set(u) <= known and len(set(u)) == len(u) for u in units)


def test_respondent_ids_are_unique_and_synthetic(all_frames) -> None:
    for (forbund, wave, survey), frame in all_frames.items():
        ids = frame["respondent_id"]
        assert ids.is_unique
        assert ids.str.fullmatch(rf"[A-Z]{{2,5}}{wave[-2:]}-{'C' if survey == 'chefsgrupp' else ''}\d{{4}}").all()


def test_questions_not_asked_are_blank(frames) -> None:
    staff = frames["operativ"]
    spec = instrument.survey("operativ")
    for item in spec.items:
        for condition, allowed in item.asked_if.items():
            not_asked = ~staff[condition].isin(allowed)
            assert (staff.loc[not_asked, item.id] == "").all(), item.id
    no_contact = staff["kontakt_malgrupp"] != "ja"
    assert (staff.loc[no_contact, "erfarenhet_samverkan"] == "").all()
    assert (staff.loc[no_contact, "lyssnar"] == "").all()


def test_non_substantive_answers_are_rare_but_present(all_frames) -> None:
    staff = all_frames[("gavleborg", "2016", "operativ")]
    asked = staff[staff["erfarenhet_samverkan"] == "ja"]
    for item in instrument.survey("operativ").indicator_items:
        rate = asked[item.id].isin(["Vet ej", "Ej aktuellt", ""]).mean()
        assert 0 < rate < 0.1, (item.id, rate)


def test_comments_are_few_and_obviously_synthetic(all_frames) -> None:
    for key, frame in all_frames.items():
        comment_ids = instrument.survey(key[2]).comment_ids
        written = frame[list(comment_ids)].ne("").any(axis=1)
        assert 0 < written.mean() <= 0.1, key
        texts = frame[list(comment_ids)].to_numpy().ravel()
        assert all(t.startswith("Syntetisk kommentar: ") for t in texts if t)


def test_names_say_the_data_are_synthetic() -> None:
    for path in spec_module.spec_paths():
        spec = spec_module.load_spec(path)
        assert spec["name"].endswith(("(syntetiska data)", "(fiktivt)")), spec["name"]
        assert "SYNTETISKA DATA" in path.read_text(encoding="utf-8")
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower() and "syntetisk" in readme.lower()


def test_fictional_forbund_cover_the_required_range(all_frames) -> None:
    staff = {f: all_frames[(f, "2019", "operativ")] for f in FICTIONAL}
    managers = {f: all_frames[(f, "2019", "chefsgrupp")] for f in FICTIONAL}
    assert all(60 <= len(frame) <= 300 for frame in staff.values())
    assert all(10 <= len(frame) <= 40 for frame in managers.values())
    municipalities = {f: len({u for units in spec_module.load_spec(SPECS_DIR / f"{f}.yaml")["regions"].values()
                              for u in units}) for f in FICTIONAL}
    assert min(municipalities.values()) == 1 and max(municipalities.values()) == 7
    assert ("alvdalsbygden", "2016", "operativ") in all_frames


def test_one_region_has_fewer_than_five_respondents(all_frames) -> None:
    staff = all_frames[("fjallmarken", "2019", "operativ")]
    managers = all_frames[("fjallmarken", "2019", "chefsgrupp")]
    analysis = staff[staff["erfarenhet_samverkan"] == "ja"]
    assert 0 < analysis["kommun"].str.contains("Högfjällsby").sum() < 5
    assert 0 < managers["mysam_grupp"].str.contains("Mysam Högfjällsby").sum() < 5


def test_some_staff_work_in_several_municipalities(frames, all_frames) -> None:
    assert frames["operativ"]["kommun"].str.contains(", ").any()
    assert frames["chefsgrupp"]["mysam_grupp"].str.contains(", ").any()
    cross = all_frames[("skogslandet", "2019", "operativ")]["kommun"].str.split(", ")
    west = {"Tallmo", "Granås", "Myrheden"}
    assert any(set(units) & west and set(units) - west for units in cross)


# ------------------------------------------------------------------- formats


def test_cp1252_semicolon_export() -> None:
    raw = (SAMPLE_DIR / "sjobygden" / "2019" / "operativ.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = raw.decode("cp1252").split("\n")[0]
    assert header.startswith("respondent_id;kontakt_malgrupp;")


def test_question_text_headers() -> None:
    header = (SAMPLE_DIR / "skogslandet" / "2019" / "operativ.csv").read_text(encoding="utf-8").split("\n")[0]
    assert header.startswith("Respondent-id,Har du i ditt arbete kontakt")
    assert instrument.survey("operativ").item("lyssnar").text in header


def test_numeric_codes_for_ordinal_items() -> None:
    frame = pd.read_csv(SAMPLE_DIR / "kustbygden" / "2019" / "operativ.csv", dtype=str, keep_default_na=False)
    assert set(frame["lyssnar"]) <= {"1", "2", "3", "4", "5", "6", "Vet ej", "Ej aktuellt", ""}
    assert frame["lyssnar"].str.fullmatch(r"\d").mean() > 0.5
    assert set(frame["verksamhet"]) <= set(instrument.survey("operativ").item("verksamhet").labels) | {""}


def test_files_use_newline_line_endings() -> None:
    for path in COMMITTED:
        raw = path.read_bytes()
        assert b"\r" not in raw and raw.endswith(b"\n"), path


def test_format_export_is_the_identity_for_the_plain_format(frames) -> None:
    plain = export.format_export(frames["operativ"], "operativ", spec_module.FORMAT_DEFAULTS)
    pd.testing.assert_frame_equal(plain, frames["operativ"])


# --------------------------------------------------------------- arithmetic


def test_counts_reproduce_integer_weights_exactly() -> None:
    weights = {"a": 7, "b": 37, "c": 150, "d": 552}
    assert generate._counts(weights, sum(weights.values())) == weights
    shares = generate._counts({"a": 0.333, "b": 0.333, "c": 0.334}, 10)
    assert sum(shares.values()) == 10 and max(shares.values()) - min(shares.values()) <= 1


def test_fill_quotas_respects_weights() -> None:
    weight = np.array([1, 2, 1, 1, 3, 1])
    given = generate._fill_quotas(range(6), weight, [("x", 4), ("y", 5)])
    assert sum(weight[r] for r, a in given.items() if a == "x") == 4
    with pytest.raises(generate._Infeasible):
        generate._fill_quotas([1, 4], weight, [("x", 1), ("y", 4)])


# -------------------------------------------------------------- validation


def _bad(spec: dict, path: tuple, value) -> dict:
    spec = copy.deepcopy(spec)
    node = spec
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return spec


W16 = ("waves", "2016")
BAD_SPECS = [
    (("seed",), KeyError, "spec.seed: missing"),
    (("seed",), "x", "spec.seed: must be an integer"),
    (("colour",), "red", "spec.colour: unknown key"),
    (("id",), "Gävleborg", "spec.id: must be lower-case"),
    (("id_prefix",), "gvb", "spec.id_prefix"),
    (("format", "delimiter"), "|", "spec.format.delimiter: '|' is not allowed"),
    (("format", "encoding"), "latin-1", "spec.format.encoding"),
    (("regions", "Gävle"), ["Gävle", "Hofors"], "'Hofors' is already in region"),
    (("regions", "Gävle"), [], "spec.regions.Gävle: must be a non-empty list"),
    (("mysam_groups", "Atlantis"), ["Mysam X"], "spec.mysam_groups.Atlantis: unknown region"),
    ((*W16, "operativ", "respondents"), -3, "operativ.respondents: must be an integer ≥ 1"),
    ((*W16, "operativ", "items", "lyssnar", "dist", "ofte"), 3, "operativ.items.lyssnar.dist.ofte: not an answer"),
    ((*W16, "operativ", "items", "lyssnar", "dist", "ofta"), -1, "items.lyssnar.dist.ofta: must be a number"),
    ((*W16, "operativ", "items", "lyssnr"), {"dist": {"ja": 1}}, "operativ.items.lyssnr: unknown item"),
    ((*W16, "operativ", "items", "lyssnar", "level"), "kommun", "items.lyssnar.level"),
    ((*W16, "operativ", "items", "kommun"), {"dist": {"x": 1}}, "items.kommun: kommun is a unit item"),
    ((*W16, "operativ", "items", "former_ovriga", "selected", "fika"), 3, "former_ovriga.selected.fika: not an option"),
    ((*W16, "operativ", "items", "brukare_tillvara", "by_region", "Atlantis"), {"delvis": 1},
     "by_region.Atlantis: unknown region"),
    ((*W16, "operativ", "units", "rows_by_region", "ja", "Atlantis"), 3, "rows_by_region.ja.Atlantis: unknown region"),
    ((*W16, "operativ", "units", "unit_weights", "Atlantis"), 3, "unit_weights.Atlantis: unknown unit"),
    ((*W16, "operativ", "units", "rows_per_respondent"), 1.2, "give exactly one of 'rows'"),
    ((*W16, "operativ", "units", "cross_region"), 0.1, "units.cross_region: must be 0 when an item has targets"),
    ((*W16, "operativ", "background", "joint", "bageri"), {"annat yrke": 1}, "background.joint.bageri: not a value"),
    ((*W16, "operativ", "latent", "region", "Atlantis"), 0.1, "latent.region.Atlantis: unknown region"),
    ((*W16, "operativ", "structured_higher"), ["verksamhet"], "structured_higher"),
    ((*W16, "enkät"), {}, "spec.waves.2016.enkät: unknown key"),
    (("waves", "2019", "base"), "2013", "unknown or circular base wave '2013'"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD_SPECS, ids=[".".join(p) for p, _, _ in BAD_SPECS])
def test_spec_errors_name_the_bad_key(gavleborg, path, value, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        spec_module.validate_spec(_bad(gavleborg, path, value))


def test_load_spec_names_the_file(tmp_path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\nname: Trasig\nseed: 1\nid_prefix: BRK\nregions: {A: [a]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.yaml\.waves: missing"):
        spec_module.load_spec(path)


def test_generate_rejects_an_unknown_wave(gavleborg) -> None:
    with pytest.raises(ValueError, match="wave='2030' is not a wave of 'gavleborg'"):
        generate.generate(gavleborg, "2030")


def test_rows_are_needed_for_every_strukturerad_answer(gavleborg) -> None:
    spec = _bad(gavleborg, (*W16, "operativ", "items", "strukturerad", "dist", "blank"), 5)
    with pytest.raises(ValueError, match=r"no rows for the 5 respondents with strukturerad='blank'"):
        generate.generate(spec, "2016")


def test_infeasible_units_are_reported(gavleborg) -> None:
    spec = _bad(gavleborg, (*W16, "operativ", "units", "rows"), 500)
    with pytest.raises(ValueError, match="unit rows"):
        generate.generate(spec, "2016")
