"""Fictional förbund on demand (``fictional.write_fictional``): files, valid params, determinism."""

from __future__ import annotations

import pytest
import yaml

from samverkan.sample import fictional
from samverkan.sample import spec as spec_module
from samverkan.cli import main
from samverkan.params import PARAMS_DIR, PARAMS_KEYS, load_params, validate_params

N = 3


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("fiktiva")
    return out, fictional.write_fictional(N, out, seed=2026)


def _files(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_exports_and_params_exist(written) -> None:
    out, params = written
    ids = [f"fiktiv{i:02d}" for i in range(1, N + 1)]
    assert params == [out / "params" / f"{fid}.yaml" for fid in ids]
    expected = {f"params/{fid}.yaml" for fid in ids} | {
        f"data/{fid}/2019/{survey}.csv" for fid in ids for survey in ("operativ", "chefsgrupp")
    }
    assert set(_files(out)) == expected


def test_params_validate_with_their_data(written) -> None:
    _, params = written
    for path in params:
        assert validate_params(path, check_data=True) == [], path


def test_params_have_the_keys_of_the_committed_files(written) -> None:
    _, params = written
    committed = list(yaml.safe_load((PARAMS_DIR / "sjobygden.yaml").read_text(encoding="utf-8")))
    assert committed == list(PARAMS_KEYS)
    for path in params:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert list(raw) == committed
        settings = (raw["wave"], raw["baseline"], raw["min_n"], raw["alpha"], raw["p_adjust"])
        assert settings == ("2019", None, 5, 0.05, "holm")
        assert all(not text.startswith("/") for text in raw["data"].values())  # relative to params/


def test_regions_are_the_kommuner_and_mysam_groups_of_the_spec(written) -> None:
    _, params = written
    for index, path in enumerate(params, start=1):
        spec = fictional.fictional_spec(index, 2026)
        loaded = load_params(path)
        assert list(loaded.regions) == list(spec["regions"])
        for region, kommuner in spec["regions"].items():
            assert loaded.regions[region] == [*kommuner, *spec["mysam_groups"][region]]


def test_specs_are_small_and_plausible() -> None:
    for index in range(1, 31):
        spec = fictional.fictional_spec(index, 2026)
        assert spec_module.validate_spec(spec) == spec
        kommuner = [u for units in spec["regions"].values() for u in units]
        wave = spec["waves"]["2019"]
        assert list(spec["waves"]) == ["2019"]
        assert 1 <= len(kommuner) <= 7 and 1 <= len(spec["regions"]) <= 3
        assert 60 <= wave["operativ"]["respondents"] <= 400
        assert 8 <= wave["chefsgrupp"]["respondents"] <= 40


def test_regeneration_is_byte_identical(written, tmp_path) -> None:
    out, _ = written
    fictional.write_fictional(N, tmp_path, seed=2026)
    assert _files(tmp_path) == _files(out)


def test_another_seed_gives_other_forbund(written, tmp_path) -> None:
    out, _ = written
    fictional.write_fictional(N, tmp_path, seed=2027)
    first, other = _files(out), _files(tmp_path)
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first)
    assert fictional.fictional_spec(1, 2026) != fictional.fictional_spec(1, 2027)


def test_names_say_fictional(written) -> None:
    out, params = written
    for index, path in enumerate(params, start=1):
        loaded = load_params(path)
        assert loaded.forbund == f"fiktiv{index:02d}"
        assert loaded.name == f"Fiktivt förbund {index:02d}" and "fiktiv" in loaded.name.lower()
        assert "SYNTETISKA DATA" in path.read_text(encoding="utf-8")
        assert "fiktiv" in fictional.fictional_spec(index, 2026)["description"].lower()


def test_bad_arguments_are_named(tmp_path) -> None:
    with pytest.raises(ValueError, match="n=0 must be an integer ≥ 1"):
        fictional.write_fictional(0, tmp_path)
    with pytest.raises(ValueError, match="index=-1"):
        fictional.fictional_spec(-1, 2026)


def test_cli_writes_the_same_files(written, tmp_path, capsys) -> None:
    out, _ = written
    assert main(["synth", "--fictional", str(N), "--out", str(tmp_path), "--seed", "2026"]) == 0
    assert "3 fiktiva förbund" in capsys.readouterr().out
    assert _files(tmp_path) == _files(out)
    assert main(["synth", "--all", "--out", str(tmp_path / "x"), "--seed", "1"]) == 2
