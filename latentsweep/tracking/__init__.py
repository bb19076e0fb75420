"""Experiment tracking: a sweep's trials in MLflow (a parent run per sweep, a child run per trial) and
TensorBoard (the HParams layout), exported after the fact (`export`) or logged live by the driver as trials
are stored (`live`, a config's [tracking]). Both read the stored Parquet (`records`); MLflow and TensorBoard
are extras: `pip install -e ".[mlflow]"`, `".[tensorboard]"`."""

from .export import ExportOutcome, export_mlflow, export_tensorboard
from .live import LiveTracker, TrackingConfig
from .records import TrialRecord, trial_records

__all__ = [
    "ExportOutcome",
    "LiveTracker",
    "TrackingConfig",
    "TrialRecord",
    "export_mlflow",
    "export_tensorboard",
    "trial_records",
]
