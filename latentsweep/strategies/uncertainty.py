"""Uncertainty measures in [0, 1], 1 = most uncertain (thesis 3.4.1).

Each takes the class probabilities predicted for n instances, probs [n, C], and returns scores [n].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..registry import Registry, check_needs, declared_params
from .needs import MODEL_OUTPUTS, NEEDS
from .work import Work, forward

UncertaintyFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class UncertaintyMeasure:
    """What an uncertainty measure declares: the model outputs it is called with, in order
    ('probabilities': [n, C] class probabilities of the trained classifier), parameters of its own
    (name -> default; their values come as keyword arguments), and `rowwise`: whether a candidate's score
    depends on its own outputs alone, so that a large pool is scored in chunks of rows (the conformance kit
    checks the claim) and its work (`cost`, `strategies.work`)."""

    needs: tuple[str, ...] = ("probabilities",)
    params: Mapping[str, Any] = field(default_factory=dict)
    rowwise: bool = True
    cost: Callable[[Work], float] = forward  # its work per selection (`work`): by default one pass over the candidates

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs", check_needs(self.needs, {k: NEEDS[k] for k in MODEL_OUTPUTS}))
        object.__setattr__(self, "params", declared_params(self.params))


UNCERTAINTY: Registry[UncertaintyFn] = Registry("uncertainty measure", UncertaintyMeasure)


def _check_probs(probs: np.ndarray) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2:
        raise ValueError(f"probs must be 2-D [n, C], got shape {probs.shape}")
    return probs


@UNCERTAINTY.register("least-confident")
def least_confident(probs: np.ndarray) -> np.ndarray:
    """1 - p1, with p1 the largest class probability."""
    probs = _check_probs(probs)
    if probs.shape[0] == 0:
        return np.zeros(0)
    return np.clip(1.0 - probs.max(axis=1), 0.0, 1.0)


@UNCERTAINTY.register("margin")
def margin(probs: np.ndarray) -> np.ndarray:
    """1 - (p1 - p2), with p1 >= p2 the two largest class probabilities (p2 = 0 for one class)."""
    probs = _check_probs(probs)
    if probs.shape[0] == 0:
        return np.zeros(0)
    if probs.shape[1] == 1:
        return np.clip(1.0 - probs[:, 0], 0.0, 1.0)
    top_two = np.partition(probs, probs.shape[1] - 2, axis=1)[:, -2:]
    return np.clip(1.0 - (top_two[:, 1] - top_two[:, 0]), 0.0, 1.0)


@UNCERTAINTY.register("entropy")
def entropy(probs: np.ndarray) -> np.ndarray:
    """H(p) / log C, the Shannon entropy normalised by its maximum (0 when C = 1)."""
    probs = _check_probs(probs)
    n_classes = probs.shape[1]
    if probs.shape[0] == 0 or n_classes < 2:
        return np.zeros(probs.shape[0])
    p = np.clip(probs, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return np.clip(-terms.sum(axis=1) / np.log(n_classes), 0.0, 1.0)
