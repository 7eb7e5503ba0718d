"""Ways to execute a parameterised notebook: a fresh kernel each time, or one warm kernel reused.

Both take the notebook, the output path, the parameters and the working folder, write
the executed notebook (also when a cell fails) and return it, and raise
:class:`NotebookFailed` naming the failing cell.

Starting a kernel and importing pandas, seaborn, scipy and statsmodels costs about 3 s
here, more than a förbund's analysis. :class:`WarmKernel` starts one kernel and runs
notebook after notebook in it, resetting all state in between (:data:`RESET_CODE`):
the user namespace, matplotlib's open figures and rcParams (restored to the state
right after start-up), the random seeds, the working folder and samverkan's caches.
The imported modules stay: that is the point.
"""

from __future__ import annotations

from pathlib import Path

KERNEL_NAME = "python3"
TIMEOUT = 900
#: Command-line settings of a warm kernel. IPython's input history is kept in memory only:
#: otherwise every cell is written to a SQLite file by a thread of the kernel, about a third
#: of the cost of running a cell, for a history nobody reads from a batch kernel.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]

#: Run once when a warm kernel starts: import what every report imports, record the state to return to,
#: and move everything alive now into the garbage collector's permanent generation (``gc.freeze``):
#: the imported libraries' millions of objects are then never traversed again, so a collection
#: (the reset's, and every automatic one while a report runs) only looks at what reports made.
STARTUP_CODE = """
import matplotlib, matplotlib.pyplot
import samverkan, samverkan.report, samverkan.overview
import samverkan.kernels as _samverkan_kernels
_samverkan_kernels.STATE["rc"] = matplotlib.rcParams.copy()
_samverkan_kernels.settle()
"""

#: Run before every notebook in a warm kernel.
RESET_CODE = """
import samverkan.kernels as _samverkan_kernels
_samverkan_kernels.reset_state({cwd!r})
%reset -f
__import__("samverkan.kernels").kernels.settle()
"""

#: Kernel-side state of a warm kernel (lives in the kernel process).
STATE: dict = {}


def clear_caches() -> None:
    """Clear samverkan's in-process caches (called inside a warm kernel between notebooks)."""
    from . import instrument

    instrument.load_instrument.cache_clear()
    instrument.items_by_id.cache_clear()


def settle() -> None:
    """Collect garbage and freeze what is left (modules a report imported on first use, caches).

    Called after each reset, so the objects every report keeps alive are never
    traversed by the collector again (see :data:`STARTUP_CODE`).
    """
    import gc

    gc.collect()
    gc.freeze()


def reset_state(cwd: str) -> None:
    """Inside a warm kernel, before a notebook: figures, rcParams, seeds, caches and working folder.

    The user namespace is cleared by ``%reset -f`` right after (:data:`RESET_CODE`).
    """
    import os
    import random

    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np

    plt.close("all")
    matplotlib.rcParams.clear()
    matplotlib.rcParams.update(STATE["rc"])
    random.seed(0)
    np.random.seed(0)
    clear_caches()
    os.chdir(cwd)


class NotebookFailed(RuntimeError):
    """A cell raised. ``cell`` is its execution count (or position), ``ename``/``evalue`` the error."""

    def __init__(self, cell, ename: str, evalue: str):
        self.cell, self.ename, self.evalue = cell, ename, evalue
        super().__init__(f"cell {cell}: {ename}: {evalue}")


def _import_notebook_libraries() -> None:
    """Import what running a notebook needs here (nbformat alone takes ~1.5 s: it imports jsonschema)."""
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401
    import papermill.iorw  # noqa: F401
    import papermill.parameterize  # noqa: F401


def _parameterized(notebook: Path, parameters: dict, kernel_name: str):
    """The notebook with papermill's injected-parameters cell, exactly as papermill would run it."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    return parameterize_notebook(load_notebook_node(str(notebook)), parameters, kernel_name=kernel_name)


def _failing_cell(nb) -> object:
    for position, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return cell.get("execution_count") or position
    return None


class FreshKernel:
    """Execute each notebook with papermill in a new kernel (``--isolated``: for audit runs)."""

    def __init__(self, kernel_name: str = KERNEL_NAME):
        self.kernel_name = kernel_name

    def execute(self, notebook: Path, output: Path, parameters: dict, cwd: Path):
        """Run ``notebook`` with ``parameters`` in ``cwd``; the executed copy goes to ``output`` and is returned."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        try:  # the kernel starts in cwd; papermill's cwd= would chdir the whole process, which threads share
            return papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                                              kernel_name=self.kernel_name, progress_bar=False,
                                              resources={"metadata": {"path": str(cwd)}})
        except PapermillExecutionError as error:
            raise NotebookFailed(error.exec_count, error.ename, error.evalue) from error

    def close(self) -> None:
        """Nothing to close: every kernel ends with its notebook."""


class WarmKernel:
    """One kernel, started once, running notebook after notebook with a reset in between."""

    def __init__(self, kernel_name: str = KERNEL_NAME):
        self.kernel_name = kernel_name
        self.km = None
        self.kc = None

    def _start(self, cwd: Path) -> None:
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name=self.kernel_name)
        self.km.start_kernel(cwd=str(cwd), extra_arguments=KERNEL_ARGUMENTS)
        _import_notebook_libraries()  # here, while the new kernel process imports its own (~3 s)
        self.kc = self.km.client()  # one client for the kernel's life: starting channels costs ~0.2 s
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self._run_code(STARTUP_CODE)

    def _run_code(self, code: str) -> None:
        reply = self.kc.execute_interactive(code, timeout=TIMEOUT, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"warm kernel set-up failed: {reply['content'].get('evalue')}")

    def execute(self, notebook: Path, output: Path, parameters: dict, cwd: Path):
        """Reset the kernel, then run ``notebook`` with ``parameters``; the executed copy goes to ``output`` and is returned."""
        import nbformat  # here, not at the top: it pulls in jsonschema, ~1.5 s to import, which kernels never need
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        if self.km is None or not self.km.is_alive():
            self.close()
            self._start(cwd)
        self._run_code(RESET_CODE.format(cwd=str(cwd)))
        nb = _parameterized(notebook, parameters, self.kernel_name)
        client = NotebookClient(nb, km=self.km, timeout=TIMEOUT, kernel_name=self.kernel_name,
                                resources={"metadata": {"path": str(cwd)}})
        client.kc = self.kc  # not owning the kernel manager, nbclient leaves the client running
        try:
            client.execute()
        except CellExecutionError as error:
            raise NotebookFailed(_failing_cell(nb), error.ename, error.evalue) from error
        finally:
            nbformat.write(nb, output)
        return nb

    def interrupt(self) -> None:
        """Interrupt the running notebook (Ctrl-C)."""
        if self.km is not None and self.km.is_alive():
            self.km.interrupt_kernel()

    def close(self) -> None:
        """Shut the kernel down."""
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            self.km.shutdown_kernel(now=True)
            self.km = None
