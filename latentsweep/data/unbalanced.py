"""The unbalanced variant of a data set ("Query Selection based on Latent Space Sampling", section 4).

Each even class of the pool gains `per_class` examples, made by a small random translation and rotation
of random originals of that class; each odd class loses `per_class` random examples. Validation and test
data are unchanged. Seeded: the same seed gives the same pool.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import DataError
from .dataset import Splits


def jitter(image: np.ndarray, rng: np.random.Generator, max_shift: float, max_rotation: float) -> np.ndarray:
    """One image [H, W] rotated by U(-max_rotation, max_rotation) degrees and shifted by U(-max_shift,
    max_shift) pixels along each axis (bilinear, zero outside), kept in [0, 1]."""
    from scipy import ndimage  # imported where used: workers start without it

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


LONG_TAIL_ORDERS = ("label", "shuffle")


def long_tail_pool(splits: Splits, ratio: float, order: str = "label", seed: int = 0) -> Splits:
    """The pool cut to an exponential long tail (Cui et al. 2019): the class of rank r (0 = head) keeps
    n_r = floor(n_max * ratio^(-r / (C - 1))) random examples, n_max the smallest class count of the pool,
    so the head keeps n_max and the tail n_max / ratio (at least 1). Ranks follow the labels (`label`) or a
    seeded shuffle (`shuffle`). Pool order is kept; validation and test untouched."""
    rng = np.random.default_rng([seed, 5])
    labels = splits.pool_labels
    classes = np.unique(labels)
    counts = np.array([np.count_nonzero(labels == c) for c in classes])
    ranked = classes if order == "label" else rng.permutation(classes)
    n_max, last = int(counts.min()), max(len(classes) - 1, 1)
    keep = np.zeros(labels.shape[0], dtype=bool)
    for rank, label in enumerate(ranked):
        size = max(1, int(np.floor(n_max * ratio ** (-rank / last) + 1e-9)))
        keep[rng.choice(np.flatnonzero(labels == label), size=size, replace=False)] = True
    logvar = None if splits.pool_logvar is None else splits.pool_logvar[keep]
    return dataclasses.replace(
        splits,
        name=f"{splits.name}-long-tail{ratio:g}",
        pool=splits.pool[keep],
        pool_labels=labels[keep],
        pool_logvar=logvar,
    )
