"""Any image data set saved as .npz with arrays x, y (and optionally x_test, y_test)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import ImageDataset, check_images, check_labels

# Without x_test / y_test, this last fraction of x, y becomes the test set.
HELD_OUT_TEST_FRACTION = 0.2


def load_npz(path: Path) -> ImageDataset:
    """Loads x [N, H, W] (uint8, or float in [0, 1]) and integer y [N]; never unpickles objects."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except ValueError as error:  # object arrays need pickle, which is refused
        raise DataError(f"{path}: {error}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path}: not a readable .npz file ({error})") from None
    for key in ("x", "y"):
        if key not in arrays:
            raise DataError(f"{path}: missing the array {key!r} (expected x, y and optionally x_test, y_test)")
    if ("x_test" in arrays) != ("y_test" in arrays):
        raise DataError(f"{path}: x_test and y_test must be given together")
    images = check_images(arrays["x"], f"{path}: 'x'")
    labels = check_labels(arrays["y"], images.shape[0], None, f"{path}: 'y'")
    if "x_test" in arrays:
        test_images = check_images(arrays["x_test"], f"{path}: 'x_test'")
        test_labels = check_labels(arrays["y_test"], test_images.shape[0], None, f"{path}: 'y_test'")
    else:
        n_test = max(1, round(HELD_OUT_TEST_FRACTION * images.shape[0]))
        if n_test >= images.shape[0]:
            raise DataError(f"{path}: too few images ({images.shape[0]}) to hold out a test set")
        images, test_images = images[:-n_test], images[-n_test:]
        labels, test_labels = labels[:-n_test], labels[-n_test:]
    n_classes = int(max(labels.max(), test_labels.max())) + 1
    return ImageDataset(path.stem, images, labels, test_images, test_labels, n_classes)
