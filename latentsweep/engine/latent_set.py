"""LatentSet: one representation of one data set, as every trial on it needs it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from ..strategies import REPRESENTATIVENESS, distance_bound

# a decoder must close at least this fraction of the gap between the mean image's cross-entropy and a perfect
# reconstruction's to count as using z
MIN_RECONSTRUCTION_GAIN = 0.1
WHAT_WORKS = (
    'measured on 7,200 Fashion-MNIST images in 10 epochs, the conv and dense VAE learn with init = "keras" (their '
    'default: 72% and 64% of the way), the CAE with init = "torch" (its default: 54%); else train for more epochs, '
    "lower kl_weight, or use more pool images or another kind"
)


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

    def reconstruction_gain(self) -> float | None:
        """How far a trained autoencoder's reconstructions go from the mean image's cross-entropy (0) to a
        perfect reconstruction's (1); None when the metadata do not hold the three (not an autoencoder)."""
        keys = ("reconstruction_bce", "mean_image_bce", "perfect_bce")  # floats, as train_representation stores them
        own, mean, perfect = (cast("float | None", self.metadata.get(k)) for k in keys)
        if own is None or mean is None or perfect is None or mean - perfect <= 0:
            return None
        return (mean - own) / (mean - perfect)

    def collapse_warning(self) -> str | None:
        """One line when a trained autoencoder learnt next to nothing, None otherwise: a VAE that uses none
        of its latent dimensions (thesis 5.1.2: every pool mean within 0.1 of zero, posterior collapse), or
        any autoencoder whose reconstructions are barely better than the pool's mean image (a decoder that
        ignores z; its latents carry little about the images, so trials on them score near chance)."""
        used = self.metadata.get("used_latent_dimensions", 1)
        gain = self.reconstruction_gain()
        if self.pool_logvar is not None and used == 0:
            found = (
                f"0 of {self.n_features} latent dimensions used (posterior collapse: every pool mean is within "
                "0.1 of zero)"
            )
        elif gain is not None and gain < MIN_RECONSTRUCTION_GAIN:
            meta, better = self.metadata, "barely" if gain > 0 else "no"
            found = (
                f"its reconstructions are {better} better than the pool's mean image (cross-entropy "
                f"{meta['reconstruction_bce']:.1f} per image against the mean image's {meta['mean_image_bce']:.1f} "
                f"and a perfect reconstruction's {meta['perfect_bce']:.1f}: {gain:.0%} of the way; the decoder "
                "ignores most of z)"
            )
        else:
            return None
        return (
            f"representation {self.representation}: {found}: its latent vectors say next to nothing about the "
            f"images; {WHAT_WORKS}"
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
