"""The stop-set measures by hand: Cohen's kappa, changed predictions, normalised entropy."""

import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from latentsweep.stopping import STOP_SET_SIZE, kappa, stop_scores, stop_set


def test_kappa_by_hand_and_as_scikit_learn_computes_it():
    """a = [0, 0, 1, 1], b = [0, 1, 1, 1]: p_o = 3/4; marginals a (2, 2), b (1, 3): p_e = (2 + 6) / 16 = 1/2;
    kappa = (3/4 - 1/2) / (1 - 1/2) = 1/2."""
    a, b = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])
    assert kappa(a, b, 3) == pytest.approx(0.5)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 5, 300), rng.integers(0, 5, 300)
    y[:200] = x[:200]
    assert kappa(x, y, 5) == pytest.approx(cohen_kappa_score(x, y), rel=1e-12)
    assert kappa(np.zeros(4, int), np.zeros(4, int), 2) == 1.0  # one class throughout: full agreement


def test_stop_scores_of_two_models():
    """Two classes, three stop-set examples. Model 0: p = (1, 0), (0.5, 0.5), (0.5, 0.5) -> entropies / log 2:
    0, 1, 1 -> mean 2/3, max 1; predictions 0, 0, 0 (ties to the first class) against previous 0, 1, 0:
    one of three changed."""
    probabilities = np.array([[[1.0, 0.0], [0.5, 0.5], [0.5, 0.5]], [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]])
    first = stop_scores(probabilities, None)
    assert np.isnan(first["stop_agreement"]).all() and np.isnan(first["stop_changed"]).all()
    scores = stop_scores(probabilities, np.array([[0, 1, 0], [0, 1, 1]]))
    assert scores["stop_uncertainty"][0] == pytest.approx(2 / 3, abs=1e-9)
    assert scores["stop_max_uncertainty"][0] == pytest.approx(1.0, abs=1e-9)
    assert scores["stop_changed"].tolist() == pytest.approx([1 / 3, 0.0])
    assert scores["stop_agreement"][1] == 1.0
    h = lambda p: -(p * math.log(p) + (1 - p) * math.log(1 - p)) / math.log(2)  # noqa: E731
    assert scores["stop_uncertainty"][1] == pytest.approx((h(0.9) + h(0.8) + h(0.7)) / 3, rel=1e-9)


def test_the_stop_set_is_fixed_per_pool():
    assert np.array_equal(stop_set(55_000), stop_set(55_000)) and len(stop_set(55_000)) == STOP_SET_SIZE
    assert np.all(np.diff(stop_set(55_000)) > 0) and len(stop_set(300)) == 300
