"""What `tune` tells Optuna about a trial: the search objective over its seeds, the intermediate values
the pruner sees, and a stored seed's outcome read back from the Parquet store."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.tune import TuneConfig
from ..engine import TrialResult, TrialSpec
from ..results import ResultStore, learning_curve_area


def curve_column(config: TuneConfig) -> str:
    """The curves column the objective and the pruner read: `val_<metric>`, on the paid validation labels
    where the budget buys them (`engine.pack`), else on the data set's validation part."""
    return f"val_{config.settings.metric}"


def objective_value(config: TuneConfig, curves: list[list[tuple[int, float]]]) -> float:
    """The search objective over seeds: mean of each seed's area under the validation curve, final
    validation score, or validation score at `objective_labels` labels. curves: per seed
    [(n_labeled, validation score of `[tune] metric`), ...]."""
    values = []
    for curve in curves:
        labels, accuracy = [n for n, _ in curve], [a for _, a in curve]
        if config.settings.objective == "auc":
            values.append(learning_curve_area(labels, accuracy))
        elif config.settings.objective == "final":
            values.append(accuracy[-1])
        else:
            assert config.settings.objective_labels is not None  # objective 'at': the config reader requires it
            values.append(dict(curve)[config.settings.objective_labels])
    return float(np.mean(values))


def report_step(trial, pruner: str, specs: list[TrialSpec], iteration: int, step: dict[str, float]) -> None:
    """One iteration's validation accuracies (trial id -> accuracy) as Optuna intermediate values: their
    mean, or for the Wilcoxon pruner each seed's as one paired instance (step iteration x seeds + seed)."""
    if pruner == "wilcoxon":
        for index, spec in enumerate(specs):
            if spec.id in step:
                trial.report(step[spec.id], iteration * len(specs) + index)
    else:
        trial.report(float(np.mean(list(step.values()))), iteration)


@dataclass(frozen=True)
class SeedOutcome:
    """One search seed's stored outcome, all the objective and the pruner need of it."""

    status: str  # 'ok', 'pruned' or 'failed'
    curve: list[tuple[int, float]]  # [(n_labeled, validation score), ...] of the iterations it finished
    error: str = ""

    @classmethod
    def of(cls, result: TrialResult, column: str = "val_accuracy") -> SeedOutcome:
        curve = [(row.n_labeled, row.score(column)) for row in result.iterations]
        return cls(result.status, curve, result.error or "")


def read_seeds(store: ResultStore, trial_ids: list[str], column: str = "val_accuracy") -> dict[str, SeedOutcome]:
    """The stored outcome of each of these trials (ids not stored are left out), their curves of `column`."""
    if not trial_ids:
        return {}
    trials = store.rows_of("trials", trial_ids, ["trial_id", "status", "error"]).to_pylist()
    curves = store.rows_of("curves", trial_ids, ["trial_id", "n_labeled", column]).to_pandas()
    curves = curves.sort_values(["trial_id", "n_labeled"])
    per_seed = {
        trial_id: list(zip(group.n_labeled.tolist(), group[column].tolist(), strict=True))
        for trial_id, group in curves.groupby("trial_id")
    }
    return {
        row["trial_id"]: SeedOutcome(row["status"], per_seed.get(row["trial_id"], []), row["error"] or "")
        for row in trials
    }
