"""The ``samverkan`` command: ``validate``, ``report``, ``run``, ``reproduce``, ``synth``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import instrument
from .errors import DataError
from .load import read_export
from .vocabulary import ADJUST_METHODS


def _params_context(path: str | None) -> dict:
    """``forbund``, ``wave`` and ``regions`` from a params file (checked, data not read)."""
    if path is None:
        return {}
    from .params import load_params

    params = load_params(path, check_data=False)
    return {"forbund": params.forbund, "wave": params.wave, "regions": params.regions}


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


def cmd_validate(args: argparse.Namespace) -> int:
    """Print every problem of a file as ``file:row:column: message`` (exit 1) or a summary (exit 0)."""
    try:
        context = _params_context(args.params)
        result = read_export(args.file, survey=args.survey, **context)
    except DataError as error:
        problems = error.problems
    else:
        problems = result.problems
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem i {args.file}", file=sys.stderr)
        return 1
    print(summary_line(args.file, result.answers))
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
    """Run the report for each params file; one failing förbund does not stop the others."""
    from .params import validate_params
    from .publish import ReportError, run_report

    problems = [p for path in args.params for p in validate_params(path)]
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem i params-filerna; ingen rapport kördes", file=sys.stderr)
        return 1
    failed = []
    for path in args.params:
        try:
            folder = run_report(path, args.out)
        except (ReportError, DataError) as error:
            failed.append(str(error))
            print(f"FEL {error}", file=sys.stderr)
        else:
            print(f"klar: {folder / 'report.html'}")
    if failed:
        print(f"{len(failed)} av {len(args.params)} rapporter misslyckades", file=sys.stderr)
        return 1
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run every förbund's report (see :mod:`samverkan.batch`); exit 1 if any failed."""
    from .batch import run_batch

    try:
        outcomes = run_batch(args.params or None, args.out, jobs=args.jobs, isolated=args.isolated,
                             resume=args.resume, executor=args.executor, scheduler=args.scheduler,
                             overview=not args.no_overview)
    except KeyboardInterrupt:
        print("avbrutet: inga halvskrivna rapporter finns kvar", file=sys.stderr)
        return 130
    failed = [o for o in outcomes if o.status in ("failed", "invalid")]
    done = sum(o.status == "ok" for o in outcomes)
    skipped = sum(o.status == "skipped" for o in outcomes)
    print(f"{done} klara, {skipped} oförändrade, {len(failed)} misslyckade; se {args.out / 'index.html'}")
    for o in sorted(failed, key=lambda o: o.forbund):
        where = f" (cell {o.failing_cell})" if o.failing_cell is not None else ""
        print(f"FEL {o.forbund}{where}: {o.error}", file=sys.stderr)
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

    validate = sub.add_parser("validate", help="kontrollera en enkätexport")
    validate.add_argument("file", help="enkätexport (CSV/XLSX) eller kanonisk lång CSV")
    validate.add_argument("--survey", required=True, choices=instrument.survey_names())
    validate.add_argument("--params", help="förbundets params-fil (regions, forbund, wave)")
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
