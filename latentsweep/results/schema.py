"""The result tables (trials, curves, queries; query_sets of the initial experiment) as explicit pyarrow
schemas, and the rows of one trial. Strategy columns follow the strategy fields; parameters that a
plugin's entry declares for itself go into `strategy_params` (JSON)."""

from __future__ import annotations

import json
import platform
import time

import numpy as np
import pyarrow as pa

from .. import __version__
from ..engine.metrics import EXTRA_METRICS, METRICS
from ..stopping import STOP_COLUMNS

SCHEMA_VERSION = 2

# curve columns beside val_accuracy: the other metrics on the validation labels (paid ones where the budget
# buys them) and, with paid validation, every metric on the data set's free validation part; the learner's
# loss on its labelled set (train_loss, mean cross-entropy); test accuracy after every fit (what a stopping
# criterion would have kept; never read by the loop); the stop-set measures the stopping criteria read
CURVE_SCORES = (
    *(f"val_{name}" for name in EXTRA_METRICS),
    *(f"heldout_val_{name}" for name in METRICS),
    "train_loss",
    "label_entropy",
    "test_accuracy",
    *STOP_COLUMNS,
)

TRIALS = pa.schema(
    [
        ("trial_id", pa.string()),
        ("sweep", pa.string()),
        ("dataset", pa.string()),
        ("representation", pa.string()),
        ("representation_kind", pa.string()),
        ("seed", pa.int64()),
        ("strategy", pa.string()),
        ("uncertainty", pa.string()),
        ("representativeness", pa.string()),
        ("gamma", pa.float64()),
        ("batch", pa.string()),
        ("subsample", pa.float64()),
        ("distance", pa.string()),
        ("alpha", pa.float64()),
        ("beta", pa.float64()),
        ("initial", pa.string()),
        ("gamma_end", pa.float64()),
        ("alpha_end", pa.float64()),
        ("beta_end", pa.float64()),
        ("strategy_params", pa.string()),
        ("classifier_hidden", pa.list_(pa.int64())),
        ("classifier_dropout", pa.float64()),
        ("classifier_epochs", pa.int64()),
        ("classifier_batch_size", pa.int64()),
        ("classifier_learning_rate", pa.float64()),
        ("classifier_init", pa.string()),
        ("classifier_kind", pa.string()),
        ("classifier_params", pa.string()),
        ("classifier_estimator", pa.string()),
        ("classifier_estimator_params", pa.string()),
        ("precision", pa.string()),
        ("budget_initial", pa.int64()),
        ("budget_batch", pa.int64()),
        ("budget_iterations", pa.int64()),
        ("budget_name", pa.string()),
        ("budget_validation", pa.int64()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("final_test_accuracy", pa.float64()),
        ("final_val_accuracy", pa.float64()),
        ("val_accuracy_auc", pa.float64()),
        *((f"final_test_{name}", pa.float64()) for name in EXTRA_METRICS),
        ("final_train_accuracy", pa.float64()),  # the last model's accuracy and mean cross-entropy on its labels
        ("final_train_loss", pa.float64()),
        ("final_label_entropy", pa.float64()),  # what predicting the labels' class frequencies alone scores
        ("stopping", pa.string()),  # the trial's stopping criterion (label), None: its budget
        ("stopped_by", pa.string()),  # the criterion that ended it before its budget, None: it did not
        ("n_labeled", pa.int64()),
        ("seconds", pa.float64()),
        ("fit_seconds", pa.float64()),
        ("selection_seconds", pa.float64()),
        ("pack_size", pa.int64()),
        ("attempts", pa.int64()),
        ("host", pa.string()),
        ("node", pa.string()),
        ("device", pa.string()),
        ("latentsweep_version", pa.string()),
        ("torch_version", pa.string()),
        ("numpy_version", pa.string()),
        ("python_version", pa.string()),
        ("finished_at", pa.timestamp("s", tz="UTC")),
        ("study", pa.string()),
        ("optuna_trial", pa.int64()),
        ("schema_version", pa.int64()),
    ],
    metadata={"latentsweep_schema_version": str(SCHEMA_VERSION)},
)

CURVES = pa.schema(
    [
        ("trial_id", pa.string()),
        ("iteration", pa.int64()),
        ("n_labeled", pa.int64()),
        ("val_accuracy", pa.float64()),
        ("train_accuracy", pa.float64()),
        ("fit_seconds", pa.float64()),
        ("selection_seconds", pa.float64()),
        *((name, pa.float64()) for name in CURVE_SCORES),
    ],
    metadata={"latentsweep_schema_version": str(SCHEMA_VERSION)},
)

QUERIES = pa.schema(
    [
        ("trial_id", pa.string()),
        ("iteration", pa.int64()),
        ("indices", pa.list_(pa.int64())),
    ],
    metadata={"latentsweep_schema_version": str(SCHEMA_VERSION)},
)

QUERY_SETS = pa.schema(
    [
        ("evaluation_id", pa.string()),
        ("experiment", pa.string()),
        ("variant", pa.string()),
        ("autoencoder", pa.string()),
        ("representation", pa.string()),
        ("sampler", pa.string()),
        ("size", pa.int64()),
        ("seed", pa.int64()),
        ("test_accuracy", pa.float64()),
        ("class_counts", pa.list_(pa.int64())),
        ("class_entropy", pa.float64()),
        ("update_steps", pa.int64()),
        ("indices", pa.list_(pa.int64())),
        ("sampling_seconds", pa.float64()),
        ("seconds", pa.float64()),
        ("schema_version", pa.int64()),
    ],
    metadata={"latentsweep_schema_version": str(SCHEMA_VERSION)},
)

SCHEMAS = {"trials": TRIALS, "curves": CURVES, "queries": QUERIES, "query_sets": QUERY_SETS}


def learning_curve_area(n_labeled: list[int], accuracy: list[float]) -> float:
    """Area under the validation learning curve over the labelled range, divided by that range.

    A mean accuracy over the budget (trapezoids), in [0, 1]; the single accuracy for a one-point curve.
    """
    if not accuracy:
        return float("nan")
    if len(accuracy) == 1 or n_labeled[-1] == n_labeled[0]:
        return float(accuracy[-1])
    x, y = np.asarray(n_labeled, dtype=np.float64), np.asarray(accuracy, dtype=np.float64)
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2.0 / (x[-1] - x[0]))


def representation_kind(representation_id: str) -> str | None:
    """The registered kind a representation id starts with ('conv-vae-d30-e10-s0-1a2b3c4d' -> 'conv-vae')."""
    from ..engine.kinds import REPRESENTATION_KINDS

    matches = [kind for kind in REPRESENTATION_KINDS if representation_id.startswith(f"{kind}-")]
    return max(matches, key=len) if matches else None


FINAL_COMPARISON = "final"  # a tuning study's final comparison is tagged study = "NAME/final"


def _strategy_columns(strategy) -> dict:
    """The strategy's stored form as columns: its own parameters as `strategy_params` JSON."""
    columns = strategy.stored_form()
    params = columns.pop("params")
    columns["strategy_params"] = json.dumps(dict(params), sort_keys=True) if params else None
    return columns


def _classifier_columns(classifier) -> dict:
    """The classifier's fields as columns (None where its kind does not use them); its own parameters and
    an estimator's arguments as JSON."""
    return {
        "classifier_hidden": None if classifier.hidden is None else list(classifier.hidden),
        "classifier_dropout": classifier.dropout,
        "classifier_epochs": classifier.epochs,
        "classifier_batch_size": classifier.batch_size,
        "classifier_learning_rate": classifier.learning_rate,
        "classifier_init": classifier.init,
        "classifier_kind": classifier.kind,
        "classifier_params": json.dumps(dict(own), sort_keys=True) if (own := classifier.stored_params()) else None,
        "classifier_estimator": classifier.estimator,
        "classifier_estimator_params": (
            json.dumps(dict(classifier.estimator_params), sort_keys=True) if classifier.estimator else None
        ),
        "precision": classifier.precision,  # of the classifier's products; the representation's is in its id
    }


def trial_tables(result, sweep: str, attempts: int = 1, tags: dict | None = None) -> dict[str, pa.Table]:
    """The rows of one finished (or failed, or pruned) TrialResult, one table per result kind; `tags` fills
    the `study` and `optuna_trial` columns of trials a tuner ran."""
    import torch  # only for its version string

    spec, strategy = result.spec, result.spec.strategy
    rows = result.iterations
    n_labeled = [row.n_labeled for row in rows]
    val = [row.val_accuracy for row in rows]
    trial = {
        "trial_id": spec.id,
        "sweep": sweep,
        "dataset": spec.dataset,
        "representation": spec.representation,
        "representation_kind": representation_kind(spec.representation),
        "seed": spec.seed,
        "strategy": strategy.label(),
        **_strategy_columns(strategy),
        **_classifier_columns(spec.classifier),
        "budget_initial": spec.budget.initial,
        "budget_batch": spec.budget.batch,
        "budget_iterations": spec.budget.iterations,
        "budget_name": spec.budget.name,
        "budget_validation": spec.budget.validation,
        "status": result.status,
        "error": result.error,
        "final_test_accuracy": result.test_accuracy,
        "final_val_accuracy": result.final_val_accuracy,
        "val_accuracy_auc": learning_curve_area(n_labeled, val),
        **{f"final_test_{name}": result.test_scores.get(name, float("nan")) for name in EXTRA_METRICS},
        "final_train_accuracy": rows[-1].train_accuracy if rows else float("nan"),
        "final_train_loss": rows[-1].score("train_loss") if rows else float("nan"),
        "final_label_entropy": rows[-1].score("label_entropy") if rows else float("nan"),
        "stopping": spec.stopping.label() if spec.stopping else None,
        "stopped_by": result.stopped_by,
        "n_labeled": n_labeled[-1] if n_labeled else 0,
        "seconds": result.seconds,
        "fit_seconds": float(sum(row.fit_seconds for row in rows)),
        "selection_seconds": float(sum(row.selection_seconds for row in rows)),
        "pack_size": result.pack_size,
        "attempts": attempts,
        "host": result.host,
        "node": result.node,
        "device": result.device,
        "latentsweep_version": __version__,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "finished_at": int(time.time()),
        "study": (tags or {}).get("study"),
        "optuna_trial": (tags or {}).get("optuna_trial"),
        "schema_version": SCHEMA_VERSION,
    }
    curves = {
        "trial_id": [spec.id] * len(rows),
        "iteration": [row.iteration for row in rows],
        "n_labeled": n_labeled,
        "val_accuracy": val,
        "train_accuracy": [row.train_accuracy for row in rows],
        "fit_seconds": [row.fit_seconds for row in rows],
        "selection_seconds": [row.selection_seconds for row in rows],
        **{name: [row.scores.get(name) for row in rows] for name in CURVE_SCORES},
    }
    queries = {
        "trial_id": [spec.id] * len(rows),
        "iteration": [row.iteration for row in rows],
        "indices": [row.queried.astype(np.int64).tolist() for row in rows],
    }
    return {
        "trials": pa.Table.from_pylist([trial], schema=TRIALS),
        "curves": pa.Table.from_pydict(curves, schema=CURVES),
        "queries": pa.Table.from_pydict(queries, schema=QUERIES),
    }
