"""LatentSet: one representation of one data set, as every trial on it needs it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..strategies import REPRESENTATIVENESS, distance_bound


@dataclass(frozen=True)
class LatentSet:
    """Features of pool [N, d], validation and test, with labels and precomputed scores.

    `pool` holds posterior means mu for VAEs (flattened pixels for `pixels`), `pool_logvar` the
    log-variances or None, `pool_reconstruction_error` the autoencoder's mean absolute error per image
    (for the `ae-error` initial selection) or None. `representativeness` maps a measure name to its
    scores [N] over the whole pool; `distance_bounds` maps a greedy distance name to its normalising
    bound. Arrays may be read-only (as they are when they come from the Ray object store).
    """

    dataset: str
    representation: str
    pool: np.ndarray
    pool_labels: np.ndarray
    val: np.ndarray
    val_labels: np.ndarray
    test: np.ndarray
    test_labels: np.ndarray
    n_classes: int
    pool_logvar: np.ndarray | None = None
    pool_reconstruction_error: np.ndarray | None = None
    representativeness: Mapping[str, np.ndarray] = field(default_factory=dict)
    distance_bounds: Mapping[str, float] = field(default_factory=dict)
    metadata: Mapping[str, object] = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return int(self.pool.shape[1])

    def collapse_warning(self) -> str | None:
        """One line when a trained VAE uses none of its latent dimensions (thesis 5.1.2: every pool mean
        within 0.1 of zero, posterior collapse): its latent vectors carry next to nothing about the images,
        so trials on it score about chance. None otherwise."""
        if self.pool_logvar is None or self.metadata.get("used_latent_dimensions", 1) != 0:
            return None
        return (
            f"representation {self.representation}: 0 of {self.n_features} latent dimensions used (posterior "
            "collapse: every pool mean is within 0.1 of zero): its latent vectors say next to nothing about the "
            "images; train it for more epochs, with a lower kl_weight, or use another kind"
        )

    def with_scores(self, measures: set[str] | frozenset[str], distances: set[str] | frozenset[str]) -> LatentSet:
        """A copy with the named representativeness arrays and distance bounds computed (once, here)."""
        scores = dict(self.representativeness)
        for name in sorted(set(measures) - set(scores)):
            scores[name] = REPRESENTATIVENESS[name](self.pool, self.pool_logvar).astype(np.float32)
        bounds = dict(self.distance_bounds)
        for name in sorted(set(distances) - set(bounds)):
            bounds[name] = distance_bound(name, self.pool, self.pool_logvar)
        return LatentSet(**{**self.__dict__, "representativeness": scores, "distance_bounds": bounds})
