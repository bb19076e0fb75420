"""The command line's arguments: every command, option and type check (`latentsweep --help`), read by the
CLI and by the docs' command reference."""

from __future__ import annotations

import argparse
from pathlib import Path

from .engine.metrics import METRICS
from .errors import LatentsweepError

# `compare --metric`: each metric's final test score and the area under its validation curve
COMPARE_METRICS = tuple(f"final_test_{m}" for m in METRICS) + tuple(f"val_{m}_auc" for m in METRICS)


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
    report.add_argument(
        "--fraction", type=_fraction, default=0.95, help="labels to reach this share of the best (default 0.95)"
    )
    report.add_argument(
        "--metric", choices=METRICS, help="what tables, tests and figures score (default: the config's, else accuracy)"
    )
    comparing = commands.add_parser("compare", help="conclusions across sweeps: penalty matrix, ranks, tables")
    comparing.add_argument("folders", type=Path, nargs="+", help="sweep folders: RESULTS/NAME ...")
    comparing.add_argument("--out", type=Path, default=Path("compare"), help="where to write (default: compare/)")
    comparing.add_argument(
        "--metric",
        choices=COMPARE_METRICS,
        default="final_test_accuracy",
        help="what ranks the strategies: a final test score or the area under a validation curve (default: "
        "final_test_accuracy); the penalty matrix reads the same metric's validation curve",
    )
    comparing.add_argument("--alpha", type=_fraction, default=0.05, help="the tests' level (default 0.05)")
    compacting = commands.add_parser("compact", help="merge a sweep's per-trial files into one file per table")
    compacting.add_argument("folder", type=Path, help="a sweep folder: RESULTS/NAME")
    explore = commands.add_parser("explore", help="latent-space figures of a sweep's cached representations")
    explore.add_argument("folder", type=Path, help="a sweep folder: RESULTS/NAME")
    explore.add_argument("--out", type=Path, help="where to write (default: FOLDER/explore)")
    explore.add_argument("--representation", help="only this representation id (default: all of the sweep's)")
    explore.add_argument("--trial", help="also draw this trial's queried points per iteration")
    exporting = commands.add_parser("export", help="a sweep's trials into MLflow or TensorBoard (only those not there)")
    trackers = exporting.add_subparsers(dest="tracker", required=True, parser_class=_Parser)
    to_mlflow = trackers.add_parser("mlflow", help="a parent run per sweep, a child run per trial")
    to_mlflow.add_argument("folder", type=Path, help="a sweep folder: RESULTS/NAME")
    to_mlflow.add_argument("--tracking-uri", help="MLflow's tracking URI (default: sqlite:///RESULTS/mlflow.db)")
    to_mlflow.add_argument("--experiment", help="the MLflow experiment (default: latentsweep)")
    to_tensorboard = trackers.add_parser("tensorboard", help="the HParams layout: a folder per trial")
    to_tensorboard.add_argument("folder", type=Path, help="a sweep folder: RESULTS/NAME")
    to_tensorboard.add_argument("--logdir", type=Path, help="TensorBoard's log directory (default: FOLDER/tensorboard)")
    return parser
