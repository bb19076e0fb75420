"""Real data files in every format the loaders read, written from scikit-learn's digits (so that a
sweep on them learns something): IDX folders, SVHN .mat folders, .npz, embeddings as .npz, a folder of
.npy files and Parquet."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.io
from sklearn.datasets import load_digits

from .idx_files import write_idx


def digits_arrays(sort_by_label: bool = False):
    """Digits as uint8 images [1797, 8, 8] (0..255) and labels; optionally sorted by label, as many
    exported files are."""
    bunch = load_digits()
    images = np.round(bunch.images * (255 / 16)).astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    if sort_by_label:
        order = np.argsort(labels, kind="stable")
        images, labels = images[order], labels[order]
    return images, labels


def write_idx_folder(folder: Path, gz: bool = False) -> Path:
    """The four standard IDX files: 1,500 training and 297 test digits."""
    images, labels = digits_arrays()
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / "train-images-idx3-ubyte", images[:1500], gz)
    write_idx(folder / "train-labels-idx1-ubyte", labels[:1500], gz)
    write_idx(folder / "t10k-images-idx3-ubyte", images[1500:], gz)
    write_idx(folder / "t10k-labels-idx1-ubyte", labels[1500:], gz)
    return folder


def write_svhn_folder(folder: Path) -> Path:
    """train_32x32.mat / test_32x32.mat as SVHN has them (X [H, W, 3, N] uint8, y [N, 1] with 10 for 0),
    from digits repeated into three colour channels."""
    images, labels = digits_arrays()
    folder.mkdir(parents=True, exist_ok=True)
    for name, part in (("train_32x32.mat", slice(0, 1500)), ("test_32x32.mat", slice(1500, None))):
        rgb = np.repeat(images[part][..., None], 3, axis=-1)  # [N, 8, 8, 3]
        y = np.where(labels[part] == 0, 10, labels[part]).reshape(-1, 1).astype(np.uint8)
        scipy.io.savemat(folder / name, {"X": np.moveaxis(rgb, 0, -1), "y": y})
    return folder


def write_npz(path: Path, sort_by_label: bool = True, with_test: bool = False) -> Path:
    images, labels = digits_arrays(sort_by_label)
    if with_test:
        np.savez(path, x=images[:1500], y=labels[:1500], x_test=images[1500:], y_test=labels[1500:])
    else:
        np.savez(path, x=images, y=labels)
    return path


def digits_embeddings(dimension: int = 12, seed: int = 0):
    """Digits through a fixed random projection: vectors [1797, d], labels, and made-up log-variances."""
    images, labels = digits_arrays(sort_by_label=True)
    projection = np.random.default_rng(seed).normal(size=(64, dimension)) / 64
    vectors = (images.reshape(len(images), -1).astype(np.float64) @ projection).astype(np.float32)
    logvar = np.full_like(vectors, -2.0) + np.random.default_rng(seed + 1).normal(0, 0.1, vectors.shape)
    return vectors, labels, logvar.astype(np.float32)


def write_embeddings(path: Path, layout: str = "npz", logvar: bool = True) -> Path:
    """Embeddings of the digits in one of the accepted layouts: 'npz' (pool and test parts), 'npy' (a
    folder of .npy files, pool only), 'parquet-list' (one list column, split column) or 'parquet-columns'
    (one column per dimension, no split column)."""
    vectors, labels, logvars = digits_embeddings()
    test = np.arange(len(labels)) % 6 == 0  # every sixth row is a test example
    if layout == "npz":
        arrays = {
            "pool": vectors[~test],
            "pool_labels": labels[~test],
            "test": vectors[test],
            "test_labels": labels[test],
        }
        if logvar:
            arrays["pool_logvar"] = logvars[~test]
        np.savez(path, **arrays)
    elif layout == "npy":
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "pool.npy", vectors)
        np.save(path / "pool_labels.npy", labels)
        if logvar:
            np.save(path / "pool_logvar.npy", logvars)
    elif layout == "parquet-list":
        split = np.where(test, "test", "pool")
        columns = {"label": labels, "split": split, "embedding": list(vectors)}
        if logvar:
            columns["logvar"] = list(logvars)
        pq.write_table(pa.table(columns), path)
    elif layout == "parquet-columns":
        columns = {f"dim_{i}": vectors[:, i] for i in range(vectors.shape[1])}
        pq.write_table(pa.table({"label": labels, **columns}), path)
    else:
        raise ValueError(layout)
    return path
