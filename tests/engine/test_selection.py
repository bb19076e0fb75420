"""One selection: the classifier's passes over the candidates run in chunks and a row-wise measure scores
each chunk as it comes; a member's picks depend neither on the chunks nor on its pack (MC-dropout masks are
keyed by each candidate's position, not by its place in a chunk), and a float32 pool is used in place."""

import numpy as np
import pytest
import torch

from latentsweep.engine import BudgetSpec, ClassifierSpec, StrategySpec, TrialSpec, pack, run_pack, run_trial, selection

BUDGET = BudgetSpec(initial=20, batch=10, iterations=2)
MLP = ClassifierSpec(hidden=(32, 32), epochs=3, batch_size=20)


def trial(seed=0, **fields):
    return TrialSpec("digits", "projection", StrategySpec.build(fields).canonical(), MLP, BUDGET, seed)


STRATEGIES = [
    {"uncertainty": "bald", "mc_samples": 4},
    {"uncertainty": "max-entropy-mc", "mc_samples": 3, "batch": "random-partitions"},
    {"uncertainty": "margin"},
    {"batch": "batchbald", "mc_samples": 3, "configurations": 20, "subsample": 0.05},
    {"batch": "badge"},
]


@pytest.mark.parametrize("fields", STRATEGIES, ids=lambda f: "-".join(str(v) for v in f.values()))
def test_picks_do_not_depend_on_the_chunks(digits_latent, monkeypatch, fields):
    whole = run_trial(digits_latent, trial(**fields))
    monkeypatch.setattr(selection, "CHUNK_ROWS", 300)  # about 1,100 candidates: four chunks of 256+
    chunked = run_trial(digits_latent, trial(**fields))
    np.testing.assert_array_equal(chunked.queried_indices(), whole.queried_indices())


def test_mc_dropout_picks_do_not_depend_on_the_pack(digits_latent):
    """The MLP's own chunks held fewer rows the more members a pack had, and each chunk drew the masks of the
    first: BALD over more candidates than one chunk queried differently alone and in a pack."""
    wide = ClassifierSpec(hidden=(512,), epochs=2, batch_size=20)  # 512 units: the MLP's chunks were 512 / K rows
    members = [TrialSpec("digits", "projection", StrategySpec.build({"uncertainty": "bald", "mc_samples": 5}),
                         wide, BUDGET, seed) for seed in range(3)]  # fmt: skip
    together = run_pack(digits_latent, members)
    for member, result in zip(members, together, strict=True):
        alone = run_trial(digits_latent, member)
        np.testing.assert_array_equal(result.queried_indices(), alone.queried_indices())


def test_a_float32_pool_is_used_in_place_on_a_cpu():
    features = np.random.default_rng(0).random((1000, 8)).astype(np.float32)
    features.setflags(write=False)  # as the object store hands it over
    tensor = pack._pool_tensor(features, torch.device("cpu"))
    assert tensor.data_ptr() == features.ctypes.data and tensor.dtype == torch.float32


def test_a_rule_that_reads_no_features_gets_a_placeholder_of_their_shape(digits_latent):
    candidates = np.arange(900)
    placeholder = selection._features(digits_latent, candidates, needed=False)
    assert placeholder.shape == (900, digits_latent.pool.shape[1]) and placeholder.strides == (0, 0)
    np.testing.assert_array_equal(selection._features(digits_latent, candidates, True), digits_latent.pool[:900])
