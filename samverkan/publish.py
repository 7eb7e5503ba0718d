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
import re
import shutil
import tempfile
import threading
from pathlib import Path

from . import resources
from .params import Params, load_params
from .kernels import FreshKernel, NotebookFailed

NOTEBOOK = resources.NOTEBOOKS_DIR / "forbund_report.ipynb"
HIDDEN_TAGS = {"injected-parameters", "parameters", "setup"}


class ReportError(RuntimeError):
    """A report notebook failed; the message names the förbund and the failing cell."""


def notebook_parameters(params, output_dir: Path) -> dict:
    """The papermill parameters of a loaded params file (absolute paths) plus ``output_dir``."""
    return {**params.parameters(), "output_dir": str(output_dir)}


def to_html(executed, target: Path, title: str) -> Path:
    """Convert an executed notebook (a path, or the notebook itself) to HTML without code or parameters cells."""
    import nbformat

    notebook = executed if isinstance(executed, nbformat.NotebookNode) else nbformat.read(executed, as_version=4)
    nbformat.validate(notebook)
    with _EXPORTER["lock"]:
        body, _ = prepare_html().from_notebook_node(notebook, resources={"metadata": {"name": title}})
    target.write_text(body, encoding="utf-8")
    return target


_EXPORTER: dict = {"lock": threading.RLock(), "html": None}


def prepare_html():
    """The HTML exporter, made once per process: compiling its templates costs ~0.4 s.

    ``samverkan run`` calls it while its kernels start, so no report waits for it; the
    batch's worker threads then share it, one conversion at a time (~0.05 s each).
    """
    with _EXPORTER["lock"]:
        if _EXPORTER["html"] is None:
            _EXPORTER["html"] = _report_exporter()
        return _EXPORTER["html"]


def _report_exporter():
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from nbconvert.preprocessors import TagRemovePreprocessor

    class ReportExporter(HTMLExporter):
        """nbconvert's lab HTML without its closing BeautifulSoup pass, validating the notebook once.

        That pass re-parses the whole page (images and style sheet included) only to add
        ``alt`` and ``tabindex`` attributes; it cost ~0.35 s of a report's ~0.4 s
        conversion. The report's images get their ``alt`` text here instead. nbconvert
        also validates the notebook after each of its 13 preprocessors (~5 ms each);
        :func:`to_html` validates it once before converting.
        """

        def _validate_preprocessor(self, nbc, preprocessor):
            """Only the tag-removing preprocessor runs, and it removes whole cells: nothing to re-validate."""

        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", Highlight2HTML(pygments_lexer="ipython3", parent=self))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _IMG_WITHOUT_ALT.sub(f'<img alt="{IMAGE_ALT}" ', body), resources

    exporter = ReportExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True), enabled=True)
    return exporter


IMAGE_ALT = "Diagram: se rubriken och tabellen intill"
_IMG_WITHOUT_ALT = re.compile(r"<img (?![^>]*\balt=)")


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


def run_report(params: Params | str | Path, out: str | Path, *, kernel=None, notebook: str | Path = NOTEBOOK,
               check_data: bool = True) -> Path:
    """Execute the report notebook for checked params (or a params file, checked first) and publish ``out/<forbund>/``.

    Parameters
    ----------
    params
        The :class:`samverkan.params.Params` that :func:`samverkan.params.check_params`
        returned (nothing is read again), or a params file to check first.
    out
        The reports folder; the report goes to ``out/<forbund>/``.
    kernel
        A :class:`samverkan.kernels.WarmKernel` to reuse, or ``None`` for a fresh kernel
        (papermill) per report.
    notebook
        The report notebook (tests pass a broken copy).
    check_data
        Read the data files while checking a params file given as a path.

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
    if not isinstance(params, Params):
        params = load_params(params, check_data=check_data)
    kernel = kernel or FreshKernel()
    out = Path(out).resolve()  # the kernel runs in notebooks/: it must get absolute paths
    out.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{params.forbund}.tmp-", dir=out))
    temporary.chmod(0o755)
    executed = temporary / "report.ipynb"
    try:
        try:
            result = kernel.execute(Path(notebook), executed, notebook_parameters(params, temporary),
                                    Path(notebook).parent)
        except NotebookFailed as error:
            raise _failed(error, executed, out, params.forbund) from error
        to_html(result, temporary / "report.html", params.name)
        _replace(temporary, out / params.forbund)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return out / params.forbund
