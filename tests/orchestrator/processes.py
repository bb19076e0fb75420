"""CLI processes the fault tests kill, and a plugin they load into them (their driver and workers)."""

import os
import subprocess
import sys

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
