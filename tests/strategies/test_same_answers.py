"""Same answers at thesis scale: the rules whose array work moved to the bounded-memory compute path pick
exactly what the numpy code before it picked (tests/strategies/before_scale.py, kept verbatim), on blobs and on
real data (digits' pixels and their 10-D projection)."""

import numpy as np
import pytest

from latentsweep.data import load_splits
from latentsweep.registry import Param
from latentsweep.strategies import (
    BATCH_SELECTION,
    INITIAL_SELECTION,
    BatchParams,
    Candidates,
    InitialParams,
    InitialPool,
)
from latentsweep.strategies import initial as new

from . import before_scale as old


def blobs(n=1500, d=8, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6, size=(10, d))
    return (centres[rng.integers(10, size=n)] + rng.normal(size=(n, d))).astype(np.float32)


def digits(projected: bool):
    pool = load_splits("digits").pool.reshape(-1, 64).astype(np.float32)
    if not projected:
        return pool
    return (pool @ np.random.default_rng(0).normal(size=(64, 10)).astype(np.float32) / 8).astype(np.float32)


INPUTS = {"blobs": lambda: blobs(), "digits pixels": lambda: digits(False), "digits projected": lambda: digits(True)}


@pytest.fixture(params=sorted(INPUTS))
def features(request):
    return INPUTS[request.param]()


def test_k_center_greedy_initial_keeps_its_picks(features):
    pool = InitialPool(features)
    for seed in range(3):
        expected = old.k_center_greedy(InitialPool(features.astype(np.float64)), 60, np.random.default_rng(seed),
                                       old.InitialParams())  # fmt: skip
        chosen = INITIAL_SELECTION["k-center-greedy"](pool, 60, np.random.default_rng(seed), InitialParams())
        np.testing.assert_array_equal(chosen, expected)


def test_typiclust_initial_keeps_its_picks(features):
    for seed in range(2):
        expected = old.typiclust(InitialPool(features), 30, np.random.default_rng(seed), old.InitialParams())
        chosen = INITIAL_SELECTION["typiclust"](InitialPool(features), 30, np.random.default_rng(seed), InitialParams())
        np.testing.assert_array_equal(chosen, expected)


def test_probcover_keeps_its_radius_and_picks(features):
    rng = np.random.default_rng(0)
    assert new.purity_delta(features, 10, np.random.default_rng(4)) == pytest.approx(
        old.purity_delta(features.astype(np.float64), 10, np.random.default_rng(4)), rel=1e-9
    )
    for params in (InitialParams(), InitialParams(delta=float(new.default_threshold(features) * 1.5))):
        seed = int(rng.integers(100))
        expected = old.probcover(InitialPool(features), 40, np.random.default_rng(seed), params)
        chosen = INITIAL_SELECTION["probcover"](InitialPool(features), 40, np.random.default_rng(seed), params)
        np.testing.assert_array_equal(chosen, expected)


@pytest.mark.parametrize("name", ["uniform", "multi-normal", "uniform-cluster", "multi-normal-cluster"])
def test_the_second_papers_samplers_keep_their_picks(name):
    features = digits(True)
    assert new.default_threshold(features) == pytest.approx(old.default_threshold(features), rel=1e-12)
    sampler = {"uniform": old.uniform, "multi-normal": old.multi_normal, "uniform-cluster": old.uniform_cluster,
               "multi-normal-cluster": old.multi_normal_cluster}[name]  # fmt: skip
    for seed in range(2):
        expected = sampler(InitialPool(features), 50, np.random.default_rng(seed), old.InitialParams())
        chosen = INITIAL_SELECTION[name](InitialPool(features), 50, np.random.default_rng(seed), InitialParams())
        np.testing.assert_array_equal(chosen, expected)


def candidates(features, labelled: int, seed: int):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(features))
    chosen, rest = order[:labelled], order[labelled:]
    return Candidates(
        uncertainty=np.zeros(len(rest)), features=features[rest], labelled_features=features[chosen]
    )


def test_k_center_greedy_in_the_loop_keeps_its_picks(features):
    for labelled in (0, 50):
        scored = candidates(features, labelled, labelled)
        expected = old.k_center_greedy_batch(scored, 40, np.random.default_rng(0), BatchParams())
        chosen = BATCH_SELECTION["k-center-greedy"](scored, 40, np.random.default_rng(0), BatchParams())
        np.testing.assert_array_equal(chosen, expected)


def test_typiclust_in_the_loop_keeps_its_picks_at_thesis_scale(features):
    for labelled in (10, 60):
        scored = candidates(features, labelled, labelled)
        params = BatchParams(values={"neighbours": 20, "kmeans": "auto", "max_clusters": 500})
        expected = old.typiclust_batch(scored, 30, np.random.default_rng(1), BatchParams(values={"neighbours": 20}))
        chosen = BATCH_SELECTION["typiclust"](scored, 30, np.random.default_rng(1), params)
        np.testing.assert_array_equal(chosen, expected)


def test_badge_keeps_its_draws():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(10), size=800)
    embedding = probs - np.eye(10)[probs.argmax(1)], rng.random((800, 32))
    scored = Candidates(uncertainty=np.zeros(800), features=np.zeros((800, 2)), gradient_embedding=embedding)
    expected = old.badge(scored, 50, np.random.default_rng(3), BatchParams())
    np.testing.assert_array_equal(BATCH_SELECTION["badge"](scored, 50, np.random.default_rng(3), BatchParams()),
                                  expected)  # fmt: skip


NEUTRAL = [  # rule, its parameters added later (neutral), label and id before them, a changed value and its label
    ("typiclust", ("kmeans", "max_clusters"), "typiclust[neighbours=20]@0.1", "560630188615483d",
     {"kmeans": "sampled"}, "typiclust[neighbours=20 sampled]@0.1"),
    ("badge", ("activations",), "badge@0.1", "8c90116f801879ce", {"activations": "float16"}, "badge[float16]@0.1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "added", "label", "trial_id", "change", "changed_label"), NEUTRAL, ids=[n[0] for n in NEUTRAL]
)
def test_parameters_added_later_leave_ids_and_labels_as_they_were(rule, added, label, trial_id, change, changed_label):
    """TypiClust's `kmeans` and `max_clusters`, BADGE's `activations`: declared neutral, so at their defaults a
    trial keeps the id and label it had before them; another value is another strategy."""
    from latentsweep.engine import StrategySpec, TrialSpec

    declared = BATCH_SELECTION.declared(rule).params
    assert all(isinstance(declared[name], Param) and declared[name].neutral for name in added)
    spec = StrategySpec.build({"batch": rule, "subsample": 0.1}).canonical()
    assert spec.label() == label
    assert TrialSpec("digits", "pixels-1a2b3c4d", spec, seed=0).id == trial_id  # as before the parameters
    changed = StrategySpec.build({"batch": rule, "subsample": 0.1, **change}).canonical()
    assert changed.label() == changed_label
    assert TrialSpec("digits", "pixels-1a2b3c4d", changed, seed=0).id != TrialSpec("digits", "pixels-1a2b3c4d", spec).id
