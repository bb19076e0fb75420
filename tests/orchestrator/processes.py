"""CLI processes the fault tests kill, and a plugin they load into them (their driver and workers)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

SLOW_EVENTS = """
import os, time

if os.environ.get("LATENTSWEEP_TEST_SLOW_EVENTS"):  # in the workers: a pack's iterations arrive over seconds
    from latentsweep.workers import trial_worker

    real_iterate = trial_worker.iterate_pack

    def slow_iterate(*args, **kwargs):
        for events in real_iterate(*args, **kwargs):
            time.sleep(float(os.environ["LATENTSWEEP_TEST_SLOW_EVENTS"]))
            yield events

    trial_worker.iterate_pack = slow_iterate
"""


def slow_events(seconds: float) -> dict:
    """The environment of a CLI process whose workers (with SLOW_EVENTS loaded) sleep after each pack event."""
    return {**os.environ, "LATENTSWEEP_TEST_SLOW_EVENTS": str(seconds)}


def cli_process(config, results, *extra, command="run", environment=None) -> subprocess.Popen:
    """`latentsweep COMMAND CONFIG --results RESULTS --quiet` in a session of its own (killed with killpg)."""
    argv = [sys.executable, "-m", "latentsweep.cli", command, str(config), "--results", str(results), "--quiet", *extra]
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True, env=environment
    )


SLOW = """
[[strategies.list]]
uncertainty = "margin"
batch = "random-partitions"
subsample = 0.5

[[strategies.list]]
uncertainty = "random"
"""


def slow_config(write_config, name, seeds=2, vae_epochs=2, iterations=6, extra=""):
    path = write_config(name=name, seeds=seeds, strategies=SLOW, extra=extra)
    text = path.read_text().replace("iterations = 3", f"iterations = {iterations}").replace("epochs = 3", "epochs = 12")
    path.write_text(text.replace("epochs = 2", f"epochs = {vae_epochs}", 1))
    return path


def wait_until(condition, timeout=240, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process is not None and process.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def checkpoint_lines(folder: Path) -> int:
    return sum(p.read_text().count("\n") for p in (folder / ".checkpoints").glob("*.jsonl"))


def progress(folder: Path) -> int:
    """Iterations done, never decreasing: a stored trial's checkpoint file goes, its rows stay."""
    stored = sum(pq.ParquetFile(p).metadata.num_rows for p in (folder / "trials").glob("[!_]*.parquet"))
    return checkpoint_lines(folder) + 1000 * stored


def queries_by_trial(folder):
    queries = pd.read_parquet(folder / "queries").sort_values(["trial_id", "iteration"])
    return {trial: np.concatenate(group["indices"].to_list()) for trial, group in queries.groupby("trial_id")}
