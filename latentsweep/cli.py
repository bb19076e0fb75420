"""The command line: run | plan | tune | initial | check (and the commands built on the store).

Exit codes: 0 success, 1 some trials failed, 2 bad input (one line naming the key, file or option and
what was expected, before any work; no traceback), 128 + the signal when stopped (130 Ctrl-C, 143 SIGTERM,
129 SIGHUP).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .arguments import COMPARE_METRICS, UsageError, _parser, versions
from .errors import LatentsweepError, one_line, plural

__all__ = ["COMPARE_METRICS", "UsageError", "main", "main_exit", "versions"]


def _display(args) -> str:
    return "quiet" if args.quiet else ("plain" if args.plain else "auto")


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if getattr(args, "address", None) is not None:
            from .config.ray import address

            address("--address", args.address)
        if args.command in WORK:  # from here on SIGTERM and SIGHUP stop as Ctrl-C does
            with _stop_signals():
                return COMMANDS[args.command](args)
        return COMMANDS[args.command](args)
    except LatentsweepError as error:
        print(one_line(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:  # before any work began (the commands catch it once work runs)
        from .orchestrator.signals import exit_code, signal_of

        print("interrupted before any work began: nothing was stored or changed", file=sys.stderr)
        return exit_code(signal_of(stop))


def _run(args) -> int:
    from .config import load_config
    from .plugins import load_plugins

    config = load_config(args.config, load_plugins)
    for note in config.notes:  # what planning merged or changed, said before any work
        print(f"note: {note}")
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
    if outcome.interrupted:
        print(f"to go on: {resume_command(args, fresh=args.fresh and outcome.set_aside is None)}")
    elif outcome.succeeded:
        _answer(outcome.folder, outcome.planned)
    if outcome.succeeded:
        from .report.learners import underfit_in

        outcome.warnings.extend(underfit_in(outcome.folder))
    for warning in outcome.warnings:  # last, under the numbers it concerns
        print(f"warning: {warning}")
    return outcome.exit_code


def _stop_signals():
    """SIGTERM and SIGHUP take Ctrl-C's path from here on (the session puts the handlers back after Ray)."""
    from .orchestrator.signals import stop_on_signals

    return stop_on_signals()


def resume_command(args, *, fresh: bool = False) -> str:
    """The command that goes on where an interrupted one stopped: the same config, results folder, address
    and sizes, without --fresh once the old results were set aside (it would set aside what this run stored)."""
    import shlex

    parts = ["latentsweep", args.command, str(args.config)]
    if args.results != Path("results"):
        parts += ["--results", str(args.results)]
    for option in ("address", "workers", "storage", "trials"):
        value = getattr(args, option, None)
        if value is not None:
            parts += [f"--{option}", str(value)]
    return shlex.join(parts + (["--fresh"] if fresh else []))


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
    from .report.compare import compare, describe_metric, won_lines

    comparison = compare(args.folders, args.out, metric=args.metric, alpha=args.alpha)
    ranks = ", ".join(f"{name} {rank:.2f}" for name, rank in comparison.ranks["mean rank"].items())
    print(f"mean ranks by {describe_metric(args.metric)} over {plural(comparison.n_settings, 'setting')}: {ranks}")
    beaten = comparison.penalty.sum(axis=0).sort_values()
    print(
        f"times beaten (penalty matrix column sums, at most {comparison.n_settings * (len(beaten) - 1)}): "
        + ", ".join(f"{n} {v:.2f}" for n, v in beaten.items())
    )
    print(f"learning-curve points won (paired t-test, p < {args.alpha:g}):")
    for line in won_lines(comparison):
        print(f"  {line}")
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
    merged = ", ".join(f"{name} {count}" for name, count in outcome.merged.items() if count)
    text = f"compacted {folder}: {plural(sum(outcome.merged.values()), 'file')} merged ({merged})" if merged else (
        f"compacted {folder}: nothing to merge (every finished trial is in a merged file already)"
    )
    print(text + (" (finished an interrupted compaction)" if outcome.finished_interrupted else ""))
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
    if outcome.interrupted:
        print(f"to go on: {resume_command(args)}")
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
    from .config import load_initial_config
    from .plugins import load_plugins

    config = load_initial_config(args.config, load_plugins)
    from .orchestrator.initial_experiment import InitialOptions, run_initial_experiment

    options = InitialOptions(
        address=args.address, results=args.results, workers=args.workers, display=_display(args), verbose=args.verbose
    )
    outcome = run_initial_experiment(config, options)
    if outcome.interrupted:
        print(
            f"interrupted by {outcome.stopped_by} after {outcome.seconds:.0f} s: {outcome.evaluated} query sets "
            f"evaluated and stored in this run, {outcome.skipped} before; results in {outcome.folder}"
        )
        print(f"to go on: {resume_command(args)}")
        return outcome.exit_code
    assert outcome.report is not None  # not interrupted: the report is written
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


def _export(args) -> int:
    from .tracking import export_mlflow, export_tensorboard

    if args.tracker == "mlflow":
        outcome = export_mlflow(args.folder, uri=args.tracking_uri, experiment=args.experiment)
    else:
        outcome = export_tensorboard(args.folder, logdir=args.logdir)
    print(outcome.line(args.tracker))
    return 0


WORK = ("run", "tune", "initial")  # the commands that run work (and stop cleanly on a signal)
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
    "export": _export,
}


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
