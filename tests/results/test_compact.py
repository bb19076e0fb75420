"""Compaction: finished trials merged into part files, atomically and resumably; failed ones stay apart."""

import json

import numpy as np
import pandas as pd
import pytest

from latentsweep.engine import BudgetSpec, IterationRecord, StrategySpec, TrialResult, TrialSpec
from latentsweep.results import ResultStore, compact, finish_interrupted
from latentsweep.results.files import MANIFEST


def result(seed, error=None):
    spec = TrialSpec("digits", "pixels-x", StrategySpec(uncertainty="margin"), budget=BudgetSpec(10, 10, 1), seed=seed)
    rows = [IterationRecord(i, 10 * (i + 1), 0.5, 0.9, 0.1, 0.0, np.arange(10 * i, 10 * i + 10)) for i in range(2)]
    return TrialResult(spec=spec, iterations=rows, test_accuracy=0.7, error=error)


@pytest.fixture
def store(tmp_path):
    store = ResultStore(tmp_path, "s")
    store.open()
    for seed in range(5):
        store.write_trial(result(seed))
    store.write_trial(result(99, error="ValueError: boom"))
    return store


def tables(store):
    return {name: store.table(name).to_pandas() for name in ("trials", "curves", "queries")}


def test_finished_trials_are_merged_once_and_failed_ones_stay_apart(store):
    before = tables(store)
    outcome = compact(store)
    assert outcome.merged == {"queries": 5, "curves": 5, "trials": 5}
    after = tables(store)
    for name in before:
        key = ["trial_id", "iteration"] if name != "trials" else ["trial_id"]
        pd.testing.assert_frame_equal(
            before[name].sort_values(key).reset_index(drop=True), after[name].sort_values(key).reset_index(drop=True)
        )
    names = {p.name for p in (store.folder / "trials").iterdir()}
    assert len([n for n in names if n.startswith("part-")]) == 1 and f"{result(99).spec.id}.parquet" in names
    assert pd.read_parquet(store.folder / "trials")["trial_id"].is_unique  # readers outside the store too
    # the failed trial runs again and replaces its own file; the compacted ones are read back by id
    store.write_trial(result(99))
    assert store.stored_status()[result(99).spec.id] == "ok" and len(store.stored_status()) == 6
    assert store.rows_of("curves", [result(0).spec.id])["trial_id"].to_pylist() == [result(0).spec.id] * 2
    assert compact(store).merged == {}  # one per-trial file left: nothing worth merging


@pytest.mark.parametrize("step", ["after the temporary part", "after the rename"])
def test_an_interrupted_compaction_is_finished_by_the_next_one(store, step):
    trials = store.folder / "trials"
    files = sorted(p.name for p in trials.glob("[!_.]*.parquet") if p.stem != result(99).spec.id)
    merged = pd.concat([pd.read_parquet(trials / name) for name in files])
    merged.to_parquet(trials / "_part-00000.parquet")
    (store.folder / MANIFEST).write_text(
        json.dumps(
            {"table": "trials", "part": "part-00000.parquet", "temporary": "_part-00000.parquet", "files": files}
        )
    )
    if step == "after the rename":
        (trials / "_part-00000.parquet").rename(trials / "part-00000.parquet")
    assert finish_interrupted(store.folder)
    assert not (store.folder / MANIFEST).exists()
    assert {p.name for p in trials.glob("*.parquet")} == {"part-00000.parquet", f"{result(99).spec.id}.parquet"}
    assert len(store.table("trials")) == 6 and store.table("trials")["trial_id"].to_pandas().is_unique
