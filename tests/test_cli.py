"""The console script on the committed sample exports (issue acceptance)."""

from __future__ import annotations

import csv
import io

import pytest

import samverkan as sv
from samverkan.cli import main

SAMPLES = sorted(sv.SAMPLE_DIR.glob("*/*/*.csv"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(sv.SAMPLE_DIR)))
def test_validate_accepts_every_sample_export(path, capsys):
    assert main(["validate", str(path), "--survey", path.stem]) == 0, capsys.readouterr()
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "respondenter" in lines[0] and "saknade" in lines[0]


def test_validate_names_the_row_and_column_of_a_misspelled_label(tmp_path, run_cli):
    source = sv.sample_path("gavleborg", "2016", "operativ")
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"), newline="")))
    column = rows[0].index("lyssnar")
    row = next(i for i, r in enumerate(rows) if i > 0 and r[column] == "ofta")
    rows[row][column] = "oftta"
    broken = tmp_path / "operativ.csv"
    with open(broken, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    result = run_cli("validate", str(broken), "--survey", "operativ")
    assert result.returncode == 1
    assert f"{broken}:{row + 1}:lyssnar: okänt svar 'oftta'" in result.stdout
    assert "menade du 'ofta'" in result.stdout


def test_synth_writes_byte_identical_files(tmp_path, run_cli_process):  # the console script itself
    spec = sv.SAMPLE_DIR / "specs" / "sjobygden.yaml"
    result = run_cli_process("synth", "--spec", str(spec), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for written in tmp_path.glob("*/*/*.csv"):
        committed = sv.SAMPLE_DIR / written.relative_to(tmp_path)
        assert written.read_bytes() == committed.read_bytes()
