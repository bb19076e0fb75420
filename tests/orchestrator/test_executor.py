"""The one executor on a real local Ray instance: a job's events stream to the client, a job that raises
fails once, a job whose worker dies is resubmitted and fails for good after `max_attempts`."""

import numpy as np
import pytest

from latentsweep.engine import BudgetSpec, ClassifierSpec, IterationEvent, StrategySpec, TrialResult, TrialSpec
from latentsweep.orchestrator.executor import Executor, ExecutorStatus, Job, JobKind
from latentsweep.plugins import load_plugins
from latentsweep.registry import Registry

RULES = """
import os
import numpy as np
from latentsweep.strategies import BATCH_SELECTION

@BATCH_SELECTION.register("test-executor-raises")
def raises(candidates, k, rng, params):
    raise OSError("the disk of this rule is gone")  # not a trial error: it ends the job

@BATCH_SELECTION.register("test-executor-dies")
def dies(candidates, k, rng, params):
    os._exit(3)  # the worker process dies
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    path = tmp_path_factory.mktemp("plugins") / "executor_rules.py"
    path.write_text(RULES)
    snapshot = Registry.snapshot()  # module-scoped: the per-test restore cannot undo this registration
    load_plugins([str(path)])
    yield str(path)
    Registry.restore(snapshot)


def trials(latent, batch, seeds=(0, 1)):
    strategy = StrategySpec(batch=batch)
    classifier, budget = ClassifierSpec(hidden=(16,), epochs=2, batch_size=20), BudgetSpec(20, 10, 2)
    return [TrialSpec(latent.dataset, latent.representation, strategy, classifier, budget, seed) for seed in seeds]


def run(ray_instance, latent, specs, plugins, max_attempts=2):
    events, failures, status = [], [], ExecutorStatus()
    executor = Executor(2, plugins=(plugins,), max_attempts=max_attempts, poll_seconds=0.1, status=status)
    jobs = [Job("pack", JobKind.PACK, lambda: (latent, specs, {}), trials=tuple(specs))]
    try:
        executor.run(
            lambda: jobs.pop() if jobs else None,
            on_events=lambda job, batch: events.extend(batch),
            on_failed=lambda job, text: failures.append((job.key, job.attempts, text)),
        )
    finally:
        executor.release()
    return events, failures, status


def test_a_job_streams_every_event_and_ends(ray_instance, digits_latent, rules):
    specs = trials(digits_latent, "top-k")
    events, failures, status = run(ray_instance, digits_latent, specs, rules)
    assert failures == [] and status.retried == 0 and status.running == 0
    iterations = [e for e in events if isinstance(e, IterationEvent)]
    assert sorted((e.trial_id, e.record.iteration) for e in iterations) == sorted(
        (s.id, i) for s in specs for i in range(3)
    )
    results = [e for e in events if isinstance(e, TrialResult)]
    assert sorted(r.trial_id for r in results) == sorted(s.id for s in specs) and all(r.error is None for r in results)


def test_a_job_that_raises_fails_once_with_the_error(ray_instance, digits_latent, rules):
    events, failures, status = run(ray_instance, digits_latent, trials(digits_latent, "test-executor-raises"), rules)
    assert len(failures) == 1 and status.retried == 0
    key, attempts, text = failures[0]
    assert (key, attempts) == ("pack", 1) and "OSError: the disk of this rule is gone" in text
    assert [e.record.iteration for e in events if isinstance(e, IterationEvent)] == [0, 0]  # before the raise


def test_a_job_whose_worker_dies_is_resubmitted_then_fails_for_good(ray_instance, digits_latent, rules):
    events, failures, status = run(ray_instance, digits_latent, trials(digits_latent, "test-executor-dies"), rules)
    assert status.retried == 1 and len(failures) == 1
    _, attempts, text = failures[0]
    assert attempts == 2 and text.startswith("worker lost 2 times: ")
    assert not any(isinstance(e, TrialResult) for e in events)
    assert np.all([e.record.iteration == 0 for e in events])


def test_the_ledger_stores_every_pack_trial_once_and_a_lost_pack_as_failed(
    ray_instance, digits_latent, rules, tmp_path
):
    """The ledger on the executor: finished trials land in the Parquet store with every iteration and their
    checkpoints; a pack whose worker dies for good stores its trials as failed, keeping the iterations
    they finished before (the curve a resumed run would go on from)."""
    from types import SimpleNamespace

    import pandas as pd

    from latentsweep.config.ray import RayConfig
    from latentsweep.orchestrator import SweepStatus, TrialLedger
    from latentsweep.orchestrator.outcome import CommandOutcome
    from latentsweep.orchestrator.session import Session
    from latentsweep.results import ResultStore

    store = ResultStore(tmp_path, "ledger")
    store.open()
    ledger = TrialLedger(store, SweepStatus(name="ledger"))
    good, dying = trials(digits_latent, "top-k"), trials(digits_latent, "test-executor-dies", seeds=(5,))
    ledger.add(good + dying)
    jobs = ledger.pack_jobs(good + dying, n_workers=2, cap=2, latent_of=lambda pack: digits_latent, prefix="pack")
    executor = Executor(2, plugins=(rules,), max_attempts=2, poll_seconds=0.1)
    try:
        options = SimpleNamespace(address=None, results=tmp_path, workers=2, display="quiet", poll_seconds=0.1,
                                  verbose=False)  # fmt: skip
        session = Session("ledger", ray_config=RayConfig(), plugins=(), options=options, outcome=CommandOutcome())
        ledger.run_jobs(session, executor, jobs)
    finally:
        executor.release()
    stored = pd.read_parquet(tmp_path / "ledger" / "trials").set_index("trial_id")
    assert sorted(stored.index) == sorted(s.id for s in good + dying)
    assert (stored.loc[[s.id for s in good], "status"] == "ok").all()
    assert stored.loc[dying[0].id, "status"] == "failed" and "worker lost 2 times" in stored.loc[dying[0].id, "error"]
    curves = pd.read_parquet(tmp_path / "ledger" / "curves")
    assert curves.groupby("trial_id").size().to_dict() == {**{s.id: 3 for s in good}, dying[0].id: 1}
    assert ledger.status.done == 3 and ledger.status.failed == 1
