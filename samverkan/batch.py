"""Run the report for every förbund: parallel, warm kernels, failure isolation, manifest, index, overview.

``samverkan run [PARAMS ...] --out DIR [--jobs N] [--isolated] [--resume] [--timeout S]
[--executor local|dask --scheduler ADDRESS]``:

1. ``DIR`` is checked before anything else (:func:`samverkan.publish.prepare_output`):
   a file, a read-only folder or a symbolic link inside it stops the batch with a
   clear message and exit code 2, before any kernel starts;
2. every params file is validated (with its data) before any kernel starts; an invalid
   one is reported as invalid and the others run. Any exception while validating one
   förbund (not only :class:`~samverkan.errors.DataError`) is that förbund's problem;
3. with ``--resume``, a förbund whose ``results.json`` is newer than its params file,
   data files and the report notebook is skipped;
4. the rest run, largest data first, on ``N`` workers, each keeping one warm kernel
   (:class:`samverkan.kernels.WarmKernel`) — or a fresh kernel per förbund with
   ``--isolated`` — or as tasks on a dask.distributed cluster (``--executor dask``).
   Everything the worker threads use is imported before they start. A kernel that
   dies or hangs (a cell past ``--timeout``) fails only that förbund's attempt: the
   kernel is replaced and the förbund run once more on the fresh one; any other
   exception is that förbund's failure, never the batch's. Each report is published
   atomically (:func:`samverkan.publish.run_report`);
5. ``DIR/run.json`` (the manifest), ``DIR/index.html`` (every report with its status)
   and the cross-förbund overview ``DIR/overview.html`` are written — the manifest
   and the index also after a failure or Ctrl-C.

Ctrl-C (SIGINT) or SIGTERM stops the batch within seconds: the kernels are killed, no
temporary folder is left, the manifest marks the unfinished förbund ``interrupted``,
and the command exits with 130 (143 for SIGTERM).

Published pages carry no data values: ``run.json`` and ``index.html`` name the file,
row, column and reason of a problem with every quoted value from the data replaced by
``…``; the full messages go to ``DIR/<förbund>.failed.log`` beside the failed notebook
(``DIR/<förbund>.failed.ipynb``), which are the evaluator's, not for publishing.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import json
import multiprocessing
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import Problem
from .files import write_atomically
from .kernels import TIMEOUT, FreshKernel, KernelDied, WarmKernel, import_libraries
from .params import Params, Validation, check_params, params_paths
from .publish import (NOTEBOOK, ReportError, prepare_html, prepare_output, public_problem, public_text, run_report,
                      to_html, vocabulary)
from .safe_html import escape

OVERVIEW_NOTEBOOK = NOTEBOOK.parent / "overview.ipynb"
EXECUTORS = ("local", "dask")
#: After Ctrl-C, how long the workers get to notice their killed kernels (seconds).
STOP_WAIT = 6.0


@dataclass
class Outcome:
    """One förbund's line in the manifest.

    ``error`` is the public text (no data values); ``detail`` the full message, which
    goes to the förbund's log file only (never into ``run.json`` or ``index.html``).
    """

    forbund: str
    params: str
    status: str  # "ok", "failed", "invalid", "skipped", "interrupted"
    seconds: float = 0.0
    failing_cell: int | str | None = None
    error: str | None = None
    retried: bool = False
    note: str | None = None
    log: str | None = None
    detail: str | None = field(default=None, repr=False)


MANIFEST_FIELDS = [f.name for f in fields(Outcome) if f.name != "detail"]


# ------------------------------------------------------------------ before any kernel


def _check_one(path: Path) -> Validation:
    """:func:`samverkan.params.check_params`, with any exception turned into that file's problem."""
    try:
        return check_params(path)
    except Exception as error:  # a bug or a hostile file must never stop the other förbund
        problem = Problem(str(path), None, None, None,
                          f"kunde inte kontrolleras: {type(error).__name__}: {str(error)[:500]}")
        return Validation(source=Path(path).absolute(), params=None, problems=[problem])


def validate_all(paths: Sequence[Path], jobs: int = 1) -> tuple[list[Params], list[Outcome]]:
    """Check every params file once, with its data: the typed params of the valid ones, and
    :class:`Outcome` rows for the invalid ones (no kernel started).

    Reading every data file is most of the work (~0.08 s a förbund); with ``jobs`` > 1
    it is shared by forked processes (:func:`_checks_of_each`). Nothing reads a params
    file again after this: the resume check, the ordering and the reports take the
    returned :class:`samverkan.params.Params`.
    """
    valid, invalid = [], []
    words = vocabulary()
    for path, checked in zip(paths, _checks_of_each(paths, jobs)):
        if checked.params is not None:
            valid.append(checked.params)
            continue
        problems = checked.problems
        shown = [public_problem(p, words) for p in problems]
        message = "; ".join(shown[:5]) + (" …" if len(shown) > 5 else "")
        invalid.append(Outcome(checked.forbund or Path(path).stem, str(path), "invalid", error=message,
                               detail="\n".join(str(p) for p in problems)))
    return valid, invalid


#: Fewer params files than this are validated in this process: forking would cost more than it saves.
FORK_FROM = 8


def _checks_of_each(paths: Sequence[Path], jobs: int) -> list[Validation]:
    """:func:`_check_one` of each path, in order, on ``jobs`` forked processes if worth it.

    Forked children start with samverkan already imported (no ~2 s import each, as a
    spawned process would pay). Forking is only done while this process runs a single
    thread, as before any kernel or Dask client exists; otherwise the files are read here.
    """
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if jobs < 2 or len(paths) < FORK_FROM or not forkable:
        return [_check_one(path) for path in paths]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_check_one, paths, chunksize=max(1, len(paths) // (4 * jobs))))


def _inputs_mtime(params: Params) -> float:
    return max(f.stat().st_mtime for f in [params.source, NOTEBOOK, *params.data_files()])


def _data_size(params: Params) -> int:
    try:
        return sum(f.stat().st_size for f in params.data_files())
    except OSError:  # vanished since validation: it fails when run, at its own place
        return 0


def largest_first(params: Sequence[Params]) -> list[Params]:
    """``params`` by the total size of their data files, largest first (ties keep their order).

    Reports take roughly as long as their data is large, so starting the longest first
    lets the workers finish together instead of one waiting for the other's last report.
    """
    return sorted(params, key=lambda p: -_data_size(p))


def up_to_date(params: Params, out: Path) -> bool:
    """Whether ``out/<forbund>/results.json`` is newer than the params file, its data and the notebook."""
    results = out / params.forbund / "results.json"
    try:
        return results.exists() and results.stat().st_mtime > _inputs_mtime(params)
    except OSError:
        return False


# ------------------------------------------------------------------ one förbund


def _failure_text(error: BaseException) -> tuple[object, str, str]:
    """``(failing cell, public text, full text)`` of what made a report fail."""
    if isinstance(error, ReportError):
        ename, evalue = getattr(error, "ename", "Error"), getattr(error, "evalue", str(error))
        lines = [public_text(line, vocabulary()) for line in evalue.strip().splitlines()[:4]]
        public = f"{ename}: {'; '.join(lines)}".rstrip(": ")[:600]
        return getattr(error, "cell", None), public, str(error)
    if isinstance(error, KernelDied):
        return None, error.reason, error.reason
    return None, f"{type(error).__name__}: {public_text(str(error), vocabulary())[:300]}", \
        f"{type(error).__name__}: {error}"


def run_one(params: Params, out: str | Path, kernel=None, *, notebook: Path = NOTEBOOK,
            stop: threading.Event | None = None) -> Outcome:
    """Run one förbund's report and describe how it went (never raises for a failing report).

    A kernel that dies or hangs (:class:`samverkan.kernels.KernelDied`) is replaced and
    the förbund run once more; unless ``stop`` is set (the batch is being stopped).
    ``params`` were checked with their data by :func:`validate_all` before any kernel
    started: neither the params file nor the data files are read again here.
    """
    start, died = time.perf_counter(), None
    forbund, path = params.forbund, str(params.source)
    kernel = kernel or FreshKernel()
    try:
        try:
            run_report(params, out, kernel=kernel, notebook=notebook, check_output=False)
        except KernelDied as error:
            if stop is not None and stop.is_set():
                return Outcome(forbund, path, "interrupted", time.perf_counter() - start, error=error.reason)
            died = error.reason
            run_report(params, out, kernel=kernel, notebook=notebook, check_output=False)
    except Exception as error:  # a bug or a broken environment must not stop the other förbund
        status = "interrupted" if stop is not None and stop.is_set() else "failed"
        cell, public, full = _failure_text(error)
        if died is not None:
            public, full = f"{died}; på en ny kernel: {public}", f"{died}\npå en ny kernel:\n{full}"
        return Outcome(forbund, path, status, time.perf_counter() - start, cell, public, died is not None,
                       detail=full)
    note = f"{died}; körd igen med en ny kernel" if died else None
    return Outcome(forbund, path, "ok", time.perf_counter() - start, retried=died is not None, note=note)


class _Workers:
    """``jobs`` threads, each with its own kernel: the work happens in the kernel processes."""

    def __init__(self, isolated: bool, timeout: float, notebook: Path):
        self.isolated, self.timeout, self.notebook = isolated, timeout, notebook
        self.local = threading.local()
        self.kernels: list = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def new_kernel(self):
        kernel = FreshKernel(timeout=self.timeout) if self.isolated else WarmKernel(timeout=self.timeout)
        with self.lock:
            self.kernels.append(kernel)
        return kernel

    def kernel(self):
        if not hasattr(self.local, "kernel"):
            self.local.kernel = self.new_kernel()
        return self.local.kernel

    def run(self, params: Params, out: Path) -> Outcome:
        if self.stop.is_set():
            return Outcome(params.forbund, str(params.source), "interrupted")
        return run_one(params, out, kernel=self.kernel(), notebook=self.notebook, stop=self.stop)

    def spare(self):
        """A kernel for work after the förbund (the overview): a warm one already running, if any."""
        return self.kernels[0] if self.kernels else self.new_kernel()

    def halt(self) -> None:
        """Stop: no new förbund starts, and every kernel is killed (its thread then sees it die)."""
        self.stop.set()
        with self.lock:
            for kernel in self.kernels:
                kernel.kill()

    def close(self) -> None:
        for kernel in self.kernels:
            try:
                kernel.close()
            except Exception:  # a kernel killed halfway leaves little to close
                pass


def _wait_all(futures, report: Callable[[Outcome], None], outcomes: list[Outcome]) -> None:
    """Add each future's outcome to ``outcomes`` as it completes (the main thread waits here; Ctrl-C works)."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
        for future in done:
            outcomes.append(future.result())
            report(outcomes[-1])


def _stop(futures: dict, workers: _Workers, pool: ThreadPoolExecutor, collected: list[Outcome]) -> list[Outcome]:
    """After Ctrl-C: kill the kernels, give the workers :data:`STOP_WAIT` s, and say what became of each förbund."""
    workers.halt()
    pool.shutdown(wait=False, cancel_futures=True)
    wait(futures, timeout=STOP_WAIT)
    seen = {o.params for o in collected}
    outcomes = list(collected)
    for future, params in futures.items():
        if str(params.source) in seen:
            continue
        finished = future.done() and not future.cancelled() and future.exception() is None
        outcomes.append(future.result() if finished else Outcome(params.forbund, str(params.source), "interrupted"))
    return outcomes


class Interrupted(KeyboardInterrupt):
    """The batch was stopped (Ctrl-C or SIGTERM); ``outcomes`` says what became of each förbund."""

    def __init__(self, outcomes: list[Outcome]):
        super().__init__()
        self.outcomes = outcomes


def _run_local(paths, out, jobs, workers: _Workers, report: Callable[[Outcome], None]) -> list[Outcome]:
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="samverkan")
    futures = {pool.submit(workers.run, params, out): params for params in paths}
    collected: list[Outcome] = []
    try:
        _wait_all(futures, report, collected)
    except KeyboardInterrupt:
        raise Interrupted(_stop(futures, workers, pool, collected)) from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return collected


def remove_temporaries(out: Path) -> list[Path]:
    """Remove unfinished reports' temporary folders (``out/.<forbund>.tmp-*``, ``out/.<forbund>.old-*``)."""
    leftovers = [p for pattern in (".*.tmp-*", ".*.old-*") for p in Path(out).glob(pattern)
                 if p.is_dir() and not p.is_symlink()]
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
    return leftovers


_WORKER_KERNEL: dict = {}


def dask_task(params: Params, out: str, isolated: bool, timeout: float = TIMEOUT) -> dict:
    """The task a dask worker runs: one förbund (its checked params), in that worker's warm kernel unless ``isolated``."""
    if isolated:
        return asdict(run_one(params, out, FreshKernel(timeout=timeout)))
    with _WORKER_LOCK:
        if threading.get_ident() not in _WORKER_KERNEL:
            import_libraries()
            kernel = _WORKER_KERNEL[threading.get_ident()] = WarmKernel(timeout=timeout)
            atexit.register(kernel.close)
        kernel = _WORKER_KERNEL[threading.get_ident()]
    return asdict(run_one(params, out, kernel=kernel))


_WORKER_LOCK = threading.Lock()


def _run_dask(paths, out, isolated, timeout, scheduler, report: Callable[[Outcome], None]) -> list[Outcome]:
    from distributed import Client, as_completed as dask_completed

    client = scheduler if hasattr(scheduler, "submit") else Client(scheduler)
    try:
        futures = [client.submit(dask_task, p, str(out), isolated, timeout, pure=False) for p in paths]
        outcomes = []
        for future in dask_completed(futures):
            outcomes.append(Outcome(**future.result()))
            report(outcomes[-1])
        return outcomes
    finally:
        if client is not scheduler:
            client.close()


# ------------------------------------------------------------------ after the förbund


def write_logs(out: Path, outcomes: list[Outcome]) -> None:
    """``out/<forbund>.failed.log`` (the full message) for each failure; a success removes its old failure files."""
    for outcome in outcomes:
        log = out / f"{outcome.forbund}.failed.log"
        if outcome.status == "ok":
            log.unlink(missing_ok=True)
            (out / f"{outcome.forbund}.failed.ipynb").unlink(missing_ok=True)
        elif outcome.detail and outcome.status != "skipped":
            text = f"{outcome.forbund} ({outcome.params}): {outcome.status}\n{outcome.detail}\n"
            write_atomically(log, lambda p, text=text: p.write_text(text, encoding="utf-8"))
            outcome.log = log.name


def write_manifest(out: Path, outcomes: list[Outcome], settings: dict) -> Path:
    """``out/run.json``: settings and one entry per förbund (sorted by id), written atomically; no data values."""
    rows = [{k: v for k, v in asdict(o).items() if k in MANIFEST_FIELDS}
            for o in sorted(outcomes, key=lambda o: o.forbund)]
    text = json.dumps({**settings, "forbund": rows}, ensure_ascii=False, indent=1) + "\n"
    return write_atomically(out / "run.json", lambda p: p.write_text(text, encoding="utf-8"))


STATUS_TEXT = {"ok": "klar", "failed": "misslyckades", "invalid": "ogiltig params-fil", "skipped": "oförändrad",
               "interrupted": "avbruten"}


def write_index(out: Path, outcomes: list[Outcome], overview: bool) -> Path:
    """``out/index.html``: every förbund's report with its status (and the overview, if made); every text escaped."""
    rows = []
    for o in sorted(outcomes, key=lambda o: o.forbund):
        name = escape(o.forbund)
        link = f'<a href="{name}/report.html">{name}</a>' if (out / o.forbund / "report.html").exists() else name
        detail = escape(" ".join(t for t in (o.error, o.note) if t))
        rows.append(f"<tr><td>{link}</td><td>{STATUS_TEXT[o.status]}</td><td>{o.seconds:.1f} s</td>"
                    f"<td>{detail}</td></tr>")
    overview_link = '<p><a href="overview.html">Översikt över alla förbund</a></p>' if overview else ""
    page = (
        "<!DOCTYPE html><html lang='sv'><head><meta charset='utf-8'><title>Samverkansrapporter</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left}"
        "tr:nth-child(even){background:#f3f3f3}</style></head><body><h1>Samverkansrapporter</h1>"
        f"{overview_link}<table><tr><th>Förbund</th><th>Status</th><th>Tid</th><th>Fel</th></tr>"
        + "".join(rows) + f"</table><p>Skapad {_dt.datetime.now().isoformat(timespec='seconds')}.</p></body></html>"
    )
    return write_atomically(out / "index.html", lambda p: p.write_text(page, encoding="utf-8"))


def run_overview(out: Path, kernel=None) -> Path | None:
    """Execute ``notebooks/overview.ipynb`` over the reports in ``out`` and write ``out/overview.html``.

    ``kernel``: a warm kernel to run it in (the batch passes one of its workers'), or
    ``None`` for a fresh one.
    """
    if not OVERVIEW_NOTEBOOK.exists() or not list(out.glob("*/results.json")):
        return None
    executed = out / "overview.ipynb"
    parameters = {"reports_dir": str(out.resolve()), "output_dir": str((out / "overview").resolve())}
    result = (kernel or FreshKernel()).execute(OVERVIEW_NOTEBOOK, executed, parameters, OVERVIEW_NOTEBOOK.parent)
    return to_html(result, out / "overview.html", "Översikt över förbunden")


def _overview_in_thread(out: Path, workers: _Workers) -> Path | None:
    """:func:`run_overview` in a worker thread (the main thread stays free for Ctrl-C); a failure is logged, not raised."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="samverkan-overview") as pool:
        future = pool.submit(run_overview, out, workers.spare())
        try:
            while True:
                done, _ = wait([future], timeout=0.5)
                if done:
                    break
        except KeyboardInterrupt:
            workers.halt()
            wait([future], timeout=STOP_WAIT)
            raise
        try:
            return future.result()
        except Exception as error:
            text = f"översikten kunde inte göras: {type(error).__name__}: {error}\n"
            write_atomically(out / "overview.failed.log", lambda p: p.write_text(text, encoding="utf-8"))
            return None


# ------------------------------------------------------------------ the batch


def _check_arguments(executor: str, scheduler, jobs: int) -> None:
    if executor not in EXECUTORS:
        raise ValueError(f"executor={executor!r} is not allowed; expected one of {EXECUTORS}")
    if executor == "dask" and scheduler is None:
        raise ValueError("executor='dask' needs scheduler=ADDRESS (or a distributed.Client)")
    if jobs < 1:
        raise ValueError(f"jobs={jobs!r} must be at least 1")


def _finish(out: Path, outcomes: list[Outcome], settings: dict, overview: bool) -> None:
    """Logs, manifest and index: written after every batch, finished, failed or interrupted."""
    remove_temporaries(out)
    write_logs(out, outcomes)
    settings = {**settings, "finished": _dt.datetime.now().isoformat(timespec="seconds")}
    write_manifest(out, outcomes, settings)
    write_index(out, outcomes, overview)


def run_batch(
    paths: Sequence[str | Path] | None,
    out: str | Path,
    *,
    jobs: int = 2,
    isolated: bool = False,
    resume: bool = False,
    executor: str = "local",
    scheduler=None,
    progress: bool = True,
    overview: bool = True,
    timeout: float = TIMEOUT,
    notebook: str | Path = NOTEBOOK,
) -> list[Outcome]:
    """Run every förbund's report; see the module docstring.

    ``timeout``: longest a report cell may run (seconds); ``notebook``: the report
    notebook (tests pass a reduced one).

    Raises
    ------
    samverkan.publish.OutputError
        ``out`` cannot be used (a file, read-only, or holding symbolic links).
    Interrupted
        Ctrl-C or SIGTERM (a ``KeyboardInterrupt``); the manifest and index are written.

    Returns
    -------
    list of Outcome
        One per params file: ``forbund, params, status`` (``ok``, ``failed``,
        ``invalid``, ``skipped``, ``interrupted``), ``seconds, failing_cell, error``
        (public text), ``retried, note, log`` (the log file of a failure).
    """
    _check_arguments(executor, scheduler, jobs)
    out = prepare_output(out)
    paths = [Path(p) for p in (paths or params_paths("params"))]
    settings = {"started": _dt.datetime.now().isoformat(timespec="seconds"),
                "mode": "isolated" if isolated else "warm", "executor": executor, "jobs": jobs}
    outcomes: list[Outcome] = []
    made = None
    workers = _Workers(isolated, timeout, Path(notebook))
    try:
        valid, outcomes = _before_kernels(paths, out, jobs, resume, notebook)
        bar = _Bar(len(paths), progress, initial=len(outcomes), failed=sum(o.status == "invalid" for o in outcomes))
        try:
            if executor == "dask":
                outcomes += _run_dask(valid, out, isolated, timeout, scheduler, bar)
            else:
                outcomes += _run_local(valid, out, jobs, workers, bar)
        finally:
            bar.close()
        if overview:
            made = _overview_in_thread(out, workers) if executor == "local" else run_overview(out)
    except Interrupted as stopped:
        outcomes += stopped.outcomes
        _interrupted(out, paths, outcomes, settings, workers)
        raise
    except KeyboardInterrupt:
        _interrupted(out, paths, outcomes, settings, workers)
        raise Interrupted(outcomes) from None
    finally:
        workers.close()
    _finish(out, outcomes, settings, made is not None)
    return outcomes


def _before_kernels(paths: list[Path], out: Path, jobs: int, resume: bool, notebook) -> tuple[list[Params], list]:
    """Validate, skip the up-to-date (``resume``), order largest first, and import what the workers need."""
    valid, outcomes = validate_all(paths, jobs)
    if resume:
        skipped = [p for p in valid if up_to_date(p, out)]
        outcomes += [Outcome(p.forbund, str(p.source), "skipped") for p in skipped]
        valid = [p for p in valid if not any(p is s for s in skipped)]
    import_libraries(notebook)  # here, in the main thread, before any worker thread can race through an import
    prepare_html()
    return largest_first(valid), outcomes


def _interrupted(out: Path, paths: list[Path], outcomes: list[Outcome], settings: dict, workers: _Workers) -> None:
    """After Ctrl-C: kill the kernels; every förbund without an outcome is ``interrupted``; write what is known."""
    workers.halt()
    seen = {str(Path(o.params).absolute()) for o in outcomes}
    outcomes += [Outcome(p.stem, str(p), "interrupted") for p in paths if str(p.absolute()) not in seen]
    _finish(out, outcomes, {**settings, "interrupted": True}, overview=(out / "overview.html").exists())


class _Bar:
    """Progress: förbund done / total and failures so far (tqdm)."""

    def __init__(self, total: int, enabled: bool, initial: int, failed: int):
        from tqdm import tqdm

        self.failed = failed
        self.tqdm = tqdm(total=total, initial=initial, disable=not enabled, unit="förbund", desc="rapporter")
        self.tqdm.set_postfix(fel=self.failed)

    def __call__(self, outcome: Outcome) -> None:
        self.failed += outcome.status != "ok"
        self.tqdm.set_postfix(fel=self.failed, senast=outcome.forbund)
        self.tqdm.update(1)

    def close(self) -> None:
        self.tqdm.close()
