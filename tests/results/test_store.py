import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from latentsweep.engine import IterationRecord, StrategySpec, TrialResult, TrialSpec
from latentsweep.results import SCHEMA_VERSION, ResultStore, StoreError, learning_curve_area


def result(seed=0, error=None, rows=3):
    spec = TrialSpec("digits", "pixels-x", StrategySpec(uncertainty="margin"), seed=seed)
    iterations = [
        IterationRecord(i, 10 * (i + 1), 0.5 + 0.1 * i, 0.9, 0.1, 0.01, np.arange(i * 10, i * 10 + 10))
        for i in range(rows)
    ]
    return TrialResult(spec=spec, iterations=iterations, test_accuracy=0.7, seconds=1.0, host="h", error=error)


def test_one_row_per_trial_and_iteration_readable_by_pandas(tmp_path):
    store = ResultStore(tmp_path, "s")
    store.open()
    store.write_trial(result(0))
    store.write_trial(result(1, error="ValueError: boom", rows=1))
    trials = pd.read_parquet(tmp_path / "s" / "trials")
    assert len(trials) == 2 and set(trials["status"]) == {"ok", "failed"}
    assert trials.loc[trials.seed == 0, "val_accuracy_auc"].item() == pytest.approx(0.6)
    assert list(trials.loc[trials.seed == 0, "classifier_hidden"].item()) == [512, 512]
    curves = store.table("curves").to_pandas()
    assert len(curves) == 4 and curves["n_labeled"].max() == 30
    queries = store.table("queries").to_pandas()
    assert sorted(len(q) for q in queries["indices"]) == [10, 10, 10, 10]
    assert store.stored_status() == {result(0).spec.id: "ok", result(1).spec.id: "failed"}


def test_rewriting_a_trial_replaces_it(tmp_path):
    store = ResultStore(tmp_path, "s")
    store.open()
    store.write_trial(result(0, error="RuntimeError: first attempt", rows=1))
    store.write_trial(result(0))
    assert store.table("trials").num_rows == 1 and store.stored_status()[result(0).spec.id] == "ok"
    assert store.table("curves").num_rows == 3


def test_temporary_files_are_invisible(tmp_path):
    store = ResultStore(tmp_path, "s")
    store.open()
    store.write_trial(result(0))
    # a crash mid-write leaves only an underscore file, which dataset discovery ignores
    pq.write_table(store.table("trials").slice(0, 1), tmp_path / "s" / "trials" / "_partial-1.parquet")
    assert store.table("trials").num_rows == 1


def test_explicit_schema_keeps_columns_a_first_file_lacks(tmp_path):
    store = ResultStore(tmp_path, "s")
    store.open()
    store.write_trial(result(0))
    old = store.table("trials").drop(["node"])  # as if written by a version without that column
    pq.write_table(old, tmp_path / "s" / "trials" / "000-older.parquet")
    table = store.table("trials")
    assert "node" in table.column_names and table.num_rows == 2


def test_schema_version_is_checked_and_fresh_keeps_the_old_folder(tmp_path):
    store = ResultStore(tmp_path, "s")
    store.open()
    store.write_trial(result(0))
    (tmp_path / "s" / "sweep.json").write_text('{"schema_version": 999}')
    with pytest.raises(StoreError, match="schema version 999"):
        ResultStore(tmp_path, "s").open()
    moved = store.set_aside()
    assert moved.name.startswith("s.old-") and (moved / "trials").exists()
    store.open()
    assert store.stored_status() == {} and SCHEMA_VERSION == 2


def test_learning_curve_area_by_hand():
    assert learning_curve_area([100, 200, 300], [0.5, 0.7, 0.9]) == pytest.approx(0.7)
    assert learning_curve_area([100, 200], [0.4, 0.8]) == pytest.approx(0.6)
    assert learning_curve_area([100], [0.4]) == 0.4
