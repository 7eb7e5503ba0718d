"""Run the report for every förbund: parallel, warm kernels, failure isolation, manifest, index, overview.

``samverkan run [PARAMS ...] --out DIR [--jobs N] [--isolated] [--resume]
[--executor local|dask --scheduler ADDRESS]``:

1. every params file is validated (with its data) before any kernel starts; an invalid
   one is reported as failed and the others run;
2. with ``--resume``, a förbund whose ``results.json`` is newer than its params file,
   data files and the report notebook is skipped;
3. the rest run, largest data first, on ``N`` workers, each keeping one warm kernel
   (:class:`samverkan.kernels.WarmKernel`) — or a fresh kernel per förbund with
   ``--isolated`` — or as tasks on a dask.distributed cluster (``--executor dask``);
   each report is published atomically (:func:`samverkan.publish.run_report`), so one
   failing förbund leaves every other report complete and Ctrl-C leaves no half-written one;
4. ``DIR/run.json`` (the manifest), ``DIR/index.html`` (every report with its status)
   and the cross-förbund overview ``DIR/overview.html`` are written.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import html
import json
import multiprocessing
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from .params import Params, Validation, check_params, params_paths
from .files import write_atomically
from .kernels import FreshKernel, WarmKernel
from .publish import NOTEBOOK, ReportError, prepare_html, run_report, to_html

OVERVIEW_NOTEBOOK = NOTEBOOK.parent / "overview.ipynb"
EXECUTORS = ("local", "dask")


@dataclass
class Outcome:
    """One förbund's line in the manifest."""

    forbund: str
    params: str
    status: str  # "ok", "failed", "invalid", "skipped"
    seconds: float = 0.0
    failing_cell: int | str | None = None
    error: str | None = None


# ------------------------------------------------------------------ before any kernel


def validate_all(paths: Sequence[Path], jobs: int = 1) -> tuple[list[Params], list[Outcome]]:
    """Check every params file once, with its data: the typed params of the valid ones, and
    :class:`Outcome` rows for the invalid ones (no kernel started).

    Reading every data file is most of the work (~0.08 s a förbund); with ``jobs`` > 1
    it is shared by forked processes (:func:`_checks_of_each`). Nothing reads a params
    file again after this: the resume check, the ordering and the reports take the
    returned :class:`samverkan.params.Params`.
    """
    valid, invalid = [], []
    for path, checked in zip(paths, _checks_of_each(paths, jobs)):
        if checked.params is None:
            problems = checked.problems
            message = "; ".join(str(p) for p in problems[:5]) + (" …" if len(problems) > 5 else "")
            invalid.append(Outcome(checked.forbund or Path(path).stem, str(path), "invalid", error=message))
        else:
            valid.append(checked.params)
    return valid, invalid


#: Fewer params files than this are validated in this process: forking would cost more than it saves.
FORK_FROM = 8


def _checks_of_each(paths: Sequence[Path], jobs: int) -> list[Validation]:
    """:func:`samverkan.params.check_params` of each path, in order, on ``jobs`` forked processes if worth it.

    Forked children start with samverkan already imported (no ~2 s import each, as a
    spawned process would pay). Forking is only done while this process runs a single
    thread, as before any kernel or Dask client exists; otherwise the files are read here.
    """
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if jobs < 2 or len(paths) < FORK_FROM or not forkable:
        return [check_params(path) for path in paths]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(check_params, paths, chunksize=max(1, len(paths) // (4 * jobs))))


def _inputs_mtime(params: Params) -> float:
    return max(f.stat().st_mtime for f in [params.source, NOTEBOOK, *params.data_files()])


def largest_first(params: Sequence[Params]) -> list[Params]:
    """``params`` by the total size of their data files, largest first (ties keep their order).

    Reports take roughly as long as their data is large, so starting the longest first
    lets the workers finish together instead of one waiting for the other's last report.
    """
    return sorted(params, key=lambda p: -sum(f.stat().st_size for f in p.data_files()))


def up_to_date(params: Params, out: Path) -> bool:
    """Whether ``out/<forbund>/results.json`` is newer than the params file, its data and the notebook."""
    results = out / params.forbund / "results.json"
    return results.exists() and results.stat().st_mtime > _inputs_mtime(params)


# ------------------------------------------------------------------ one förbund


def run_one(params: Params, out: str | Path, kernel=None) -> Outcome:
    """Run one förbund's report and describe how it went (never raises for a failing report).

    ``params`` were checked with their data by :func:`validate_all` before any kernel
    started: neither the params file nor the data files are read again here.
    """
    start, forbund, source = time.perf_counter(), params.forbund, str(params.source)
    try:
        run_report(params, out, kernel=kernel)
    except ReportError as error:
        return Outcome(forbund, source, "failed", time.perf_counter() - start,
                       getattr(error, "cell", None), getattr(error, "error", str(error)))
    except Exception as error:  # a bug or a broken environment must not stop the other förbund
        return Outcome(forbund, source, "failed", time.perf_counter() - start, None,
                       f"{type(error).__name__}: {error}")
    return Outcome(forbund, source, "ok", time.perf_counter() - start)


class _Workers:
    """``jobs`` threads, each with its own kernel: the work happens in the kernel processes."""

    def __init__(self, isolated: bool):
        self.isolated = isolated
        self.local = threading.local()
        self.kernels: list = []
        self.lock = threading.Lock()

    def kernel(self):
        if not hasattr(self.local, "kernel"):
            self.local.kernel = FreshKernel() if self.isolated else WarmKernel()
            with self.lock:
                self.kernels.append(self.local.kernel)
        return self.local.kernel

    def run(self, params: Params, out: Path) -> Outcome:
        return run_one(params, out, kernel=self.kernel())

    def spare(self):
        """A kernel for work after the förbund (the overview): a warm one already running, if any."""
        if self.kernels:
            return self.kernels[0]
        kernel = FreshKernel() if self.isolated else WarmKernel()
        self.kernels.append(kernel)
        return kernel

    def interrupt(self) -> None:
        for kernel in self.kernels:
            getattr(kernel, "interrupt", lambda: None)()

    def close(self) -> None:
        for kernel in self.kernels:
            kernel.close()


def _run_local(paths, out, jobs, workers: _Workers, report: Callable[[Outcome], None]) -> list[Outcome]:
    outcomes = []
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="samverkan")
    try:
        futures = [pool.submit(workers.run, params, out) for params in paths]
        prepare_html()  # while the workers' kernels start
        for future in as_completed(futures):
            outcomes.append(future.result())
            report(outcomes[-1])
    except KeyboardInterrupt:
        workers.interrupt()
        pool.shutdown(wait=True, cancel_futures=True)
        workers.close()
        remove_temporaries(out)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return outcomes


def remove_temporaries(out: Path) -> list[Path]:
    """Remove unfinished reports' temporary folders (``out/.<forbund>.tmp-*``) after an interruption."""
    leftovers = [p for p in Path(out).glob(".*.tmp-*") if p.is_dir()]
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
    return leftovers


_WORKER_KERNEL: dict = {}


def dask_task(params: Params, out: str, isolated: bool) -> dict:
    """The task a dask worker runs: one förbund (its checked params), in that worker's warm kernel unless ``isolated``."""
    if isolated:
        return asdict(run_one(params, out))
    with _WORKER_LOCK:
        if threading.get_ident() not in _WORKER_KERNEL:
            kernel = _WORKER_KERNEL[threading.get_ident()] = WarmKernel()
            atexit.register(kernel.close)
        kernel = _WORKER_KERNEL[threading.get_ident()]
    return asdict(run_one(params, out, kernel=kernel))


_WORKER_LOCK = threading.Lock()


def _run_dask(paths, out, isolated, scheduler, report: Callable[[Outcome], None]) -> list[Outcome]:
    from distributed import Client, as_completed as dask_completed

    client = scheduler if hasattr(scheduler, "submit") else Client(scheduler)
    try:
        futures = [client.submit(dask_task, p, str(out), isolated, pure=False) for p in paths]
        outcomes = []
        for future in dask_completed(futures):
            outcomes.append(Outcome(**future.result()))
            report(outcomes[-1])
        return outcomes
    finally:
        if client is not scheduler:
            client.close()


# ------------------------------------------------------------------ after the förbund


def write_manifest(out: Path, outcomes: list[Outcome], settings: dict) -> Path:
    """``out/run.json``: settings and one entry per förbund (sorted by id), written atomically."""
    content = {**settings, "forbund": [asdict(o) for o in sorted(outcomes, key=lambda o: o.forbund)]}
    text = json.dumps(content, ensure_ascii=False, indent=1) + "\n"
    return write_atomically(out / "run.json", lambda p: p.write_text(text, encoding="utf-8"))


STATUS_TEXT = {"ok": "klar", "failed": "misslyckades", "invalid": "ogiltig params-fil", "skipped": "oförändrad"}


def write_index(out: Path, outcomes: list[Outcome], overview: bool) -> Path:
    """``out/index.html``: every förbund's report with its status (and the overview, if made)."""
    rows = []
    for o in sorted(outcomes, key=lambda o: o.forbund):
        report = out / o.forbund / "report.html"
        link = (f'<a href="{html.escape(o.forbund)}/report.html">{html.escape(o.forbund)}</a>' if report.exists()
                else html.escape(o.forbund))
        detail = html.escape(o.error or "")
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
    target = out / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


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


# ------------------------------------------------------------------ the batch


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
) -> list[Outcome]:
    """Run every förbund's report; see the module docstring.

    Returns
    -------
    list of Outcome
        One per params file: ``forbund, params, status`` (``ok``, ``failed``,
        ``invalid``, ``skipped``), ``seconds, failing_cell, error``.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor={executor!r} is not allowed; expected one of {EXECUTORS}")
    if executor == "dask" and scheduler is None:
        raise ValueError("executor='dask' needs scheduler=ADDRESS (or a distributed.Client)")
    if jobs < 1:
        raise ValueError(f"jobs={jobs!r} must be at least 1")
    out = Path(out).resolve()  # kernels run elsewhere: every path they get is absolute
    out.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in (paths or params_paths("params"))]
    valid, outcomes = validate_all(paths, jobs)
    if resume:
        skipped = [p for p in valid if up_to_date(p, out)]
        outcomes += [Outcome(p.forbund, str(p.source), "skipped") for p in skipped]
        valid = [p for p in valid if not any(p is s for s in skipped)]
    valid = largest_first(valid)
    started = _dt.datetime.now().isoformat(timespec="seconds")
    bar = _Bar(len(paths), progress, initial=len(outcomes), failed=sum(o.status == "invalid" for o in outcomes))
    workers = _Workers(isolated)
    try:
        try:
            if executor == "dask":
                outcomes += _run_dask(valid, out, isolated, scheduler, bar)
            else:
                outcomes += _run_local(valid, out, jobs, workers, bar)
        finally:
            bar.close()
        made = run_overview(out, workers.spare() if executor == "local" else None) if overview else None
    finally:
        workers.close()
    settings = {"started": started, "finished": _dt.datetime.now().isoformat(timespec="seconds"),
                "mode": "isolated" if isolated else "warm", "executor": executor, "jobs": jobs}
    write_manifest(out, outcomes, settings)
    write_index(out, outcomes, made is not None)
    return outcomes


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
