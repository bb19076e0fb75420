"""A driver killed mid-pack resumes every trial from its last finished iteration, and stores exactly the
queried indices of an uninterrupted run (real CLI subprocess, SIGKILL, real Ray, real files)."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from latentsweep.cli import main

STRATEGIES = """
[[strategies.list]]
uncertainty = "margin"
batch = "random-partitions"
subsample = 0.5

[[strategies.list]]
uncertainty = "entropy"
representativeness = "density-cosine"
gamma = 0.5
gamma_end = 0.9
"""


def checkpoint_lines(folder):
    checkpoints = folder / ".checkpoints"
    if not checkpoints.is_dir():
        return {}
    return {p.stem: p.read_text().count("\n") for p in checkpoints.glob("*.jsonl")}


def queries_by_trial(folder):
    queries = pd.read_parquet(folder / "queries").sort_values(["trial_id", "iteration"])
    return {trial: np.concatenate(group["indices"].to_list()) for trial, group in queries.groupby("trial_id")}


def test_a_killed_driver_resumes_each_trial_from_its_last_iteration(ray_instance, write_config, tmp_path, capsys):
    results = tmp_path / "results"
    extra = "\n[ray]\npack_size = 2\n"
    reference = write_config(name="reference", seeds=2, strategies=STRATEGIES, extra=extra)
    killed = write_config(name="killed", seeds=2, strategies=STRATEGIES, extra=extra)
    for path in (reference, killed):  # more iterations, so that a kill lands mid-pack
        path.write_text(
            path.read_text().replace("iterations = 3", "iterations = 8").replace("epochs = 3", "epochs = 15")
        )
    assert main(["run", str(reference), "--results", str(results), "--quiet"]) == 0  # uninterrupted, caches the VAE

    folder = results / "killed"
    command = [sys.executable, "-m", "latentsweep.cli", "run", str(killed), "--results", str(results), "--quiet"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        lines = checkpoint_lines(folder)
        if lines and max(lines.values()) >= 3:  # iterations 0-2 of some trial are finished: mid-pack
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the driver and the Ray instance it started, with no warning
    process.wait(timeout=60)
    before = checkpoint_lines(folder)
    stored_before = {p.stem for p in (folder / "trials").glob("[!_]*.parquet")}
    assert before, "the kill came before any iteration was checkpointed"
    unfinished = {trial: n for trial, n in before.items() if trial not in stored_before}
    assert unfinished and max(unfinished.values()) < 9  # killed mid-pack, with iterations left to run
    checkpointed = {
        trial: [json.loads(line)["fit_seconds"] for line in (folder / ".checkpoints" / f"{trial}.jsonl").open()]
        for trial in unfinished
    }

    capsys.readouterr()
    assert main(["run", str(killed), "--results", str(results), "--quiet"]) == 0
    summary = capsys.readouterr().out
    assert f"{len(unfinished)} resumed from checkpoints" in summary
    curves = pd.read_parquet(folder / "curves")
    for trial, seconds in checkpointed.items():  # the finished iterations were kept, not run again
        rows = curves[curves.trial_id == trial].sort_values("iteration")
        assert rows["iteration"].tolist() == list(range(9))
        assert rows["fit_seconds"].tolist()[: len(seconds)] == seconds
    # exactly the queried indices of the uninterrupted run, for every trial
    expected, stored = queries_by_trial(results / "reference"), queries_by_trial(folder)
    assert stored.keys() == expected.keys() and len(stored) == 4
    for trial, indices in expected.items():
        np.testing.assert_array_equal(stored[trial], indices)
    assert not list((folder / ".checkpoints").glob("*.jsonl"))  # stored trials leave no checkpoint
    assert not [p for p in folder.rglob("_*") if p.is_file()]  # nothing half-written is visible
