import numpy as np
import pytest

from latentsweep.data import load_splits, unbalance_pool
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
