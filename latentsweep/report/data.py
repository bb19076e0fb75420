"""What a report reads: a sweep folder's tables as pandas frames (the store alone, nothing recomputed)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..classifiers import CLASSIFIERS
from ..engine.metrics import METRICS
from ..engine.specs import BUDGET_NAME, ClassifierSpec, varying_fields
from ..errors import LatentsweepError
from ..results import ResultStore, StoreError, check_sweep_folder, learning_curve_area
from ..results.schema import FINAL_COMPARISON

ALL_LABELS = "all labels"  # how the full-data reference rows are named in tables
FINAL_TAG = f"/{FINAL_COMPARISON}"  # a tuning study's final comparison, on seeds its search never saw


class ReportError(LatentsweepError):
    """The folder is not a sweep folder, or holds nothing to report."""


@dataclass
class SweepResults:
    """The stored tables of one sweep folder: trials and curves (active learning), query_sets (the
    initial-selection experiment), and sweep.json. For a tuning study's folder, `trials` and `curves` are
    its final comparison (fresh seeds, the honest number) and `search` the trials its search ran."""

    folder: Path
    info: dict
    trials: pd.DataFrame
    curves: pd.DataFrame
    query_sets: pd.DataFrame
    search: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)  # a study's search seeds (tune)

    @property
    def kind(self) -> str:
        return self.info.get("kind", "sweep")

    @property
    def budgets(self) -> list[str]:
        """The budget regimes' names, in the order of their label counts (smallest first)."""
        if self.trials.empty:
            return []
        learners = self.trials[self.trials.row != ALL_LABELS]
        if learners.empty:  # a sweep of full-data rows only (Tables 5.2/5.3)
            learners = self.trials
        order = learners.assign(_labels=learners.budget_initial + learners.budget_iterations * learners.budget_batch)
        return list(dict.fromkeys(order.sort_values("_labels", kind="stable").budget))


@dataclass(frozen=True)
class Metric:
    """Where a metric's values are: the trials' final test score, area under the validation curve and final
    validation score, and the curves' validation and held-out validation columns (`val_<metric>` on the
    paid validation labels where the budget buys them, `heldout_val_<metric>` then on the free part)."""

    name: str

    @property
    def test(self) -> str:
        return f"final_test_{self.name}"

    @property
    def auc(self) -> str:
        return f"val_{self.name}_auc"

    @property
    def final_val(self) -> str:
        return f"final_val_{self.name}"

    @property
    def curve(self) -> str:
        return f"val_{self.name}"

    @property
    def heldout(self) -> str:
        return f"heldout_val_{self.name}"

    @property
    def label(self) -> str:
        """'accuracy', 'balanced accuracy', 'macro F1'."""
        return self.name.replace("_", " ").replace("f1", "F1")


ACCURACY = Metric("accuracy")  # the default of every table, figure and test


def with_metric(results: SweepResults, metric: str) -> Metric:
    """The metric's columns, derived where the store keeps only the curves (areas and final validation
    scores of every metric but accuracy); a ReportError when the store never measured it."""
    chosen = Metric(metric)
    if metric not in METRICS:
        raise ReportError(f"--metric {metric!r}: expected one of {', '.join(METRICS)}")
    trials, curves = results.trials, results.curves
    if trials.empty or chosen.auc in trials:
        return chosen
    learners = trials.row != ALL_LABELS
    if not curves[chosen.curve].notna().any() or not trials.loc[learners, chosen.test].notna().any():
        raise ReportError(
            f"--metric {metric}: {results.folder} stores no {chosen.label} (its trials were run before it was "
            "measured); use --metric accuracy"
        )
    ordered = curves.sort_values(["trial_id", "n_labeled"])
    areas, finals = {}, {}
    for trial_id, group in ordered.groupby("trial_id", sort=False):
        values = group[chosen.curve].tolist()
        areas[trial_id] = learning_curve_area(group.n_labeled.tolist(), values)
        finals[trial_id] = values[-1]
    trials[chosen.auc] = trials.trial_id.map(areas).astype(float)
    trials[chosen.final_val] = trials.trial_id.map(finals).astype(float)
    return chosen


def _row_label(row) -> str:
    """A trial's row name: its strategy label, or 'all labels' for a classifier trained on the whole pool."""
    if row["budget_iterations"] == 0 and row["initial"] == "all":
        return ALL_LABELS
    return row["strategy"]


def classifier_spec(row) -> ClassifierSpec:
    """The classifier of a trials row (stores from before `classifier_init` used Keras' initialisation,
    from before `classifier_kind` the MLP)."""
    kind = row.get("classifier_kind")
    kind = kind if isinstance(kind, str) else "mlp"
    uses = CLASSIFIERS.declared(kind).uses
    fields: dict[str, Callable[[Any], Any]] = {
        "hidden": lambda v: tuple(int(h) for h in v),
        "dropout": float,
        "epochs": int,
        "batch_size": int,
        "learning_rate": float,
        "init": str,
        "precision": str,
    }
    values = {}
    for name, convert in fields.items():
        value = row.get("precision" if name == "precision" else f"classifier_{name}")
        if name in uses and value is not None and not (isinstance(value, float) and math.isnan(value)):
            values[name] = convert(value)
    estimator = row.get("classifier_estimator")
    declared = CLASSIFIERS.declared(kind).params  # a parameter the kind no longer has is left out
    return ClassifierSpec(
        kind=kind,
        params=tuple((k, v) for k, v in _json(row.get("classifier_params")).items() if k in declared),
        estimator=estimator if isinstance(estimator, str) else None,
        estimator_params=tuple(_json(row.get("classifier_estimator_params")).items()),
        **values,
    )


def _json(text) -> dict:
    return json.loads(text) if isinstance(text, str) and text else {}


def classifier_labels(trials: pd.DataFrame) -> pd.Series:
    """Each trial's classifier as `ClassifierSpec.label` names it, with every field that varies in the sweep."""
    specs = trials.apply(classifier_spec, axis=1)
    varying = varying_fields(set(specs))
    return specs.map(lambda spec: spec.label(varying))


def load_results(folder: str | Path) -> SweepResults:
    """Reads a sweep folder (`RESULTS/NAME`); a folder that is not one is a ReportError naming it."""
    folder = Path(folder)
    info_path = folder / "sweep.json"
    try:
        check_sweep_folder(folder)
    except StoreError as error:
        raise ReportError(str(error)) from None
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        raise ReportError(f"{info_path}: damaged ({type(error).__name__})") from None
    store = ResultStore(folder.parent, folder.name)
    trials = store.table("trials").to_pandas()
    if not trials.empty:
        trials["row"] = trials.apply(_row_label, axis=1)
        trials["classifier"] = classifier_labels(trials)
        trials["budget"] = trials.budget_name.fillna(BUDGET_NAME)  # stores from before budget regimes
    search = trials.iloc[0:0]
    if info.get("kind") == "tune" and not trials.empty:
        final = trials.study.astype(str).str.endswith(FINAL_TAG)
        trials, search = trials[final].reset_index(drop=True), trials[~final].reset_index(drop=True)
    curves = store.table("curves").to_pandas()
    if not curves.empty and not trials.empty:
        columns = ["trial_id", "row", "classifier", "representation", "budget", "seed", "status"]
        curves = curves.merge(trials[columns], on="trial_id", how="inner")
    elif trials.empty:
        curves = curves.iloc[0:0]
    query_sets = store.table("query_sets").to_pandas()
    if trials.empty and query_sets.empty and search.empty:
        raise ReportError(f"{folder}: nothing stored yet; run the sweep first")
    return SweepResults(folder, info, trials, curves, query_sets, search)
