"""Ways to execute a parameterised notebook: a fresh kernel each time, or one warm kernel reused.

Both take the notebook, the output path, the parameters and the working folder, write
the executed notebook (also when a cell fails), and raise :class:`NotebookFailed`
naming the failing cell.

Starting a kernel and importing pandas, seaborn, scipy and statsmodels costs about 3 s
here, more than a förbund's analysis. :class:`WarmKernel` starts one kernel and runs
notebook after notebook in it, resetting all state in between (:data:`RESET_CODE`):
the user namespace, matplotlib's open figures and rcParams (restored to the state
right after start-up), the random seeds, the working folder and samverkan's caches.
The imported modules stay: that is the point.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

KERNEL_NAME = "python3"
TIMEOUT = 900

#: Run once when a warm kernel starts: import what every report imports, then record the state to return to.
STARTUP_CODE = """
import matplotlib, matplotlib.pyplot
import samverkan, samverkan.report
import samverkan.kernels as _samverkan_kernels
_samverkan_kernels.STATE["rc"] = matplotlib.rcParams.copy()
"""

#: Run before every notebook in a warm kernel.
RESET_CODE = """
%reset -f
import gc as _gc, os as _os, random as _random
import numpy as _np, matplotlib as _mpl, matplotlib.pyplot as _plt
import samverkan.kernels as _samverkan_kernels
_plt.close("all")
_mpl.rcParams.clear()
_mpl.rcParams.update(_samverkan_kernels.STATE["rc"])
_random.seed(0)
_np.random.seed(0)
_samverkan_kernels.clear_caches()
_os.chdir({cwd!r})
_gc.collect()
%reset -f
"""

#: Kernel-side state of a warm kernel (lives in the kernel process).
STATE: dict = {}


def clear_caches() -> None:
    """Clear samverkan's in-process caches (called inside a warm kernel between notebooks)."""
    from . import instrument

    instrument.load_instrument.cache_clear()
    instrument.items_by_id.cache_clear()


class NotebookFailed(RuntimeError):
    """A cell raised. ``cell`` is its execution count (or position), ``ename``/``evalue`` the error."""

    def __init__(self, cell, ename: str, evalue: str):
        self.cell, self.ename, self.evalue = cell, ename, evalue
        super().__init__(f"cell {cell}: {ename}: {evalue}")


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

    def execute(self, notebook: Path, output: Path, parameters: dict, cwd: Path) -> None:
        """Run ``notebook`` with ``parameters`` in ``cwd``; the executed copy goes to ``output``."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        try:
            papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                                       kernel_name=self.kernel_name, progress_bar=False, cwd=str(cwd))
        except PapermillExecutionError as error:
            raise NotebookFailed(error.exec_count, error.ename, error.evalue) from error

    def close(self) -> None:
        """Nothing to close: every kernel ends with its notebook."""


class WarmKernel:
    """One kernel, started once, running notebook after notebook with a reset in between."""

    def __init__(self, kernel_name: str = KERNEL_NAME):
        self.kernel_name = kernel_name
        self.km = None

    def _start(self, cwd: Path) -> None:
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name=self.kernel_name)
        self.km.start_kernel(cwd=str(cwd))
        self._run_code(STARTUP_CODE)

    def _run_code(self, code: str) -> None:
        client = self.km.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=120)
            reply = client.execute_interactive(code, timeout=TIMEOUT, output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"warm kernel set-up failed: {reply['content'].get('evalue')}")
        finally:
            client.stop_channels()

    def execute(self, notebook: Path, output: Path, parameters: dict, cwd: Path) -> None:
        """Reset the kernel, then run ``notebook`` with ``parameters``; the executed copy goes to ``output``."""
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        if self.km is None or not self.km.is_alive():
            self._start(cwd)
        self._run_code(RESET_CODE.format(cwd=str(cwd)))
        nb = _parameterized(notebook, parameters, self.kernel_name)
        client = NotebookClient(nb, km=self.km, timeout=TIMEOUT, kernel_name=self.kernel_name,
                                resources={"metadata": {"path": str(cwd)}})
        try:
            client.execute()
        except CellExecutionError as error:
            raise NotebookFailed(_failing_cell(nb), error.ename, error.evalue) from error
        finally:
            nbformat.write(nb, output)

    def interrupt(self) -> None:
        """Interrupt the running notebook (Ctrl-C)."""
        if self.km is not None and self.km.is_alive():
            self.km.interrupt_kernel()

    def close(self) -> None:
        """Shut the kernel down."""
        if self.km is not None:
            self.km.shutdown_kernel(now=True)
            self.km = None
