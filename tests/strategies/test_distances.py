import numpy as np
import pytest

from latentsweep.strategies import DISTANCES, distance_bound


def test_cosine_distance_by_hand():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(DISTANCES["cosine"](x, None, 0), [0.0, 0.5, 1.0, 0.5])


def test_euclidean_distances_by_hand():
    x = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    np.testing.assert_allclose(DISTANCES["euclidean"](x, None, 1), [5.0, 0.0, 5.0])
    np.testing.assert_allclose(DISTANCES["sq-euclidean"](x, None, 0), [0.0, 25.0, 100.0])


def test_j_divergence_by_hand():
    mu = np.array([[0.0], [1.0], [0.0]])
    logvar = np.array([[0.0], [0.0], [np.log(2.0)]])
    np.testing.assert_allclose(DISTANCES["j-divergence"](mu, logvar, 0), [0.0, 1.0, 0.25])
    with pytest.raises(ValueError, match="log-variances"):
        DISTANCES["j-divergence"](mu, None, 0)


def test_distance_bounds_are_twice_the_largest_distance_to_the_origin():
    x = np.array([[3.0, 4.0], [0.0, 1.0]])
    assert distance_bound("euclidean", x, None) == pytest.approx(10.0)
    assert distance_bound("sq-euclidean", x, None) == pytest.approx(100.0)
    assert distance_bound("cosine", x, None) == 1.0
    mu, logvar = np.array([[0.0], [1.0]]), np.zeros((2, 1))
    # J to N(0, 1): 0 and 0.5 ((1 + 1) + (1 + 1) - 2) = 1
    assert distance_bound("j-divergence", mu, logvar) == pytest.approx(2.0)


def test_euclidean_bound_holds_for_every_pair():
    x = np.random.default_rng(1).normal(size=(40, 5))
    bound = distance_bound("euclidean", x, None)
    largest = max(DISTANCES["euclidean"](x, None, j).max() for j in range(40))
    assert largest <= bound


@pytest.mark.parametrize("name", sorted(DISTANCES))
def test_a_prepared_distance_equals_the_plain_one(name):
    from latentsweep.strategies import prepared

    rng = np.random.default_rng(3)
    features, logvar = rng.normal(size=(60, 7)), rng.normal(scale=0.5, size=(60, 7))
    distance = prepared(name, features, logvar)
    for j in (0, 17, 59):
        # the expanded forms differ from the direct ones by rounding only (sqrt of ~1e-15 at the row itself)
        np.testing.assert_allclose(distance(j), DISTANCES[name](features, logvar, j), rtol=1e-9, atol=1e-6)
