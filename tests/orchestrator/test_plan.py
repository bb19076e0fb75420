import pytest

from latentsweep.config import ConfigError, load_config
from latentsweep.data import load_splits
from latentsweep.orchestrator import describe_plan, make_plan


def test_plan_expands_seeds_and_strategies_with_stable_ids(write_config):
    config = load_config(write_config(seeds=3))
    splits = load_splits("digits")
    plan = make_plan(config, splits, stored={})
    assert len(plan.jobs) == 1 and len(plan.trials) == 6
    assert len({t.id for t in plan.trials}) == 6
    assert [t.id for t in make_plan(config, splits, {}).trials] == [t.id for t in plan.trials]
    assert all(t.representation == plan.jobs[0].representation_id for t in plan.trials)
    packs = plan.packs(plan.to_run, pack_size=4)
    assert [len(p) for p in packs] == [4, 2]


def test_stored_trials_are_skipped_and_failed_ones_run_again(write_config):
    config = load_config(write_config(seeds=2))
    splits = load_splits("digits")
    trials = make_plan(config, splits, {}).trials
    plan = make_plan(config, splits, {trials[0].id: "ok", trials[1].id: "failed"})
    assert [t.id for t in plan.to_run] == [t.id for t in trials[1:]]
    text = describe_plan(plan, pack_size=2, cached=set())
    assert "trials: 4 = 1 representations x 2 strategies x 2 seeds" in text
    assert "stored: 1 finished (skipped), 1 failed (run again)" in text
    assert "to run: 3 trials in 2 packs of up to 2" in text


def test_posterior_measures_are_refused_on_pixels(write_config):
    path = write_config(
        strategies="""
        [[strategies.list]]
        uncertainty = "margin"
        representativeness = "kl-to-prior"
        gamma = 0.5
        """
    )
    path.write_text(path.read_text().replace('kind = "dense-vae"', 'kind = "pixels"'))
    with pytest.raises(ConfigError, match=r"needs posterior variances, which representations\[0\] \(pixels\)"):
        make_plan(load_config(path), load_splits("digits"), {})
