import numpy as np
import pytest

from latentsweep.data import load_splits
from latentsweep.engine import BudgetSpec, ClassifierSpec, LatentSet


def read_only(array):
    array = np.array(array)
    array.setflags(write=False)
    return array


@pytest.fixture(scope="session")
def digits_latent() -> LatentSet:
    """Digits with a cheap, deterministic 'representation': pixel features projected to 10 dimensions,
    and made-up log-variances, all read-only as arrays from the object store are."""
    splits = load_splits("digits")
    projection = np.random.default_rng(0).normal(size=(64, 10)).astype(np.float32) / 8

    def features(images):
        return read_only(images.reshape(len(images), -1) @ projection)

    pool = features(splits.pool)
    return LatentSet(
        dataset="digits",
        representation="projection",
        pool=pool,
        pool_logvar=read_only(np.full(pool.shape, -1.0, dtype=np.float32)),
        pool_labels=read_only(splits.pool_labels),
        val=features(splits.val),
        val_labels=read_only(splits.val_labels),
        test=features(splits.test),
        test_labels=read_only(splits.test_labels),
        n_classes=10,
    )


SMALL_BUDGET = BudgetSpec(initial=20, batch=10, iterations=4)
SMALL_CLASSIFIER = ClassifierSpec(hidden=(32, 32), epochs=5, batch_size=20)
