import numpy as np
import pytest

from latentsweep.data import Splits, load_splits, long_tail_pool, unbalance_pool
from latentsweep.data.unbalanced import jitter
from latentsweep.errors import DataError


def test_even_classes_gain_and_odd_classes_lose():
    splits = load_splits("digits")
    before = np.bincount(splits.pool_labels, minlength=10)
    unbalanced = unbalance_pool(splits, per_class=50, seed=1)
    after = np.bincount(unbalanced.pool_labels, minlength=10)
    np.testing.assert_array_equal(after - before, [50, -50] * 5)
    assert unbalanced.pool.shape == (len(unbalanced.pool_labels), 8, 8)
    assert unbalanced.pool.dtype == np.float32
    assert 0.0 <= unbalanced.pool.min() and unbalanced.pool.max() <= 1.0
    np.testing.assert_array_equal(unbalanced.val, splits.val)  # untouched
    np.testing.assert_array_equal(unbalanced.test_labels, splits.test_labels)
    assert unbalanced.fingerprint() != splits.fingerprint() and unbalanced.name == "digits-unbalanced"


def test_seeded_and_reproducible():
    splits = load_splits("digits")
    first, second = unbalance_pool(splits, 30, seed=2), unbalance_pool(splits, 30, seed=2)
    np.testing.assert_array_equal(first.pool, second.pool)
    assert not np.array_equal(first.pool, unbalance_pool(splits, 30, seed=3).pool)


def test_copies_are_small_moves_of_originals_of_their_class():
    image = np.zeros((28, 28), np.float32)
    image[10:18, 12:16] = 1.0
    moved = jitter(image, np.random.default_rng(0), max_shift=2.0, max_rotation=15.0)
    assert not np.array_equal(moved, image)
    assert abs(moved.sum() - image.sum()) / image.sum() < 0.2  # mass kept: a move, not a new shape
    ys, xs = np.nonzero(moved > 0.5)
    assert abs(ys.mean() - 13.5) < 3 and abs(xs.mean() - 13.5) < 3


def test_a_class_too_small_to_lose_is_an_error():
    with pytest.raises(DataError, match="cannot remove 5000"):
        unbalance_pool(load_splits("digits"), per_class=5000)


def _vectors(counts: list[int]) -> Splits:
    labels = np.repeat(np.arange(len(counts)), counts)[np.random.default_rng(0).permutation(sum(counts))]
    pool = np.arange(labels.size, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    logvar = -pool
    val = np.zeros((4, 3), np.float32)
    return Splits("toy", pool, labels, val, np.arange(4), val, np.arange(4), len(counts), pool_logvar=logvar)


def test_the_long_tail_keeps_n_max_times_ratio_to_the_minus_rank_over_c_minus_1():
    splits = _vectors([50, 40, 60, 45])  # n_max = 40, the smallest class
    tail = long_tail_pool(splits, ratio=8.0)
    # 40 * 8^(-r/3): 40, 20, 10, 5 for ranks 0..3 = labels 0..3
    np.testing.assert_array_equal(np.bincount(tail.pool_labels), [40, 20, 10, 5])
    kept = tail.pool[:, 0].astype(int)
    assert (np.diff(kept) > 0).all()  # a subset, in pool order
    np.testing.assert_array_equal(tail.pool_labels, splits.pool_labels[kept])
    np.testing.assert_array_equal(tail.pool_logvar, -tail.pool)  # the posterior rows travel with their vectors
    np.testing.assert_array_equal(tail.val, splits.val)
    assert tail.name == "toy-long-tail8" and tail.fingerprint() != splits.fingerprint()


def test_a_shuffled_long_tail_draws_the_class_order_by_its_seed():
    splits = _vectors([40, 40, 40, 40, 40])
    counts = {seed: tuple(np.bincount(long_tail_pool(splits, 16.0, "shuffle", seed).pool_labels)) for seed in range(6)}
    for found in counts.values():  # 40 * 16^(-r/4): 40, 20, 10, 5, 2.5 -> 2
        assert sorted(found, reverse=True) == [40, 20, 10, 5, 2]
    assert len(set(counts.values())) > 1
    first, again = long_tail_pool(splits, 16.0, "shuffle", 3), long_tail_pool(splits, 16.0, "shuffle", 3)
    np.testing.assert_array_equal(first.pool, again.pool)


def test_a_ratio_of_one_keeps_every_class_at_the_smallest_count():
    tail = long_tail_pool(_vectors([12, 9, 30]), ratio=1.0)
    np.testing.assert_array_equal(np.bincount(tail.pool_labels), [9, 9, 9])
