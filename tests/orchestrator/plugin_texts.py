"""Plugin files the fault tests load into a CLI run (its driver and its workers)."""

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
