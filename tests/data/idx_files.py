"""Writes small files in the exact MNIST IDX format, for loader tests."""

import gzip
from pathlib import Path

import numpy as np


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    dtype = {0x08: ">u1", 0x0D: ">f4"}[type_code]
    return header + array.astype(dtype).tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    data = idx_bytes(array)
    if gz:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wb") as stream:
            stream.write(data)
    else:
        path.write_bytes(data)
    return path


def write_mnist_directory(directory: Path, n_train=40, n_test=10, side=8, gz=False, seed=0) -> Path:
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    write_idx(directory / "train-images-idx3-ubyte", rng.integers(0, 256, (n_train, side, side)), gz)
    write_idx(directory / "train-labels-idx1-ubyte", np.arange(n_train) % 10, gz)
    write_idx(directory / "t10k-images-idx3-ubyte", rng.integers(0, 256, (n_test, side, side)), gz)
    write_idx(directory / "t10k-labels-idx1-ubyte", np.arange(n_test) % 10, gz)
    return directory
