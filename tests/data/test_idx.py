import numpy as np
import pytest

from latentsweep.data import load_splits, read_idx
from latentsweep.errors import DataError

from .idx_files import idx_bytes, write_idx, write_mnist_directory


@pytest.mark.parametrize("gz", [False, True])
def test_reads_an_idx_directory_raw_or_gzipped(tmp_path, gz):
    write_mnist_directory(tmp_path, n_train=40, n_test=10, gz=gz)
    splits = load_splits("mnist", tmp_path, validation_size=15)
    assert splits.pool.shape == (25, 8, 8) and splits.pool.dtype == np.float32
    assert splits.val.shape == (15, 8, 8) and splits.test.shape == (10, 8, 8)
    assert splits.pool_labels.dtype == np.int64
    np.testing.assert_array_equal(splits.val_labels, np.arange(15) % 10)  # the first training images
    assert 0.0 <= splits.pool.min() and splits.pool.max() <= 1.0


def test_pixel_values_are_divided_by_255(tmp_path):
    path = write_idx(tmp_path / "images", np.array([[[0, 51], [255, 102]]]))
    np.testing.assert_array_equal(read_idx(path, 3), [[[0, 51], [255, 102]]])
    write_mnist_directory(tmp_path / "d")
    raw = read_idx(tmp_path / "d" / "train-images-idx3-ubyte", 3)
    splits = load_splits("mnist", tmp_path / "d", validation_size=1)
    np.testing.assert_allclose(splits.pool, raw[1:] / 255.0, rtol=1e-6)


def test_wrong_magic_number_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x12\x34\x08\x03" + bytes(20))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: wrong IDX magic number 0x12340803"):
        read_idx(path, 3)


def test_truncated_file(tmp_path):
    path = tmp_path / "images"
    path.write_bytes(idx_bytes(np.zeros((4, 3, 3)))[:-5])
    with pytest.raises(DataError, match="images: truncated"):
        read_idx(path, 3)


def test_wrong_dimension_count(tmp_path):
    path = write_idx(tmp_path / "labels", np.zeros((4, 3)))
    with pytest.raises(DataError, match="2 dimensions, expected 1"):
        read_idx(path, 1)


def test_image_and_label_counts_must_match(tmp_path):
    write_mnist_directory(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(39))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte: 39 labels for 40 examples"):
        load_splits("mnist", tmp_path, validation_size=5)


def test_labels_out_of_range(tmp_path):
    write_mnist_directory(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 12]))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte: label 12 is out of range 0..9"):
        load_splits("mnist", tmp_path, validation_size=5)


def test_missing_file_and_directory(tmp_path):
    write_mnist_directory(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\[.gz\]: file not found"):
        load_splits("mnist", tmp_path, validation_size=5)
    with pytest.raises(DataError, match="data directory not found"):
        load_splits("mnist", tmp_path / "nowhere", validation_size=5)


def test_a_generic_idx_pair_takes_its_class_count_from_the_labels(tmp_path):
    write_mnist_directory(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(40) % 3)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(10) % 3)
    assert load_splits("idx", tmp_path, validation_size=5).n_classes == 3


def test_fashion_mnist_from_the_debian_package():
    splits = load_splits("fashion-mnist")
    assert splits.pool.shape == (55000, 28, 28)
    assert splits.val.shape == (5000, 28, 28)
    assert splits.test.shape == (10000, 28, 28)
    assert splits.n_classes == 10 and set(np.unique(splits.test_labels)) == set(range(10))
