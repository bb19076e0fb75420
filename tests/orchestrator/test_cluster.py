"""A sweep on a two-node Ray cluster (ray.cluster_utils.Cluster): trials on both nodes, one put; the local
instance's shutdown."""

import subprocess
import sys

import pandas as pd
import ray
from ray.cluster_utils import Cluster

from latentsweep.config import load_config
from latentsweep.orchestrator import RunOptions, run_sweep


def test_trials_run_on_both_nodes_and_the_latent_set_is_put_once(write_config, tmp_path):
    ray.shutdown()  # leave the session's local instance; tests after this one start it again
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    try:
        ray.init(address=cluster.address, log_to_driver=False)
        path = write_config(seeds=4, extra="[ray]\npack_size = 1\n")
        # trials of about a second, so one actor cannot finish all eight before the other node's is up
        path.write_text(path.read_text().replace("epochs = 3\n", "epochs = 600\n"))
        config = load_config(path)
        outcome = run_sweep(config, RunOptions(results=tmp_path, display="quiet", poll_seconds=0.1))
        assert outcome.succeeded == 8 and outcome.broadcasts == 1
        trials = pd.read_parquet(tmp_path / "small" / "trials")
        assert trials["node"].nunique() == 2
        assert set(trials["node"]) <= {node["NodeID"] for node in ray.nodes()}
    finally:
        ray.shutdown()
        cluster.shutdown()


STOP_MONITOR = """
import ray
from latentsweep.orchestrator import cluster

with cluster.ray_session(None):
    monitor = ray._private.worker._global_node.all_processes["monitor"][0].process
    alive = monitor.poll() is None
    print(alive, cluster.stop_monitor(), monitor.poll() is not None, cluster.stop_monitor())
print(ray.is_initialized())
"""


def test_a_local_session_kills_its_monitor_before_shutdown():
    """The local instance's autoscaler monitor is killed at once rather than after Ray's 1 s grace: the
    private table it lives in is where this Ray version keeps it, and shutdown still completes."""
    completed = subprocess.run([sys.executable, "-c", STOP_MONITOR], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["True", "1", "True", "0", "False"]


DYING_RULE = """
import os
from latentsweep.strategies import BATCH_SELECTION

@BATCH_SELECTION.register("test-dies-on-the-worker")
def dies(candidates, k, rng, params):
    os._exit(3)
"""


def test_ray_messages_stay_off_the_terminal_unless_verbose(write_config, tmp_path):
    """A worker that dies makes Ray print a paragraph per death ('(raylet) A worker died or was killed
    ...'); the summary already says 'worker lost N times'. Only --verbose shows Ray's own lines."""
    import subprocess
    import sys

    (tmp_path / "dies.py").write_text(DYING_RULE)
    strategies = '[[strategies.list]]\nbatch = "test-dies-on-the-worker"\n'
    path = write_config(seeds=1, strategies=strategies, extra="\n[ray]\nmax_attempts = 2\n")
    path.write_text('plugins = ["dies.py"]\n' + path.read_text())
    outputs = {}
    for flags in ((), ("--verbose",)):
        command = [sys.executable, "-m", "latentsweep.cli", "run", str(path), "--results", str(tmp_path / "r")]
        done = subprocess.run([*command, "--plain", "--fresh", *flags], capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
        outputs[flags] = done.stdout + done.stderr
    assert "worker lost 2 times" in outputs[()] and "worker lost 2 times" in outputs[("--verbose",)]
    assert "(raylet)" not in outputs[()]
    assert "(raylet)" in outputs[("--verbose",)]
