"""Shared fixtures: the published figures, and one warm batch over the sample förbund for every report test.

Tests that start a Jupyter kernel carry the ``kernel`` marker (``pytest -m "not kernel"``
runs the rest in well under a minute); a test that uses :func:`sample_batch` or
:func:`warm_kernel` gets the marker here, so it cannot be forgotten.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest
import yaml

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
REFERENCE_PATH = ROOT / "data" / "reference" / "fou_2017_1_published.yaml"
#: Every sample förbund (one params file each).
SAMPLE_FORBUND = sorted(p.stem for p in PARAMS.glob("*.yaml"))


#: Fixtures that start a kernel: a test using one is a kernel test.
KERNEL_FIXTURES = {"sample_batch", "warm_kernel"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """Mark kernel users; group and order tests for ``pytest -n`` (``--dist loadgroup``, see pyproject).

    Every user of the session's sample batch runs on one worker, so the batch runs once;
    the other tests are grouped by module, so a module-scoped fixture runs once. Groups
    that start kernels go first, the sample batch's first of all, and the many quick
    groups last, where they fill the gaps: a long kernel test collected last (the wheel
    test, alphabetically) would otherwise leave the other worker idle at the end.
    """
    groups = {}
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if KERNEL_FIXTURES & fixtures:
            item.add_marker(pytest.mark.kernel)
        group = "sample_batch" if "sample_batch" in fixtures else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
        groups[item.nodeid] = group
    kernel_groups = {groups[item.nodeid] for item in items if item.get_closest_marker("kernel")}
    position = {item.nodeid: k for k, item in enumerate(items)}

    def order(item) -> tuple[int, int]:
        group = groups[item.nodeid]
        return (0 if group == "sample_batch" else 1 if group in kernel_groups else 2), position[item.nodeid]

    items.sort(key=order)


def _run_cli_process(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("samverkan")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "samverkan.cli"]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, encoding="utf-8",
                          timeout=timeout, cwd=ROOT, check=False)


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    """``samverkan.cli.main`` in this process, its output captured (an uncaught exception fails the test)."""
    from samverkan.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(["samverkan", *map(str, args)], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def run_cli():
    """Run the ``samverkan`` command in this process: ``run_cli("validate", path, "--survey", s)``.

    Returns a :class:`subprocess.CompletedProcess` (``returncode``, ``stdout``, ``stderr``).
    Starting a process costs ~0.7 s of imports; :func:`run_cli_process` does, for tests of
    the console script itself, of hangs (``timeout``) or of what reaches a terminal.
    """
    return _run_cli


@pytest.fixture(scope="session")
def run_cli_process():
    """Run the ``samverkan`` console script in a fresh process: ``run_cli_process(*args, timeout=300)``."""
    return _run_cli_process


@pytest.fixture(scope="session")
def reference() -> dict:
    """Every figure printed in FoU rapport 2017:1 (copied from shared/reference)."""
    with open(REFERENCE_PATH, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def copy_params(folder: Path, names: list[str]) -> list[Path]:
    """Params files copied into ``folder/params`` beside their own copy of the data (``folder/data``).

    Tests can then break, touch and re-run them without changing the committed sample.
    """
    (folder / "params").mkdir(parents=True, exist_ok=True)
    copies = []
    for name in names:
        text = (PARAMS / f"{name}.yaml").read_text(encoding="utf-8").replace("../data/sample/", f"{folder}/data/")
        (folder / "params" / f"{name}.yaml").write_text(text, encoding="utf-8")
        shutil.copytree(ROOT / "data" / "sample" / name, folder / "data" / name)
        copies.append(folder / "params" / f"{name}.yaml")
    return copies


def _broken_params(folder: Path, sound: Path, other: Path) -> list[Path]:
    """A params file with a misspelt key (``trasig``) and one whose staff export is binary junk (``korrupt``)."""
    broken = folder / "params" / "trasig.yaml"
    broken.write_text(sound.read_text(encoding="utf-8").replace(f"forbund: {sound.stem}", "forbund: trasig")
                      .replace("regions:", "regoins:"), encoding="utf-8")
    corrupt = folder / "params" / "korrupt.yaml"
    corrupt.write_text(other.read_text(encoding="utf-8").replace(f"forbund: {other.stem}", "forbund: korrupt")
                       .replace(f"{folder}/data/{other.stem}/2019/operativ.csv", f"{folder}/korrupt.csv"),
                       encoding="utf-8")
    (folder / "korrupt.csv").write_bytes(b"\x00\x81\x8d\x8f\x90\x9d" * 40)
    return [broken, corrupt]


@pytest.fixture(scope="session")
def sample_batch(tmp_path_factory) -> dict:
    """``samverkan run --jobs 2`` (warm kernels, with the overview) over every sample förbund and two broken params.

    Run once per session and shared by the report, overview, batch and privacy tests; they
    read its outputs and never change them (a test that re-runs or touches copies them).

    Returns
    -------
    dict
        ``folder`` (the session's copy of params and data), ``paths`` (params file per
        sample förbund, by id), ``out`` (the reports folder: ``out/<förbund>/``,
        ``index.html``, ``run.json``, ``overview.html``, ``overview/``) and ``result``
        (the finished ``subprocess.CompletedProcess``, stdout and stderr as text).
    """
    folder = tmp_path_factory.mktemp("sample_batch")
    paths = dict(zip(SAMPLE_FORBUND, copy_params(folder, SAMPLE_FORBUND)))
    broken = _broken_params(folder, paths["sjobygden"], paths["kustbygden"])
    out = folder / "reports"
    result = subprocess.run([sys.executable, "-m", "samverkan.cli", "run", *map(str, paths.values()),
                             *map(str, broken), "--out", str(out), "--jobs", "2"],
                            capture_output=True, text=True, check=False)
    return {"folder": folder, "paths": paths, "out": out, "result": result}


@pytest.fixture(scope="session")
def warm_kernel():
    """One warm kernel (:class:`samverkan.kernels.WarmKernel`, reset between notebooks) for the notebook tests.

    ``warm_kernel.execute(notebook, output, parameters, cwd)`` runs a notebook as the batch
    does, without paying a kernel start per test.
    """
    from samverkan.kernels import WarmKernel

    kernel = WarmKernel()
    yield kernel
    kernel.close()
