import numpy as np
import pytest

from latentsweep.data import load_splits
from latentsweep.errors import DataError


def test_digits_defaults():
    splits = load_splits("digits")
    assert splits.pool.shape == (1137, 8, 8)
    assert splits.val.shape == (300, 8, 8) and splits.test.shape == (360, 8, 8)
    assert splits.pool.max() == pytest.approx(1.0) and splits.pool.min() == 0.0
    assert splits.n_classes == 10


def test_validation_size_is_configurable_and_checked():
    assert load_splits("digits", validation_size=100).val.shape[0] == 100
    with pytest.raises(DataError, match="validation size 5000 must lie in 1..1436"):
        load_splits("digits", validation_size=5000)


def test_fingerprint_follows_the_content():
    assert load_splits("digits").fingerprint() == load_splits("digits").fingerprint()
    assert load_splits("digits").fingerprint() != load_splits("digits", validation_size=100).fingerprint()


def test_unknown_data_set_and_missing_path():
    with pytest.raises(DataError, match="unknown data set 'cifar'; known: digits, embeddings, fashion-mnist"):
        load_splits("cifar")
    with pytest.raises(DataError, match="'mnist' needs a path"):
        load_splits("mnist")


def test_splits_do_not_overlap():
    splits = load_splits("digits", validation_size=50)
    full = np.concatenate([splits.val, splits.pool])
    assert full.shape[0] == 1437


def test_the_last_rule_validates_on_the_last_training_images():
    splits = load_splits("digits", validation_size=100, split="last")
    first = load_splits("digits", validation_size=100, split="first")
    np.testing.assert_array_equal(splits.val, first.pool[-100:])  # the pool is the first 1,337 images
    np.testing.assert_array_equal(splits.pool[:100], first.val)
