"""Image data sets as arrays, their checks, and the pool / validation / test split (thesis 4.1)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..errors import DataError


@dataclass(frozen=True)
class ImageDataset:
    """A labelled image data set as loaded: images [N, H, W] float32 in [0, 1], labels [N] int64."""

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    n_classes: int


@dataclass(frozen=True)
class Splits:
    """The three parts active learning uses: the unlabelled pool, validation and test images.

    Images [n, H, W] float32 in [0, 1], labels [n] int64. Pool labels are only ever revealed through an
    oracle by the active-learning loop.
    """

    name: str
    pool_images: np.ndarray
    pool_labels: np.ndarray
    val_images: np.ndarray
    val_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    n_classes: int

    @property
    def image_shape(self) -> tuple[int, int]:
        return tuple(self.pool_images.shape[1:])  # type: ignore[return-value]

    def fingerprint(self) -> str:
        """A content hash of every array and the class count: same data, same fingerprint."""
        digest = hashlib.sha256(f"{self.n_classes}".encode())
        for array in (
            self.pool_images,
            self.pool_labels,
            self.val_images,
            self.val_labels,
            self.test_images,
            self.test_labels,
        ):
            digest.update(str((array.dtype.str, array.shape)).encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]


def check_images(images: np.ndarray, source: str) -> np.ndarray:
    """Checks images [N, H, W] (or [N, H, W, 1]) and returns them as float32 in [0, 1].

    uint8 images are divided by 255; float images must already lie in [0, 1].
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise DataError(f"{source}: expected images of shape [N, H, W], got shape {images.shape}")
    if images.shape[0] == 0 or images.shape[1] == 0 or images.shape[2] == 0:
        raise DataError(f"{source}: no images (shape {images.shape})")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    if not np.issubdtype(images.dtype, np.floating):
        raise DataError(f"{source}: expected uint8 or float images, got dtype {images.dtype}")
    images = images.astype(np.float32)
    if not np.all(np.isfinite(images)) or images.min() < 0.0 or images.max() > 1.0:
        raise DataError(f"{source}: float pixel values must lie in [0, 1]")
    return images


def check_labels(labels: np.ndarray, n_images: int, n_classes: int | None, source: str) -> np.ndarray:
    """Checks labels [N] against the image count and the class range; returns them as int64."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise DataError(f"{source}: expected labels of shape [N], got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        if not (np.issubdtype(labels.dtype, np.floating) and np.all(labels == np.round(labels))):
            raise DataError(f"{source}: expected integer labels, got dtype {labels.dtype}")
    if labels.shape[0] != n_images:
        raise DataError(f"{source}: {labels.shape[0]} labels for {n_images} images")
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise DataError(f"{source}: label {labels.min()} is out of range (labels must be >= 0)")
    if n_classes is not None and labels.size and labels.max() >= n_classes:
        raise DataError(f"{source}: label {labels.max()} is out of range 0..{n_classes - 1}")
    return labels


def split_validation(dataset: ImageDataset, validation_size: int) -> Splits:
    """Takes the first `validation_size` training images as validation data, the rest as the pool."""
    n_train = dataset.train_images.shape[0]
    if validation_size < 0 or validation_size >= n_train:
        raise DataError(
            f"{dataset.name}: validation size {validation_size} must lie in 0..{n_train - 1} "
            f"(the training set has {n_train} images)"
        )
    if dataset.train_images.shape[1:] != dataset.test_images.shape[1:]:
        raise DataError(
            f"{dataset.name}: training images are {dataset.train_images.shape[1:]}, "
            f"test images {dataset.test_images.shape[1:]}"
        )
    return Splits(
        name=dataset.name,
        pool_images=dataset.train_images[validation_size:],
        pool_labels=dataset.train_labels[validation_size:],
        val_images=dataset.train_images[:validation_size],
        val_labels=dataset.train_labels[:validation_size],
        test_images=dataset.test_images,
        test_labels=dataset.test_labels,
        n_classes=dataset.n_classes,
    )
