"""Run the reproduction notebook on a partner's 2016 exports (or the sample) and publish it as HTML."""

from __future__ import annotations

from pathlib import Path

from .. import resources
from ..kernels import FreshKernel, NotebookFailed
from ..publish import to_html

NOTEBOOK = resources.NOTEBOOKS_DIR / "reproduce_fou_2017_1.ipynb"
TITLE = "Återgivning av FoU rapport 2017:1"


def run_reproduction(out: str | Path, *, staff: str | Path | None = None, managers: str | Path | None = None,
                     regions: dict[str, list[str]] | None = None, p_adjust: str = "holm") -> Path:
    """Execute ``notebooks/reproduce_fou_2017_1.ipynb`` and write it, executed and as HTML, into ``out``.

    Parameters
    ----------
    out
        Folder for ``reproduce_fou_2017_1.ipynb`` (executed) and ``reproduce_fou_2017_1.html``
        (no code); created if needed.
    staff, managers
        The 2016 exports of the staff and manager surveys; ``None`` for the committed
        synthetic sample (both or neither).
    regions
        Region → kommuner and Mysam groups of the exports; ``None`` for the report's
        (:func:`samverkan.reproduce.report_regions`).
    p_adjust
        Correction for multiple testing of the skipped tests.

    Returns
    -------
    pathlib.Path
        The HTML page.

    Raises
    ------
    ValueError
        If only one of ``staff`` and ``managers`` is given, or a file does not exist.
    RuntimeError
        If the notebook fails (the message names the cell and the error, e.g. a
        :class:`samverkan.DataError` listing the export's problems).
    """
    if (staff is None) != (managers is None):
        raise ValueError(f"staff={staff!r}, managers={managers!r}: give both 2016 exports, or neither for the sample")
    parameters: dict = {"p_adjust": p_adjust}
    for name, path in (("staff_export", staff), ("managers_export", managers)):
        if path is not None:
            if not Path(path).is_file():
                raise ValueError(f"{name}={str(path)!r}: no such file")
            parameters[name] = str(Path(path).resolve())  # the kernel runs in notebooks/
    if regions is not None:
        parameters["regions"] = regions
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executed = out / NOTEBOOK.name
    try:
        notebook = FreshKernel().execute(NOTEBOOK, executed, parameters, NOTEBOOK.parent)
    except NotebookFailed as error:
        raise RuntimeError(f"cell {error.cell} misslyckades: {error.ename}: {error.evalue} (körd kopia: {executed})") \
            from error
    return to_html(notebook, out / f"{NOTEBOOK.stem}.html", TITLE)
