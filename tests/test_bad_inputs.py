"""The bad-input corpus (``tests/bad_inputs/``, described by ``expected.yaml``).

For every broken export: ``sv.load`` raises ``sv.DataError`` listing exactly the
expected problems as ``file:row:column: message``; with ``errors="collect"`` every
answer cell read is either kept or rejected, counted here independently of the
loader; ``samverkan validate`` prints the problems; the messages are plain text.
"""

from __future__ import annotations

import atexit
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import openpyxl
import pytest
import yaml

import samverkan as sv
from samverkan.params import load_params, validate_params

from .hostile_files import make

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
ROOT = CORPUS.parent.parent
MANIFEST = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
INSTRUMENT = yaml.safe_load((ROOT / "data" / "schema" / "instrument.yaml").read_text(encoding="utf-8"))
CASES = MANIFEST["cases"]
GOOD = MANIFEST["good"]
PARAMS_CASES = MANIFEST["params_cases"]
XFAIL_TESTS = {"problems", "accounting", "readable_text"}

#: Item kinds whose cells are answers (the loader's module docstring); id and unit are keys.
ANSWER_KINDS = {"ordinal", "nominal", "multiselect"}
KEY_KINDS = {"id", "unit"}
#: The header of the canonical long CSV, written out here rather than imported.
CANONICAL_HEADER = {"forbund", "wave", "survey", "respondent_id", "unit", "region", "item", "value", "label",
                    "missing_reason"}


def _params(test: str, cases: list[dict]) -> list:
    """One pytest param per case, marked xfail(strict) when the manifest says so for ``test``."""
    params = []
    for case in cases:
        reason = (case.get("xfail") or {}).get(test)
        marks = [pytest.mark.xfail(strict=True, reason=" ".join(reason.split()))] if reason else []
        params.append(pytest.param(case, id=case["file"], marks=marks))
    return params


def _contains(expected: dict) -> list[str]:
    contains = expected["contains"]
    return [contains] if isinstance(contains, str) else list(contains)


# --------------------------------------------------------------------------- files


def _write_xlsx(source: Path, target: Path) -> Path:
    """The records of ``source`` (CSV) as the first sheet of a new workbook."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    with open(source, encoding="utf-8", newline="") as handle:
        for record in csv.reader(handle):
            sheet.append([int(c) if re.fullmatch(r"-?\d+", c) else (c or None) for c in record])
    workbook.save(target)
    return target


#: Files made by tests/hostile_files.py, once per session (a zip bomb takes ~0.5 s to write): file → path.
_MADE: dict[str, Path] = {}


def _case_path(case: dict, tmp_path: Path) -> Path:
    if "make" in case:
        if case["file"] not in _MADE:
            folder = Path(tempfile.mkdtemp(prefix="samverkan-made-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            _MADE[case["file"]] = make(case["make"], folder / case["file"])
        return _MADE[case["file"]]
    if "xlsx_from" in case:
        return _write_xlsx(CORPUS / case["xlsx_from"], tmp_path / case["file"])
    return CORPUS / case["file"]


def _load_args(case: dict) -> dict:
    return {"survey": case["survey"], "regions": case.get("regions")}


# ------------------------------------------------------ independent count of answer cells


def _fold(text: str) -> str:
    """Header matching as the README promises: case, repeated whitespace and dashes ignored."""
    text = unicodedata.normalize("NFC", text).casefold().replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.replace("\u00a0", " ").split())


def _raw_records(path: Path, case: dict) -> list[list[str]]:
    """The file's records read with the csv module or openpyxl (not the loader)."""
    if path.suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        return [["" if value is None else str(value) for value in row] for row in rows]
    text = path.read_bytes().decode(case.get("encoding", "utf-8-sig"), errors="replace")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=case.get("delimiter", ",")))


def _column_roles(header: list[str], survey: str) -> list[str]:
    """``answer``, ``key`` or ``other`` (comment, unknown or repeated column) per header cell."""
    spec = INSTRUMENT["surveys"][survey]
    names: dict[str, tuple[str, str]] = {}
    for item in spec["items"]:
        role = "answer" if item["kind"] in ANSWER_KINDS else "key" if item["kind"] in KEY_KINDS else "other"
        for name in (item["id"], item["text"]):
            names[_fold(name)] = (item["id"], role)
    for comment in spec.get("comments", ()):
        for name in (comment["id"], comment["text"]):
            names[_fold(name)] = (comment["id"], "other")
    roles, seen = [], set()
    for name in header:
        column_id, role = names.get(_fold(name), (None, "other"))
        roles.append("other" if column_id is None or column_id in seen else role)
        seen.add(column_id)
    return roles


def _read_table(path: Path, case: dict) -> tuple[list[str], list[list[str]]]:
    records = [[cell.strip() for cell in record] for record in _raw_records(path, case)]
    start = next(i for i, record in enumerate(records) if any(record))
    header = list(records[start])
    while header and not header[-1]:
        header.pop()
    return header, [record for record in records[start + 1:] if any(record)]


def _is_canonical(header: list[str]) -> bool:
    return CANONICAL_HEADER <= {_fold(name) for name in header}


def count_answer_cells(path: Path, case: dict) -> int:
    """Answer cells in the file as the loader's module docstring defines them.

    Wide export: each cell of an answer-item column of every non-blank data row, each
    non-blank cell of a comment, unknown or repeated column, and every non-blank cell of
    a row longer than its header. Canonical long CSV: each non-blank data row.
    """
    header, data = _read_table(path, case)
    if _is_canonical(header):
        return len(data)
    roles = _column_roles(header, case["survey"])
    count = 0
    for record in data:
        if any(record[len(header):]):
            count += sum(1 for cell in record if cell)
            continue
        cells = record + [""] * (len(header) - len(record))
        count += sum(1 for role, cell in zip(roles, cells) if role == "answer" or (role == "other" and cell))
    return count


def _kept_cells(answers, comments, canonical: bool) -> int:
    if canonical:
        return len(answers)
    kept_respondents = set(answers["respondent_id"].dropna())
    pairs = answers[["respondent_id", "item"]].drop_duplicates()
    return len(pairs) + int(comments["respondent_id"].isin(kept_respondents).sum())


# ------------------------------------------------------------------------ the manifest


def test_manifest_lists_every_corpus_file():
    everything = CASES + GOOD + PARAMS_CASES
    listed = {c["file"] for c in everything if "xlsx_from" not in c and "make" not in c}
    listed |= {c["xlsx_from"] for c in everything if "xlsx_from" in c}
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file()}
    assert on_disk - {"expected.yaml", ".gitattributes"} == listed
    assert len(CASES) >= 80
    for case in CASES:
        assert case["survey"] in INSTRUMENT["surveys"], case["file"]
        assert case["problems"], case["file"]
        assert set(case.get("xfail") or {}) <= XFAIL_TESTS, case["file"]


# ------------------------------------------------------- 1. every problem, as the user sees it


def _matches(problem, expected: dict) -> bool:
    return (
        problem.row == expected["row"]
        and problem.column == expected["column"]
        and all(part in problem.reason for part in _contains(expected))
    )


@pytest.mark.parametrize("case", _params("problems", CASES))
def test_load_lists_exactly_the_expected_problems(case, tmp_path):
    path = _case_path(case, tmp_path)
    with pytest.raises(sv.DataError) as info:
        sv.load(path, **_load_args(case))
    error = info.value
    unmatched = list(error.problems)
    for expected in case["problems"]:
        hit = next((p for p in unmatched if _matches(p, expected)), None)
        assert hit is not None, f"expected {expected} among the problems:\n{error}"
        unmatched.remove(hit)
    assert not unmatched, "unexpected problems:\n" + "\n".join(map(str, unmatched))

    lines = str(error).splitlines()
    for expected in case["problems"]:
        row = "" if expected["row"] is None else expected["row"]
        column = "" if expected["column"] is None else expected["column"]
        prefix = f"{path}:{row}:{column}: "
        assert any(
            line.startswith(prefix) and all(part in line for part in _contains(expected)) for line in lines
        ), f"no line starting {prefix!r} in:\n{error}"


# ------------------------------------------- 2. every answer cell read is kept or rejected


@pytest.mark.parametrize("case", _params("accounting", [c for c in CASES if c.get("readable", True)] + GOOD))
def test_every_answer_cell_read_is_kept_or_rejected(case, tmp_path):
    path = _case_path(case, tmp_path)
    answers, rejected = sv.load(path, errors="collect", **_load_args(case))
    comments = sv.load_comments(path, survey=case["survey"])
    cells_read = count_answer_cells(path, case)
    in_rows = rejected[rejected["row"].fillna(0) > 1]

    loader_count = sv.read_export(path, **_load_args(case)).cells_read
    assert loader_count == cells_read, f"read_export counts {loader_count} answer cells, this test {cells_read}"
    kept = _kept_cells(answers, comments, _is_canonical(_read_table(path, case)[0]))
    assert kept + len(in_rows) == cells_read, f"kept {kept} + rejected {len(in_rows)} != read {cells_read}"

    # A problem in a data row rejects (part of) that row; named rejections are there.
    rejected_rows = set(in_rows["row"].astype(int))
    for expected in case.get("problems", ()):
        if expected["row"] is not None and expected["row"] > 1:
            assert expected["row"] in rejected_rows, f"nothing rejected in row {expected['row']}"
    for expected in case.get("rejected", ()):
        assert any(
            r.row == expected["row"] and r.column == expected["column"]
            and all(part in r.reason for part in _contains(expected))
            for r in in_rows.itertuples()
        ), f"expected rejection {expected} in:\n{in_rows.to_string()}"


@pytest.mark.parametrize("case", _params("accounting", [c for c in CASES if not c.get("readable", True)]))
def test_unreadable_file_raises_even_when_collecting(case, tmp_path):
    path = _case_path(case, tmp_path)
    with pytest.raises(sv.DataError):
        sv.load(path, errors="collect", **_load_args(case))


@pytest.mark.parametrize("case", _params("accounting", GOOD))
def test_good_files_load_without_problems(case, tmp_path):
    path = _case_path(case, tmp_path)
    answers = sv.load(path, **_load_args(case))
    header, data = _read_table(path, case)
    assert answers["respondent_id"].nunique() == len(data)
    assert answers["region"].notna().all()
    assert answers["value"].isna().eq(answers["missing_reason"].notna()).all()


# --------------------------------------------------------- hostile files: refused within bounds


def test_hostile_files_are_refused_without_a_memory_blow_up(tmp_path):
    """Every unreadable case, made and loaded in a fresh process whose peak memory is then read.

    Before the limits, the 6 KB workbook declaring A1:XFD1048576 alone grew to a
    MemoryError; the whole set now stays near the interpreter's own footprint.
    """
    script = (
        "import json, resource, sys\n"
        "import samverkan as sv\n"
        "refused = []\n"
        "for path, file, survey in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        sv.load(path, survey=survey)\n"
        "    except sv.DataError:\n"
        "        refused.append(file)\n"
        "print(json.dumps({'refused': refused, 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    cases = [(str(_case_path(c, tmp_path)), c["file"], c["survey"]) for c in CASES
             if "make" in c and not c.get("readable", True)]
    result = subprocess.run([sys.executable, "-c", script, json.dumps(cases), str(tmp_path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["refused"] == [file for _, file, _ in cases]
    assert report["peak_mb"] < 600, report


@pytest.mark.parametrize("case", [pytest.param(c, id=c["file"]) for c in PARAMS_CASES])
def test_hostile_params_files_are_refused_before_anything_is_built(case, tmp_path):
    path = _case_path(case, tmp_path)
    problems = validate_params(path)
    assert len(problems) == len(case["problems"]), problems
    for problem, expected in zip(problems, case["problems"]):
        assert problem.row == expected["row"], problem
        assert all(part in problem.reason for part in _contains(expected)), problem
    with pytest.raises(sv.DataError):
        load_params(path)


# ------------------------------------------------------------------------------ 3. CLI


def _misspell(source: Path, target: Path, row: int, column: str, label: str) -> Path:
    """Copy ``source`` with the cell at spreadsheet ``row`` (header = 1), ``column`` replaced."""
    with open(source, encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    records[row - 1][records[0].index(column)] = label
    with open(target, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)
    return target


@pytest.mark.parametrize(
    ("survey", "row", "column", "label"),
    [("operativ", 3, "lyssnar", "alltd"), ("chefsgrupp", 4, "vet_tillfora", "oftta")],
)
def test_validate_prints_the_row_and_column_of_a_misspelled_label(tmp_path, survey, row, column, label, run_cli):
    path = _misspell(CORPUS / f"good_{survey}.csv", tmp_path / f"{survey}.csv", row, column, label)
    result = run_cli("validate", str(path), "--survey", survey)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert lines[0].startswith(f"{path}:{row}:{column}: ")
    assert f"'{label}'" in lines[0]


@pytest.mark.parametrize("survey", ["operativ", "chefsgrupp"])
def test_validate_summarises_a_good_file_in_one_line(survey, run_cli):
    path = CORPUS / f"good_{survey}.csv"
    result = run_cli("validate", str(path), "--survey", survey)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert lines[0].startswith(str(path)) and "6 respondenter" in lines[0]


def test_validate_checks_units_against_the_params_regions(tmp_path, run_cli):
    params = tmp_path / "gavleborg.yaml"
    params.write_text(yaml.safe_dump({"forbund": "gavleborg", "name": "Test", "wave": 2016,
                                      "data": {"operativ": str(CORPUS / "good_operativ.csv")},
                                      "regions": MANIFEST["regions"]["kommuner"]}, allow_unicode=True),
                      encoding="utf-8")
    good = run_cli("validate", str(CORPUS / "good_operativ.csv"), "--survey", "operativ", "--params", str(params))
    assert good.returncode == 0, good.stdout + good.stderr
    bad_path = CORPUS / "unit_not_in_regions.csv"
    bad = run_cli("validate", str(bad_path), "--survey", "operativ", "--params", str(params))
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{bad_path}:3:kommun: "), bad.stdout
    assert "'Gälve'" in lines[0]


def test_validate_reports_an_unreadable_file_without_a_traceback(run_cli_process):
    path = CORPUS / "empty.csv"
    result = run_cli_process("validate", str(path), "--survey", "operativ")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{path}::: filen är tom"]
    assert "Traceback" not in result.stderr


# ----------------------------------------------------------------- 4. readable errors

#: Python reprs that must never reach a user: objects, paths, missing markers, lists/tuples of strings.
_REPRS = re.compile(
    r"Problem\(|PosixPath\(|WindowsPath\(| object at 0x|Traceback|dtype|<NA>|\bNone\b|\bnan\b"
    r"|[\[(]'[^']*'(?:, '[^']*')+[\])]"
)


def test_data_error_is_a_value_error():
    assert issubclass(sv.DataError, ValueError)


@pytest.mark.parametrize("case", _params("readable_text", CASES))
def test_messages_are_plain_text(case, tmp_path):
    path = _case_path(case, tmp_path)
    with pytest.raises(sv.DataError) as info:  # every case is broken: the loader must say so
        sv.load(path, **_load_args(case))
    text, problems = str(info.value), info.value.problems
    assert not _REPRS.search(text), text
    lines = text.splitlines()
    assert len(lines) == len(problems) + 1
    for problem, line in zip(problems, lines[1:]):
        assert isinstance(problem.reason, str) and problem.reason and "\n" not in problem.reason
        assert problem.row is None or (isinstance(problem.row, int) and problem.row >= 1)
        assert problem.column is None or isinstance(problem.column, str)
        assert re.fullmatch(re.escape(str(path)) + r":\d*:[^\n]*: \S.*", line), line


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"survey": "operativt"}, ["'operativt'", "chefsgrupp", "operativ"]),
        ({"survey": "operativ", "errors": "ignore"}, ["'ignore'", "raise", "collect"]),
        ({"survey": "operativ", "regions": {"Gästrikland": "Gävle"}}, ["Gästrikland", "list"]),
        ({"survey": "operativ", "regions": ["Gävle"]}, ["mapping"]),
    ],
)
def test_bad_arguments_are_value_errors_naming_the_bad_and_allowed_values(kwargs, named):
    with pytest.raises(ValueError) as info:
        sv.load(CORPUS / "good_operativ.csv", **kwargs)
    assert not isinstance(info.value, sv.DataError)
    for part in named:
        assert part in str(info.value)
    assert not re.search(r"object at 0x|Traceback|PosixPath", str(info.value))
