"""What a tracker records of a sweep, read from its stored Parquet: per trial its parameters (every strategy,
learner, budget and representation field, seed, trial id), its curve (metrics per AL iteration, step =
labels held) and its final metrics; per sweep what sweep.json says. The exporters and the live logger share it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..protocols import TrialStatus

# Curve columns logged at every iteration (those a trial has: heldout_* only with paid validation).
CURVE_METRICS = (
    "val_accuracy", "val_balanced_accuracy", "val_macro_f1", "train_accuracy", "train_loss", "test_accuracy",
    "fit_seconds", "selection_seconds", "heldout_val_accuracy", "heldout_val_balanced_accuracy",
    "heldout_val_macro_f1",
)  # fmt: skip
# trials columns logged once per trial (column -> metric: sums are named apart from the per-iteration curve's)
FINAL_METRICS = {
    **{name: name for name in ("final_test_accuracy", "final_test_balanced_accuracy", "final_test_macro_f1",
                               "final_val_accuracy", "val_accuracy_auc", "final_train_accuracy", "final_train_loss")},
    "n_labeled": "final_n_labeled", "seconds": "total_seconds", "fit_seconds": "total_fit_seconds",
    "selection_seconds": "total_selection_seconds",
}  # fmt: skip
# trials columns that are a trial's parameters (the rest are results, provenance or bookkeeping)
NOT_PARAMS = {*FINAL_METRICS, "status", "error", "host", "node", "device", "pack_size", "attempts", "finished_at",
              "schema_version", "latentsweep_version", "torch_version", "numpy_version", "python_version",
              "stopped_by", "sweep"}  # fmt: skip


@dataclass
class TrialRecord:
    """One stored trial as a tracker logs it."""

    trial_id: str
    name: str
    status: TrialStatus
    finished_at: float  # seconds since the epoch
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    final: dict[str, float] = field(default_factory=dict)
    curve: list[tuple[int, dict[str, float]]] = field(default_factory=list)  # (labels held, metrics)


def _value(value: Any) -> Any:
    """A Parquet cell as a plain value; None for missing (None, NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return value


def trial_records(trials: pa.Table, curves: pa.Table) -> list[TrialRecord]:
    """A record per trials row (in the order given), with its curve rows."""
    by_trial: dict[str, list[dict]] = {}
    for row in curves.to_pylist():
        by_trial.setdefault(row["trial_id"], []).append(row)
    records = []
    for row in trials.to_pylist():
        values = {key: _value(value) for key, value in row.items()}
        params = {key: str(value) for key, value in values.items()
                  if key not in NOT_PARAMS and value is not None}  # fmt: skip
        final = {metric: float(values[key]) for key, metric in FINAL_METRICS.items()
                 if isinstance(values.get(key), int | float)}  # fmt: skip
        tags = {"trial_id": values["trial_id"], "status": values["status"]}
        for key in ("study", "optuna_trial", "stopped_by", "error", "host", "device"):
            if values.get(key) is not None:
                tags[key] = str(values[key])[:5000]
        curve = []
        for point in sorted(by_trial.get(values["trial_id"], []), key=lambda r: r["iteration"]):
            metrics = {key: float(point[key]) for key in CURVE_METRICS if _value(point.get(key)) is not None}
            curve.append((int(point["n_labeled"]), metrics))
        study = f"optuna {values['optuna_trial']} · " if values.get("optuna_trial") is not None else ""
        name = f"{study}{values['strategy']} · seed {values['seed']}"
        records.append(TrialRecord(values["trial_id"], name, TrialStatus(values["status"]),
                                   float(values.get("finished_at") or 0.0), params, tags, final, curve))  # fmt: skip
    return records


def sweep_info(folder: Path) -> dict[str, Any]:
    """sweep.json of a sweep folder ({} when missing)."""
    path = folder / "sweep.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def flat(value: Any, prefix: str = "") -> dict[str, str]:
    """A nested config as dotted keys -> text ('data.dataset': 'digits'); lists of tables by position."""
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(flat(item, f"{prefix}{key}."))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            found.update(flat(item, f"{prefix}{index}."))
    elif value is not None:
        found[prefix.rstrip(".")] = json.dumps(value) if isinstance(value, list) else str(value)
    return found
