import dataclasses

import numpy as np
import pytest

from latentsweep.config import ConfigError, load_config
from latentsweep.data import load_splits
from latentsweep.engine import BudgetSpec, StrategySpec, TrialSpec
from latentsweep.errors import DataError
from latentsweep.orchestrator import describe_plan, make_packs, make_plan


def test_plan_expands_seeds_and_strategies_with_stable_ids(write_config):
    config = load_config(write_config(seeds=3))
    splits = load_splits("digits")
    plan = make_plan(config, splits, stored={})
    assert len(plan.jobs) == 1 and len(plan.trials) == 6
    assert len({t.id for t in plan.trials}) == 6
    assert [t.id for t in make_plan(config, splits, {}).trials] == [t.id for t in plan.trials]
    assert all(t.representation == plan.jobs[0].representation_id for t in plan.trials)
    assert all(t.dataset == "digits" for t in plan.trials)
    assert plan.class_counts["val"] == np.bincount(splits.val_labels).tolist()


def test_stored_trials_are_skipped_and_failed_ones_run_again(write_config):
    config = load_config(write_config(seeds=2))
    splits = load_splits("digits")
    trials = make_plan(config, splits, {}).trials
    plan = make_plan(config, splits, {trials[0].id: "ok", trials[1].id: "failed"})
    assert [t.id for t in plan.to_run] == [t.id for t in trials[1:]]
    text = describe_plan(plan, make_packs(plan.to_run, 2, 8), 8, cached=set())
    assert "trials: 4 = 1 representation x 2 strategies x 2 seeds" in text
    assert "stored: 1 finished (skipped), 1 failed (run again)" in text
    assert "to run: 3 trials in 2 packs of 2/1 (at most 8 per pack)" in text
    assert "validation: 300 examples, per class [31, 30, 29, 29, 29, 32, 29, 29, 31, 31]" in text


def trials(n, iterations=3, representation="r"):
    budget = BudgetSpec(initial=10, batch=10, iterations=iterations)
    return [TrialSpec("d", representation, StrategySpec(), budget=budget, seed=s) for s in range(n)]


@pytest.mark.parametrize(
    ("n", "workers", "cap", "sizes"),
    [
        (10, 2, 8, [5, 5]),  # not 8 + 2: the second worker would idle for most of the first pack
        (9, 2, 8, [5, 4]),
        (10, 2, 2, [2, 2, 2, 2, 1, 1]),  # 5 packs would leave one worker a pack behind
        (17, 2, 8, [5, 4, 4, 4]),  # 3 packs by the cap, rounded up to 4 = 2 workers x 2
        (3, 4, 8, [1, 1, 1]),  # never an empty pack
        (1, 2, 8, [1]),
    ],
)
def test_packs_are_sized_so_that_workers_finish_together(n, workers, cap, sizes):
    packs = make_packs(trials(n), workers, cap)
    assert [len(p) for p in packs] == sizes
    assert sorted(t.id for p in packs for t in p) == sorted(t.id for t in trials(n))


def test_packs_keep_resume_points_apart_and_start_with_the_most_work():
    group = trials(4, iterations=9)
    other = trials(2, iterations=9, representation="s")
    resume_at = {group[0].id: 6, group[1].id: 6}
    packs = make_packs(group + other, 1, 8, resume_at)
    # (4 members of r: 2 fresh + 2 resumed at 6), (2 of s fresh): fresh packs of 2 first, the resumed one last
    assert [sorted(t.seed for t in p) for p in packs] == [[2, 3], [0, 1], [0, 1]]
    assert {t.representation for t in packs[-1]} == {"r"}
    assert {resume_at.get(t.id, 0) for t in packs[-1]} == {6}


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


def test_a_budget_larger_than_the_pool_is_refused(write_config):
    config = load_config(write_config())
    config = dataclasses.replace(config, budgets=(BudgetSpec(initial=100, batch=100, iterations=29),))
    with pytest.raises(ConfigError, match="budget: 100 \\+ 29 x 100 = 3000 labels, but the pool of digits has 1137"):
        make_plan(config, load_splits("digits"), {})


def test_a_validation_part_without_a_class_is_refused(write_config):
    config = load_config(write_config())
    splits = load_splits("digits", validation_size=5)  # the first 5 images: classes 0-4 only
    with pytest.raises(DataError, match=r"the validation part lacks class\(es\) 5, 6, 7, 8, 9 that the pool has"):
        make_plan(config, splits, {})


def test_auto_pack_size_follows_the_classifiers_training_state():
    from latentsweep.engine import ClassifierSpec
    from latentsweep.orchestrator import pack_cap

    def auto(*hidden, gpus=False):
        return pack_cap("auto", gpus, [ClassifierSpec(hidden=h) for h in hidden])

    # 16 bytes per weight against 8 MB: 512-512 has 282,112 weights (32 inputs, 10 classes)
    assert auto((512, 512)) == (8 << 20) // (16 * (32 * 512 + 512 * 512 + 512 * 10)) == 1
    assert auto((256, 256)) == (8 << 20) // (16 * (32 * 256 + 256 * 256 + 256 * 10)) == 6
    assert auto((128, 128)) == 24
    assert auto((64, 64)) == 32  # the cap
    assert auto((64, 64), (256, 256)) == 6  # the largest classifier of a grid decides
    assert auto((512, 512), gpus=True) == 256
    assert pack_cap(4, False, [ClassifierSpec()]) == 4 and pack_cap("auto") == 1


def test_plan_hints_at_bf16_where_it_is_fast_and_the_sweep_trains_in_float32(write_config, monkeypatch):
    from latentsweep.models import precision
    from latentsweep.orchestrator.plan import precision_hint

    config = load_config(write_config())
    monkeypatch.setattr(precision, "fast_bf16", lambda: "avx512_bf16")
    hint = precision_hint(config)
    assert hint.startswith('hint: this machine multiplies bf16 matrices fast (avx512_bf16); precision = "bf16"')
    plan = make_plan(config, load_splits("digits"), {})
    assert hint in describe_plan(plan, make_packs(plan.to_run, 2, 8), 8, cached=set()).splitlines()
    mixed = dataclasses.replace(
        config,
        classifiers=(dataclasses.replace(config.classifier, precision="bf16"),),
        representations=(dataclasses.replace(config.representations[0], precision="bf16"),),
    )
    assert precision_hint(mixed) is None  # nothing left in float32
    monkeypatch.setattr(precision, "fast_bf16", lambda: None)
    assert precision_hint(config) is None  # a machine where bf16 is not faster


def test_bf16_on_a_gpu_without_it_is_refused_naming_the_key(write_config, monkeypatch):
    import torch

    from latentsweep.models import precision

    config = load_config(write_config())
    config = dataclasses.replace(config, classifiers=(dataclasses.replace(config.classifier, precision="bf16"),))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a machine with an old GPU
    monkeypatch.setattr(
        precision, "device_problem", lambda p, d: "Tesla V100 has no bf16 support" if p == "bf16" else None
    )
    with pytest.raises(ConfigError, match="classifier.precision = 'bf16': Tesla V100 has no bf16 support; use"):
        make_plan(config, load_splits("digits"), {})
