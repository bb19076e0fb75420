import numpy as np
import pytest

from latentsweep.data import load_splits
from latentsweep.engine import evaluate_query_set


def test_a_query_set_is_evaluated_on_its_own():
    splits = load_splits("digits")
    indices = np.arange(0, 400, 2)
    settings = dict(update_steps=200, batch_size=50, width=0.25, learning_rate=3e-3, seed=1)
    result = evaluate_query_set(splits, indices, **settings)
    assert result.update_steps == 200 and 0.0 <= result.test_accuracy <= 1.0
    assert result.test_accuracy > 0.4  # learns from 200 labelled digits (chance: 0.1)
    assert sum(result.class_counts) == 200
    np.testing.assert_array_equal(result.class_counts, np.bincount(splits.pool_labels[indices], minlength=10))
    assert result.class_entropy == pytest.approx(
        -sum(c / 200 * np.log(c / 200) for c in result.class_counts if c), rel=1e-9
    )
    again = evaluate_query_set(splits, indices, **settings)
    assert again.test_accuracy == result.test_accuracy


def test_equal_update_steps_whatever_the_size():
    splits = load_splits("digits")
    small = evaluate_query_set(splits, np.arange(10), update_steps=12, batch_size=20, width=0.25, test_limit=50)
    large = evaluate_query_set(splits, np.arange(300), update_steps=12, batch_size=20, width=0.25, test_limit=50)
    assert small.update_steps == large.update_steps == 12
