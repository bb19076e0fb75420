"""Data sets: a registry of loaders returning labelled images [N, H, W] (float32 in [0, 1]) or vectors
[N, d], and the pool / validation / test split.

`load_splits(name, path, validation_size=, split=, seed=)` loads data set `name` (from `path` where it
needs one) and splits it by the data set's default rule or the one given.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import DataError
from .dataset import (
    SPLIT_RULES,
    LabelledData,
    Splits,
    check_images,
    check_labels,
    make_splits,
    missing_classes,
    stratified_sample,
)
from .embeddings import load_embeddings
from .idx import load_idx_directory, read_idx
from .npz import load_npz
from .registry import DATASETS, FASHION_MNIST_DEFAULT_PATH, DatasetKind
from .svhn import load_svhn, to_greyscale
from .unbalanced import LONG_TAIL_ORDERS, jitter, long_tail_pool, unbalance_pool


def load_data(name: str, path: str | Path | None = None) -> LabelledData:
    """Loads data set `name` as its files hold it (from `path`, or the kind's default path)."""
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; known: {', '.join(sorted(DATASETS))}")
    kind: DatasetKind = DATASETS.declared(name)
    if path is None:
        if kind.needs_path:
            raise DataError(f"data set {name!r} needs a path: {kind.path_kind}")
        path = kind.default_path
    data = DATASETS[name](None if path is None else Path(path), name)
    return dataclasses.replace(data, name=name)  # trials and latent sets name the kind, never the file


def load_splits(
    name: str,
    path: str | Path | None = None,
    *,
    validation_size: int | float | None = None,
    split: str | None = None,
    seed: int = 0,
    test_fraction: float = 0.2,
) -> Splits:
    """Loads data set `name` and splits off validation (and, when the files have none, test) data."""
    data = load_data(name, path)
    kind: DatasetKind = DATASETS.declared(name)
    size = kind.validation_size if validation_size is None else validation_size
    return make_splits(data, size, split or kind.split, seed, test_fraction, reorder=data.owned)


__all__ = [
    "DATASETS",
    "FASHION_MNIST_DEFAULT_PATH",
    "LONG_TAIL_ORDERS",
    "SPLIT_RULES",
    "DatasetKind",
    "LabelledData",
    "Splits",
    "check_images",
    "check_labels",
    "jitter",
    "load_data",
    "load_embeddings",
    "load_idx_directory",
    "load_npz",
    "load_splits",
    "load_svhn",
    "long_tail_pool",
    "make_splits",
    "missing_classes",
    "read_idx",
    "stratified_sample",
    "to_greyscale",
    "unbalance_pool",
]
