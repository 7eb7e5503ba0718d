"""The batch over every förbund (the session's warm batch, tests/conftest.py): failure isolation, manifest, index,
resume, warm vs isolated, Dask."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from samverkan import batch
from samverkan.params import load_params

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
SMALL = ["sjobygden", "kustbygden", "fjallmarken"]
SAMPLE_FORBUND = sorted(p.stem for p in PARAMS.glob("*.yaml"))


def _table_contents(folder: Path) -> dict:
    book = openpyxl.load_workbook(folder / "tables.xlsx", read_only=True)
    return {sheet: list(book[sheet].iter_rows(values_only=True)) for sheet in book.sheetnames}


def _same_results(folder: Path, reference: Path) -> None:
    assert (folder / "results.json").read_bytes() == (reference / "results.json").read_bytes(), folder.name
    assert _table_contents(folder) == _table_contents(reference), folder.name


def test_failures_are_isolated_and_reported(sample_batch):
    result, out = sample_batch["result"], sample_batch["out"]
    assert result.returncode == 1
    assert "FEL trasig" in result.stderr and "regoins" in result.stderr
    assert "FEL korrupt" in result.stderr
    for name in SAMPLE_FORBUND:
        for file in ("report.html", "tables.xlsx", "results.json"):
            assert (out / name / file).exists(), (name, file)
    assert not (out / "trasig").exists() and not (out / "korrupt").exists()
    assert not list(out.glob(".*tmp*"))


def test_manifest_index_and_overview(sample_batch):
    out = sample_batch["out"]
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    status = {row["forbund"]: row["status"] for row in manifest["forbund"]}
    assert status == {**dict.fromkeys(SAMPLE_FORBUND, "ok"), "trasig": "invalid", "korrupt": "invalid"}
    assert manifest["mode"] == "warm" and manifest["jobs"] == 2
    ok = [row for row in manifest["forbund"] if row["status"] == "ok"]
    assert all(row["seconds"] > 0 and row["error"] is None for row in ok)
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in SAMPLE_FORBUND:
        assert f'href="{name}/report.html"' in index
    assert "ogiltig params-fil" in index
    assert (out / "overview.html").stat().st_size > 0 and (out / "overview" / "tables.xlsx").exists()


def test_isolated_run_gives_the_warm_batch_results(sample_batch, tmp_path, monkeypatch):
    """The suite's one determinism check: a fresh kernel per förbund, into a relative --out, gives the very
    results and tables of the warm batch, where these förbund ran after others in the same kernel."""
    monkeypatch.chdir(tmp_path)  # a relative --out, as `make report` gives it
    names = ["fjallmarken", "sjobygden"]
    outcomes = batch.run_batch([sample_batch["paths"][n] for n in names], Path("relativ"), jobs=2, isolated=True,
                               progress=False, overview=False)
    assert {o.status for o in outcomes} == {"ok"}
    assert Path.cwd() == tmp_path  # no worker moved the process (papermill's cwd= would, from two threads)
    for name in names:
        folder = tmp_path / "relativ" / name
        assert oct(folder.stat().st_mode & 0o777) == "0o755"
        _same_results(folder, sample_batch["out"] / name)
    assert json.loads((tmp_path / "relativ" / "run.json").read_text(encoding="utf-8"))["mode"] == "isolated"


def test_resume_skips_up_to_date_and_reruns_a_changed_one(sample_batch, tmp_path):
    params = [Path(shutil.copy2(sample_batch["paths"][n], tmp_path / f"{n}.yaml")) for n in SMALL]
    out = tmp_path / "reports"
    for name in SMALL:  # copies keep their times: the reports stay newer than their inputs
        shutil.copytree(sample_batch["out"] / name, out / name)
    future = max(p.stat().st_mtime for p in (out / "fjallmarken").rglob("*")) + 5
    os.utime(params[2], (future, future))
    outcomes = batch.run_batch(params, out, jobs=1, resume=True, progress=False, overview=False)
    status = {o.forbund: o.status for o in outcomes}
    assert status == {"sjobygden": "skipped", "kustbygden": "skipped", "fjallmarken": "ok"}


def test_dask_local_cluster_gives_the_same_results(sample_batch, tmp_path):
    from distributed import Client, LocalCluster

    out = tmp_path / "dask"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        outcomes = batch.run_batch([sample_batch["paths"]["sjobygden"]], out, executor="dask", scheduler=client,
                                   progress=False, overview=False)
    assert {o.status for o in outcomes} == {"ok"}
    _same_results(out / "sjobygden", sample_batch["out"] / "sjobygden")
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
    params = {p.name: load_params(p, check_data=False) for p in paths}
    sizes = {name: sum(f.stat().st_size for f in each.data_files()) for name, each in params.items()}
    ordered = batch.largest_first(list(params.values()))
    assert sorted(p.source for p in ordered) == [p.resolve() for p in paths]
    assert [sizes[p.source.name] for p in ordered] == sorted(sizes.values(), reverse=True)
    assert len(set(sizes.values())) == len(paths)  # no tie: the order is fully determined
    assert params["gavleborg.yaml"].data_files() == [
        (ROOT / "data" / "sample" / "gavleborg" / wave / f"{survey}.csv").resolve()
        for wave in ("2019", "2016") for survey in ("operativ", "chefsgrupp")]
