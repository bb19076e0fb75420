"""MNIST-format IDX files (MNIST, Fashion-MNIST, any IDX image/label pair), gzipped or raw."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import LabelledData, check_images, check_labels, count_classes

# IDX type codes -> big-endian numpy dtypes (http://yann.lecun.com/exdb/mnist/ format description).
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

STANDARD_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def read_idx(path: Path, expected_ndim: int) -> np.ndarray:
    """Reads one IDX file (raw, or gzipped when its name ends in .gz) into an array."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as stream:
            raw = stream.read()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as error:
        kind = "a damaged gzip file" if path.suffix == ".gz" else "cannot be read"
        raise DataError(f"{path}: {kind} ({getattr(error, 'strerror', None) or error})") from None
    if len(raw) < 4:
        raise DataError(f"{path}: truncated (only {len(raw)} bytes, no IDX header)")
    zero, type_code, ndim = int.from_bytes(raw[0:2], "big"), raw[2], raw[3]
    if zero != 0 or type_code not in _IDX_DTYPES:
        raise DataError(f"{path}: wrong IDX magic number 0x{raw[:4].hex()} (expected 0x0000TTNN)")
    if ndim != expected_ndim:
        raise DataError(f"{path}: IDX file has {ndim} dimensions, expected {expected_ndim}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[type_code])
    count = 1
    for extent in shape:  # Python integers: a header claiming 2^31 x 2^31 x ... must not overflow
        count *= extent
    expected = header + count * dtype.itemsize
    if len(raw) < expected:
        raise DataError(f"{path}: truncated: {len(raw)} bytes, the header {shape} needs {expected}")
    if len(raw) > expected:
        raise DataError(f"{path}: {len(raw) - expected} bytes after the data the header {shape} declares")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(directory: Path, stem: str) -> Path:
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        try:
            if candidate.is_file():
                return candidate
        except OSError as error:
            raise DataError(f"{candidate}: cannot be read ({error.strerror})") from None
    raise DataError(f"{directory / stem}[.gz]: file not found")


def load_idx_directory(directory: Path, name: str, n_classes: int | None = 10) -> LabelledData:
    """Loads the four standard IDX files (train/t10k images and labels) from a directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: data directory not found (expected a folder of IDX files)")
    paths = {key: _find(directory, stem) for key, stem in STANDARD_FILES.items()}
    arrays = {key: read_idx(path, 3 if key.endswith("images") else 1) for key, path in paths.items()}
    train_images = check_images(arrays["train_images"], str(paths["train_images"]))
    test_images = check_images(arrays["test_images"], str(paths["test_images"]))
    train_labels = check_labels(arrays["train_labels"], train_images.shape[0], n_classes, str(paths["train_labels"]))
    test_labels = check_labels(arrays["test_labels"], test_images.shape[0], n_classes, str(paths["test_labels"]))
    if train_images.shape[1:] != test_images.shape[1:]:
        raise DataError(
            f"{paths['test_images']}: images of {test_images.shape[1:]} pixels, "
            f"but {paths['train_images'].name} holds {train_images.shape[1:]}"
        )
    classes = n_classes if n_classes is not None else count_classes(train_labels, test_labels)
    return LabelledData(name, train_images, train_labels, test_images, test_labels, classes, source=str(directory))
