"""What the speed of the batch rests on: lazy imports, forked validation, the workbook writer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

import samverkan as sv
from samverkan import batch
from samverkan.display import write_workbook

ROOT = Path(__file__).resolve().parent.parent
BAD_PARAMS = ROOT / "tests" / "bad_params"


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return done.stdout


def test_reading_side_does_not_import_the_plotting_and_statistics_stack():
    loaded = json.loads(_python(
        "import json, sys, samverkan, samverkan.batch, samverkan.cli\n"
        "print(json.dumps(sorted(m for m in ('matplotlib', 'seaborn', 'scipy', 'statsmodels') if m in sys.modules)))"))
    assert loaded == []


def test_every_public_name_resolves_and_is_the_object_of_its_module():
    for name in sv.__all__:
        assert getattr(sv, name) is not None, name
    assert sv.load.__module__ == "samverkan.load"  # the function, not the module of the same name
    from samverkan import plots
    from samverkan.stats import comparisons as significance

    assert sv.compare is significance.compare and sv.plots is plots
    assert set(sv.__all__) <= set(dir(sv))


def test_report_and_batch_machinery_is_one_level_down():
    assert len(sv.__all__) == len(set(sv.__all__))
    for name in ("ForbundReport", "build_report", "Overview", "write_overview", "collect_results",
                 "run_batch", "reproduction_table", "skipped_tests", "baseline_sample"):
        assert name not in sv.__all__, name
    assert sv.report.build_report.__module__ == "samverkan.report"
    assert sv.overview.Overview.__module__ == "samverkan.overview"
    assert sv.batch.run_batch.__module__ == "samverkan.batch"
    assert sv.reproduce.reproduction_table.__module__.startswith("samverkan.reproduce")


def test_no_module_is_public_beside_its_own_functions():
    modules = {name for name in sv.__all__ if isinstance(getattr(sv, name), type(sv))}
    for name in set(sv.__all__) - modules:
        home = getattr(getattr(sv, name), "__module__", None) or ""
        assert home.removeprefix("samverkan.") not in modules, (name, home)


def test_unknown_attribute_is_an_attribute_error():
    try:
        sv.no_such_thing  # noqa: B018
    except AttributeError as error:
        assert "no_such_thing" in str(error)
    else:  # pragma: no cover
        raise AssertionError("no AttributeError")


def test_forked_validation_gives_the_same_problems_as_reading_here():
    """Run in a fresh single-threaded process, where validate_all forks (pytest may run threads)."""
    paths = sorted(str(p) for p in BAD_PARAMS.glob("*.yaml") if p.name != "expected.yaml")
    paths += sorted(str(p) for p in (ROOT / "params").glob("*.yaml"))
    assert len(paths) >= batch.FORK_FROM
    out = _python(
        "import json, sys, threading\n"
        "from pathlib import Path\n"
        "from samverkan import batch\n"
        f"paths = [Path(p) for p in {paths!r}]\n"
        "assert threading.active_count() == 1\n"
        "def show(result):\n"
        "    valid, invalid = result\n"
        "    return [[str(p) for p in valid], [[o.params, o.status, o.error] for o in invalid]]\n"
        "print(json.dumps([show(batch.validate_all(paths, 1)), show(batch.validate_all(paths, 2))]))")
    serial, forked = json.loads(out)
    assert serial == forked
    assert len(serial[0]) == 6 and len(serial[1]) == len(paths) - 6  # the sample förbund pass, the broken fail


def test_workbook_keeps_types_and_never_makes_formulas_or_links(tmp_path):
    table = pd.DataFrame({
        "n": pd.array([3, None], dtype="Int64"),
        "pvalue": [0.012345678901234567, np.nan],
        "suppressed": [True, False],
        "note": ["=1+1", "https://example.org"],
        "item": pd.Categorical(["lyssnar", "synsatt"]),
        "statistic": [np.inf, 2.5],
    })
    write_workbook(tmp_path / "t.xlsx", {"test": table})
    rows = list(openpyxl.load_workbook(tmp_path / "t.xlsx")["test"].iter_rows(values_only=True))
    assert rows[0] == ("Antal svar", "p-värde", "Undertryckt", "Anmärkning", "Fråga (id)", "Teststorhet")
    assert (rows[1][0], rows[1][2:5]) == (3, (True, "=1+1", "lyssnar"))
    # XlsxWriter writes 16 significant digits (Excel shows 15); results.json holds the exact doubles.
    assert rows[1][1] != 0.012345678901234567 and abs(rows[1][1] / 0.012345678901234567 - 1) < 1e-15
    assert rows[2][:5] == (None, None, False, "https://example.org", "synsatt")
    assert rows[1][5] == "inf" and rows[2][5] == 2.5  # an infinite statistic (odds ratio) as text, not a formula
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert not book["test"]._hyperlinks and book["test"]["D2"].data_type == "s"
