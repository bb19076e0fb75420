import numpy as np
import pytest

from latentsweep.data import load_splits
from latentsweep.errors import DataError


def test_npz_with_its_own_test_set(tmp_path):
    path = tmp_path / "set.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.random((30, 6, 6)), y=np.arange(30) % 3, x_test=rng.random((5, 6, 6)), y_test=np.arange(5) % 3)
    splits = load_splits("npz", path, validation_size=10)
    assert splits.pool.shape == (20, 6, 6) and splits.test.shape == (5, 6, 6)
    assert splits.n_classes == 3 and splits.pool.dtype == np.float32


def test_npz_without_a_test_set_holds_out_the_last_fifth_with_the_first_rule(tmp_path):
    path = tmp_path / "set.npz"
    np.savez(path, x=np.zeros((50, 4, 4), np.uint8), y=np.arange(50) % 2)
    splits = load_splits("npz", path, validation_size=5, split="first")
    assert splits.test.shape[0] == 10 and splits.pool.shape[0] == 35
    np.testing.assert_array_equal(splits.test_labels, np.arange(40, 50) % 2)


def test_a_class_sorted_npz_is_split_stratified_by_default(tmp_path):
    # 3 classes of 40, sorted by label: the first / last examples would be one class
    path = tmp_path / "sorted.npz"
    x = np.random.default_rng(0).integers(0, 256, (120, 4, 4)).astype(np.uint8)
    np.savez(path, x=x, y=np.repeat([0, 1, 2], 40))
    splits = load_splits("npz", path, validation_size=15)
    assert splits.name == "npz"  # the data set kind, never the file's name
    # 20% test = 24, 8 per class; validation 15 = 5 per class; the rest is the pool
    assert np.bincount(splits.test_labels).tolist() == [8, 8, 8]
    assert np.bincount(splits.val_labels).tolist() == [5, 5, 5]
    assert np.bincount(splits.pool_labels).tolist() == [27, 27, 27]
    # nothing lost, nothing twice: the three parts are the file's 120 images
    parts = np.concatenate([splits.pool, splits.val, splits.test]).reshape(120, -1)
    assert len({row.tobytes() for row in parts}) == len({row.tobytes() for row in x.reshape(120, -1) / 255.0})
    # seeded: the same seed gives the same split, another seed another one
    again = load_splits("npz", path, validation_size=15)
    np.testing.assert_array_equal(again.val, splits.val)
    other = load_splits("npz", path, validation_size=15, seed=1)
    assert not np.array_equal(other.val, splits.val)


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, x=np.array([object()] * 3, dtype=object), y=np.zeros(3))
    with pytest.raises(DataError, match="evil.npz"):
        load_splits("npz", path, validation_size=1)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": np.zeros((4, 2, 2))}, "missing the array 'y'"),
        ({"x": np.zeros((4, 2, 2)), "y": np.zeros(3)}, "3 labels for 4 examples"),
        ({"x": np.full((4, 2, 2), 2.0), "y": np.zeros(4)}, r"must lie in \[0, 1\]"),
        ({"x": np.zeros((4, 4)), "y": np.zeros(4)}, r"expected images of shape \[N, H, W\]"),
        ({"x": np.zeros((4, 2, 2)), "y": np.array([0, 1, -1, 0])}, "label -1 is out of range"),
        ({"x": np.zeros((4, 2, 2), np.int32), "y": np.zeros(4)}, "expected uint8 or float images"),
    ],
)
def test_bad_npz_contents(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=message):
        load_splits("npz", path, validation_size=1)


def test_not_a_zip(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a zip file")
    with pytest.raises(DataError, match="broken.npz"):
        load_splits("npz", path, validation_size=1)
