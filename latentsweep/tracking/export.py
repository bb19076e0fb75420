"""`latentsweep export mlflow|tensorboard`: a stored sweep (or tuning study) into a tracker, adding only
the trials it does not hold yet; `ExportOutcome` says how many were added."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pyarrow.dataset as ds

from ..results import ResultStore, check_sweep_folder
from .records import TrialRecord, trial_records


@dataclass(frozen=True)
class ExportOutcome:
    added: int
    already: int
    seconds: float
    where: str

    def line(self, tracker: str) -> str:
        return (f"{tracker}: {self.added} trials added, {self.already} already there, in {self.seconds:.1f} s "
                f"({self.where})")  # fmt: skip


def records(folder: Path, only: Collection[str] | None = None, skip: Collection[str] = ()) -> list[TrialRecord]:
    """The stored trials of a sweep folder as tracker records: those in `only` (None: all) not in `skip`."""
    store = ResultStore(folder.parent, folder.name)
    trials = store.table("trials")
    wanted = [t for t in trials.column("trial_id").to_pylist() if (only is None or t in only) and t not in skip]
    if not wanted:
        return []
    trials = trials.filter(ds.field("trial_id").isin(wanted))
    curves = store.table("curves", filter=ds.field("trial_id").isin(wanted))
    return trial_records(trials, curves)


def export_mlflow(folder: str | Path, *, uri: str | None = None, experiment: str | None = None) -> ExportOutcome:
    """Every stored trial of `folder` not yet in the MLflow experiment, under the sweep's parent run."""
    from .mlflow_sink import MlflowSink

    started = time.perf_counter()
    folder = Path(folder)
    check_sweep_folder(folder)
    sink = MlflowSink(folder, uri, experiment)
    logged = sink.logged()
    found = records(folder, skip=logged)
    for record in found:
        sink.log(record)
    sink.log_report()
    return ExportOutcome(len(found), len(logged), time.perf_counter() - started, f"{sink.uri}, experiment "
                         f"{sink.experiment!r}")  # fmt: skip


def export_tensorboard(folder: str | Path, *, logdir: str | Path | None = None) -> ExportOutcome:
    """Every stored trial of `folder` not yet in the log directory (default FOLDER/tensorboard)."""
    from .tensorboard_sink import TensorBoardSink

    started = time.perf_counter()
    folder = Path(folder)
    check_sweep_folder(folder)
    sink = TensorBoardSink(Path(logdir) if logdir is not None else folder / "tensorboard")
    logged = sink.logged()
    every = records(folder)
    new = [r for r in every if r.trial_id not in logged]
    sink.write(new, every)
    return ExportOutcome(len(new), len(logged), time.perf_counter() - started, str(sink.logdir))
