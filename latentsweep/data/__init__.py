"""Data loaders: every one returns images [N, H, W] float32 in [0, 1] and int64 labels.

`load_splits(name, path, validation_size)` loads a data set by name and splits it into pool,
validation (the first `validation_size` training images) and test data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import DataError
from .dataset import ImageDataset, Splits, check_images, check_labels, split_validation
from .digits import load_digits
from .idx import load_idx_directory, read_idx
from .npz import load_npz
from .svhn import load_svhn, to_greyscale
from .unbalanced import jitter, unbalance_pool

FASHION_MNIST_DEFAULT_PATH = Path("/usr/share/datasets/fashion-mnist")

# name -> (loader(path), default path or None when a path is required, default validation size)
DATASETS: dict[str, tuple[Callable[[Path | None], ImageDataset], Path | None, int]] = {
    "digits": (lambda path: load_digits(), None, 300),
    "mnist": (lambda path: load_idx_directory(path, "mnist"), None, 5000),
    "fashion-mnist": (lambda path: load_idx_directory(path, "fashion-mnist"), FASHION_MNIST_DEFAULT_PATH, 5000),
    "idx": (lambda path: load_idx_directory(path, Path(path).name, n_classes=None), None, 5000),
    "svhn": (lambda path: load_svhn(path), None, 5000),
    "npz": (lambda path: load_npz(path), None, 5000),
}

NEEDS_PATH = frozenset({"mnist", "idx", "svhn", "npz"})


def load_splits(name: str, path: str | Path | None = None, validation_size: int | None = None) -> Splits:
    """Loads data set `name` (from `path` where it needs one) and splits off validation data."""
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; known: {', '.join(sorted(DATASETS))}")
    loader, default_path, default_validation = DATASETS[name]
    if path is None:
        if name in NEEDS_PATH:
            raise DataError(f"data set {name!r} needs a path to its files")
        path = default_path
    dataset = loader(None if path is None else Path(path))
    return split_validation(dataset, default_validation if validation_size is None else validation_size)


__all__ = [
    "DATASETS",
    "FASHION_MNIST_DEFAULT_PATH",
    "ImageDataset",
    "Splits",
    "check_images",
    "check_labels",
    "jitter",
    "load_digits",
    "load_idx_directory",
    "load_npz",
    "load_splits",
    "load_svhn",
    "read_idx",
    "split_validation",
    "to_greyscale",
    "unbalance_pool",
]
