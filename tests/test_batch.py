"""The batch over every förbund (the session's warm batch, tests/conftest.py): failure isolation, manifest, index,
resume, warm vs isolated, Dask."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from samverkan import batch
from samverkan.params import load_params

from .conftest import copy_params
from .hostile_files import make
from .html_audit import Audit, audit

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
SMALL = ["sjobygden", "kustbygden", "fjallmarken"]
SAMPLE_FORBUND = sorted(p.stem for p in PARAMS.glob("*.yaml"))


def _table_contents(folder: Path) -> dict:
    book = openpyxl.load_workbook(folder / "tables.xlsx", read_only=True)
    return {sheet: list(book[sheet].iter_rows(values_only=True)) for sheet in book.sheetnames}


def _same_results(folder: Path, reference: Path) -> None:
    assert (folder / "results.json").read_bytes() == (reference / "results.json").read_bytes(), folder.name
    assert _table_contents(folder) == _table_contents(reference), folder.name


def test_failures_are_isolated_and_reported(sample_batch):
    result, out = sample_batch["result"], sample_batch["out"]
    assert result.returncode == 1
    assert "FEL trasig" in result.stderr and "regoins" in result.stderr
    assert "FEL korrupt" in result.stderr
    for name in SAMPLE_FORBUND:
        for file in ("report.html", "tables.xlsx", "results.json"):
            assert (out / name / file).exists(), (name, file)
    assert not (out / "trasig").exists() and not (out / "korrupt").exists()
    assert not list(out.glob(".*tmp*"))


def test_manifest_index_and_overview(sample_batch):
    out = sample_batch["out"]
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    status = {row["forbund"]: row["status"] for row in manifest["forbund"]}
    assert status == {**dict.fromkeys(SAMPLE_FORBUND, "ok"), "trasig": "invalid", "korrupt": "invalid"}
    assert manifest["mode"] == "warm" and manifest["jobs"] == 2
    ok = [row for row in manifest["forbund"] if row["status"] == "ok"]
    assert all(row["seconds"] > 0 and row["error"] is None for row in ok)
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in SAMPLE_FORBUND:
        assert f'href="{name}/report.html"' in index
    assert "ogiltig params-fil" in index
    assert (out / "overview.html").stat().st_size > 0 and (out / "overview" / "tables.xlsx").exists()


def test_isolated_run_gives_the_warm_batch_results(sample_batch, tmp_path, monkeypatch):
    """The suite's one determinism check: a fresh kernel per förbund, into a relative --out, gives the very
    results and tables of the warm batch, where these förbund ran after others in the same kernel."""
    monkeypatch.chdir(tmp_path)  # a relative --out, as `make report` gives it
    names = ["fjallmarken", "sjobygden"]
    outcomes = batch.run_batch([sample_batch["paths"][n] for n in names], Path("relativ"), jobs=2, isolated=True,
                               progress=False, overview=False)
    assert {o.status for o in outcomes} == {"ok"}
    assert Path.cwd() == tmp_path  # no worker moved the process (papermill's cwd= would, from two threads)
    for name in names:
        folder = tmp_path / "relativ" / name
        assert oct(folder.stat().st_mode & 0o777) == "0o755"
        _same_results(folder, sample_batch["out"] / name)
    assert json.loads((tmp_path / "relativ" / "run.json").read_text(encoding="utf-8"))["mode"] == "isolated"


def test_resume_skips_up_to_date_and_reruns_a_changed_one(sample_batch, tmp_path):
    params = [Path(shutil.copy2(sample_batch["paths"][n], tmp_path / f"{n}.yaml")) for n in SMALL]
    out = tmp_path / "reports"
    for name in SMALL:  # copies keep their times: the reports stay newer than their inputs
        shutil.copytree(sample_batch["out"] / name, out / name)
    future = max(p.stat().st_mtime for p in (out / "fjallmarken").rglob("*")) + 5
    os.utime(params[2], (future, future))
    outcomes = batch.run_batch(params, out, jobs=1, resume=True, progress=False, overview=False)
    status = {o.forbund: o.status for o in outcomes}
    assert status == {"sjobygden": "skipped", "kustbygden": "skipped", "fjallmarken": "ok"}


def test_dask_local_cluster_gives_the_same_results(sample_batch, tmp_path):
    from distributed import Client, LocalCluster

    out = tmp_path / "dask"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        outcomes = batch.run_batch([sample_batch["paths"]["sjobygden"]], out, executor="dask", scheduler=client,
                                   progress=False, overview=False)
    assert {o.status for o in outcomes} == {"ok"}
    _same_results(out / "sjobygden", sample_batch["out"] / "sjobygden")
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["executor"] == "dask"


def test_bad_arguments():
    with pytest.raises(ValueError, match="executor='ray'"):
        batch.run_batch([], "x", executor="ray")
    with pytest.raises(ValueError, match="scheduler"):
        batch.run_batch([], "x", executor="dask")
    with pytest.raises(ValueError, match="jobs=0"):
        batch.run_batch([], "x", jobs=0)


def test_largest_data_runs_first():
    paths = sorted(PARAMS.glob("*.yaml"))
    params = {p.name: load_params(p, check_data=False) for p in paths}
    sizes = {name: sum(f.stat().st_size for f in each.data_files()) for name, each in params.items()}
    ordered = batch.largest_first(list(params.values()))
    assert sorted(p.source for p in ordered) == [p.resolve() for p in paths]
    assert [sizes[p.source.name] for p in ordered] == sorted(sizes.values(), reverse=True)
    assert len(set(sizes.values())) == len(paths)  # no tie: the order is fully determined
    assert params["gavleborg.yaml"].data_files() == [
        (ROOT / "data" / "sample" / "gavleborg" / wave / f"{survey}.csv").resolve()
        for wave in ("2019", "2016") for survey in ("operativ", "chefsgrupp")]


# ------------------------------------------------------------------ a batch of hostile förbund

#: Text injected through the förbund name, a region name and unit names (fjällmarken's copy in ``hostile_run``).
INJECTED_NAME = "<script>alert('samverkan-xss-namn')</script> =HYPERLINK(\"http://example.invalid/x\") Fjällmarken"
INJECTED_REGION = "Dal<img src=x onerror=alert('samverkan-xss-region')>gången"
INJECTED_UNITS = {"Högfjällsby": "Högfjälls<script>alert('samverkan-xss-enhet')</script>by",
                  "Forsbyn": "=HYPERLINK(\"http://example.invalid/samverkan-xss-kommun\") Forsbyn"}


def _rename_units(path: Path, column: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    position = records[0].index(column)
    for record in records[1:]:
        units = [u.strip() for u in record[position].split(",")]
        record[position] = ", ".join(_renamed(u) for u in units)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)


def _renamed(unit: str) -> str:
    for old, new in INJECTED_UNITS.items():
        unit = unit.replace(old, new)
    return unit


def _inject(params_path: Path) -> None:
    """Hostile text through fjällmarken's name, a region and two units (params and both exports)."""
    raw = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    raw["name"] = INJECTED_NAME
    raw["regions"] = {(INJECTED_REGION if region == "Dalgången" else region): [_renamed(u) for u in units]
                      for region, units in raw["regions"].items()}
    params_path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    _rename_units(Path(raw["data"]["operativ"]), "kommun")
    _rename_units(Path(raw["data"]["chefsgrupp"]), "mysam_grupp")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> dict:
    """``samverkan run`` over fjällmarken with hostile text in its name, a region and units, beside three förbund
    whose validation used to raise (a malformed workbook, an alias bomb) or whose messages quote private data."""
    tmp = tmp_path_factory.mktemp("hostile")
    fjallmarken, template = copy_params(tmp, ["fjallmarken", "kustbygden"])
    _inject(fjallmarken)
    hostile = _hostile_forbund(tmp, template)
    out = tmp / "reports"
    result = subprocess.run([sys.executable, "-m", "samverkan.cli", "run", str(fjallmarken), *map(str, hostile),
                             "--out", str(out), "--jobs", "2"], capture_output=True, text=True, check=False)
    return {"tmp": tmp, "out": out, "result": result}


#: A private note typed into an answer cell, and the respondent id of a repeated row: never on a published page.
PRIVATE_NOTE = "ringde Karin Svensson 070-1234567"


def _hostile_forbund(tmp: Path, template: Path) -> list[Path]:
    """Params files whose validation raised something else than DataError, or whose messages quote private data."""
    text = template.read_text(encoding="utf-8")
    data = tmp / "data" / "kustbygden" / "2019" / "operativ.csv"
    made = []
    for name, replacement in [("arbetsbok", tmp / "skadad.xlsx"), ("privat", tmp / "privat.csv")]:
        params = tmp / "params" / f"{name}.yaml"
        params.write_text(text.replace("forbund: kustbygden", f"forbund: {name}").replace(str(data), str(replacement)),
                          encoding="utf-8")
        made.append(params)
    make("malformed_sheet_xml", tmp / "skadad.xlsx")
    lines = data.read_text(encoding="utf-8").splitlines()
    header, first = lines[0].split(","), lines[2].split(",")
    first[header.index("lyssnar")] = PRIVATE_NOTE
    first[header.index("vet_tillfora")] = "<img src=x onerror=alert('samverkan-xss-etikett')>"
    (tmp / "privat.csv").write_text("\n".join([lines[0], lines[1], ",".join(first), lines[2], *lines[3:]]) + "\n",
                                    encoding="utf-8")
    bomb = tmp / "params" / "aliasbomb.yaml"
    shutil.copy(ROOT / "tests" / "bad_inputs" / "params" / "alias_bomb.yaml", bomb)
    return [*made, bomb]


@pytest.mark.kernel
def test_hostile_forbund_fail_alone_without_a_traceback(hostile_run):
    result, out = hostile_run["result"], hostile_run["out"]
    assert result.returncode == 1, result.stderr
    assert "FEL arbetsbok" in result.stderr and "ParseError" in result.stderr
    assert "FEL aliasbomb" in result.stderr and "ankare och alias" in result.stderr
    assert "FEL privat" in result.stderr and "Traceback" not in result.stderr
    status = {row["forbund"]: row["status"] for row in json.loads((out / "run.json").read_text())["forbund"]}
    assert status == {"fjallmarken": "ok", "arbetsbok": "invalid", "privat": "invalid", "aliasbomb": "invalid"}
    assert (out / "fjallmarken" / "report.html").exists() and (out / "overview.html").exists()


@pytest.mark.kernel
def test_published_pages_name_the_place_but_never_the_value(hostile_run):
    """run.json and index.html say file, row, column and reason; the cell's text and the respondent id are in the log only."""
    out, tmp = hostile_run["out"], hostile_run["tmp"]
    respondent = (tmp / "privat.csv").read_text(encoding="utf-8").splitlines()[2].split(",")[0]
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    private = next(row for row in manifest["forbund"] if row["forbund"] == "privat")
    assert f"{tmp / 'privat.csv'}:3:lyssnar: okänt svar '…' på frågan lyssnar" in private["error"]
    assert f"{tmp / 'privat.csv'}:4:respondent_id: respondent_id '…' förekommer redan på rad 3" in private["error"]
    for page in ("run.json", "index.html"):
        text = (out / page).read_text(encoding="utf-8")
        assert "Karin" not in text and "070-" not in text and respondent not in text, page
        assert "samverkan-xss-etikett" not in text, page
    log = (out / private["log"]).read_text(encoding="utf-8")
    assert PRIVATE_NOTE in log and respondent in log
    assert private["log"] == "privat.failed.log"


# ------------------------------------------------------------------ escaping (every HTML output, parsed)


def _template_audit() -> Audit:
    """The scripts and event attributes of nbconvert's page itself (a notebook with no data in it)."""
    import nbformat

    from samverkan.publish import prepare_html

    page, _ = prepare_html().from_notebook_node(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x")]))
    return audit(page)


@pytest.mark.kernel
def test_no_script_or_event_attribute_from_data_in_any_html_output(hostile_run):
    out = hostile_run["out"]
    template = _template_audit()
    pages = {name: (out / name).read_text(encoding="utf-8")
             for name in ("fjallmarken/report.html", "index.html", "overview.html")}
    for name, page in pages.items():
        found = audit(page)
        assert all(script in template.scripts for script in found.scripts), name
        assert all(event in template.events for event in found.events), (name, found.events)
        assert not found.urls, (name, found.urls)
        assert not any("samverkan-xss" in v for v in found.attribute_values), name
        assert not {"iframe", "object", "embed", "form", "base"} & (found.tags - template.tags), name
    report_text = "".join(audit(pages["fjallmarken/report.html"]).text)
    for marker in ("samverkan-xss-namn", "samverkan-xss-region", "samverkan-xss-kommun"):
        assert marker in report_text, marker  # shown, as text
    assert "samverkan-xss-namn" in "".join(audit(pages["overview.html"]).text)


@pytest.mark.kernel
def test_workbooks_hold_injected_text_as_text_never_as_a_formula_or_link(hostile_run):
    out = hostile_run["out"]
    for path in [out / "fjallmarken" / "tables.xlsx", out / "overview" / "tables.xlsx"]:
        book = openpyxl.load_workbook(path)
        seen = []
        for sheet in book.worksheets:
            assert not sheet._hyperlinks, (path, sheet.title)
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path, sheet.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                        seen.append(cell.value)
        assert seen, path  # the injected text is there, as text


# ------------------------------------------------------------------ the output folder


def _run_cli_batch(params: list[Path], out: Path, *, user: list[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*user, sys.executable, "-m", "samverkan.cli", "run", *map(str, params), "--out", str(out),
                           "--no-overview"], capture_output=True, text=True, check=False, cwd=ROOT, timeout=300)


def test_a_symbolic_link_inside_out_is_refused_before_anything_runs(tmp_path, run_cli):
    victim = tmp_path / "elsewhere.html"
    victim.write_text("orörd", encoding="utf-8")
    out = tmp_path / "reports"
    (out / "sjobygden").mkdir(parents=True)
    (out / "index.html").symlink_to(victim)
    (out / "sjobygden" / "report.html").symlink_to(victim)
    result = run_cli("run", PARAMS / "sjobygden.yaml", "--out", out, "--no-overview")
    assert result.returncode == 2, result.stderr
    assert "symboliska länkar" in result.stderr and "index.html" in result.stderr and "Traceback" not in result.stderr
    assert victim.read_text(encoding="utf-8") == "orörd"
    assert not (out / "run.json").exists()


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_out_that_is_not_a_folder_gives_a_clear_error(tmp_path, where, run_cli):
    blocker = tmp_path / "reports"
    blocker.write_text("en fil", encoding="utf-8")
    out = blocker if where == "a file" else blocker / "nere"
    result = run_cli("run", PARAMS / "sjobygden.yaml", "--out", out, "--no-overview")
    assert result.returncode == 2, result.stderr
    assert ("är en fil, inte en mapp" if where == "a file" else "en del av sökvägen är en fil") in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("where", ["read-only", "unreachable"])
def test_a_read_only_or_unreachable_out_gives_a_clear_error(where):
    user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    if user and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder is writable to root")
    if user and subprocess.run([*user, sys.executable, "-c", "import samverkan.cli"], capture_output=True,
                               cwd="/", check=False).returncode != 0:
        pytest.skip(f"the unprivileged user cannot read this checkout ({ROOT}: a parent folder such as "
                    "mktemp -d's is 0700), and root writes into any folder")
    folder = Path(tempfile.mkdtemp(prefix="samverkan-readonly-"))  # /tmp: every user may enter /tmp
    try:
        folder.chmod(0o755 if where == "read-only" else 0o700)
        out = folder / "reports" if where == "unreachable" else folder
        result = _run_cli_batch([PARAMS / "sjobygden.yaml"], out, user=user)
    finally:
        shutil.rmtree(folder)
    assert result.returncode == 2, result.stderr
    expected = "går inte att skriva i" if where == "read-only" else "kan inte skapas"
    assert expected in result.stderr and "Traceback" not in result.stderr, result.stderr


# ------------------------------------------------------------------ any exception is one förbund's


def test_an_exception_while_validating_one_forbund_is_that_forbunds_problem(monkeypatch):
    paths = [PARAMS / "sjobygden.yaml", PARAMS / "kustbygden.yaml"]
    real = batch.check_params

    def check(path, **kwargs):
        if Path(path).stem == "kustbygden":
            raise RecursionError("maximum recursion depth exceeded while reading 'KUB19-0002'")
        return real(path, **kwargs)

    monkeypatch.setattr(batch, "check_params", check)
    valid, invalid = batch.validate_all(paths, 1)
    assert [p.forbund for p in valid] == ["sjobygden"]
    assert [(o.forbund, o.status) for o in invalid] == [("kustbygden", "invalid")]
    assert "kunde inte kontrolleras: RecursionError" in invalid[0].error
    assert "KUB19-0002" not in invalid[0].error and "KUB19-0002" in invalid[0].detail


class _BrokenKernel:
    """A kernel whose notebook run raises something no one expected."""

    def execute(self, notebook, output, parameters, cwd):
        raise OSError(28, "No space left on device")

    def kill(self):
        pass


def test_an_exception_while_running_one_forbund_is_that_forbunds_failure(tmp_path):
    from samverkan.params import load_params

    outcome = batch.run_one(load_params(PARAMS / "sjobygden.yaml"), tmp_path, kernel=_BrokenKernel())
    assert (outcome.forbund, outcome.status, outcome.retried) == ("sjobygden", "failed", False)
    assert outcome.error.startswith("OSError") and "No space left" in outcome.error
    assert not list(tmp_path.glob(".*tmp*"))


def test_kernel_sockets_move_to_tmp_when_tmpdir_is_too_long_for_a_socket(tmp_path, monkeypatch):
    """A Unix socket path holds ~107 bytes: a long TMPDIR must not make every kernel fail (ZMQError)."""
    from samverkan import kernels

    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(deep))
    monkeypatch.setattr(tempfile, "tempdir", None)
    manager = kernels.kernel_manager()
    try:
        folder = manager.samverkan_folder
        assert not folder.is_relative_to(deep) and folder.stat().st_mode & 0o777 == 0o700
        assert manager.transport == "ipc" and len(os.fsencode(manager.ip)) < kernels.MAX_SOCKET_PATH
    finally:
        kernels.remove_folder(manager)


def test_socket_folders_of_a_killed_process_are_removed_by_the_next(tmp_path, monkeypatch):
    """A batch killed with SIGKILL leaves its kernels' socket folders (with their connection files): the next removes
    those whose owner is gone, never a running process's folder or one without an owner file."""
    import subprocess
    import sys

    from samverkan import kernels

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    stale, running, unknown = (tmp_path / f"{kernels.FOLDER_PREFIX}{name}" for name in ("stale", "running", "unknown"))
    for folder, owner in ((stale, gone.stdout.strip()), (running, str(os.getpid())), (unknown, None)):
        folder.mkdir(mode=0o700)
        (folder / "kernel.json").write_text("{}", encoding="utf-8")
        if owner:
            (folder / "owner").write_text(owner, encoding="ascii")
    new = kernels._socket_folder()
    try:
        assert not stale.exists() and running.exists() and unknown.exists()
        assert (new / "owner").read_text(encoding="ascii") == str(os.getpid())
    finally:
        shutil.rmtree(new, ignore_errors=True)
