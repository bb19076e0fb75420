"""What the loop measures for stopping criteria after every fit: the trained models' predictions on a fixed
stop set (Bloodgood & Vijay-Shanker 2009), compared with the previous iteration's, and their uncertainty
there (Zhu et al. 2008). Computed from one forward pass over the stop set; stored as curve columns."""

from __future__ import annotations

import math

import numpy as np

STOP_SET_SIZE = 2000  # Bloodgood & Vijay-Shanker's stop set: a fixed sample of the unlabelled pool
STOP_SET_STREAM = 3  # numpy stream [0, 3]: the same stop set for every trial of a pool

# Curve columns: each in [0, 1]; agreement and changed are NaN at the first iteration (no previous model).
STOP_COLUMNS = ("stop_agreement", "stop_changed", "stop_uncertainty", "stop_max_uncertainty")


def stop_set(pool_size: int) -> np.ndarray:
    """The stop set's pool indices [min(STOP_SET_SIZE, N)], sorted: drawn once per pool, whatever the trial."""
    rng = np.random.default_rng([0, STOP_SET_STREAM])
    return np.sort(rng.choice(pool_size, size=min(STOP_SET_SIZE, pool_size), replace=False))


def kappa(first: np.ndarray, second: np.ndarray, n_classes: int) -> float:
    """Cohen's kappa of two labellings [m]: (p_o - p_e) / (1 - p_e), 1 when both give one and the same class."""
    observed = float(np.mean(first == second))
    expected = float(np.dot(np.bincount(first, minlength=n_classes), np.bincount(second, minlength=n_classes)))
    expected /= len(first) ** 2
    return 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)


def stop_scores(probabilities: np.ndarray, previous: np.ndarray | None) -> dict[str, np.ndarray]:
    """The STOP_COLUMNS [K] of K models' probabilities on the stop set [K, m, C], against the previous
    iteration's predicted classes [K, m] (None at the first iteration). Uncertainty is the entropy over
    log C (1: uniform); `stop_max_uncertainty` is the stop set's most uncertain example's (Zhu's max
    confidence criterion reads it)."""
    k, _, classes = probabilities.shape
    p = np.clip(probabilities.astype(np.float64), 1e-12, 1.0)
    entropy = -(p * np.log(p)).sum(axis=-1) / math.log(classes)
    predicted = probabilities.argmax(axis=-1)
    scores = {
        "stop_agreement": np.full(k, np.nan),
        "stop_changed": np.full(k, np.nan),
        "stop_uncertainty": entropy.mean(axis=1),
        "stop_max_uncertainty": entropy.max(axis=1),
    }
    if previous is not None:
        scores["stop_agreement"] = np.array([kappa(predicted[i], previous[i], classes) for i in range(k)])
        scores["stop_changed"] = (predicted != previous).mean(axis=1)
    return scores
