"""Ways to execute a parameterised notebook: a fresh kernel each time, or one warm kernel reused.

Both take the notebook, the output path, the parameters and the working folder, write
the executed notebook (also when a cell fails) and return it. They raise
:class:`NotebookFailed` naming the failing cell, and :class:`KernelDied` when the
kernel process ended, stopped answering or ran past its time: the notebook did not
fail, the kernel did, and a fresh kernel may well succeed (``samverkan run`` retries
once).

Every wait on a kernel has a deadline and checks, at least once a second, that the
kernel process is still alive: start-up (``START_TIMEOUT``), each reset
(``RESET_TIMEOUT``) and each cell (``timeout``, default ``TIMEOUT``). The kernels
talk over Unix sockets in a folder only this user can open (``0700``) where the
platform has them, never over TCP: a kernel on ``127.0.0.1`` lets any local user
subscribe to its output. :func:`kill` ends a kernel from any thread (Ctrl-C).

Starting a kernel and importing pandas, seaborn, scipy and statsmodels costs about 3 s
here, more than a förbund's analysis. :class:`WarmKernel` starts one kernel and runs
notebook after notebook in it, resetting all state in between (:func:`reset_kernel`):
the user namespace, matplotlib's open figures and rcParams (restored to the state
right after start-up), the random seeds, the working folder and samverkan's caches.
The imported modules stay: that is the point. What the kernel runs at start-up and
before each notebook are the functions :func:`start_kernel_state` and
:func:`reset_kernel` of this module, called by name: no code is built from strings.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path

KERNEL_NAME = "python3"
#: Longest a report cell may run (seconds).
TIMEOUT = 900
#: Longest a kernel may take to start and import what reports need, and to reset (seconds).
START_TIMEOUT = 120
RESET_TIMEOUT = 60
#: How often a wait checks that the kernel process is alive (seconds).
POLL = 1.0
#: Command-line settings of a warm kernel. IPython's input history is kept in memory only:
#: otherwise every cell is written to a SQLite file by a thread of the kernel, about a third
#: of the cost of running a cell, for a history nobody reads from a batch kernel.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]
#: The calls a warm kernel runs (by name; the functions are below).
STARTUP_CALL = "__import__('samverkan.kernels').kernels.start_kernel_state()"
RESET_CALL = "__import__('samverkan.kernels').kernels.reset_kernel({cwd!r})"

#: Kernel-side state of a warm kernel (lives in the kernel process).
STATE: dict = {}


# ------------------------------------------------------------------ inside the kernel


def clear_caches() -> None:
    """Clear samverkan's in-process caches (called inside a warm kernel between notebooks)."""
    from . import instrument

    instrument.load_instrument.cache_clear()
    instrument.items_by_id.cache_clear()


def settle() -> None:
    """Collect garbage and freeze what is left (modules a report imported on first use, caches).

    Called after start-up and each reset, so the objects every report keeps alive are
    never traversed by the collector again (``gc.freeze``): a collection then only
    looks at what reports made.
    """
    import gc

    gc.collect()
    gc.freeze()


def start_kernel_state() -> None:
    """Inside a new warm kernel: import what every report imports and record the state to return to."""
    import matplotlib
    import matplotlib.pyplot  # noqa: F401

    from . import overview, report  # noqa: F401

    STATE["rc"] = matplotlib.rcParams.copy()
    settle()


def reset_state(cwd: str) -> None:
    """Inside a warm kernel, before a notebook: figures, rcParams, seeds, caches and working folder."""
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


def reset_kernel(cwd: str) -> None:
    """Inside a warm kernel, before a notebook: :func:`reset_state`, then clear the user namespace (``%reset -f``)."""
    from IPython import get_ipython

    reset_state(cwd)
    get_ipython().run_line_magic("reset", "-f")
    settle()


# ------------------------------------------------------------------ errors


class NotebookFailed(RuntimeError):
    """A cell raised. ``cell`` is its execution count (or position), ``ename``/``evalue`` the error."""

    def __init__(self, cell, ename: str, evalue: str):
        self.cell, self.ename, self.evalue = cell, ename, evalue
        super().__init__(f"cell {cell}: {ename}: {evalue}")


class KernelDied(RuntimeError):
    """The kernel ended, stopped answering or ran past its time; ``reason`` says which (Swedish)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


# ------------------------------------------------------------------ in this process


def import_libraries(notebook: str | Path | None = None) -> None:
    """Import everything running a kernel needs, here and now, before any worker thread starts.

    Two threads importing ``jupyter_client`` or ``nbclient`` for the first time at once
    can see a partially initialised module (``cannot import name 'NotebookClient'``);
    ``samverkan run`` calls this in its main thread first, with the report ``notebook``
    to parameterise once. Importing nbformat alone takes ~1.5 s (it imports jsonschema).
    """
    import jupyter_client.asynchronous  # noqa: F401
    import jupyter_client.manager  # noqa: F401
    import jupyter_client.provisioning  # noqa: F401
    import nbclient  # noqa: F401
    import nbclient.exceptions  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401
    import papermill.engines  # noqa: F401
    import papermill.iorw  # noqa: F401
    import papermill.parameterize  # noqa: F401
    import zmq.asyncio  # noqa: F401
    from jupyter_client.kernelspec import KernelSpecManager

    # What the first kernel start and the first notebook import on their way (IPython and
    # ipykernel for the kernel spec, papermill's code formatter, codecs), done once here too.
    KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    if notebook is not None:
        _parameterized(Path(notebook), {"x": 0}, KERNEL_NAME)
    for codec in ("ascii", "unicode_escape", "latin-1"):
        codecs.lookup(codec)


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


def uses_ipc() -> bool:
    """Whether kernels here talk over Unix sockets (POSIX with ``AF_UNIX``) rather than TCP."""
    return os.name == "posix" and hasattr(socket, "AF_UNIX")


#: Longest socket path zmq may be given, with room for its ``-<channel>`` suffix: a Unix
#: socket's path holds at most 107 bytes on Linux (103 on macOS).
MAX_SOCKET_PATH = 90


def _fits_a_socket(folder: Path) -> bool:
    return len(os.fsencode(folder / "k")) + 8 <= MAX_SOCKET_PATH


#: Prefix of a kernel's socket folder; the folder's ``owner`` file holds the pid of the process that made it.
FOLDER_PREFIX = "samverkan-kernel-"


def _socket_folder() -> Path:
    """A new ``0700`` folder for a kernel's sockets, in ``TMPDIR`` or, if that path is too long for a socket, ``/tmp``.

    If neither is short enough the caller falls back to TCP on the loopback interface.
    The folders a killed process left behind are removed first (:func:`remove_stale_folders`).
    """
    remove_stale_folders()
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))  # mkdtemp: mode 0700
    if not _fits_a_socket(folder) and Path("/tmp").is_dir():
        folder.rmdir()
        folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir="/tmp"))
    (folder / "owner").write_text(str(os.getpid()), encoding="ascii")
    return folder


def remove_stale_folders() -> list[Path]:
    """Remove the socket folders whose owner process is gone (a batch killed with SIGKILL cannot clean up).

    Only this user's folders with an ``owner`` file naming a process that no longer
    exists; a folder of a running batch, or of another user, is left alone. Returns the
    folders removed.
    """
    removed = []
    for parent in {Path(tempfile.gettempdir()), Path("/tmp")}:
        for folder in parent.glob(f"{FOLDER_PREFIX}*"):
            try:
                if folder.stat().st_uid != os.getuid() or _alive(int((folder / "owner").read_text("ascii"))):
                    continue
            except (OSError, ValueError):  # no owner file (yet), unreadable, or not a number: not ours to judge
                continue
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def kernel_manager(kernel_name: str = KERNEL_NAME):
    """An ``AsyncKernelManager`` whose sockets and connection file are in a new ``0700`` folder.

    Returns the manager; its folder is ``manager.samverkan_folder`` (remove it with
    :func:`remove_folder` after the kernel is shut down).
    """
    from jupyter_client.manager import AsyncKernelManager

    folder = _socket_folder()
    settings = {"connection_file": str(folder / "kernel.json")}
    if uses_ipc() and _fits_a_socket(folder):
        settings.update(transport="ipc", ip=str(folder / "k"))
    manager = AsyncKernelManager(kernel_name=kernel_name, **settings)
    manager.samverkan_folder = folder
    return manager


def remove_folder(manager) -> None:
    """Remove a manager's socket folder (after its kernel is shut down)."""
    folder = getattr(manager, "samverkan_folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def kill(manager) -> None:
    """End a kernel process (and its process group) at once; safe to call from any thread."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(os.getpgid(process.pid), signal.SIGKILL)
    except (OSError, AttributeError):
        process.kill()


def exit_reason(manager) -> str:
    """Why a kernel is gone, in Swedish: its exit signal or code."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    code = None if process is None else process.poll()
    if code is None:
        return "kerneln svarade inte"
    if code < 0:
        return f"kerneln avslutades oväntat (signal {-code}, {signal.Signals(-code).name})"
    return f"kerneln avslutades oväntat (slutkod {code})"


# ------------------------------------------------------------------ kernels


class FreshKernel:
    """Execute each notebook with papermill in a new kernel (``--isolated``: for audit runs)."""

    def __init__(self, kernel_name: str = KERNEL_NAME, timeout: float = TIMEOUT):
        self.kernel_name, self.timeout = kernel_name, timeout
        self.km = None

    def execute(self, notebook: Path, output: Path, parameters: dict, cwd: Path):
        """Run ``notebook`` with ``parameters`` in ``cwd``; the executed copy goes to ``output`` and is returned."""
        import papermill
        from nbclient.exceptions import CellTimeoutError, DeadKernelError
        from papermill.exceptions import PapermillExecutionError

        self.km = kernel_manager(self.kernel_name)
        try:
            # The kernel starts in cwd through nbclient's resources path: papermill's cwd= would chdir the
            # whole process, which the batch's threads share.
            return papermill.execute_notebook(str(notebook), str(output), parameters=parameters, km=self.km,
                                              kernel_name=self.kernel_name, progress_bar=False,
                                              resources={"metadata": {"path": str(cwd)}},
                                              start_timeout=START_TIMEOUT, execution_timeout=self.timeout)
        except PapermillExecutionError as error:
            raise NotebookFailed(error.exec_count, error.ename, error.evalue) from error
        except (DeadKernelError, CellTimeoutError, RuntimeError) as error:
            raise KernelDied(_died_reason(self.km, error, self.timeout)) from error
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        manager, self.km = self.km, None
        if manager is None:
            return
        kill(manager)
        asyncio.run(_quiet_shutdown(manager))
        remove_folder(manager)

    def kill(self) -> None:
        """End the running kernel (from any thread)."""
        if self.km is not None:
            kill(self.km)

    def close(self) -> None:
        """Nothing to close: every kernel ends with its notebook."""


async def _quiet_shutdown(manager) -> None:
    """Shut a kernel down now and clean up its files, whatever state it is in."""
    try:
        if manager.has_kernel:
            await manager.shutdown_kernel(now=True)
        else:
            manager.cleanup_resources()
    except Exception:  # a kernel that died halfway through starting leaves little to clean
        pass


def _died_reason(manager, error: BaseException, timeout: float) -> str:
    from nbclient.exceptions import CellTimeoutError

    if isinstance(error, CellTimeoutError):
        kill(manager)
        return f"en cell körde längre än {timeout:g} s (kerneln hängde sig och stoppades)"
    return exit_reason(manager)


class WarmKernel:
    """One kernel, started once, running notebook after notebook with a reset in between.

    It owns an event loop of its own, so that it can be used from any one thread at a
    time (a batch worker, then the main thread for the overview). After
    :class:`KernelDied` the dead kernel is cleaned up and the next :meth:`execute`
    starts a new one.
    """

    def __init__(self, kernel_name: str = KERNEL_NAME, timeout: float = TIMEOUT):
        self.kernel_name, self.timeout = kernel_name, timeout
        self.loop = asyncio.new_event_loop()
        self.km = None
        self.kc = None

    async def _start(self, cwd: Path) -> None:
        self.km = kernel_manager(self.kernel_name)
        await self.km.start_kernel(cwd=str(cwd), extra_arguments=KERNEL_ARGUMENTS)
        self.kc = self.km.client()  # one client for the kernel's life: starting channels costs ~0.2 s
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=START_TIMEOUT)
        await self._call(STARTUP_CALL, START_TIMEOUT)

    async def _call(self, code: str, timeout: float) -> None:
        """Run one call in the kernel; wait for its reply at most ``timeout`` s, checking liveness every ``POLL`` s."""
        from queue import Empty

        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = await self.kc.get_shell_msg(timeout=POLL)
            except Empty:
                if not await self.km.is_alive():
                    raise KernelDied(exit_reason(self.km)) from None
                if time.monotonic() > deadline:
                    raise KernelDied(f"kerneln svarade inte på {timeout:g} s") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"]["status"] != "ok":
            raise KernelDied(f"kerneln kunde inte förberedas: {reply['content'].get('ename')}: "
                             f"{reply['content'].get('evalue')}")

    async def _prepare(self, cwd: Path) -> None:
        if self.km is None or not await self.km.is_alive():
            await self._close()
            await self._start(cwd)
        await self._call(RESET_CALL.format(cwd=str(cwd)), RESET_TIMEOUT)

    async def _execute(self, nb, cwd: Path) -> None:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        client = NotebookClient(nb, km=self.km, timeout=self.timeout, kernel_name=self.kernel_name,
                                resources={"metadata": {"path": str(cwd)}}, shell_timeout_interval=1)
        client.kc = self.kc  # not owning the kernel manager, nbclient leaves the client running
        try:
            await client.async_execute()
        except CellExecutionError as error:
            raise NotebookFailed(_failing_cell(nb), error.ename, error.evalue) from error
        except (DeadKernelError, CellTimeoutError) as error:
            raise KernelDied(_died_reason(self.km, error, self.timeout)) from error

    def execute(self, notebook: Path, output: Path, parameters: dict, cwd: Path):
        """Reset the kernel, then run ``notebook`` with ``parameters``; the executed copy goes to ``output`` and is returned."""
        import nbformat

        try:
            self.loop.run_until_complete(self._prepare(cwd))
        except (KernelDied, RuntimeError) as error:  # RuntimeError: jupyter_client's "died before replying"
            reason = error.reason if isinstance(error, KernelDied) else exit_reason(self.km)
            self._close_now()
            raise KernelDied(reason) from error
        nb = _parameterized(notebook, parameters, self.kernel_name)
        try:
            self.loop.run_until_complete(self._execute(nb, cwd))
        except KernelDied:
            self._close_now()
            raise
        finally:
            nbformat.write(nb, output)
        return nb

    def kill(self) -> None:
        """End the kernel process at once (from any thread); the thread using it then sees :class:`KernelDied`."""
        if self.km is not None:
            kill(self.km)

    async def _close(self) -> None:
        manager, client = self.km, self.kc
        self.km = self.kc = None
        if client is not None:
            client.stop_channels()
        if manager is not None:
            await _quiet_shutdown(manager)
            remove_folder(manager)

    def _close_now(self) -> None:
        self.kill()
        self.loop.run_until_complete(self._close())

    def close(self) -> None:
        """Shut the kernel down and remove its socket folder."""
        if not self.loop.is_closed():
            self.loop.run_until_complete(self._close())
            self.loop.close()
