import numpy as np
import pytest

from latentsweep.strategies import UNCERTAINTY, entropy, least_confident, margin

PROBS = np.array(
    [
        [0.7, 0.2, 0.1],
        [0.4, 0.4, 0.2],
        [1.0, 0.0, 0.0],
        [1 / 3, 1 / 3, 1 / 3],
    ]
)


def test_least_confident_by_hand():
    np.testing.assert_allclose(least_confident(PROBS), [0.3, 0.6, 0.0, 2 / 3])


def test_margin_by_hand_including_a_tie_for_first_place():
    np.testing.assert_allclose(margin(PROBS), [0.5, 1.0, 0.0, 1.0])


def test_entropy_is_normalised_by_log_of_the_class_count():
    # row 0: -(0.7 ln 0.7 + 0.2 ln 0.2 + 0.1 ln 0.1) / ln 3 = 0.8018186 / 1.0986123
    np.testing.assert_allclose(entropy(PROBS), [0.729847, 0.960230, 0.0, 1.0], atol=1e-6)


def test_two_classes_margin_and_least_confident():
    probs = np.array([[0.9, 0.1], [0.5, 0.5]])
    np.testing.assert_allclose(margin(probs), [0.2, 1.0])
    np.testing.assert_allclose(least_confident(probs), [0.1, 0.5])
    np.testing.assert_allclose(entropy(probs), [0.468996, 1.0], atol=1e-6)


def test_a_single_class_has_no_uncertainty():
    probs = np.ones((3, 1))
    for name in ("least-confident", "margin", "entropy"):
        np.testing.assert_array_equal(UNCERTAINTY[name](probs), np.zeros(3))


def test_registered_names_are_the_thesis_measures():
    assert {"least-confident", "margin", "entropy"} <= set(UNCERTAINTY)


def test_rejects_probs_that_are_not_a_matrix():
    with pytest.raises(ValueError, match="2-D"):
        margin(np.array([0.5, 0.5]))
