"""scikit-learn's bundled 8x8 digits: small, real, and needs no download."""

from __future__ import annotations

import numpy as np

from .dataset import LabelledData

N_TEST = 360  # the last 360 of 1,797 images (20%)


def load_digits() -> LabelledData:
    """1,437 training and 360 test images of 8x8 pixels, values 0..16 scaled to [0, 1]."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    labels = bunch.target.astype(np.int64)
    return LabelledData(
        "digits", images[:-N_TEST], labels[:-N_TEST], images[-N_TEST:], labels[-N_TEST:], 10, source="sklearn digits"
    )
