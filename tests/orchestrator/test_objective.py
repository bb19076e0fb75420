"""The search objective, the intermediate values the pruner sees, and seeds read back from the store."""

from types import SimpleNamespace

import numpy as np
import optuna
import pytest

from latentsweep.engine import IterationRecord, StrategySpec, TrialResult, TrialSpec
from latentsweep.orchestrator.objective import SeedOutcome, objective_value, read_seeds, report_step
from latentsweep.results import ResultStore

CURVES = [[(10, 0.5), (20, 0.7), (40, 0.8)], [(10, 0.3), (20, 0.5), (40, 0.9)]]


def settings(objective, labels=None):
    return SimpleNamespace(settings=SimpleNamespace(objective=objective, objective_labels=labels))


def test_the_objective_by_hand():
    # seed 0: (0.5+0.7)/2*10 + (0.7+0.8)/2*20 = 6 + 15 = 21 over 30 labels = 0.7
    # seed 1: (0.3+0.5)/2*10 + (0.5+0.9)/2*20 = 4 + 14 = 18 over 30 labels = 0.6
    assert objective_value(settings("auc"), CURVES) == pytest.approx(0.65)
    assert objective_value(settings("final"), CURVES) == pytest.approx(0.85)
    assert objective_value(settings("labels", 20), CURVES) == pytest.approx(0.6)


def specs(n):
    return [TrialSpec("digits", "pixels-x", StrategySpec(uncertainty="margin"), seed=seed) for seed in range(n)]


def test_intermediate_values_are_the_mean_or_one_per_seed_for_wilcoxon():
    study = optuna.create_study(direction="maximize")
    pair = specs(2)
    mean_trial, wilcoxon_trial = study.ask(), study.ask()
    for iteration in range(2):
        step = {pair[0].id: 0.2 + iteration, pair[1].id: 0.4 + iteration}
        report_step(mean_trial, "median", pair, iteration, step)
        report_step(wilcoxon_trial, "wilcoxon", pair, iteration, step)
    frozen = {t.number: t for t in study.get_trials()}
    assert frozen[0].intermediate_values == pytest.approx({0: 0.3, 1: 1.3})
    assert frozen[1].intermediate_values == pytest.approx({0: 0.2, 1: 0.4, 2: 1.2, 3: 1.4})


def test_stored_seeds_come_back_with_status_curve_and_error(tmp_path):
    store = ResultStore(tmp_path, "s")
    store.open()
    done, pruned, failed, absent = specs(4)
    for spec, rows, extra in ((done, 3, {}), (pruned, 2, {"pruned": True}), (failed, 1, {"error": "ValueError: x"})):
        iterations = [
            IterationRecord(i, 10 * (i + 1), 0.5 + 0.1 * i, 0.9, 0.1, 0.01, np.arange(i * 10, i * 10 + 10))
            for i in range(rows)
        ]
        store.write_trial(TrialResult(spec=spec, iterations=iterations, **extra))
    seeds = read_seeds(store, [s.id for s in (done, pruned, failed, absent)])
    assert seeds == {
        done.id: SeedOutcome("ok", [(10, 0.5), (20, 0.6), (30, 0.7)]),
        pruned.id: SeedOutcome("pruned", [(10, 0.5), (20, 0.6)]),
        failed.id: SeedOutcome("failed", [(10, 0.5)], "ValueError: x"),
    }
    assert read_seeds(store, []) == {}
