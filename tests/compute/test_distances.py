"""The blocked distance path against plain numpy over every pair, in float64 and float32, with blocks small
enough that every function crosses block borders (rows and columns)."""

import numpy as np
import pytest

from latentsweep import compute
from latentsweep.compute import device as compute_device


@pytest.fixture(params=["float64", "float32"])
def precision(request, monkeypatch):
    """Small blocks, and the float32 path forced where asked (every problem is 'large')."""
    monkeypatch.setattr(compute_device, "MIN_SIDE", 64)
    monkeypatch.setattr(compute_device, "BLOCK_BYTES", 64 * 64 * 8)
    if request.param == "float32":
        monkeypatch.setattr(compute_device, "EXACT_BYTES", 0)
    return request.param


def pairs(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


@pytest.fixture
def points():
    rng = np.random.default_rng(0)
    return rng.normal(size=(300, 7)) * 3 + 10, rng.normal(size=(90, 7)) + 10  # far from the origin, on purpose


def tolerance(precision):
    return {"rtol": 1e-10, "atol": 1e-9} if precision == "float64" else {"rtol": 2e-5, "atol": 2e-4}


def test_nearest_rows_of_another_set_and_of_the_same(precision, points):
    x, y = points
    squared, index = compute.nearest(x, y)
    full = pairs(x, y)
    np.testing.assert_allclose(squared, full.min(1), **tolerance(precision))
    assert (index == full.argmin(1)).mean() > 0.99  # float32 may swap exact near-ties
    own = pairs(x, x)
    np.fill_diagonal(own, np.inf)
    squared, index = compute.nearest(x, x, same=True)
    np.testing.assert_allclose(squared, own.min(1), **tolerance(precision))
    empty = compute.nearest(x, y[:0])
    assert np.isinf(empty[0]).all() and (empty[1] == -1).all()


def test_squared_distances_to_a_point(precision, points):
    x, _ = points
    np.testing.assert_allclose(compute.squared_to(x, x[17]), ((x - x[17]) ** 2).sum(1), **tolerance(precision))


def test_k_nearest_other_rows(precision, points):
    x, _ = points
    own = pairs(x, x)
    np.fill_diagonal(own, np.inf)
    expected = np.sort(own, 1)[:, :5]
    np.testing.assert_allclose(compute.knn(x, 5), expected, **tolerance(precision))
    assert compute.knn(x[:3], 10).shape == (3, 2)  # at most n - 1 others


def test_how_many_rows_lie_within_a_radius(precision, points):
    x, _ = points
    own = pairs(x, x)
    radius = float(np.sqrt(np.quantile(own, 0.02)))
    away = np.abs(own - radius**2) > 1e-3  # pairs away from the border, where float32 may round either way
    near = own <= radius**2
    counts = compute.count_within(x, radius)
    exact = np.all(away, axis=0)
    np.testing.assert_array_equal(counts[exact], near.sum(0)[exact])
    assert np.all(counts >= 1) and abs(int(counts.sum()) - int(near.sum())) <= 5
    of = np.array([3, 150, 299, 7])
    counts_of = compute.count_within(x, radius, of=of)
    exact = np.all(away[of], axis=0)
    np.testing.assert_array_equal(counts_of[exact], near[of].sum(0)[exact])
    assert counts_of[of].min() >= 1  # a row always counts itself


def test_nearest_of_another_label(precision, points):
    x, _ = points
    labels = np.arange(len(x)) % 3
    any_other, other_label = compute.nearest_other(x, labels)
    own = pairs(x, x)
    np.fill_diagonal(own, np.inf)
    np.testing.assert_allclose(any_other, own.min(1), **tolerance(precision))
    own[labels[:, None] == labels[None, :]] = np.inf
    np.testing.assert_allclose(other_label, own.min(1), **tolerance(precision))


def test_a_ball_around_each_point(precision, points):
    x, y = points
    which, rows, squared = compute.ball(y[:20], x, 4.0)
    full = pairs(y[:20], x)
    expected = np.argwhere(full <= 16.0)
    assert len(which) == len(expected)
    np.testing.assert_allclose(squared, full[which, rows], **tolerance(precision))
    order = np.lexsort((rows, squared, which))
    assert (order == np.arange(len(order))).all()  # by point, then distance, then row
