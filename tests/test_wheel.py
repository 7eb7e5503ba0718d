"""An installed package works: the wheel in a fresh virtualenv outside the repository.

The commands are the README's (section "Every förbund at once", the Dask workers'
install), run as written: build the wheel from a copy of the source, make a virtualenv
in a temporary folder, install ``requirements.lock`` and the wheel with pip as the
Makefile does (the same indexes and wheel folders pip is configured with, so it works
where ``make install`` works), register the ``python3`` kernel, then ``samverkan init``
on the sample exports that ship inside the installed package, ``samverkan report`` and
``samverkan run``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The README's commands for a Dask worker (``.venv/bin/python`` is the checkout's, which builds the wheel).
WORKER_COMMANDS = (
    ".venv/bin/python -m pip wheel --no-deps --no-build-isolation . -w dist",
    "python3.11 -m venv samverkan-env",
    "samverkan-env/bin/python -m pip install -r requirements.lock dist/samverkan-0.1.0-py3-none-any.whl",
    "samverkan-env/bin/python -m ipykernel install --sys-prefix --name python3",
)


def _environment(env_dir: Path) -> dict[str, str]:
    """The caller's environment without this checkout's Python, virtualenv or Jupyter settings."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    path = [p for p in kept.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != (ROOT / ".venv" / "bin")]
    return {**kept, "PATH": os.pathsep.join([str(env_dir / "bin"), *path])}


def _sh(command: str, cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    done = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_readme_gives_these_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in WORKER_COMMANDS:
        assert command in readme, command


@pytest.mark.kernel
def test_wheel_installs_into_a_fresh_virtualenv_and_runs_reports(tmp_path):
    source = tmp_path / "checkout"
    shutil.copytree(ROOT / "samverkan", source / "samverkan", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "requirements.lock"):
        shutil.copy(ROOT / name, source / name)
    worker = tmp_path / "worker"
    worker.mkdir()
    env = _environment(worker / "samverkan-env")
    build, *install = WORKER_COMMANDS
    _sh(build.replace(".venv/bin/python", sys.executable), source, env)
    shutil.copytree(source / "dist", worker / "dist")
    shutil.copy(source / "requirements.lock", worker / "requirements.lock")
    for command in install:
        _sh(command, worker, env)

    python = "samverkan-env/bin/python"
    where = _sh(f"{python} -c 'import samverkan; print(samverkan.__file__, samverkan.SAMPLE_DIR)'", worker, env).stdout
    package, sample = where.split()
    assert Path(package).is_relative_to(worker / "samverkan-env") and not Path(package).is_relative_to(ROOT)
    exports = " ".join(f"{sample}/sjobygden/2019/{s}.csv" for s in ("operativ", "chefsgrupp"))
    _sh(f"samverkan-env/bin/samverkan init {exports} --forbund sjobygden --name Sjöbygden --wave 2019 "
        "--out params/sjobygden.yaml", worker, env)
    _sh("samverkan-env/bin/samverkan report params/sjobygden.yaml --out reports", worker, env)
    assert (worker / "reports" / "sjobygden" / "report.html").stat().st_size > 10_000
    ran = _sh("samverkan-env/bin/samverkan run --out reports-run --jobs 1", worker, env)  # params/ of the folder
    assert "1 klara, 0 oförändrade, 0 misslyckade" in ran.stdout
    assert (worker / "reports-run" / "sjobygden" / "results.json").is_file()
    assert (worker / "reports-run" / "index.html").is_file()
