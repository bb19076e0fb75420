"""The search space as Optuna suggestions, journal repair, orphan recovery."""

import numpy as np
import optuna
import pytest

from latentsweep.orchestrator.study import recover_orphans, repair_journal, suggest

from ..config.test_tune import config


def test_alpha_and_beta_searched_together_cover_the_triangle_without_rejection():
    parsed = config({"alpha": [0.0, 1.0], "beta": [0.0, 1.0], "gamma": [0.0, 1.0]})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    points = []
    for _ in range(400):
        trial = study.ask()
        strategy = suggest(trial, parsed)  # never raises: every draw is a valid strategy
        points.append((strategy.value("alpha"), strategy.value("beta")))
        study.tell(trial, 0.0)
    alpha, beta = np.array(points).T
    assert np.all(alpha >= 0) and np.all(beta >= 0) and np.all(alpha + beta <= 1 + 1e-12)
    # it reaches every corner of the triangle: pure alpha, pure beta, and pure diversity (both near 0)
    assert (alpha > 0.9).any() and (beta > 0.9).any() and ((alpha + beta) < 0.1).any()
    assert set(trial.params) == {"alpha+beta", "alpha/(alpha+beta)", "gamma"}


def test_one_weight_searched_stays_within_what_the_other_leaves():
    parsed = config({"alpha": [0.0, 1.0]}, {"batch": "greedy", "representativeness": "density-cosine", "beta": 0.7})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(50):
        trial = study.ask()
        assert suggest(trial, parsed).value("alpha") <= 0.3 + 1e-12
        study.tell(trial, 0.0)


def test_a_torn_last_journal_line_is_cut_and_kept(tmp_path):
    path = tmp_path / "study.journal"
    path.write_bytes(b'{"op_code":0}\n{"op_code":4,"trial_id":0,"va')
    kept = repair_journal(path)
    assert path.read_bytes() == b'{"op_code":0}\n'
    assert kept.read_bytes() == b'{"op_code":4,"trial_id":0,"va'
    assert repair_journal(path) is None  # a clean journal is left alone


def test_orphans_are_failed_and_enqueued_once():
    study = optuna.create_study()
    orphan = study.ask({"gamma": optuna.distributions.FloatDistribution(0, 1)})
    assert recover_orphans(study) == 1
    states = [t.state for t in study.trials]
    assert states == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.WAITING]
    assert study.trials[1].params == {} and study.trials[1].user_attrs["latentsweep_requeued_from"] == orphan.number
    rerun = study.ask()
    assert rerun.suggest_float("gamma", 0, 1) == orphan.params["gamma"]
    study.tell(rerun, 0.5)
    assert recover_orphans(study) == 0  # the orphan is not enqueued twice


@pytest.mark.parametrize("sampler", ["tpe", "gp", "cmaes", "random", "qmc"])
def test_every_sampler_suggests_valid_strategies_and_is_reproducible(sampler):
    from latentsweep.orchestrator.study import make_sampler

    parsed = config({"alpha": [0.0, 1.0], "beta": [0.0, 1.0], "gamma": [0.0, 1.0]}, sampler=sampler, seed=3)

    def suggestions():
        study = optuna.create_study(direction="maximize", sampler=make_sampler(parsed))
        found = []
        for _ in range(8):
            trial = study.ask()
            strategy = suggest(trial, parsed)
            found.append((strategy.value("alpha"), strategy.value("beta"), strategy.gamma))
            study.tell(trial, strategy.gamma - abs(strategy.value("alpha") - 0.3))
        return found

    first = suggestions()
    assert all(a + b <= 1 + 1e-12 for a, b, _ in first)
    assert first == suggestions()  # a seeded study suggests the same sequence again
