import dataclasses

import numpy as np
import pytest

from latentsweep.data import load_splits
from latentsweep.errors import DataError


def test_digits_defaults():
    splits = load_splits("digits")
    assert splits.pool.shape == (1137, 8, 8)
    assert splits.val.shape == (300, 8, 8) and splits.test.shape == (360, 8, 8)
    assert splits.pool.max() == pytest.approx(1.0) and splits.pool.min() == 0.0
    assert splits.n_classes == 10


def test_validation_size_is_configurable_and_checked():
    assert load_splits("digits", validation_size=100).val.shape[0] == 100
    with pytest.raises(DataError, match="validation size 5000 must lie in 1..1436"):
        load_splits("digits", validation_size=5000)


def test_fingerprint_follows_the_content():
    assert load_splits("digits").fingerprint() == load_splits("digits").fingerprint()
    assert load_splits("digits").fingerprint() != load_splits("digits", validation_size=100).fingerprint()


def test_unknown_data_set_and_missing_path():
    with pytest.raises(DataError, match="unknown data set 'cifar'; known: digits, embeddings, fashion-mnist"):
        load_splits("cifar")
    with pytest.raises(DataError, match="'mnist' needs a path"):
        load_splits("mnist")


def test_splits_do_not_overlap():
    splits = load_splits("digits", validation_size=50)
    full = np.concatenate([splits.val, splits.pool])
    assert full.shape[0] == 1437


def test_the_last_rule_validates_on_the_last_training_images():
    splits = load_splits("digits", validation_size=100, split="last")
    first = load_splits("digits", validation_size=100, split="first")
    np.testing.assert_array_equal(splits.val, first.pool[-100:])  # the pool is the first 1,337 images
    np.testing.assert_array_equal(splits.pool[:100], first.val)


def _labelled(rows=300, dim=5, *, test=False, val=False, logvar=False, seed=0):
    from latentsweep.data import LabelledData

    rng = np.random.default_rng(seed)

    def vectors(n):
        return rng.standard_normal((n, dim)).astype(np.float32)

    return LabelledData(
        name="v", train=vectors(rows), train_labels=rng.integers(0, 4, rows), n_classes=4,
        test=vectors(40) if test else None, test_labels=rng.integers(0, 4, 40) if test else None,
        val=vectors(30) if val else None, val_labels=rng.integers(0, 4, 30) if val else None,
        train_logvar=vectors(rows) if logvar else None,
    )  # fmt: skip


@pytest.mark.parametrize("rule", ["first", "last", "stratified"])
@pytest.mark.parametrize("parts", ["none", "test", "val", "both"])
def test_a_split_by_reordering_in_place_equals_the_split_by_copies(rule, parts):
    """`reorder` (what `load_splits` does with arrays read for it alone): every part, label and log-variance
    the same as the copies give, the pool, validation and test vectors views of the one training array."""
    from latentsweep.data import make_splits

    fields = {"test": parts in ("test", "both"), "val": parts in ("val", "both"), "logvar": True}
    copied = make_splits(_labelled(**fields), 0.1, rule, seed=3)
    data = _labelled(**fields)
    reordered = make_splits(data, 0.1, rule, seed=3, reorder=True)
    for name in ("pool", "pool_labels", "val", "val_labels", "test", "test_labels", "pool_logvar"):
        np.testing.assert_array_equal(getattr(reordered, name), getattr(copied, name), err_msg=name)
    assert reordered.fingerprint() == copied.fingerprint()
    assert np.shares_memory(reordered.pool, data.train)
    if parts != "both":  # something was taken out of the training array: it is a view, not a copy
        taken = reordered.val if parts in ("none", "test") else reordered.test
        assert taken.base is data.train


def test_arrays_that_are_not_the_loaders_own_are_never_reordered():
    """A read-only array (a file mapped into memory) or one in column order is split by copies, and
    `load_splits` reorders only arrays its loader read for it (`owned`): a caller's arrays keep their order."""
    from latentsweep.data import make_splits

    data = _labelled(logvar=True)
    before = data.train.copy()
    data.train.flags.writeable = False
    split = make_splits(data, 0.1, "stratified", reorder=True)
    np.testing.assert_array_equal(data.train, before)
    assert not np.shares_memory(split.pool, data.train)
    columns = _labelled()
    columns = dataclasses.replace(columns, train=np.asfortranarray(columns.train))
    expected = make_splits(columns, 0.1, "first")
    split = make_splits(columns, 0.1, "first", reorder=True)
    np.testing.assert_array_equal(split.pool, expected.pool)
    assert not np.shares_memory(split.pool, columns.train) and split.pool.flags.c_contiguous
    assert not _labelled().owned


def test_embeddings_files_are_split_in_place_with_the_parts_a_copy_gives(tmp_path):
    """An .npz, a folder of .npy files and a Parquet file of the same vectors: `load_splits` gives the parts
    the copying split gives, and they are views of the one array the file was read into."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from latentsweep.data import load_embeddings, make_splits

    rng = np.random.default_rng(0)
    pool, labels = rng.standard_normal((500, 6)).astype(np.float32), rng.integers(0, 3, 500)
    np.savez(tmp_path / "v.npz", pool=pool, pool_labels=labels)
    (tmp_path / "npy").mkdir()
    np.save(tmp_path / "npy" / "pool.npy", pool)
    np.save(tmp_path / "npy" / "pool_labels.npy", labels)
    table = pa.table({"label": labels, "vector": pa.FixedSizeListArray.from_arrays(pa.array(pool.reshape(-1)), 6)})
    pq.write_table(table, tmp_path / "v.parquet", row_group_size=128)
    for path in (tmp_path / "v.npz", tmp_path / "npy", tmp_path / "v.parquet"):
        assert load_embeddings(path).owned
        split = load_splits("embeddings", path, split="stratified", seed=2)
        copied = make_splits(load_embeddings(path), 0.1, "stratified", 2)
        for name in ("pool", "pool_labels", "val", "val_labels", "test", "test_labels"):
            np.testing.assert_array_equal(getattr(split, name), getattr(copied, name), err_msg=f"{path} {name}")
        whole = split.pool.base
        assert whole is not None and whole.nbytes == pool.nbytes and split.test.base is split.val.base is whole
