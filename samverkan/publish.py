"""Run the report notebook for one förbund and publish its outputs atomically.

``samverkan report params/<f>.yaml --out DIR`` writes ``DIR/<f>/``: ``report.ipynb``
(executed), ``report.html`` (no code, no parameters, figures embedded), ``tables.xlsx``,
``figures/*.png`` and ``results.json``. Everything is written into a temporary folder
beside it and renamed into place only when complete, so an interrupted or failing run
never leaves a half-written report; a failing notebook's executed copy is kept as
``DIR/<f>.failed.ipynb``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .config import load_params
from .kernels import FreshKernel, NotebookFailed

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "forbund_report.ipynb"
HIDDEN_TAGS = {"injected-parameters", "parameters", "setup"}


class ReportError(RuntimeError):
    """A report notebook failed; the message names the förbund and the failing cell."""


def notebook_parameters(params, output_dir: Path) -> dict:
    """The papermill parameters of a loaded params file (absolute paths) plus ``output_dir``."""
    return {**params.parameters(), "output_dir": str(output_dir)}


def to_html(executed: Path, target: Path, title: str) -> Path:
    """Convert an executed notebook to HTML without code cells or the parameters cells."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    notebook = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True), enabled=True)
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    target.write_text(body, encoding="utf-8")
    return target


def _failed(error: NotebookFailed, executed: Path, out: Path, forbund: str) -> ReportError:
    kept = out / f"{forbund}.failed.ipynb"
    if executed.exists():
        shutil.move(str(executed), kept)
    where = f"cell {error.cell}" if error.cell is not None else "notebooket"
    failure = ReportError(f"{forbund}: {where} misslyckades: {error.ename}: {error.evalue} (körd kopia: {kept})")
    failure.cell, failure.error = error.cell, f"{error.ename}: {error.evalue}"
    return failure


def _replace(temporary: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    temporary.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def run_report(params_path: str | Path, out: str | Path, *, kernel=None, notebook: str | Path = NOTEBOOK) -> Path:
    """Validate a params file, execute the report notebook, and publish ``out/<forbund>/``.

    Parameters
    ----------
    params_path
        ``params/<forbund>.yaml``.
    out
        The reports folder; the report goes to ``out/<forbund>/``.
    kernel
        A :class:`samverkan.kernels.WarmKernel` to reuse, or ``None`` for a fresh kernel
        (papermill) per report.
    notebook
        The report notebook (tests pass a broken copy).

    Raises
    ------
    samverkan.DataError
        The params file (or its data) has problems: raised before any kernel starts.
    ReportError
        The notebook failed; its executed copy is kept as ``out/<forbund>.failed.ipynb``.

    Returns
    -------
    pathlib.Path
        The published folder. On any failure or interruption (Ctrl-C) the temporary
        folder is removed and an earlier report in ``out/<forbund>/`` is left as it was.
    """
    params = load_params(params_path)
    kernel = kernel or FreshKernel()
    out = Path(out).resolve()  # the kernel runs in notebooks/: it must get absolute paths
    out.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{params.forbund}.tmp-", dir=out))
    temporary.chmod(0o755)
    executed = temporary / "report.ipynb"
    try:
        try:
            kernel.execute(Path(notebook), executed, notebook_parameters(params, temporary), Path(notebook).parent)
        except NotebookFailed as error:
            raise _failed(error, executed, out, params.forbund) from error
        to_html(executed, temporary / "report.html", params.name)
        _replace(temporary, out / params.forbund)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return out / params.forbund
