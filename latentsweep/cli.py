"""The command line: run | plan | tune | initial | check (and the commands built on the store).

Exit codes: 0 success, 1 some trials failed, 2 bad input (one line naming the key, file or option and
what was expected, before any work; no traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .engine.metrics import METRICS
from .errors import LatentsweepError, one_line


class UsageError(LatentsweepError):
    """A bad command line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`latentsweep: error: ...`) and exit code 2."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _label_counts(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected label counts such as 1000,3000") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected positive label counts such as 1000,3000")
    return values


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a fraction in (0, 1]")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def versions() -> str:
    """latentsweep's version and those of the libraries a result depends on, read without importing them."""
    from importlib import metadata

    from . import __version__

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return f"latentsweep {__version__} (torch {version('torch')}, ray {version('ray')}, optuna {version('optuna')})"


class _Version(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print the versions of latentsweep, torch, ray, optuna")

    def __call__(self, parser, namespace, values, option_string=None):
        print(versions())
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="latentsweep", description="Active-learning sweeps in autoencoder latent spaces, on Ray.")
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(command, workers=True, output=True, address=True):
        command.add_argument("config", type=Path, help="a config file (TOML)")
        command.add_argument("--results", type=Path, default=Path("results"), help="results folder (default: results/)")
        if workers:
            command.add_argument("--workers", type=_positive, help="workers (default: one per CPU of the cluster)")
        if address:
            command.add_argument("--address", help="a Ray cluster address (default: a local Ray instance here)")
        if output:
            command.add_argument("--verbose", action="store_true", help="Ray's own messages on the terminal too")
            group = command.add_mutually_exclusive_group()
            group.add_argument("--quiet", action="store_true", help="print only the summary")
            group.add_argument("--plain", action="store_true", help="plain progress lines even on a terminal")

    run = commands.add_parser("run", help="run every planned trial that is not stored yet")
    common(run)
    run.add_argument("--fresh", action="store_true", help="set the stored results aside and start again")
    tune = commands.add_parser("tune", help="search the strategy's weights with Optuna on the same workers")
    common(tune)
    tune.add_argument("--storage", help="an Optuna RDB URL, e.g. sqlite:///study.db (default: a journal file)")
    tune.add_argument("--trials", type=_positive, help="Optuna trials in all (default: tune.trials of the config)")
    initial = commands.add_parser("initial", help="initial query selection: the second paper's Table 1")
    common(initial)
    plan = commands.add_parser("plan", help="print the expanded plan without running anything")
    common(plan, output=False, address=False)  # plans on this machine: it starts no Ray
    plan.add_argument("--load-plugins", action="store_true", help="import the config's plugins (code) to check names")
    check = commands.add_parser("check", help="run the conformance checks on the entries a config's plugins register")
    check.add_argument("config", type=Path, help="a config file (TOML) naming plugins")
    check.add_argument("--all", action="store_true", help="check every registered entry, not only the plugins'")
    report = commands.add_parser("report", help="tables, statistics and figures of a sweep folder")
    report.add_argument("folder", type=Path, help="a sweep folder: RESULTS/NAME")
    report.add_argument("--out", type=Path, help="where to write (default: FOLDER/report)")
    report.add_argument("--at", type=_label_counts, default=(), help="validation accuracy at these label counts")
    report.add_argument("--baseline", help="the strategy others are compared with (default: random)")
    report.add_argument("--fraction", type=_fraction, default=0.95, help="labels to reach this share of the best")
    report.add_argument(
        "--metric", choices=METRICS, help="what tables, tests and figures score (default: the config's, else accuracy)"
    )
    comparing = commands.add_parser("compare", help="conclusions across sweeps: penalty matrix, ranks, tables")
    comparing.add_argument("folders", type=Path, nargs="+", help="sweep folders: RESULTS/NAME ...")
    comparing.add_argument("--out", type=Path, default=Path("compare"), help="where to write (default: compare/)")
    comparing.add_argument(
        "--metric",
        choices=("final_test_accuracy", "val_accuracy_auc"),
        default="final_test_accuracy",
        help="what ranks the strategies (default: final_test_accuracy)",
    )
    comparing.add_argument("--alpha", type=_fraction, default=0.05, help="the tests' level (default 0.05)")
    compacting = commands.add_parser("compact", help="merge a sweep's per-trial files into one file per table")
    compacting.add_argument("folder", type=Path, help="a sweep folder: RESULTS/NAME")
    explore = commands.add_parser("explore", help="latent-space figures of a sweep's cached representations")
    explore.add_argument("folder", type=Path, help="a sweep folder: RESULTS/NAME")
    explore.add_argument("--out", type=Path, help="where to write (default: FOLDER/explore)")
    explore.add_argument("--representation", help="only this representation id (default: all of the sweep's)")
    explore.add_argument("--trial", help="also draw this trial's queried points per iteration")
    return parser


def _display(args) -> str:
    return "quiet" if args.quiet else ("plain" if args.plain else "auto")


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if getattr(args, "address", None) is not None:
            from .config.sweep import address

            address("--address", args.address)
        return COMMANDS[args.command](args)
    except LatentsweepError as error:
        print(one_line(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: everything finished so far is stored; run the same command again to go on", file=sys.stderr)
        return 130


def _run(args) -> int:
    from .config import load_config
    from .plugins import load_plugins

    config = load_config(args.config, load_plugins)
    from .orchestrator import RunOptions, run_sweep  # imports ray: only for real work

    options = RunOptions(
        address=args.address,
        results=args.results,
        workers=args.workers,
        fresh=args.fresh,
        display=_display(args),
        verbose=args.verbose,
    )
    outcome = run_sweep(config, options)
    print(outcome.summary())
    for failure in outcome.failures[:10]:
        print(f"  failed: {failure}")
    if len(outcome.failures) > 10:
        print(f"  ... and {len(outcome.failures) - 10} more (see the trials table, column 'error')")
    if outcome.succeeded and not outcome.interrupted:
        _answer(outcome.folder, outcome.planned)
    for warning in outcome.warnings:  # last, under the numbers it concerns
        print(f"warning: {warning}")
    return outcome.exit_code


REPORT_AFTER_RUN = 5000  # trials: a bigger sweep is reported on request (`latentsweep report`)


def _answer(folder: Path, trials: int) -> None:
    """What `run` ends with: the per-strategy table, and the report it wrote (or how to make one)."""
    if trials > REPORT_AFTER_RUN:
        print(f"report: {trials} trials; make it with `latentsweep report {folder}`")
        return
    from .report import short_table, write_report

    report = write_report(folder)
    print(short_table(report.summary, report.metric))
    print(f"report: {report.folder / 'report.html'} (and report.md, CSV tables, figures)")


def _report(args) -> int:
    from .report import write_report

    report = write_report(
        args.folder, args.out, at=args.at, baseline=args.baseline, fraction=args.fraction, metric=args.metric
    )
    print(short_table_or_text(report))
    print(f"report written to {report.folder}: report.html, report.md, {len(report.files)} files")
    return 0


def _compare(args) -> int:
    from .report.compare import compare

    comparison = compare(args.folders, args.out, metric=args.metric, alpha=args.alpha)
    ranks = ", ".join(f"{name} {rank:.2f}" for name, rank in comparison.ranks["mean rank"].items())
    print(f"mean ranks by {args.metric} over {len(comparison.settings.index.unique('setting'))} settings: {ranks}")
    beaten = comparison.penalty.sum(axis=0).sort_values()
    print("times beaten (penalty matrix column sums): " + ", ".join(f"{n} {v:.2f}" for n, v in beaten.items()))
    for note in comparison.notes:
        print(f"note: {note}")
    print(f"compare written to {comparison.folder}: compare.html, compare.md, {len(comparison.files)} files")
    return 0


def _compact(args) -> int:
    from .results import ResultStore, check_sweep_folder, compact

    folder = args.folder
    check_sweep_folder(folder)  # a sweep folder, or one clear line (no table is read)
    store = ResultStore(folder.parent, folder.name)
    store.check()
    with store.lock():
        outcome = compact(store)
    merged = ", ".join(f"{name} {count}" for name, count in outcome.merged.items()) or "nothing to merge"
    print(
        f"compacted {folder}: {merged} files merged"
        + (" (finished an interrupted compaction)" if outcome.finished_interrupted else "")
    )
    return 0


def _explore(args) -> int:
    from .report.explore import write_explore

    exploration = write_explore(args.folder, args.out, args.representation, args.trial)
    print(f"{len(exploration.files)} figure files written to {exploration.folder}")
    for note in exploration.skipped:
        print(f"  skipped: {note}")
    return 0


def short_table_or_text(report) -> str:
    from .report import short_table

    return short_table(report.summary, report.metric) if not report.summary.empty else report.text


def _tune(args) -> int:
    from .config import load_tune_config
    from .plugins import load_plugins

    config = load_tune_config(args.config, load_plugins)
    if args.storage is not None and "://" not in args.storage:
        raise UsageError(f"--storage {args.storage}: expected a database URL such as sqlite:///study.db")
    from .orchestrator.tuner import TuneOptions, run_tune

    options = TuneOptions(
        address=args.address,
        results=args.results,
        workers=args.workers,
        storage=args.storage,
        trials=args.trials,
        display=_display(args),
        verbose=args.verbose,
    )
    outcome = run_tune(config, options)
    print(outcome.summary())
    return outcome.exit_code


def _plan(args) -> int:
    from .config import load_config
    from .plugins import load_plugins

    config = load_config(args.config, load_plugins if args.load_plugins else None)
    from .orchestrator import plan_text

    print(plan_text(config, args.results, args.workers))
    return 0


def _check(args) -> int:
    from .check import check_config

    outcome = check_config(args.config, every_entry=args.all)
    print("\n".join(outcome.lines))
    return outcome.exit_code


def _initial(args) -> int:
    import dataclasses

    from .config import load_initial_config
    from .plugins import load_plugins

    config = load_initial_config(args.config, load_plugins)
    changes = {k: v for k, v in (("address", args.address), ("workers", args.workers)) if v}
    if changes:
        config = dataclasses.replace(config, ray=dataclasses.replace(config.ray, **changes))
    from .orchestrator.cluster import address_source
    from .orchestrator.initial_experiment import run_initial_experiment

    outcome = run_initial_experiment(
        config, args.results, _display(args), address_source=address_source(args.address), verbose=args.verbose
    )
    if outcome.interrupted:
        print("interrupted: every query set evaluated so far is stored; run again to finish")
        return 130
    print(outcome.table)
    print(
        f"{outcome.evaluated} query sets evaluated in {outcome.seconds:.0f} s, {outcome.skipped} already stored; "
        f"results in {outcome.folder}; report: {outcome.report / 'report.html'}"
    )
    for failure in outcome.failures[:10]:
        print(f"  failed: {failure}")
    for warning in outcome.warnings:
        print(f"warning: {warning}")
    return outcome.exit_code


COMMANDS = {
    "run": _run,
    "plan": _plan,
    "initial": _initial,
    "tune": _tune,
    "report": _report,
    "explore": _explore,
    "compact": _compact,
    "compare": _compare,
    "check": _check,
}


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
