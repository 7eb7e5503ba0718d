"""Params files: the committed ones are good, the broken corpus gives the expected problems.

``tests/bad_params/`` holds params files with defects; ``expected.yaml`` there lists
exactly the problems :func:`samverkan.params.validate_params` must report for each.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from samverkan.params import (
    check_params,
    PARAMS_DEFAULTS,
    PARAMS_DIR,
    PARAMS_KEYS,
    Params,
    load_params,
    params_paths,
    validate_params,
)
from samverkan.errors import DataError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samverkan" / "data" / "sample"
CORPUS = Path(__file__).resolve().parent / "bad_params"
CASES = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))["cases"]
COMMITTED = params_paths(PARAMS_DIR)


def _contains(expected: dict) -> list[str]:
    contains = expected["contains"]
    return [contains] if isinstance(contains, str) else list(contains)


def _spec(forbund: str) -> dict:
    return yaml.safe_load((SAMPLE / "specs" / f"{forbund}.yaml").read_text(encoding="utf-8"))


def _good(**changes) -> dict:
    """A good params mapping (kustbygden 2019, absolute data paths), with ``changes``."""
    values = {
        "forbund": "kustbygden",
        "name": "Kustbygdens samordningsförbund (fiktivt)",
        "wave": "2019",
        "data": {s: str(SAMPLE / "kustbygden" / "2019" / f"{s}.csv") for s in ("operativ", "chefsgrupp")},
        "regions": {"Norra kusten": ["Havsby", "Strandvik", "Mysam Havsby", "Mysam Strandvik"],
                    "Södra kusten": ["Saltnäs", "Mysam Saltnäs"]},
    }
    values.update(changes)
    return values


def _write(path: Path, values) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(values, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------ committed params


def test_one_params_file_per_sample_forbund():
    assert [p.stem for p in COMMITTED] == sorted(p.stem for p in (SAMPLE / "specs").glob("*.yaml"))


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_params_validate_with_their_data(path):
    assert validate_params(path, check_data=True) == []


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_params_follow_the_sample_spec(path):
    """Id = file name; name, regions (kommuner and Mysam groups), latest wave and baseline from the spec."""
    params, spec = load_params(path), _spec(path.stem)
    waves = sorted(spec["waves"])
    regions = {r: units + spec["mysam_groups"].get(r, []) for r, units in spec["regions"].items()}
    assert (params.forbund, params.name, params.wave, params.regions) == (path.stem, spec["name"], waves[-1], regions)
    assert params.data == {s: SAMPLE / path.stem / waves[-1] / f"{s}.csv" for s in ("operativ", "chefsgrupp")}
    if len(waves) == 1:
        assert params.baseline is None
    else:
        assert params.baseline["wave"] == waves[-2]
        assert params.baseline["data"]["operativ"] == SAMPLE / path.stem / waves[-2] / "operativ.csv"
    assert (params.min_n, params.alpha, params.p_adjust) == (5, 0.05, "holm")


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_params_write_every_key(path):
    """The committed files are templates: every key written out, defaults included."""
    assert list(yaml.safe_load(path.read_text(encoding="utf-8"))) == list(PARAMS_KEYS)


def test_baselines_of_gavleborg_and_alvdalsbygden():
    with_baseline = {p.stem: load_params(p, check_data=False).baseline for p in COMMITTED}
    assert {f for f, b in with_baseline.items() if b} == {"gavleborg", "alvdalsbygden"}
    assert with_baseline["gavleborg"]["wave"] == "2016"


# ------------------------------------------------------------------------ Params


def test_params_fields_are_the_params_keys_in_order():
    names = [f.name for f in dataclasses.fields(Params)]
    assert names[: len(PARAMS_KEYS)] == list(PARAMS_KEYS)
    assert set(PARAMS_DEFAULTS) <= set(PARAMS_KEYS)


def test_params_are_frozen_with_absolute_paths():
    params = load_params(PARAMS_DIR / "gavleborg.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.wave = "2016"
    files = [*params.data.values(), *params.baseline["data"].values()]
    assert all(p.is_absolute() and p.is_file() for p in files)
    assert params.source == (PARAMS_DIR / "gavleborg.yaml").resolve()


def test_parameters_are_plain_json_for_papermill():
    params = load_params(PARAMS_DIR / "gavleborg.yaml")
    parameters = params.parameters()
    assert list(parameters) == list(PARAMS_KEYS) == list(params.keys())
    assert json.loads(json.dumps(parameters)) == parameters
    assert parameters["baseline"]["data"]["operativ"] == str(params.baseline["data"]["operativ"])


def test_optional_keys_take_their_defaults(tmp_path):
    params = load_params(_write(tmp_path / "p.yaml", _good()))
    left_out = [key for key in PARAMS_DEFAULTS if key not in _good()]
    assert {key: getattr(params, key) for key in left_out} == {key: PARAMS_DEFAULTS[key] for key in left_out}


def test_wave_given_as_a_number_becomes_text(tmp_path):
    baseline = {"wave": 2016, "data": {"operativ": str(SAMPLE / "gavleborg" / "2016" / "operativ.csv")}}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_good(wave=2019, baseline=baseline), allow_unicode=True), encoding="utf-8")
    assert "wave: 2019\n" in path.read_text(encoding="utf-8")
    params = load_params(path, check_data=False)
    assert (params.wave, params.baseline["wave"]) == ("2019", "2016")


def test_alpha_must_be_strictly_between_0_and_1(tmp_path):
    problems = validate_params(_write(tmp_path / "p.yaml", _good(alpha=1)))
    assert [(p.column, p.value) for p in problems] == [("alpha", "1")]


# ---------------------------------------------------------------------- relative paths


def test_relative_paths_resolve_against_the_params_folder_not_the_working_directory(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    for survey in ("operativ", "chefsgrupp"):
        shutil.copy(SAMPLE / "kustbygden" / "2019" / f"{survey}.csv", data / f"{survey}.csv")
    path = _write(tmp_path / "params" / "kustbygden.yaml",
                  _good(data={"operativ": "../data/operativ.csv", "chefsgrupp": "../data/chefsgrupp.csv"}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    relative = Path("..") / "params" / "kustbygden.yaml"
    assert validate_params(relative) == []
    params = load_params(relative)
    assert params.data == {s: (data / f"{s}.csv").resolve() for s in ("operativ", "chefsgrupp")}


def test_committed_params_load_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = Path(os.path.relpath(PARAMS_DIR / "alvdalsbygden.yaml", tmp_path))
    params = load_params(relative)
    assert params.data["operativ"] == SAMPLE / "alvdalsbygden" / "2019" / "operativ.csv"
    assert params.baseline["data"]["operativ"] == SAMPLE / "alvdalsbygden" / "2016" / "operativ.csv"


# ------------------------------------------------------------------- broken params


def test_every_broken_file_has_a_case():
    broken = sorted(p.name for p in CORPUS.glob("*.yaml") if p.name != "expected.yaml")
    assert sorted(c["file"] for c in CASES) == broken


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["file"])
def test_broken_params_give_exactly_the_expected_problems(case):
    path = CORPUS / case["file"]
    problems = validate_params(path, check_data=True)
    found = [(Path(p.file).as_posix().endswith(e.get("file", case["file"])), p.row, p.column) for p, e
             in zip(problems, case["problems"])]
    wanted = [(True, e["row"], e["column"]) for e in case["problems"]]
    assert (found, len(problems)) == (wanted, len(case["problems"])), "\n".join(map(str, problems))
    for problem, expected in zip(problems, case["problems"]):
        for text in _contains(expected):
            assert text in problem.reason, problem


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["file"])
def test_load_params_raises_listing_every_problem(case):
    with pytest.raises(DataError) as raised:
        load_params(CORPUS / case["file"])
    assert len(raised.value.problems) == len(case["problems"])
    assert str(raised.value).startswith(f"{len(case['problems'])} problem i indata:")


def test_problems_print_as_file_line_key_message():
    [problem] = validate_params(CORPUS / "bad_p_adjust.yaml")
    assert str(problem).startswith(f"{CORPUS / 'bad_p_adjust.yaml'}:14:p_adjust: p_adjust ska vara en av")


def test_without_check_data_the_data_files_are_not_read():
    assert validate_params(CORPUS / "unit_not_in_regions.yaml", check_data=False) == []
    assert validate_params(CORPUS / "bad_cells_in_data.yaml", check_data=False) == []
    problems = validate_params(CORPUS / "missing_data_file.yaml", check_data=False)
    assert [p.column for p in problems] == ["data.chefsgrupp"]


@pytest.mark.parametrize(
    ("text", "contains"),
    [
        ("", "params-filen ska vara en YAML-mappning (nyckel: värde), men är tom"),
        ("- forbund\n- wave\n", "men är en lista, inte en mappning"),
        ("forbund: x\n\tname: y\n", "YAML-syntaxfel (rad 2"),
    ],
    ids=["empty", "list", "tab"],
)
def test_files_that_are_not_a_mapping(tmp_path, text, contains):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    [problem] = validate_params(path)
    assert contains in problem.reason


def test_missing_params_file(tmp_path):
    [problem] = validate_params(tmp_path / "saknas.yaml")
    assert (problem.file, problem.reason) == (str(tmp_path / "saknas.yaml"), "params-filen finns inte")


def test_unit_check_names_the_baseline_wave(tmp_path):
    """A unit of the baseline data missing from regions is found under baseline.data.<survey>."""
    baseline = {"wave": "2016", "data": {"operativ": str(SAMPLE / "alvdalsbygden" / "2016" / "operativ.csv")}}
    problems = validate_params(_write(tmp_path / "p.yaml", _good(baseline=baseline)))
    assert {p.column for p in problems} == {"baseline.data.operativ"}
    assert all("2016/operativ.csv" in p.reason and "finns inte i regions" in p.reason for p in problems)
    assert sorted(p.value for p in problems) == ["Björkvik", "Granlid", "Lillnäs", "Strömby", "Älvbacka"]


# ------------------------------------------------------------------- params_paths


def test_params_paths_lists_yaml_files_sorted(tmp_path, monkeypatch):
    for name in ("b.yaml", "a.yml", "notes.txt"):
        (tmp_path / "params" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "params" / name).write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert params_paths() == [Path("params") / "a.yml", Path("params") / "b.yaml"]


def test_params_paths_of_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="finns inte"):
        params_paths(tmp_path / "saknas")


def test_validation_reads_units_without_building_tables(monkeypatch):
    import importlib

    def no_tables(*args, **kwargs):
        raise AssertionError("validation built the answers table")

    for module in ("samverkan.tidy", "samverkan.load"):  # samverkan.load is also the name of a function
        monkeypatch.setattr(importlib.import_module(module), "canonical_dtypes", no_tables)
    assert validate_params(PARAMS_DIR / "gavleborg.yaml") == []


@pytest.mark.parametrize("survey", ["operativ", "chefsgrupp"])
def test_respondents_per_unit_match_the_answers_table(survey):
    from samverkan import read_export

    for path in sorted(SAMPLE.glob(f"*/*/{survey}.*")):
        result = read_export(path, survey=survey)
        counted = result.answers.groupby("unit", observed=True, sort=True)["respondent_id"].nunique()
        assert result.respondents_per_unit == {str(k): int(v) for k, v in counted.items()}, path


def test_respondents_per_unit_of_a_canonical_file_match_its_answers(tmp_path):
    from samverkan import load, read_export, save

    answers = load(SAMPLE / "gavleborg" / "2019" / "operativ.csv", survey="operativ")
    save(answers, tmp_path / "long.csv")
    result = read_export(tmp_path / "long.csv", survey="operativ")
    counted = result.answers.groupby("unit", observed=True, sort=True)["respondent_id"].nunique()
    assert result.respondents_per_unit == {str(k): int(v) for k, v in counted.items()}
    assert len(result.respondents_per_unit) > 1


# --------------------------------------------- surveys, regions and columns (issue 10)


def _kustbygden_copy(tmp_path: Path, **changes) -> Path:
    return _write(tmp_path / "params" / "p.yaml", _good(**changes))


@pytest.mark.parametrize("data", [
    {"operativ": str(SAMPLE / "kustbygden" / "2019" / "operativ.csv")},
    {"operativ": str(SAMPLE / "kustbygden" / "2019" / "operativ.csv"), "chefsgrupp": None},
    {"chefsgrupp": str(SAMPLE / "kustbygden" / "2019" / "chefsgrupp.csv")},
], ids=["staff-only", "chefsgrupp-null", "managers-only"])
def test_any_combination_of_surveys_is_accepted(tmp_path, data):
    params = load_params(_kustbygden_copy(tmp_path, data=data))
    assert set(params.data) == {s for s, f in data.items() if f is not None}
    assert params.parameters()["data"] == {s: f for s, f in data.items() if f is not None}


def test_regions_may_be_left_out(tmp_path):
    values = _good()
    del values["regions"]
    params = load_params(_write(tmp_path / "p.yaml", values))
    assert params.regions is None and params.parameters()["regions"] is None


def test_data_needs_one_export(tmp_path):
    [problem] = validate_params(_kustbygden_copy(tmp_path, data={"operativ": None, "chefsgrupp": None}))
    assert (problem.column, problem.row) == ("data", 4) and "minst en enkät" in problem.reason


def _renamed_export(tmp_path: Path) -> Path:
    """kustbygden's staff export with three headers as a survey tool writes them."""
    import csv

    source = SAMPLE / "kustbygden" / "2019" / "operativ.csv"
    text = source.read_bytes().decode("cp1252") if b";" in source.read_bytes()[:200] else source.read_text("utf-8")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    rows[0] = ["Löpnr" if rows[0][i] in ("respondent_id", "Respondent-id") else h for i, h in enumerate(rows[0])]
    rows[0] = ["Starttid", *rows[0], "Intern anteckning"]
    rows[1:] = [["2019-03-01", *r, "x"] for r in rows[1:]]
    path = tmp_path / "data" / "operativ.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_columns_apply_to_validation_and_show_as_parameters(tmp_path):
    data = {"operativ": str(_renamed_export(tmp_path)), "chefsgrupp": _good()["data"]["chefsgrupp"]}
    columns = {"Löpnr": "respondent_id", "operativ": {"Intern anteckning": "ignore"}}
    path = _kustbygden_copy(tmp_path, data=data, columns=columns)
    checked = check_params(path)
    assert checked.problems == [] and checked.params is not None
    assert checked.params.columns == {"operativ": {"Löpnr": "respondent_id", "Intern anteckning": "ignore"},
                                      "chefsgrupp": {"Löpnr": "respondent_id"}}
    [staff, _] = checked.files
    assert [i[:2] for i in staff.ignored] == [("Starttid", "metadata från enkätverktyget"),
                                               ("Intern anteckning", "columns: ignore")]
    assert staff.respondents == sum(1 for _ in open(data["operativ"], encoding="utf-8")) - 1
    problems = validate_params(_kustbygden_copy(tmp_path, data=data, columns={"Löpnr": "respondent_id"}))
    assert [(p.row, p.column) for p in problems] == [(1, "Intern anteckning")]
    assert "okänd kolumn 'Intern anteckning'" in problems[0].reason


@pytest.mark.parametrize(("columns", "where", "contains"), [
    ({"Q7": "lyssnr"}, "columns.Q7", "'lyssnr' är inte en fråga i enkäten operativ; menade du 'lyssnar'?"),
    ({"operativ": {"Q7": "lyssnar = ofta"}}, "columns.operativ.Q7", "går bara för enhetsfrågan och flervalsfrågor"),
    ({"chefgrupp": {"Q7": "lyssnar"}}, "columns.chefgrupp", "okänd enkät 'chefgrupp'; menade du 'chefsgrupp'?"),
    ({"Q7": 7}, "columns.Q7", "målet ska vara ett fråge-id"),
    (["lyssnar"], "columns", "columns ska vara en mappning"),
    ({"Svars-ID": "respondent_id"}, "columns.Svars-ID", "kolumnen 'Svars-ID' i columns finns inte i någon av exportfilerna"),
])
def test_bad_columns_are_named_with_their_line(tmp_path, columns, where, contains):
    path = _kustbygden_copy(tmp_path, columns=columns)
    [problem] = validate_params(path)
    line = path.read_text(encoding="utf-8").splitlines()[problem.row - 1]
    assert problem.column == where and line.lstrip().startswith(where.split(".")[-1]), (problem, line)
    assert contains in problem.reason, problem


def test_check_reads_once_and_problems_name_the_resolved_params_file(tmp_path, monkeypatch):
    path = _kustbygden_copy(tmp_path, min_n=0)
    monkeypatch.chdir(tmp_path)
    [problem] = validate_params(Path("params") / "p.yaml")
    assert problem.file == str(path.resolve())
    checked = check_params(Path("params") / "p.yaml")
    assert checked.params is None and checked.forbund == "kustbygden" and checked.source == path.resolve()


def test_the_batch_reads_each_params_file_once_and_hands_on_the_typed_params(tmp_path, monkeypatch):
    """Validation, the resume check, the ordering and the publisher all work from one read."""
    from samverkan import batch, params as params_module

    reads, published = [], []
    read_yaml = params_module._read_yaml
    monkeypatch.setattr(params_module, "_read_yaml", lambda path, found: (reads.append(path), read_yaml(path, found))[1])

    def publish(params, out, kernel=None, **options):
        published.append(params)
        (Path(out) / params.forbund).mkdir(parents=True, exist_ok=True)
        (Path(out) / params.forbund / "results.json").write_text("{}", encoding="utf-8")

    class NoKernel:
        def __init__(self, **options):
            pass

        def kill(self):
            pass

        def close(self):
            pass

    monkeypatch.setattr(batch, "run_report", publish)
    monkeypatch.setattr(batch, "WarmKernel", NoKernel)
    outcomes = batch.run_batch(COMMITTED, tmp_path, jobs=1, progress=False, overview=False)
    assert sorted(reads) == sorted(p.resolve() for p in COMMITTED)
    assert {o.status for o in outcomes} == {"ok"} and all(isinstance(p, Params) for p in published)
    reads.clear()
    again = batch.run_batch(COMMITTED, tmp_path, jobs=1, resume=True, progress=False, overview=False)
    assert {o.status for o in again} == {"skipped"} and len(reads) == len(COMMITTED)
