"""The ``samverkan`` command: ``init``, ``validate``, ``report``, ``run``, ``reproduce``, ``synth``."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from . import instrument
from .errors import DataError
from .load import ABOVE_HEADER, OTHER_SHEET, read_export
from .vocabulary import ADJUST_METHODS


def _params_context(path: str | None, survey: str) -> dict:
    """``forbund``, ``wave``, ``regions`` and the survey's ``columns`` from a params file (checked, data not read)."""
    if path is None:
        return {}
    from .params import load_params

    params = load_params(path, check_data=False)
    return {"forbund": params.forbund, "wave": params.wave, "regions": params.regions,
            "columns": params.columns.get(survey)}


def summary_line(path: str | Path, answers) -> str:
    """One line about a loaded file: respondents, units, answers and missing answers."""
    respondents = answers["respondent_id"].nunique()
    units = answers["unit"].nunique()
    unit_rows = answers[["respondent_id", "unit"]].drop_duplicates().shape[0]
    missing = int(answers["value"].isna().sum())
    return (
        f"{path}: {respondents} respondenter, {units} enheter ({unit_rows} respondent–enhet-rader), "
        f"{len(answers)} svar varav {missing} saknade"
    )


def ignored_lines(ignored) -> list[str]:
    """One line per ignored column: ``ignorerad kolumn 'Språk' (metadata från enkätverktyget; 9 ifyllda celler)``.

    A title row above the header: ``ignorerad rad 1 (ovanför rubrikraden: en titel, inga svar; 1 ifyllda celler)``.
    """
    return [f"  ignorerad {column if reason in (ABOVE_HEADER, OTHER_SHEET) else f'kolumn {column!r}'} "
            f"({reason}; {cells} ifyllda celler)"
            for column, reason, cells in ignored]


def _print_problems(problems, where: str) -> int:
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem i {where}", file=sys.stderr)
    return 1


def _validate_params(path: str) -> int:
    """Every problem of a params file and its data, or what each data file holds."""
    from .params import check_params

    checked = check_params(path)
    if checked.problems:
        return _print_problems(checked.problems, str(checked.source))
    for file in checked.files:
        units = ", ".join(f"{unit} {n}" for unit, n in file.respondents_per_unit.items())
        print(f"{file.path} ({file.key}, enkäten {file.survey}): {file.respondents} respondenter; per enhet: {units}")
        for line in ignored_lines(file.ignored):
            print(line)
    print(f"{checked.source}: inga problem")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Print every problem as ``file:row:column: message`` (exit 1), or what was read (exit 0).

    With only ``--params``: the params file and every data file it names. With a file:
    that export (``--survey`` found from its header when left out), with the params
    file's regions and ``columns`` if given.
    """
    if args.file is None:
        if args.params is None:
            print("ange en exportfil, --params PARAMS.yaml eller båda", file=sys.stderr)
            return 2
        return _validate_params(args.params)
    try:
        survey = args.survey or _detected_survey(args.file, args.params)
        context = _params_context(args.params, survey)
        context["columns"] = {**(context.get("columns") or {}), **_column_options(args.column)}
        result = read_export(args.file, survey=survey, **context)
    except DataError as error:
        return _print_problems(error.problems, args.file)
    except ValueError as error:  # a bad --column
        print(f"fel: {error}", file=sys.stderr)
        return 2
    if result.problems:
        return _print_problems(result.problems, args.file)
    print(summary_line(args.file, result.answers))
    for line in ignored_lines(result.ignored[["column", "reason", "cells"]].itertuples(index=False)):
        print(line)
    return 0


def _column_options(options: list[str] | None) -> dict[str, str]:
    """``--column "RUBRIK=ID"`` options as a mapping (the last ``=`` splits: a header may hold one)."""
    mapping = {}
    for option in options or ():
        header, equals, target = option.rpartition("=")
        if not equals or not header.strip():
            raise ValueError(f"--column {option!r}: skriv RUBRIK=FRÅGE-ID eller RUBRIK=ignore")
        mapping[header.strip()] = target.strip()
    return mapping


def _detected_survey(path: str, params: str | None) -> str:
    from .params import load_params
    from .scaffold import detect_survey

    columns = load_params(params, check_data=False).columns if params else {}
    return detect_survey(path, columns).survey


def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented params file from the exports; print what needs review and the next commands."""
    from .params import check_params
    from .scaffold import marked_lines, write_params

    if args.out.exists() and not args.force:
        print(f"{args.out} finns redan; välj en annan --out eller lägg till --force", file=sys.stderr)
        return 1
    try:
        out, exports = write_params(args.exports, args.out, forbund=args.forbund, name=args.name, wave=args.wave)
    except DataError as error:
        return _print_problems(error.problems, "exporterna; ingen params-fil skrevs")
    for detected in exports:
        print(f"{detected.path}: enkäten {detected.survey}, {detected.respondents} respondenter, "
              f"{len(detected.counts)} enheter")
    marked = marked_lines(out.read_text(encoding="utf-8"))
    print(f"skrev {out}; {len(marked)} rader att granska:")
    for number, line in marked:
        print(f"  {out}:{number}: {line}")
    checked = check_params(out)
    if checked.problems:
        return _print_problems(checked.problems, f"{out} med dess data (rätta och kör samverkan validate --params)")
    print(f"nästa steg: samverkan validate --params {out}   och   samverkan report {out} --out reports")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    """Write seeded synthetic sample exports."""
    from .sample import export, fictional

    if args.seed is not None and args.fictional is None:
        print("--seed gäller bara med --fictional", file=sys.stderr)
        return 2
    if args.fictional is not None:
        seed = fictional.FICTIONAL_SEED if args.seed is None else args.seed
        try:
            params = fictional.write_fictional(args.fictional, args.out, seed=seed)
        except ValueError as error:
            print(f"fel: {error}", file=sys.stderr)
            return 2
        print(f"{len(params)} fiktiva förbund skrivna: params i {args.out / 'params'}, data i {args.out / 'data'}")
        return 0
    if args.all:
        paths = export.write_all(args.out)
    else:
        paths = [p for spec in args.spec for p in export.write_forbund(spec, args.out)]
    print(f"{len(paths)} filer skrivna under {args.out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Run the report for each params file; one failing förbund does not stop the others.

    One params file runs in a fresh kernel through papermill, as plain papermill would.
    Several share one warm kernel (:class:`samverkan.kernels.WarmKernel`, reset between
    reports, replaced if it dies), which saves a kernel start (~2 s) per förbund.
    """
    from .params import check_params

    checks = [check_params(path) for path in args.params]
    problems = [p for checked in checks for p in checked.problems]
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem i params-filerna; ingen rapport kördes", file=sys.stderr)
        return 1
    kernel = None
    if len(checks) > 1:
        from .kernels import WarmKernel, import_libraries

        import_libraries()
        kernel = WarmKernel()
    try:
        return _report_each([checked.params for checked in checks], args.out, kernel)
    finally:
        if kernel is not None:
            kernel.close()


def _report_each(params: list, out: str, kernel) -> int:
    """Publish each förbund's report; exit status as :func:`cmd_report` describes."""
    from .kernels import KernelDied
    from .publish import OutputError, ReportError, run_report

    failed = []
    for one in params:
        try:
            folder = run_report(one, out, kernel=kernel)
        except OutputError as error:
            print(f"fel: {error}", file=sys.stderr)
            return EXIT_OUTPUT
        except (ReportError, DataError, KernelDied) as error:
            failed.append(str(error))
            print(f"FEL {error}", file=sys.stderr)
        else:
            print(f"klar: {folder / 'report.html'}")
    if failed:
        print(f"{len(failed)} av {len(params)} rapporter misslyckades", file=sys.stderr)
        return 1
    return 0


#: Exit codes of ``samverkan run`` besides 0 (all done) and 1 (some förbund failed or were invalid).
EXIT_OUTPUT, EXIT_INTERRUPTED, EXIT_TERMINATED = 2, 130, 143


def _terminate(signum, frame) -> None:
    """SIGTERM stops the batch like Ctrl-C does (the kernels killed, the manifest written)."""
    _STOPPED_BY["signal"] = signum
    raise KeyboardInterrupt


_STOPPED_BY: dict = {}


def cmd_run(args: argparse.Namespace) -> int:
    """Run every förbund's report (see :mod:`samverkan.batch`).

    Exit 0: every förbund done; 1: some failed or were invalid (see ``run.json``);
    2: ``--out`` cannot be used (nothing run, no manifest); 130: Ctrl-C; 143: SIGTERM
    (the manifest says which förbund were interrupted).
    """
    from .batch import run_batch
    from .publish import OutputError

    if not args.params and not Path("params").is_dir():
        print(f"ange params-filerna: det finns ingen mapp params/ i {Path.cwd()}", file=sys.stderr)
        return EXIT_OUTPUT
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        outcomes = run_batch(args.params or None, args.out, jobs=args.jobs, isolated=args.isolated,
                             resume=args.resume, executor=args.executor, scheduler=args.scheduler,
                             overview=not args.no_overview, timeout=args.timeout)
    except OutputError as error:
        print(f"fel: {error}", file=sys.stderr)
        return EXIT_OUTPUT
    except KeyboardInterrupt:
        print("avbrutet: inga halvskrivna rapporter finns kvar; run.json säger vilka förbund som hann bli klara",
              file=sys.stderr)
        return EXIT_TERMINATED if _STOPPED_BY.get("signal") == signal.SIGTERM else EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    failed = [o for o in outcomes if o.status in ("failed", "invalid")]
    done = sum(o.status == "ok" for o in outcomes)
    skipped = sum(o.status == "skipped" for o in outcomes)
    print(f"{done} klara, {skipped} oförändrade, {len(failed)} misslyckade; se {args.out / 'index.html'}")
    for o in sorted(failed, key=lambda o: o.forbund):
        where = f" (cell {o.failing_cell})" if o.failing_cell is not None else ""
        log = f" [{args.out / o.log}]" if o.log else ""
        print(f"FEL {o.forbund}{where}: {o.detail or o.error}{log}", file=sys.stderr)
    return 1 if failed else 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Recompute FoU rapport 2017:1 from the 2016 exports (default: the sample) and write the notebook as HTML."""
    import yaml

    from .reproduce.run import run_reproduction

    try:
        regions = yaml.safe_load(args.regions.read_text(encoding="utf-8")) if args.regions else None
        page = run_reproduction(args.out, staff=args.staff, managers=args.managers, regions=regions,
                                p_adjust=args.p_adjust)
    except (OSError, ValueError, RuntimeError, yaml.YAMLError) as error:
        print(f"fel: {error}", file=sys.stderr)
        return 1
    print(f"klar: {page}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``samverkan`` command."""
    parser = argparse.ArgumentParser(prog="samverkan", description="Samverkansklimat för samordningsförbund.")
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="skriv en params-fil från förbundets exporter (ingen export ändras)")
    init.add_argument("exports", nargs="+", help="exportfiler (CSV/XLSX/SAV), högst en per enkät")
    init.add_argument("--forbund", required=True, help="förbundets id: gemena a–z, 0–9, _ och -")
    init.add_argument("--name", help="förbundets namn (standard: att granska)")
    init.add_argument("--wave", help="mätningen, t.ex. 2019 (standard: året i exportens datum)")
    init.add_argument("--out", required=True, type=Path, help="params-filen att skriva, t.ex. params/<förbund>.yaml")
    init.add_argument("--force", action="store_true", help="skriv över en befintlig fil")
    init.set_defaults(func=cmd_init)

    validate = sub.add_parser("validate", help="kontrollera en enkätexport eller en params-fil med dess data")
    validate.add_argument("file", nargs="?", help="enkätexport (CSV/XLSX/SAV) eller kanonisk lång CSV")
    validate.add_argument("--survey", choices=instrument.survey_names(), help="enkäten (standard: efter rubrikerna)")
    validate.add_argument("--params", help="förbundets params-fil (utan fil: kontrollera den och alla dess data)")
    validate.add_argument("--column", action="append", metavar="RUBRIK=ID",
                          help="exportens rubrik -> fråge-id eller ignore (kan upprepas; som columns i params)")
    validate.set_defaults(func=cmd_validate)

    report = sub.add_parser("report", help="kör förbundsrapporten för en eller flera params-filer")
    report.add_argument("params", nargs="+", help="params/<förbund>.yaml")
    report.add_argument("--out", required=True, type=Path, help="mapp för rapporterna (en undermapp per förbund)")
    report.set_defaults(func=cmd_report)

    run = sub.add_parser("run", help="kör rapporten för alla förbund (parallellt, med översikt)")
    run.add_argument("params", nargs="*", type=Path, help="params-filer (standard: params/*.yaml)")
    run.add_argument("--out", required=True, type=Path, help="mapp för rapporterna, run.json och index.html")
    run.add_argument("--jobs", type=int, default=2, help="antal samtidiga rapporter (standard 2)")
    run.add_argument("--isolated", action="store_true", help="ny kernel för varje förbund (för granskning)")
    run.add_argument("--resume", action="store_true", help="hoppa över förbund vars rapport är nyare än indata")
    run.add_argument("--executor", choices=("local", "dask"), default="local")
    run.add_argument("--scheduler", help="adress till en dask.distributed-scheduler (med --executor dask)")
    run.add_argument("--no-overview", action="store_true", help="gör ingen översikt över förbunden")
    run.add_argument("--timeout", type=float, default=900,
                     help="längsta tid en cell i rapporten får köra, i sekunder (standard 900); "
                          "en kernel som hänger sig byts ut och förbundet körs en gång till")
    run.set_defaults(func=cmd_run)

    reproduce = sub.add_parser("reproduce", help="återge FoU rapport 2017:1 ur exporterna från 2016 (HTML)")
    reproduce.add_argument("--staff", type=Path, help="personalenkätens export 2016 (standard: det syntetiska exemplet)")
    reproduce.add_argument("--managers", type=Path, help="chefsenkätens export 2016 (ges tillsammans med --staff)")
    reproduce.add_argument("--regions", type=Path, help="YAML: länsdel -> kommuner och Mysam-grupper (standard: rapportens)")
    reproduce.add_argument("--p-adjust", default="holm", choices=ADJUST_METHODS, help="korrektion för flera test")
    reproduce.add_argument("--out", required=True, type=Path, help="mapp för den körda notebooken och HTML-sidan")
    reproduce.set_defaults(func=cmd_reproduce)

    synth = sub.add_parser("synth", help="skriv syntetiska exempeldata (seedade)")
    which = synth.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="alla specar i data/sample/specs/")
    which.add_argument("--spec", nargs="+", help="en eller flera spec-filer")
    which.add_argument("--fictional", type=int, metavar="N", help="N fiktiva förbund: OUT/data/ och OUT/params/")
    synth.add_argument("--out", required=True, type=Path, help="mapp att skriva till")
    synth.add_argument("--seed", type=int, help="seed för --fictional (standard 2026)")
    synth.set_defaults(func=cmd_synth)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
