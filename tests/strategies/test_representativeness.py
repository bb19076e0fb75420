import numpy as np
import pytest

from latentsweep.strategies import REPRESENTATIVENESS
from latentsweep.strategies.representativeness import (
    mean_euclidean_distance,
    mean_j_divergence,
    one_minus_normalised,
)

LINE = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
AXES = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
PIXELS = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
MU_1D = np.array([[0.0], [1.0], [0.0]])
LOGVAR_1D = np.array([[0.0], [0.0], [np.log(2.0)]])


def test_density_euclidean_by_hand():
    # mean distances: (0+5+10)/3 = 5, (5+0+5)/3 = 10/3, 5
    np.testing.assert_allclose(REPRESENTATIVENESS["density-euclidean"](LINE, None), [0.0, 1 / 3, 0.0])


def test_density_sq_euclidean_by_hand():
    # mean squared distances: 125/3, 50/3, 125/3
    np.testing.assert_allclose(REPRESENTATIVENESS["density-sq-euclidean"](LINE, None), [0.0, 0.6, 0.0], atol=1e-12)


def test_distance_to_origin_by_hand():
    np.testing.assert_allclose(REPRESENTATIVENESS["distance-to-origin"](LINE, None), [1.0, 0.5, 0.0])
    np.testing.assert_allclose(REPRESENTATIVENESS["sq-distance-to-origin"](LINE, None), [1.0, 0.75, 0.0])


def test_density_cosine_by_hand():
    # cosines of row 0: 1, 0, 1/sqrt 2 -> mean 0.569036 -> (mean + 1) / 2
    np.testing.assert_allclose(
        REPRESENTATIVENESS["density-cosine"](AXES, None), [0.784518, 0.784518, 0.902369], atol=1e-6
    )
    np.testing.assert_allclose(
        REPRESENTATIVENESS["pixel-density-cosine"](AXES, None), [0.569036, 0.569036, 0.804738], atol=1e-6
    )


def test_pixel_density_mse_and_normalised_euclidean_by_hand():
    # pairwise MSE: (0,1) 1, (0,2) 0.5, (1,2) 0.5
    np.testing.assert_allclose(REPRESENTATIVENESS["pixel-density-mse"](PIXELS, None), [0.5, 0.5, 2 / 3])
    # normalised Euclidean = sqrt(MSE): row 0 mean (0 + 1 + 0.707107) / 3
    np.testing.assert_allclose(
        REPRESENTATIVENESS["pixel-density-euclidean"](PIXELS, None), [0.430964, 0.430964, 0.528595], atol=1e-6
    )


def test_kl_to_prior_by_hand():
    # KL: 0, 0.5, 0.5 (2 - 1 - ln 2) = 0.153426
    np.testing.assert_allclose(REPRESENTATIVENESS["kl-to-prior"](MU_1D, LOGVAR_1D), [1.0, 0.0, 1 - 0.306853], atol=1e-6)


def test_density_j_divergence_by_hand():
    # J(0,1) = 1, J(0,2) = 0.25, J(1,2) = 1: means 5/12, 2/3, 5/12
    np.testing.assert_allclose(REPRESENTATIVENESS["density-j-divergence"](MU_1D, LOGVAR_1D), [0.375, 0.0, 0.375])


def test_closed_form_j_divergence_matches_the_pairwise_definition():
    rng = np.random.default_rng(3)
    mu, logvar = rng.normal(size=(7, 4)), rng.normal(scale=0.5, size=(7, 4))
    var = np.exp(logvar)
    pairwise = np.zeros((7, 7))
    for a in range(7):
        for b in range(7):
            d2 = (mu[a] - mu[b]) ** 2
            pairwise[a, b] = 0.5 * np.sum((d2 + var[a]) / var[b] + (d2 + var[b]) / var[a] - 2)
    np.testing.assert_allclose(mean_j_divergence(mu, logvar), pairwise.mean(axis=1), rtol=1e-10)


def test_blocked_euclidean_matches_a_full_matrix_across_block_boundaries(monkeypatch):
    import latentsweep.strategies.representativeness as module

    monkeypatch.setattr(module, "_BLOCK_ELEMENTS", 37)  # forces blocks of 1 row for n = 50
    points = np.random.default_rng(0).normal(size=(50, 3))
    full = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2).mean(axis=1)
    # exact up to the float32 rounding of each squared distance (about 1e-7 of |x|^2, 1e-8 of the mean)
    np.testing.assert_allclose(mean_euclidean_distance(points), full, rtol=1e-7, atol=1e-12)


def test_measures_needing_a_posterior_say_so_when_it_is_missing():
    for name in ("kl-to-prior", "density-j-divergence"):
        with pytest.raises(ValueError, match="log-variances"):
            REPRESENTATIVENESS[name](LINE, None)


def test_all_equal_distances_give_full_representativeness():
    np.testing.assert_array_equal(one_minus_normalised(np.zeros(4)), np.ones(4))
