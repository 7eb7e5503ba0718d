"""The console script on the committed sample exports (issue acceptance)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

import samverkan as sv

SAMPLES = sorted(sv.SAMPLE_DIR.glob("*/*/*.csv"))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samverkan.cli", *args], capture_output=True, text=True,
                          encoding="utf-8", check=False)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(sv.SAMPLE_DIR)))
def test_validate_accepts_every_sample_export(path):
    result = run("validate", str(path), "--survey", path.stem)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "respondenter" in lines[0] and "saknade" in lines[0]


def test_validate_names_the_row_and_column_of_a_misspelled_label(tmp_path):
    source = sv.sample_path("gavleborg", "2016", "operativ")
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"), newline="")))
    column = rows[0].index("lyssnar")
    row = next(i for i, r in enumerate(rows) if i > 0 and r[column] == "ofta")
    rows[row][column] = "oftta"
    broken = tmp_path / "operativ.csv"
    with open(broken, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    result = run("validate", str(broken), "--survey", "operativ")
    assert result.returncode == 1
    assert f"{broken}:{row + 1}:lyssnar: okänt svar 'oftta'" in result.stdout
    assert "menade du 'ofta'" in result.stdout


def test_synth_writes_byte_identical_files(tmp_path):
    spec = sv.SAMPLE_DIR / "specs" / "sjobygden.yaml"
    result = run("synth", "--spec", str(spec), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for written in tmp_path.glob("*/*/*.csv"):
        committed = sv.SAMPLE_DIR / written.relative_to(tmp_path)
        assert written.read_bytes() == committed.read_bytes()
