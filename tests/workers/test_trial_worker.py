"""The worker as Ray runs it, without Ray: a pack's events as it goes, a stop that prunes one member at its
next iteration while the others finish, and where it runs."""

import numpy as np

from latentsweep.engine import IterationEvent, StrategySpec, TrialResult, TrialSpec
from latentsweep.workers import TrialWorker

from ..engine.conftest import SMALL_BUDGET, SMALL_CLASSIFIER


def specs(seeds=(0, 1, 2)):
    strategy = StrategySpec(uncertainty="margin")
    return [TrialSpec("digits", "projection", strategy, SMALL_CLASSIFIER, SMALL_BUDGET, seed) for seed in seeds]


def test_a_pack_yields_every_iteration_and_a_stop_prunes_one_member(digits_latent):
    worker = TrialWorker(cpus=1)
    trials = specs()
    events = []
    for batch in worker.run_pack(digits_latent, trials):
        events += batch
        if sum(isinstance(e, IterationEvent) for e in events) == len(trials):  # after the first iteration
            worker.stop([trials[1].id])
    results = {e.trial_id: e for e in events if isinstance(e, TrialResult)}
    assert set(results) == {t.id for t in trials}
    assert results[trials[1].id].pruned and len(results[trials[1].id].iterations) == 1
    for kept in (trials[0], trials[2]):
        assert results[kept.id].status == "ok" and len(results[kept.id].iterations) == SMALL_BUDGET.iterations + 1
        assert np.isfinite(results[kept.id].test_accuracy)
    assert np.isnan(results[trials[1].id].test_accuracy)  # a pruned trial has no test score


def test_it_says_where_it_runs():
    found = TrialWorker(cpus=2).describe()
    assert found["threads"] == 2 and found["device"] is None and found["pid"] > 0
