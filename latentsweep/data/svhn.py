"""SVHN cropped digits from train_32x32.mat / test_32x32.mat, in greyscale (thesis 4.1.2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import LabelledData, check_labels

GREYSCALE_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def to_greyscale(rgb: np.ndarray) -> np.ndarray:
    """[N, H, W, 3] uint8 RGB -> [N, H, W] float32 in [0, 1]: 0.299 R + 0.587 G + 0.114 B, over 255."""
    return np.clip((rgb.astype(np.float32) @ GREYSCALE_WEIGHTS) / np.float32(255.0), 0.0, 1.0)


def read_svhn_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Reads one SVHN .mat file: X [32, 32, 3, N] uint8 and y [N, 1] with 10 for the digit 0."""
    if not path.exists():
        raise DataError(f"{path}: file not found")
    try:
        import scipy.io  # imported where used: workers start without it

        content = scipy.io.loadmat(path)
    except Exception as error:  # scipy raises several unrelated types for a corrupt file
        raise DataError(f"{path}: not a readable MATLAB file ({error})") from None
    for key in ("X", "y"):
        if key not in content:
            raise DataError(f"{path}: missing the array {key!r} (SVHN files hold 'X' and 'y')")
    images, labels = content["X"], content["y"]
    if images.ndim != 4 or images.shape[2] != 3:
        raise DataError(f"{path}: 'X' must have shape [H, W, 3, N], got {images.shape}")
    if images.dtype != np.uint8:
        raise DataError(f"{path}: 'X' must be uint8, got {images.dtype}")
    images = to_greyscale(np.moveaxis(images, 3, 0))
    labels = check_labels(labels.reshape(-1) if labels.ndim == 2 else labels, images.shape[0], 11, f"{path}: 'y'")
    if labels.size and labels.min() < 1:
        raise DataError(f"{path}: 'y' label {labels.min()} is out of range 1..10 (10 stands for the digit 0)")
    return images, np.where(labels == 10, 0, labels).astype(np.int64)


def load_svhn(directory: Path) -> LabelledData:
    """Loads train_32x32.mat and test_32x32.mat from a directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: data directory not found")
    train_images, train_labels = read_svhn_mat(directory / "train_32x32.mat")
    test_images, test_labels = read_svhn_mat(directory / "test_32x32.mat")
    return LabelledData("svhn", train_images, train_labels, test_images, test_labels, 10, source=str(directory))
