"""The batch over every förbund: failure isolation, manifest, index, resume, warm vs isolated, Dask."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from samverkan import batch

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
SMALL = ["sjobygden", "kustbygden", "fjallmarken"]


def _copy_params(tmp_path: Path, names: list[str]) -> list[Path]:
    """Params files copied beside their own copy of the data, so tests can break and touch them freely."""
    folder = tmp_path / "params"
    folder.mkdir()
    copies = []
    for name in names:
        text = (PARAMS / f"{name}.yaml").read_text(encoding="utf-8")
        text = text.replace("../data/sample/", f"{tmp_path}/data/")
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
        shutil.copytree(ROOT / "data" / "sample" / name, tmp_path / "data" / name)
        copies.append(folder / f"{name}.yaml")
    return copies


def _table_contents(folder: Path) -> dict:
    book = openpyxl.load_workbook(folder / "tables.xlsx", read_only=True)
    return {sheet: list(book[sheet].iter_rows(values_only=True)) for sheet in book.sheetnames}


@pytest.fixture(scope="module")
def warm_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    paths = _copy_params(tmp, SMALL)
    broken = tmp / "params" / "trasig.yaml"
    broken.write_text(paths[0].read_text(encoding="utf-8").replace("forbund: sjobygden", "forbund: trasig")
                      .replace("regions:", "regoins:"), encoding="utf-8")
    corrupt = tmp / "params" / "korrupt.yaml"
    corrupt.write_text(paths[1].read_text(encoding="utf-8").replace("forbund: kustbygden", "forbund: korrupt")
                       .replace(f"{tmp}/data/kustbygden/2019/operativ.csv", f"{tmp}/korrupt.csv"), encoding="utf-8")
    (tmp / "korrupt.csv").write_bytes(b"\x00\x81\x8d\x8f\x90\x9d" * 40)
    out = tmp / "reports"
    result = subprocess.run([sys.executable, "-m", "samverkan.cli", "run", *map(str, paths), str(broken),
                             str(corrupt), "--out", str(out), "--jobs", "2"],
                            capture_output=True, text=True, check=False)
    return {"tmp": tmp, "paths": paths, "out": out, "result": result}


def test_failures_are_isolated_and_reported(warm_run):
    result, out = warm_run["result"], warm_run["out"]
    assert result.returncode == 1
    assert "FEL trasig" in result.stderr and "regoins" in result.stderr
    assert "FEL korrupt" in result.stderr
    for name in SMALL:
        for file in ("report.html", "tables.xlsx", "results.json"):
            assert (out / name / file).exists(), (name, file)
    assert not (out / "trasig").exists() and not (out / "korrupt").exists()
    assert not list(out.glob(".*tmp*"))


def test_manifest_and_index(warm_run):
    out = warm_run["out"]
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    status = {row["forbund"]: row["status"] for row in manifest["forbund"]}
    assert status == {"sjobygden": "ok", "kustbygden": "ok", "fjallmarken": "ok", "trasig": "invalid",
                      "korrupt": "invalid"}
    assert manifest["mode"] == "warm" and manifest["jobs"] == 2
    ok = [row for row in manifest["forbund"] if row["status"] == "ok"]
    assert all(row["seconds"] > 0 and row["error"] is None for row in ok)
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in SMALL:
        assert f'href="{name}/report.html"' in index
    assert "ogiltig params-fil" in index


def test_warm_and_isolated_give_identical_results(warm_run, tmp_path):
    out = tmp_path / "isolated"
    outcomes = batch.run_batch(warm_run["paths"], out, jobs=2, isolated=True, progress=False, overview=False)
    assert {o.status for o in outcomes} == {"ok"}
    for name in SMALL:
        warm, isolated = warm_run["out"] / name, out / name
        assert (warm / "results.json").read_bytes() == (isolated / "results.json").read_bytes(), name
        assert _table_contents(warm) == _table_contents(isolated), name
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["mode"] == "isolated"


def test_resume_skips_up_to_date_and_reruns_a_changed_one(warm_run):
    paths, out = warm_run["paths"], warm_run["out"]
    changed = paths[2]
    future = max(p.stat().st_mtime for p in (out / "fjallmarken").rglob("*")) + 5
    os.utime(changed, (future, future))
    outcomes = batch.run_batch(paths, out, jobs=1, resume=True, progress=False, overview=False)
    status = {o.forbund: o.status for o in outcomes}
    assert status == {"sjobygden": "skipped", "kustbygden": "skipped", "fjallmarken": "ok"}


def test_dask_local_cluster_gives_the_same_results(warm_run, tmp_path):
    from distributed import Client, LocalCluster

    out = tmp_path / "dask"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        outcomes = batch.run_batch(warm_run["paths"][:2], out, executor="dask", scheduler=client,
                                   progress=False, overview=False)
    assert {o.status for o in outcomes} == {"ok"}
    for name in SMALL[:2]:
        assert (out / name / "results.json").read_bytes() == (warm_run["out"] / name / "results.json").read_bytes()
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["executor"] == "dask"


def test_bad_arguments():
    with pytest.raises(ValueError, match="executor='ray'"):
        batch.run_batch([], "x", executor="ray")
    with pytest.raises(ValueError, match="scheduler"):
        batch.run_batch([], "x", executor="dask")
    with pytest.raises(ValueError, match="jobs=0"):
        batch.run_batch([], "x", jobs=0)


def test_largest_data_runs_first():
    paths = sorted(PARAMS.glob("*.yaml"))
    sizes = {p.name: sum(Path(f).stat().st_size for f in _data_paths(p)) for p in paths}
    from samverkan.params import load_params

    ordered = batch.largest_first([load_params(p, check_data=False) for p in paths])
    assert sorted(p.source for p in ordered) == [p.resolve() for p in paths]
    assert [sizes[p.source.name] for p in ordered] == sorted(sizes.values(), reverse=True)


def _data_paths(params_path: Path) -> list[str]:
    import yaml

    raw = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    files = list(raw["data"].values()) + list((raw.get("baseline") or {}).get("data", {}).values())
    return [str((params_path.parent / f).resolve()) for f in files]
