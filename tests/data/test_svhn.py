import numpy as np
import pytest
import scipy.io

from latentsweep.data import load_splits
from latentsweep.errors import DataError


def write_svhn(directory, n_train=12, n_test=4, seed=0):
    rng = np.random.default_rng(seed)
    for name, n in (("train_32x32.mat", n_train), ("test_32x32.mat", n_test)):
        images = rng.integers(0, 256, (32, 32, 3, n)).astype(np.uint8)
        labels = (np.arange(n) % 10 + 1).reshape(n, 1).astype(np.uint8)  # 1..10, 10 = digit 0
        scipy.io.savemat(directory / name, {"X": images, "y": labels})
    return directory


def test_greyscale_and_label_10_becomes_0(tmp_path):
    write_svhn(tmp_path)
    raw = scipy.io.loadmat(tmp_path / "train_32x32.mat")
    splits = load_splits("svhn", tmp_path, validation_size=2)
    assert splits.pool.shape == (10, 32, 32)
    r, g, b = (raw["X"][5, 7, c, 3].astype(float) for c in range(3))  # image 3 is pool image 1
    assert splits.pool[1, 5, 7] == pytest.approx((0.299 * r + 0.587 * g + 0.114 * b) / 255, abs=1e-6)
    np.testing.assert_array_equal(splits.val_labels, [1, 2])
    assert 0 in splits.pool_labels and 10 not in splits.pool_labels
    assert splits.pool_labels[7] == 0  # the 10th training image had label 10


def test_missing_array_names_the_file(tmp_path):
    write_svhn(tmp_path)
    scipy.io.savemat(tmp_path / "test_32x32.mat", {"X": np.zeros((32, 32, 3, 2), np.uint8)})
    with pytest.raises(DataError, match=r"test_32x32.mat: missing the array 'y'"):
        load_splits("svhn", tmp_path, validation_size=2)


def test_wrong_shape_and_labels_out_of_range(tmp_path):
    write_svhn(tmp_path)
    scipy.io.savemat(tmp_path / "train_32x32.mat", {"X": np.zeros((32, 32, 2), np.uint8), "y": np.ones((2, 1))})
    with pytest.raises(DataError, match=r"'X' must have shape \[H, W, 3, N\]"):
        load_splits("svhn", tmp_path, validation_size=1)
    scipy.io.savemat(
        tmp_path / "train_32x32.mat", {"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[1], [11]])}
    )
    with pytest.raises(DataError, match="label 11 is out of range"):
        load_splits("svhn", tmp_path, validation_size=1)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="train_32x32.mat: file not found"):
        load_splits("svhn", tmp_path, validation_size=1)
