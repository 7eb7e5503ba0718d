"""The console script on the committed sample exports (issue acceptance)."""

from __future__ import annotations

import csv
import re
import io
from pathlib import Path

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


# ------------------------------------------------------------- init and validate --params

EXPORTS = Path(__file__).resolve().parent / "exports"


def _edited_header(tmp_path: Path, replace: dict[str, str], name: str = "operativ.csv") -> Path:
    """The esmaker-style staff export with some headers replaced (the cells as they are)."""
    text = (EXPORTS / "esmaker" / "operativ.csv").read_bytes().decode("utf-8-sig")
    header, rest = text.split("\r\n", 1)
    cells = header.split(";")
    cells = [replace.get(c, c) for c in cells]
    path = tmp_path / name
    path.write_bytes((";".join(cells) + "\r\n" + rest).encode("utf-8-sig"))
    return path


def test_init_guesses_a_near_header_and_ignores_an_unknown_one_for_review(tmp_path, run_cli):
    header = (EXPORTS / "esmaker" / "operativ.csv").read_bytes().decode("utf-8-sig").split("\r\n", 1)[0]
    lyssnar = next(c for c in header.split(";") if "lyssnar" in c)
    export = _edited_header(tmp_path, {lyssnar: "Fråga 15: Hur ofta upplever du att de andra lyssnar på det du säger?",
                                       "Status": "Handläggarens anteckning"})
    out = tmp_path / "p.yaml"
    done = run_cli("init", str(export), "--forbund", "prov", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    text = out.read_text(encoding="utf-8")
    assert ('"Fråga 15: Hur ofta upplever du att de andra lyssnar på det du säger?": "lyssnar"   '
            "# GISSNING: liknar frågan lyssnar; granska") in text
    assert '"Handläggarens anteckning": "ignore"   # GRANSKA: okänd kolumn' in text
    assert "chefsgrupp: null" in text
    assert re.search(r"p\.yaml:\d+: \"Handläggarens anteckning\"", done.stdout)
    validated = run_cli("validate", "--params", str(out))
    assert validated.returncode == 0, validated.stdout
    assert "ignorerad kolumn 'Handläggarens anteckning' (columns: ignore; 90 ifyllda celler)" in validated.stdout


def test_init_refuses_unknown_files_twins_and_overwriting(tmp_path, run_cli):
    junk = tmp_path / "junk.csv"
    junk.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    done = run_cli("init", str(junk), "--forbund", "prov", "--out", str(tmp_path / "p.yaml"))
    assert done.returncode == 1 and f"{junk}::: ingen kolumn är en fråga i någon enkät" in done.stdout
    assert not (tmp_path / "p.yaml").exists()
    twin = _edited_header(tmp_path, {}, name="igen.csv")
    done = run_cli("init", str(EXPORTS / "esmaker" / "operativ.csv"), str(twin), "--forbund", "prov",
               "--out", str(tmp_path / "p.yaml"))
    assert done.returncode == 1 and "är enkäten operativ: ange en export per enkät" in done.stdout
    (tmp_path / "p.yaml").write_text("forbund: prov\n", encoding="utf-8")
    done = run_cli("init", str(EXPORTS / "esmaker" / "operativ.csv"), "--forbund", "prov",
                   "--out", str(tmp_path / "p.yaml"))
    assert done.returncode == 1 and "finns redan" in done.stderr
    assert (tmp_path / "p.yaml").read_text(encoding="utf-8") == "forbund: prov\n"


def test_validate_params_names_the_problems_of_a_mapping(tmp_path, run_cli):
    out = tmp_path / "p.yaml"
    done = run_cli("init", str(EXPORTS / "netigate" / "operativ.xlsx"), "--forbund", "prov", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    text = out.read_text(encoding="utf-8")
    broken = text.replace('"Svars-ID": "respondent_id"', '"Svars-ID": "ignore"').replace(': "lyssnar"', ': "lyssnr"')
    out.write_text(broken, encoding="utf-8")
    done = run_cli("validate", "--params", str(out))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(re.match(rf"{re.escape(str(out))}:\d+:columns\.operativ\.Q15\. .*'lyssnr' är inte en fråga i enkäten "
                        r"operativ; menade du 'lyssnar'\?", line) for line in lines), done.stdout
    assert "kolumnen 'Svars-ID' är den, men columns säger ignore" in done.stdout


def test_validate_without_file_or_params_says_what_to_give(run_cli):
    done = run_cli("validate")
    assert done.returncode == 2 and "ange en exportfil" in done.stderr


def test_validate_maps_columns_given_on_the_command_line(tmp_path, run_cli):
    export = _edited_header(tmp_path, {"Status": "Handläggarens anteckning", "Löpnummer": "Nr"})
    bad = run_cli("validate", str(export))
    assert bad.returncode == 1 and "okänd kolumn 'Handläggarens anteckning'" in bad.stdout
    good = run_cli("validate", str(export), "--column", "Handläggarens anteckning=ignore",
                   "--column", "Nr=respondent_id")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "90 respondenter" in good.stdout and "ignorerad kolumn 'Handläggarens anteckning' (columns: ignore" in good.stdout
    wrong = run_cli("validate", str(export), "--column", "Nr=respondent", "--survey", "operativ")
    assert wrong.returncode == 2 and "'respondent' är inte en fråga i enkäten operativ" in wrong.stderr
