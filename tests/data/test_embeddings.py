"""Embeddings files read as they are written: a Parquet file of many row groups gives what an .npz of the same
vectors gives, and its defects are named whatever row group holds them."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from latentsweep.data.embeddings import load_embeddings
from latentsweep.errors import DataError


def _vectors(n=230, d=6):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, d)).astype(np.float32)
    labels = rng.integers(0, 4, n)
    split = np.array(["pool"] * 150 + ["val"] * 40 + ["test"] * 40)
    return x, labels, split


def _npz(tmp_path, x, labels, split):
    path = tmp_path / "same.npz"
    parts = {part: split == part for part in ("pool", "val", "test")}
    np.savez(
        path,
        **{part: x[rows] for part, rows in parts.items()},
        **{f"{part}_labels": labels[rows] for part, rows in parts.items()},
    )
    return load_embeddings(path)


@pytest.mark.parametrize("layout", ["list", "fixed-size-list", "columns"])
def test_a_parquet_file_of_many_row_groups_reads_as_the_npz_of_the_same_vectors(tmp_path, layout):
    x, labels, split = _vectors()
    if layout == "columns":
        columns = {f"x{i}": x[:, i] for i in range(x.shape[1])}
    else:
        kind = pa.list_(pa.float32(), x.shape[1]) if layout == "fixed-size-list" else pa.list_(pa.float32())
        columns = {"vector": pa.array(list(x), type=kind)}
    table = pa.table({**columns, "label": labels, "split": split})
    path = tmp_path / "many.parquet"
    pq.write_table(table, path, row_group_size=32)  # 8 row groups, the last one short
    assert pq.ParquetFile(path).num_row_groups == 8
    read, expected = load_embeddings(path), _npz(tmp_path, x, labels, split)
    for part in ("train", "val", "test"):  # the file's pool is the data set's training part
        np.testing.assert_array_equal(getattr(read, part), getattr(expected, part))
        np.testing.assert_array_equal(getattr(read, f"{part}_labels"), getattr(expected, f"{part}_labels"))
    assert read.train.dtype == np.float32 and read.train.shape == (150, 6)


def test_a_vector_of_another_length_in_a_later_row_group_is_named(tmp_path):
    x, labels, _ = _vectors()
    rows = [list(v) for v in x]
    rows[200] = rows[200][:4]  # in the seventh row group
    table = pa.table({"vector": pa.array(rows, type=pa.list_(pa.float32())), "label": labels})
    path = tmp_path / "ragged.parquet"
    pq.write_table(table, path, row_group_size=32)
    with pytest.raises(DataError, match=r"ragged.parquet: column 'vector' holds vectors of different lengths \[4, 6\]"):
        load_embeddings(path)


def test_missing_vectors_are_counted_over_every_row_group(tmp_path):
    x, labels, _ = _vectors()
    rows: list = [list(v) for v in x]
    for missing in (3, 100, 229):  # the first, the fourth and the last row group
        rows[missing] = None
    table = pa.table({"vector": pa.array(rows, type=pa.list_(pa.float32())), "label": labels})
    path = tmp_path / "holes.parquet"
    pq.write_table(table, path, row_group_size=32)
    with pytest.raises(DataError, match="holes.parquet: column 'vector' has 3 missing rows"):
        load_embeddings(path)
