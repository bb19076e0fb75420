"""The unbalanced variant of a data set ("Query Selection based on Latent Space Sampling", section 4).

Each even class of the pool gains `per_class` examples, made by a small random translation and rotation
of random originals of that class; each odd class loses `per_class` random examples. Validation and test
data are unchanged. Seeded: the same seed gives the same pool.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import ndimage

from ..errors import DataError
from .dataset import Splits


def jitter(image: np.ndarray, rng: np.random.Generator, max_shift: float, max_rotation: float) -> np.ndarray:
    """One image [H, W] rotated by U(-max_rotation, max_rotation) degrees and shifted by U(-max_shift,
    max_shift) pixels along each axis (bilinear, zero outside), kept in [0, 1]."""
    rotated = ndimage.rotate(image, rng.uniform(-max_rotation, max_rotation), reshape=False, order=1, mode="constant")
    shifted = ndimage.shift(rotated, rng.uniform(-max_shift, max_shift, size=2), order=1, mode="constant")
    return np.clip(shifted, 0.0, 1.0).astype(np.float32)


def unbalance_pool(
    splits: Splits, per_class: int = 2000, seed: int = 0, max_shift: float = 2.0, max_rotation: float = 15.0
) -> Splits:
    """The pool with `per_class` jittered copies added to every even class and `per_class` examples
    removed from every odd class, shuffled; validation and test untouched."""
    rng = np.random.default_rng([seed, 4])
    images, labels = splits.pool, splits.pool_labels
    keep = np.ones(labels.shape[0], dtype=bool)
    new_images, new_labels = [], []
    for label in range(splits.n_classes):
        members = np.flatnonzero(labels == label)
        if label % 2 == 0:
            if members.size == 0:
                raise DataError(f"{splits.name}: class {label} has no examples to copy")
            for original in rng.choice(members, size=per_class, replace=True):
                new_images.append(jitter(images[original], rng, max_shift, max_rotation))
            new_labels.append(np.full(per_class, label, dtype=np.int64))
        else:
            if members.size <= per_class:
                raise DataError(
                    f"{splits.name}: class {label} has {members.size} pool examples, cannot remove {per_class}"
                )
            keep[rng.choice(members, size=per_class, replace=False)] = False
    pool_images = np.concatenate([images[keep], *([np.stack(new_images)] if new_images else [])])
    pool_labels = np.concatenate([labels[keep], *new_labels])
    order = rng.permutation(pool_labels.shape[0])
    return dataclasses.replace(
        splits, name=f"{splits.name}-unbalanced", pool=pool_images[order], pool_labels=pool_labels[order]
    )
