"""The command line: `latentsweep run CONFIG`, `latentsweep plan CONFIG`.

Exit codes: 0 all trials succeeded, 1 some failed, 2 bad input (one line, no traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import load_config
from .errors import LatentsweepError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latentsweep", description="Active-learning sweeps in autoencoder latent spaces, on Ray."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run every planned trial that is not stored yet")
    run.add_argument("config", type=Path, help="a sweep config (TOML)")
    run.add_argument("--address", help="a Ray cluster address (default: a local Ray instance on this machine)")
    run.add_argument("--results", type=Path, default=Path("results"), help="results folder (default: results/)")
    run.add_argument("--workers", type=_positive, help="trial workers (default: one per CPU of the cluster)")
    run.add_argument("--fresh", action="store_true", help="set the stored results aside and start again")
    output = run.add_mutually_exclusive_group()
    output.add_argument("--quiet", action="store_true", help="print only the summary")
    output.add_argument("--plain", action="store_true", help="plain progress lines even on a terminal")
    initial = commands.add_parser(
        "initial", help="initial query selection: the second paper's Table 1 (autoencoder x sampler)"
    )
    initial.add_argument("config", type=Path, help="an initial-selection experiment config (TOML)")
    initial.add_argument("--address", help="a Ray cluster address (default: a local Ray instance)")
    initial.add_argument("--results", type=Path, default=Path("results"))
    initial_output = initial.add_mutually_exclusive_group()
    initial_output.add_argument("--quiet", action="store_true")
    initial_output.add_argument("--plain", action="store_true")
    plan = commands.add_parser("plan", help="print the expanded plan without running anything")
    plan.add_argument("config", type=Path)
    plan.add_argument("--results", type=Path, default=Path("results"))
    plan.add_argument("--workers", type=_positive)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse prints its own one-line usage error
        return int(exit_.code or 0) and 2
    try:
        if args.command == "initial":
            return _initial(args)
        config = load_config(args.config)
        from .orchestrator import RunOptions, plan_text, run_sweep  # imports ray: only for real work

        if args.command == "plan":
            print(plan_text(config, args.results, args.workers))
            return 0
        display = "quiet" if args.quiet else ("plain" if args.plain else "auto")
        options = RunOptions(
            address=args.address, results=args.results, workers=args.workers, fresh=args.fresh, display=display
        )
        outcome = run_sweep(config, options)
    except LatentsweepError as error:
        print(f"latentsweep: error: {error}", file=sys.stderr)
        return 2
    print(outcome.summary())
    for failure in outcome.failures[:10]:
        print(f"  failed: {failure}")
    if len(outcome.failures) > 10:
        print(f"  ... and {len(outcome.failures) - 10} more (see the trials table, column 'error')")
    return outcome.exit_code


def _initial(args) -> int:
    import dataclasses

    from .initial_config import load_initial_config
    from .orchestrator.initial_experiment import run_initial_experiment

    config = load_initial_config(args.config)
    if args.address:
        config = dataclasses.replace(config, address=args.address)
    display = "quiet" if args.quiet else ("plain" if args.plain else "auto")
    try:
        outcome = run_initial_experiment(config, args.results, display)
    except KeyboardInterrupt:
        print("interrupted: every query set evaluated so far is stored; run again to finish")
        return 130
    print(outcome.table)
    print(
        f"{outcome.evaluated} query sets evaluated in {outcome.seconds:.0f} s, {outcome.skipped} already stored; "
        f"results in {outcome.folder}"
    )
    for failure in outcome.failures[:10]:
        print(f"  failed: {failure}")
    return outcome.exit_code


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
