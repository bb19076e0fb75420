"""Any image data set saved as .npz with arrays x, y (and optionally x_test, y_test); never unpickled."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import LabelledData, check_images, check_labels, count_classes


def read_npz(path: Path, expected: str) -> dict[str, np.ndarray]:
    """Every array of an .npz file, refusing object arrays (they would need pickle); `expected` names
    the arrays the file should hold, for the error messages."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder, expected an .npz file with {expected}")
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        if not zipfile.is_zipfile(path):
            hint = " (a single .npy array; save with numpy.savez)" if path.read_bytes()[:6] == b"\x93NUMPY" else ""
            raise DataError(f"{path}: not an .npz archive{hint}; expected {expected}")
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except DataError:
        raise
    except ValueError as error:  # object arrays need pickle, which is refused
        raise DataError(f"{path}: {str(error).splitlines()[0]}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        reason = getattr(error, "strerror", None) or error
        raise DataError(f"{path}: not a readable .npz file ({reason})") from None


def load_npz(path: Path, name: str = "npz") -> LabelledData:
    """Loads x [N, H, W] (uint8, or float in [0, 1]) and integer y [N], and x_test, y_test when present."""
    path = Path(path)
    arrays = read_npz(path, "x, y and optionally x_test, y_test")
    for key in ("x", "y"):
        if key not in arrays:
            raise DataError(f"{path}: missing the array {key!r} (expected x, y and optionally x_test, y_test)")
    if ("x_test" in arrays) != ("y_test" in arrays):
        raise DataError(f"{path}: x_test and y_test must be given together")
    images = check_images(arrays["x"], f"{path}: 'x'")
    labels = check_labels(arrays["y"], images.shape[0], None, f"{path}: 'y'")
    test_images = test_labels = None
    if "x_test" in arrays:
        test_images = check_images(arrays["x_test"], f"{path}: 'x_test'")
        test_labels = check_labels(arrays["y_test"], test_images.shape[0], None, f"{path}: 'y_test'")
        if test_images.shape[1:] != images.shape[1:]:
            raise DataError(f"{path}: 'x_test' images are {test_images.shape[1:]}, 'x' images {images.shape[1:]}")
    n_classes = count_classes(labels, test_labels)
    return LabelledData(name, images, labels, test_images, test_labels, n_classes, source=str(path))
