"""An installed package works: the wheel in a fresh virtualenv outside the repository.

The commands are the README's (section "Every förbund at once", the Dask workers'
install), run as written: build the wheel from a copy of the source, make a virtualenv
in a temporary folder, install ``requirements.lock`` and the wheel with pip, register
the ``python3`` kernel, then ``samverkan init`` on the sample exports that ship inside
the installed package, ``samverkan report`` and ``samverkan run``.

One shortcut, so that the test costs seconds instead of the ~2 minutes pip needs to
unpack ~150 pinned wheels: before the README's ``pip install`` runs, the fresh
virtualenv is given the checkout's already-installed dependencies through a ``.pth``
file (a folder of links to every entry of the checkout's site-packages **except**
samverkan's own files, its editable-install hook and pip). The ``pip install`` command
then runs as written, finds the pinned versions satisfied and installs the wheel
itself; samverkan is imported from the wheel in the new virtualenv, never from the
checkout (asserted below).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
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


#: Entries of the checkout's site-packages the fresh virtualenv must not see: samverkan itself
#: (editable install), setuptools' distutils hook and pip (the virtualenv has its own).
_NOT_SHARED = ("samverkan", "__editable__", "distutils-precedence", "_distutils_hack", "pip", "pip-")


def _share_installed_dependencies(env_dir: Path, links: Path) -> None:
    """Let the virtualenv at ``env_dir`` see the checkout's installed dependencies (not samverkan).

    Also their Jupyter data files (nbconvert's templates in ``share/jupyter``), but not the
    checkout's kernel specs: ``ipykernel install --sys-prefix`` writes the worker's own.
    """
    links.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(_NOT_SHARED) and entry.suffix != ".pth":
            (links / entry.name).symlink_to(entry)
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    (site / "checkout-dependencies.pth").write_text(f"{links}\n", encoding="utf-8")
    jupyter_data = env_dir / "share" / "jupyter"
    jupyter_data.mkdir(parents=True, exist_ok=True)
    for entry in (Path(sys.prefix) / "share" / "jupyter").iterdir():
        if entry.name != "kernels":
            (jupyter_data / entry.name).symlink_to(entry)


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
    make_env, *pip_commands = install
    _sh(make_env, worker, env)
    _share_installed_dependencies(worker / "samverkan-env", tmp_path / "dependencies")
    for command in pip_commands:
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
