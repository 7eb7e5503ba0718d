"""Benchmark: ``samverkan run`` (batch, parallel) against a serial shell loop of plain papermill.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_batch.py                # 20 fictional förbund
    .venv/bin/python benchmarks/bench_batch.py --all          # 75, as many as Sweden has
    .venv/bin/python benchmarks/bench_batch.py --forbund 2    # a quick check that it runs

Options: ``--forbund N`` (default 20), ``--all`` (N = 75), ``--seed S`` (the fictional
set, default 2026), ``--jobs J`` (for ``samverkan run``, default 2), ``--parts abc`` (run
only some of the three, e.g. ``--parts a``), ``--keep DIR`` (write into DIR and keep it
instead of a temporary folder).

What it does, in one run:

0. writes N fictional förbund with :func:`samverkan.sample.fictional.write_fictional` into a
   temporary folder: ``data/<id>/2019/*.csv`` and ``params/<id>.yaml`` (data paths
   relative to ``params/``, so the kernel runs in a sibling folder ``notebooks/``);
1. (a) a serial bash loop of plain papermill over the params files, as an evaluator
   would write it without the package's batch command::

       for p in params/*.yaml; do
           papermill notebooks/forbund_report.ipynb out/serial/$id.ipynb -f $p --cwd notebooks -k python3
       done

   (the executed notebooks only: no html, xlsx, svg or json);
2. (b) ``samverkan run PARAMS... --out DIR --isolated --jobs J`` (a fresh kernel per förbund);
3. (c) ``samverkan run PARAMS... --out DIR --jobs J`` (J warm kernels reused across förbund);

and prints each wall time, (a)/(b), (a)/(c), the peak memory of each, and the targets:
(a)/(c) ≥ 5, and all 75 förbund in under 60 s with (c) (checked with ``--all``).

Peak memory is the largest sum of the resident set sizes (RSS) of the whole process
tree (the command, papermill, every kernel), sampled every 0.2 s with psutil, or from
``/proc/<pid>/status`` (VmRSS) when psutil is missing. A sum of RSS counts pages shared
between processes once per process, so it is an upper bound.

If ``samverkan run --help`` fails (the batch command is not installed), (b) and (c)
are skipped with a message and the rest still runs. The exit code is 1 if a part
that ran failed. Read the ratios, not the seconds: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from samverkan.sample import fictional

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "forbund_report.ipynb"
ALL_FORBUND = 75
TARGET_RATIO = 5.0
TARGET_SECONDS_75 = 60.0
SAMPLE_SECONDS = 0.2

#: (a): plain papermill, one förbund after the other; run by bash in the data folder.
SERIAL_LOOP = r"""
fails=0
mkdir -p out/serial
for p in params/*.yaml; do
    id=$(basename "$p" .yaml)
    "$PAPERMILL" "$NOTEBOOK" "out/serial/$id.ipynb" -f "$p" --cwd notebooks -k python3 \
        --no-progress-bar || fails=$((fails + 1))
done
echo "serial loop: $fails failed"
test "$fails" -eq 0
"""


# ----------------------------------------------------------------------------- memory


def _tree_rss_psutil(pid: int) -> int:
    """Sum of RSS (bytes) of ``pid`` and all its descendants, with psutil."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def _vmrss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _tree_rss_proc(pid: int) -> int:
    """Sum of VmRSS (bytes) of ``pid`` and all its descendants, from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _vmrss(current)
        todo += children.get(current, [])
    return total


def _has_psutil() -> bool:
    return importlib.util.find_spec("psutil") is not None


class PeakMemory(threading.Thread):
    """Samples the RSS of a process tree every :data:`SAMPLE_SECONDS` until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0
        self._stop_event = threading.Event()
        self._sample = _tree_rss_psutil if _has_psutil() else _tree_rss_proc

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, self._sample(self.pid))
            self._stop_event.wait(SAMPLE_SECONDS)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


# ----------------------------------------------------------------------------- runs


@dataclass
class Result:
    """One timed part."""

    label: str
    seconds: float | None = None
    peak_bytes: int | None = None
    returncode: int | None = None
    outputs: str = ""
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.skipped is None and self.returncode == 0


def _environment() -> dict[str, str]:
    env = dict(os.environ, PAPERMILL=str(BIN / "papermill"), NOTEBOOK=str(NOTEBOOK))
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _timed(label: str, command: list[str], cwd: Path, log: Path) -> Result:
    """Run ``command`` (output to ``log``), timing it and sampling its process tree's memory."""
    with open(log, "w", encoding="utf-8") as handle:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, env=_environment())
        sampler = PeakMemory(process.pid)
        sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - start
    result = Result(label, seconds, sampler.stop(), returncode)
    if returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        print(f"{label}: exit {returncode}; end of {log}:\n  " + "\n  ".join(tail), file=sys.stderr)
    return result


def _batch_available() -> str | None:
    """``None`` if ``samverkan run`` is there, else why not."""
    try:
        done = subprocess.run([str(BIN / "samverkan"), "run", "--help"], capture_output=True, text=True,
                              env=_environment(), timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"samverkan run --help failed: {error}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"samverkan run --help failed (exit {done.returncode}: {last})"
    return None


def _warm_up() -> None:
    """Load the libraries once, untimed, so that (a) does not alone pay a cold disk cache."""
    subprocess.run([sys.executable, "-c", "import samverkan, papermill, matplotlib.pyplot, statsmodels.api"],
                   check=False, env=_environment())


#: A fixed piece of CPU work, timed before and after the runs to show how busy the shared machine was.
#: It uses pandas and scipy only, not samverkan, so that it measures the machine and not the code under
#: test: runs of two versions of samverkan (or of one before and after a change) compare by it.
REFERENCE_CODE = """
import time
import numpy as np, pandas as pd
from scipy import stats
rng = np.random.default_rng(2026)
frame = pd.DataFrame({"g": rng.integers(0, 50, 200_000), "x": rng.random(200_000)})
def once():
    start = time.process_time()
    for _ in range(15):
        frame.groupby("g")["x"].agg(["mean", "std", "median"])
        stats.mannwhitneyu(frame["x"].to_numpy()[:20_000], frame["x"].to_numpy()[20_000:40_000])
    return time.process_time() - start
once()
print(min(once() for _ in range(3)))
"""


def reference_seconds(params: Path | None = None) -> float | None:
    """CPU seconds of :data:`REFERENCE_CODE` (best of 3), or ``None`` if it could not run."""
    done = subprocess.run([sys.executable, "-c", REFERENCE_CODE], capture_output=True, text=True,
                          env=_environment(), check=False)
    try:
        return float(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def _reference_line(before: float | None, after: float | None) -> str:
    shown = " and ".join("n/a" if v is None else f"{v:.2f} s" for v in (before, after))
    return (f"machine check: a fixed pandas/scipy workload (not samverkan), CPU best of 3, before and after the "
            f"runs: {shown} (larger when other tenants share the cores; compare runs by it)")


def run_serial(folder: Path, ids: list[str]) -> Result:
    """(a): the bash loop of plain papermill."""
    result = _timed("(a) serial papermill loop", ["bash", "-c", SERIAL_LOOP], folder, folder / "serial.log")
    done = sum((folder / "out" / "serial" / f"{fid}.ipynb").is_file() for fid in ids)
    result.outputs = f"{done}/{len(ids)} notebooks"
    return result


def run_batch(folder: Path, params: list[Path], ids: list[str], *, isolated: bool, jobs: int) -> Result:
    """(b) with ``isolated``, else (c): ``samverkan run``."""
    mode = "isolated" if isolated else "warm"
    label = f"(b) samverkan run --isolated --jobs {jobs}" if isolated else f"(c) samverkan run --jobs {jobs} (warm)"
    out = folder / "out" / mode
    command = [str(BIN / "samverkan"), "run", *map(str, params), "--out", str(out), "--jobs", str(jobs)]
    result = _timed(label, command + (["--isolated"] if isolated else []), folder, folder / f"{mode}.log")
    done = sum((out / fid / "report.html").is_file() for fid in ids)
    result.outputs = f"{done}/{len(ids)} reports"
    return result


# ----------------------------------------------------------------------------- report


def _row(result: Result) -> str:
    if result.skipped:
        return f"{result.label:<40} skipped: {result.skipped}"
    status = "" if result.returncode == 0 else f"  FAILED (exit {result.returncode})"
    memory = f"{result.peak_bytes / 2**20:8.0f} MiB"
    return f"{result.label:<40} {result.seconds:8.1f} s {memory}   {result.outputs}{status}"


def _ratio(serial: Result, other: Result) -> str:
    if not (serial.ok and other.ok):
        return "n/a (a part was skipped or failed)"
    return f"{serial.seconds / other.seconds:.2f}×"


def summary(n: int, serial: Result, isolated: Result, warm: Result) -> list[str]:
    """The printed lines after the table: ratios and targets."""
    lines = [f"(a)/(b) = {_ratio(serial, isolated)}", f"(a)/(c) = {_ratio(serial, warm)}"]
    if serial.ok and warm.ok:
        ratio = serial.seconds / warm.seconds
        met = "met" if ratio >= TARGET_RATIO else "NOT met"
        lines.append(f"target (a)/(c) ≥ {TARGET_RATIO:g}×: {met} ({ratio:.2f}×)")
    else:
        lines.append(f"target (a)/(c) ≥ {TARGET_RATIO:g}×: not measured")
    if warm.ok and n == ALL_FORBUND:
        met = "met" if warm.seconds < TARGET_SECONDS_75 else "NOT met"
        seconds = f"{warm.seconds:.1f} s"
        lines.append(f"target all {ALL_FORBUND} förbund < {TARGET_SECONDS_75:g} s with (c): {met} ({seconds})")
    else:  # no estimate from fewer förbund: the start-up is paid once, so scaling (c) linearly overstates it
        lines.append(f"target all {ALL_FORBUND} förbund < {TARGET_SECONDS_75:g} s with (c): not measured "
                     "(run with --all)")
    return lines


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forbund", type=int, default=20, help="number of fictional förbund (default 20)")
    parser.add_argument("--all", action="store_true", help=f"all {ALL_FORBUND} (overrides --forbund)")
    parser.add_argument("--seed", type=int, default=fictional.FICTIONAL_SEED, help="seed of the fictional set")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of samverkan run (default 2)")
    parser.add_argument("--parts", default="abc", help="which of (a), (b), (c) to run (default abc)")
    parser.add_argument("--keep", type=Path, help="write into this folder and keep it")
    args = parser.parse_args(argv)
    if args.all:
        args.forbund = ALL_FORBUND
    if args.forbund < 1 or args.jobs < 1 or not set(args.parts) <= set("abc") or not args.parts:
        parser.error("--forbund and --jobs must be ≥ 1; --parts a subset of 'abc'")
    return args


def benchmark(args: argparse.Namespace, folder: Path) -> int:
    start = time.perf_counter()
    params = fictional.write_fictional(args.forbund, folder, seed=args.seed)
    (folder / "notebooks").mkdir(exist_ok=True)  # the kernel's folder, a sibling of params/
    ids = [p.stem for p in params]
    memory = "psutil" if _has_psutil() else "/proc VmRSS"
    print(f"{len(params)} fictional förbund (seed {args.seed}) written in {time.perf_counter() - start:.1f} s "
          f"to {folder}; memory sampled with {memory} every {SAMPLE_SECONDS:g} s")
    missing = _batch_available()
    if missing and set(args.parts) & set("bc"):
        print(f"skipping (b) and (c): {missing}", file=sys.stderr)
    _warm_up()
    before = reference_seconds(params[0])
    serial = run_serial(folder, ids) if "a" in args.parts else Result("(a) serial papermill loop", skipped="--parts")
    results = [serial]
    for part, isolated in (("b", True), ("c", False)):
        if part not in args.parts or missing:
            label = f"({part}) samverkan run{' --isolated' if isolated else ''} --jobs {args.jobs}"
            results.append(Result(label, skipped="--parts" if part not in args.parts else missing))
        else:
            results.append(run_batch(folder, params, ids, isolated=isolated, jobs=args.jobs))
    after = reference_seconds(params[0])
    print(f"\n{'':<40} {'wall time':>10} {'peak RSS':>12}   outputs")
    for result in results:
        print(_row(result))
    print()
    for line in summary(len(params), *results):
        print(line)
    print(_reference_line(before, after))
    return 1 if any(r.skipped is None and r.returncode != 0 for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr lines in order when piped
    args = parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return benchmark(args, args.keep.resolve())
    folder = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    try:
        return benchmark(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
