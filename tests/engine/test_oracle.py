import numpy as np
import pytest

from latentsweep.engine import Oracle


def test_the_oracle_reveals_and_records():
    oracle = Oracle(np.array([5, 6, 7, 8]))
    np.testing.assert_array_equal(oracle.query(np.array([2, 0])), [7, 5])
    np.testing.assert_array_equal(oracle.unlabelled(), [1, 3])
    assert oracle.n_queried == 2 and [q.tolist() for q in oracle.queries] == [[2, 0]]


def test_a_label_cannot_be_asked_for_twice_or_outside_the_pool():
    oracle = Oracle(np.arange(4))
    oracle.query(np.array([1]))
    with pytest.raises(ValueError, match="twice"):
        oracle.query(np.array([1]))
    with pytest.raises(ValueError, match="twice"):
        oracle.query(np.array([2, 2]))
    with pytest.raises(IndexError):
        oracle.query(np.array([4]))
