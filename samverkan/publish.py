"""Run the report notebook for one förbund and publish its outputs atomically.

``samverkan report params/<f>.yaml --out DIR`` writes ``DIR/<f>/``: ``report.ipynb``
(executed), ``report.html`` (no code, no parameters, figures embedded), ``tables.xlsx``,
``figures/*.svg`` and ``results.json``. Everything is written into a temporary folder
beside it and renamed into place only when complete, so an interrupted or failing run
never leaves a half-written report; a failing notebook's executed copy is kept as
``DIR/<f>.failed.ipynb``.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from . import instrument, resources
from .errors import Problem
from .files import write_atomically
from .kernels import FreshKernel, NotebookFailed
from .params import PARAMS_KEYS, Params, load_params

NOTEBOOK = resources.NOTEBOOKS_DIR / "forbund_report.ipynb"
HIDDEN_TAGS = {"injected-parameters", "parameters", "setup", "notebook-only"}


class ReportError(RuntimeError):
    """A report notebook failed; the message names the förbund and the failing cell.

    ``cell``, ``ename`` and ``evalue`` are the failing cell and its error.
    """


class OutputError(RuntimeError):
    """The output folder (``--out``) cannot be used; the message says why, in Swedish."""


def _links_inside(folder: Path, shown: int = 5) -> list[str]:
    """Up to ``shown`` symbolic links anywhere under ``folder`` (links to folders are not followed)."""
    found = []
    for root, directories, files in os.walk(folder):
        for name in directories + files:
            if os.path.islink(os.path.join(root, name)):
                found.append(os.path.relpath(os.path.join(root, name), folder))
                if len(found) >= shown:
                    return found
    return found


def prepare_output(out: str | Path) -> Path:
    """Create ``out`` if needed and check that reports can be written there safely; the absolute path.

    Raises
    ------
    OutputError
        ``out`` (or a folder above it) is a file, ``out`` cannot be created or written
        to (read-only), or holds a symbolic link: a report or the index would be
        written through it to a file elsewhere.
    """
    out = Path(out).absolute()
    try:
        if out.exists() and not out.is_dir():
            raise OutputError(f"--out {out} är en fil, inte en mapp")
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        raise OutputError(f"--out {out} kan inte skapas: en del av sökvägen är en fil ({error.filename})") from None
    except OSError as error:
        raise OutputError(f"--out {out} kan inte skapas: {error.strerror}") from None
    try:
        handle, probe = tempfile.mkstemp(prefix=".samverkan-probe-", dir=out)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise OutputError(f"--out {out} går inte att skriva i ({error.strerror}): är mappen skrivskyddad?") from None
    links = _links_inside(out)
    if links:
        raise OutputError(f"--out {out} innehåller symboliska länkar, och inget skrivs genom en länk: "
                          f"{', '.join(links)}; ta bort dem eller välj en annan mapp")
    return out


def notebook_parameters(params, output_dir: Path) -> dict:
    """The papermill parameters of a loaded params file (absolute paths) plus ``output_dir``."""
    return {**params.parameters(), "output_dir": str(output_dir)}


def to_html(executed, target: Path, title: str) -> Path:
    """Convert an executed notebook (a path, or the notebook itself) to HTML without code or parameters cells.

    The page is samverkan's own template (``samverkan/templates/nbconvert/samverkan``):
    ``lang="sv"``, the report's style sheet for screen and A4 print, ``title`` as the page
    title and on every printed page, no code and no input prompts.
    """
    import nbformat

    from .display import stylesheet

    notebook = executed if isinstance(executed, nbformat.NotebookNode) else nbformat.read(executed, as_version=4)
    nbformat.validate(notebook)
    with _EXPORTER["lock"]:
        body, _ = prepare_html().from_notebook_node(
            notebook, resources={"metadata": {"name": title}, "samverkan_css": stylesheet()})
    return write_atomically(target, lambda p: p.write_text(body, encoding="utf-8"))


_EXPORTER: dict = {"lock": threading.RLock(), "html": None}


def prepare_html():
    """The HTML exporter, made once per process: compiling its templates costs ~0.4 s.

    ``samverkan run`` calls it while its kernels start, so no report waits for it; the
    batch's worker threads then share it, one conversion at a time (~0.05 s each).
    """
    with _EXPORTER["lock"]:
        if _EXPORTER["html"] is None:
            import nbformat

            exporter = _report_exporter()
            exporter.from_notebook_node(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x")]))
            _EXPORTER["html"] = exporter  # its templates loaded (and their imports done) by one conversion
        return _EXPORTER["html"]


def _svg_base64(svg: str) -> str:
    import base64

    return base64.b64encode(str(svg).encode("utf-8")).decode("ascii")


def _report_exporter():
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    from .display import TEMPLATES_DIR, css_string

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter with samverkan's page template, validating the notebook once.

        The template is rendered directly (``TemplateExporter.from_notebook_node``):
        HTMLExporter's closing BeautifulSoup pass re-parses the whole page only to add
        ``alt`` and ``tabindex`` attributes (~0.35 s a report); samverkan's figures carry
        their own alt text. nbconvert also validates the notebook after each of its 13
        preprocessors (~5 ms each); :func:`to_html` validates it once before converting.
        """

        def _validate_preprocessor(self, nbc, preprocessor):
            """Only the tag-removing preprocessor runs, and it removes whole cells: nothing to re-validate."""

        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = ReportExporter(template_name="samverkan", extra_template_basedirs=[str(TEMPLATES_DIR / "nbconvert")],
                              exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_filter("css_string", css_string)
    exporter.register_filter("svg_base64", _svg_base64)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True), enabled=True)
    return exporter


# ------------------------------------------------------------------ what published pages may say

_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Words the instrument defines (ids, labels, allowed values, missing-answer words): never data."""
    words = set(instrument.load_instrument().missing_reasons) | set(instrument.load_instrument().non_substantive)
    words |= set(PARAMS_KEYS)
    for survey in instrument.survey_names():
        spec = instrument.survey(survey)
        words |= {survey, *spec.comment_ids}
        for item in spec.items:
            words |= {item.id, *map(str, item.labels or ())}
    return frozenset(words)


def public_text(text: str, vocabulary: frozenset[str] = frozenset(), hide: Sequence[str] = ()) -> str:
    """``text`` with every quoted value that is not in ``vocabulary`` replaced by ``'…'``, and ``hide`` removed.

    Messages quote what they found in a file (``okänt svar 'ringde Karin …'``,
    ``respondent_id 'O102' …``); a published page keeps the place and the reason but
    never the content.

    >>> public_text("okänt svar 'ringde Karin' på frågan lyssnar; menade du 'ofta'?", frozenset({"ofta"}))
    "okänt svar '…' på frågan lyssnar; menade du 'ofta'?"
    """
    def replace(match: re.Match) -> str:
        inner = match.group()[1:-1]
        return match.group() if inner in vocabulary else "'…'"

    shown = _QUOTED.sub(replace, text)
    for value in hide:
        if value and len(value) > 1 and value not in vocabulary:
            shown = shown.replace(value, "…")
    return " ".join(shown.split())


def public_problem(problem: Problem, vocabulary: frozenset[str]) -> str:
    """``file:row:column: reason`` with every value from the data hidden (:func:`public_text`)."""
    hide = [v for v in (problem.value, problem.respondent_id) if v]
    shown = Problem(problem.file, problem.row, problem.column, None, public_text(problem.reason, vocabulary, hide))
    return str(shown)



def _failed(error: NotebookFailed, executed: Path, out: Path, forbund: str) -> ReportError:
    kept = out / f"{forbund}.failed.ipynb"
    if executed.exists():
        shutil.move(str(executed), kept)
    where = f"cell {error.cell}" if error.cell is not None else "notebooket"
    failure = ReportError(f"{forbund}: {where} misslyckades: {error.ename}: {error.evalue} (körd kopia: {kept})")
    failure.cell, failure.ename, failure.evalue = error.cell, error.ename, error.evalue
    failure.error = f"{error.ename}: {error.evalue}"
    return failure


def _replace(temporary: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    temporary.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def run_report(params: Params | str | Path, out: str | Path, *, kernel=None, notebook: str | Path = NOTEBOOK,
               check_data: bool = True, check_output: bool = True) -> Path:
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
    check_output
        Check ``out`` with :func:`prepare_output` (``samverkan run`` has done so once).

    Raises
    ------
    samverkan.DataError
        The params file (or its data) has problems: raised before any kernel starts.
    OutputError
        ``out`` cannot be used safely (a file, read-only, holding symbolic links).
    samverkan.kernels.KernelDied
        The kernel died or hung (the temporary folder is removed).
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
    out = prepare_output(out) if check_output else Path(out).absolute()  # the kernel needs absolute paths
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
