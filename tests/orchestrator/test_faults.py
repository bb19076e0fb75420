"""Faults and security with real processes: kills of the driver and of workers, a node leaving a cluster,
two drivers on one folder, a full disk, and the local Ray instance's sockets."""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from latentsweep.cli import main
from latentsweep.config import load_config
from latentsweep.orchestrator import RunOptions, run_sweep

from .processes import (
    SLOW_EVENTS,
    checkpoint_lines,
    cli_process,
    progress,
    queries_by_trial,
    slow_config,
    slow_events,
    wait_until,
)


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def test_the_local_instance_listens_only_on_loopback_and_wants_a_token(write_config, tmp_path):
    config = slow_config(write_config, "listening", seeds=2, vae_epochs=10, iterations=12)
    process = cli_process(config, tmp_path / "results")
    try:
        assert wait_until(lambda: checkpoint_lines(tmp_path / "results" / "listening") >= 1, process=process)
        family = descendants(process.pid) | {process.pid}
        listening = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
        sockets = []
        for line in listening.splitlines():
            pids = {int(p) for p in re.findall(r"pid=(\d+)", line)}
            if pids & family:
                sockets.append(line.split()[3])
        assert len(sockets) >= 3, listening  # GCS, raylet, object manager, workers...
        loopback = re.compile(r"^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]|\[::1\]):\d+$")
        assert all(loopback.match(address) for address in sockets), sockets
        gcs = [
            p
            for p in family
            if Path(f"/proc/{p}/cmdline").exists() and b"gcs_server" in Path(f"/proc/{p}/cmdline").read_bytes()
        ]
        assert gcs, "no GCS process found"
        environment = Path(f"/proc/{gcs[0]}/environ").read_bytes().split(b"\0")
        assert b"RAY_AUTH_MODE=token" in environment
        assert any(entry.startswith(b"RAY_AUTH_TOKEN=") and len(entry) > 40 for entry in environment)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)


HOLD_LOCK = """
import sys, time
from latentsweep.results import ResultStore
with ResultStore(sys.argv[1], "small").lock():
    print("holding", flush=True)
    time.sleep(600)
"""


def test_a_second_driver_is_refused_at_once_and_a_killed_holder_frees_the_lock(write_config, tmp_path):
    config = write_config(seeds=1)
    results = tmp_path / "results"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(results)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        argv = [sys.executable, "-m", "latentsweep.cli", "run", str(config), "--results", str(results)]
        second = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2 and "another latentsweep is working on this sweep" in second.stderr
        assert second.stderr.count("\n") == 1 and time.monotonic() - started < 30
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
    from latentsweep.results import ResultStore

    with ResultStore(results, "small").lock():  # the operating system released the killed holder's lock
        pass


RENAME_KILLER = (
    SLOW_EVENTS
    + """
import os, signal
from pathlib import Path
from latentsweep.results import store

if os.environ.get("LATENTSWEEP_TEST_KILL_AT_RENAME"):
    real_replace = os.replace
    count = [0]

    def replace(source, target, *args, **kwargs):
        target = Path(target)
        if target.parent.name == "trials" and not target.name.startswith("_"):
            count[0] += 1
            if count[0] == int(os.environ["LATENTSWEEP_TEST_KILL_AT_RENAME"]):
                os.kill(os.getpid(), signal.SIGKILL)  # queries and curves renamed, the trials file not yet
        return real_replace(source, target, *args, **kwargs)

    store.os.replace = replace
"""
)


def test_driver_kills_at_three_points_three_times_lose_nothing(ray_instance, write_config, tmp_path, capsys):
    (tmp_path / "killer.py").write_text(RENAME_KILLER)
    results = tmp_path / "results"
    reference = slow_config(write_config, "reference", seeds=4, vae_epochs=60, iterations=10)
    assert main(["run", str(reference), "--results", str(results), "--quiet"]) == 0
    killed = slow_config(write_config, "killed", seeds=4, vae_epochs=60, iterations=10)
    killed.write_text('plugins = ["killer.py"]\n' + killed.read_text())
    folder = results / "killed"
    # the representation is cached by the reference run: move the cache aside so that the representation
    # stage has work to be killed in, and bring it back for the last point
    cache, saved = results / ".cache", results / "saved-cache"
    log = []
    for repetition in range(3):
        cache.rename(saved)
        process = cli_process(killed, results)
        time.sleep(4)  # Ray is up and the VAE trains (60 epochs)
        assert process.poll() is None
        stored_before = len(list((folder / "trials").glob("[!_]*.parquet"))) if folder.exists() else 0
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        log.append(("representation stage", stored_before))
        shutil.rmtree(cache, ignore_errors=True)  # whatever the killed run began to cache
        saved.rename(cache)
        started_with = progress(folder) if folder.exists() else 0
        # two more iterations finished in this run: a kill mid-pack. Tiny trials on a fast machine could all
        # be stored between two polls, so this run's iterations are spread out (the numbers are unchanged)
        process = cli_process(killed, results, environment=slow_events(0.2))
        target = started_with + 2
        assert wait_until(lambda target=target: progress(folder) >= target, process=process), (repetition, log)
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL, log  # killed, not finished
        log.append(("mid-pack", progress(folder)))
        environment = {**os.environ, "LATENTSWEEP_TEST_KILL_AT_RENAME": "1"}
        command = [sys.executable, "-m", "latentsweep.cli", "run", str(killed), "--results", str(results), "--quiet"]
        completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
        assert completed.returncode == -signal.SIGKILL, completed.stdout[-2000:]
        log.append(("renaming", len(list((folder / "trials").glob("[!_]*.parquet")))))
    assert main(["run", str(killed), "--results", str(results), "--quiet"]) == 0
    assert "resumed from checkpoints" in capsys.readouterr().out
    expected, stored = queries_by_trial(results / "reference"), queries_by_trial(folder)
    assert stored.keys() == expected.keys() and len(stored) == 8, log
    for trial, indices in expected.items():
        np.testing.assert_array_equal(stored[trial], indices)
    trials = pd.read_parquet(folder / "trials")
    assert len(trials) == 8 and trials["trial_id"].is_unique and set(trials["status"]) == {"ok"}
    assert not [p for p in folder.rglob("_*") if p.is_file()]  # no temporary file visible to readers
    assert not list((folder / ".checkpoints").glob("*.jsonl"))
    assert [point for point, _ in log] == ["representation stage", "mid-pack", "renaming"] * 3


def test_a_worker_killed_from_outside_resumes_on_a_replacement(ray_instance, write_config, tmp_path):
    results = tmp_path / "results"

    def long_packs(name):  # a pack runs for seconds, so that the worker found by the scan is still in it
        path = slow_config(write_config, name, seeds=2)
        path.write_text(path.read_text().replace("epochs = 12", "epochs = 80"))
        return load_config(path)

    run_sweep(long_packs("reference"), RunOptions(results=results, display="quiet", poll_seconds=0.1))
    config = long_packs("victim")
    killed = []

    def kill_a_worker():
        folder = results / "victim"
        if not wait_until(lambda: folder.exists() and checkpoint_lines(folder) >= 2, timeout=120):
            return
        for pid in descendants(os.getpid()):  # this session's Ray workers only
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"RayTrialWorker.run_pack" in command:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return

    thread = threading.Thread(target=kill_a_worker)
    thread.start()
    outcome = run_sweep(config, RunOptions(results=results, display="quiet", poll_seconds=0.1, workers=1))
    thread.join()
    assert killed, "no worker was running a pack"
    assert outcome.retried >= 1 and outcome.succeeded == 4 and outcome.failed == 0
    expected, stored = queries_by_trial(results / "reference"), queries_by_trial(results / "victim")
    for trial, indices in expected.items():
        np.testing.assert_array_equal(stored[trial], indices)


DISK_FILLER = """
import errno, os
from latentsweep.results import store

if os.environ.get("LATENTSWEEP_TEST_DISK_FULL_AFTER"):
    real = store.pq.write_table
    count = [0]

    def write_table(table, where, *args, **kwargs):
        count[0] += 1
        if count[0] > int(os.environ["LATENTSWEEP_TEST_DISK_FULL_AFTER"]):
            with open(where, "wb") as stream:
                stream.write(b"PAR1 partial")  # the disk fills up half-way through the write
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    store.pq.write_table = write_table
"""


def test_a_full_disk_stops_the_sweep_cleanly_and_a_resume_completes(ray_instance, write_config, tmp_path):
    (tmp_path / "filler.py").write_text(DISK_FILLER)
    config = slow_config(write_config, "disk", seeds=2, iterations=2)
    config.write_text('plugins = ["filler.py"]\n' + config.read_text())
    results = tmp_path / "results"
    environment = {**os.environ, "LATENTSWEEP_TEST_DISK_FULL_AFTER": "4"}  # a trial and a third: 3 files each
    command = [sys.executable, "-m", "latentsweep.cli", "run", str(config), "--results", str(results), "--quiet"]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
    assert completed.returncode == 2, completed.stdout + completed.stderr
    errors = [line for line in completed.stderr.splitlines() if line.startswith("latentsweep: error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0] and "nothing half-written is kept" in errors[0]
    folder = results / "disk"
    assert not [p for p in folder.rglob("_*") if p.is_file()]  # the partial file is gone
    assert len(pd.read_parquet(folder / "trials")) == 1  # what was written stays readable
    assert main(["run", str(config), "--results", str(results), "--quiet"]) == 0  # space freed: resume
    trials = pd.read_parquet(folder / "trials")
    assert len(trials) == 4 and trials["trial_id"].is_unique


def test_a_node_leaving_a_three_node_cluster_loses_no_trial(write_config, tmp_path):
    import ray
    from ray.cluster_utils import Cluster

    ray.shutdown()  # leave the session's local instance; tests after this one start it again
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
    removed = []
    try:
        ray.init(address=cluster.address, log_to_driver=False)
        config = load_config(slow_config(write_config, "cluster", seeds=3))
        folder = tmp_path / "results" / "cluster"

        def remove_a_node():
            if wait_until(lambda: folder.exists() and checkpoint_lines(folder) >= 3, timeout=180):
                cluster.remove_node(nodes[0], allow_graceful=False)
                removed.append(nodes[0])

        thread = threading.Thread(target=remove_a_node)
        thread.start()
        options = RunOptions(results=tmp_path / "results", display="quiet", poll_seconds=0.1, workers=3)
        outcome = run_sweep(config, options)
        thread.join()
        assert removed and outcome.succeeded == 6 and outcome.failed == 0
        trials = pd.read_parquet(folder / "trials")
        assert len(trials) == 6 and trials["trial_id"].is_unique
    finally:
        ray.shutdown()
        cluster.shutdown()
