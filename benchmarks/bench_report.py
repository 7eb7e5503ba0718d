"""Benchmark: the report notebook for the Gävleborg sample against a notebook that only imports.

Run: ``make benchmark`` (or ``.venv/bin/python benchmarks/bench_report.py``).

Both notebooks are executed by papermill in a fresh kernel, one after the other, in
one run: (a) a notebook whose only cell imports samverkan, pandas, numpy, scipy,
statsmodels, seaborn and matplotlib (kernel start plus imports: the floor any report
pays); (b) ``notebooks/forbund_report.ipynb`` with ``params/gavleborg.yaml`` (two
waves, both surveys, 14 charts, ~140 tests). Prints (b)/(a). Target (issue 4): ≤ 1.5×.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = """import samverkan as sv
import numpy, pandas, scipy.stats, statsmodels.api, seaborn, matplotlib.pyplot"""


def _execute(notebook: Path, out: Path, parameters: dict | None = None) -> float:
    start = time.perf_counter()
    papermill.execute_notebook(str(notebook), str(out), parameters=parameters or {}, kernel_name="python3",
                               progress_bar=False, cwd=str(ROOT / "notebooks"))
    return time.perf_counter() - start


def main() -> int:
    from samverkan.params import load_params

    params = load_params(ROOT / "params" / "gavleborg.yaml")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(IMPORTS)])
        floor.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(floor, folder / "imports.ipynb")
        imports = _execute(folder / "imports.ipynb", folder / "imports_out.ipynb")
        report = _execute(ROOT / "notebooks" / "forbund_report.ipynb", folder / "report.ipynb",
                          {**params.parameters(), "output_dir": str(folder / "out")})
    print(f"imports-only notebook: {imports:.2f} s")
    print(f"report notebook (gavleborg, with outputs): {report:.2f} s")
    print(f"ratio report / imports-only: {report / imports:.2f}×   (target ≤ 1.5×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
