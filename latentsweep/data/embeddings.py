"""Precomputed embeddings from any encoder (CLIP, DINO, SimCLR, your own VAE) as labelled vectors.

Three layouts, all read without unpickling:

- an `.npz` file, or a folder of `.npy` files, holding `pool` [N, d] and `pool_labels` [N], optionally
  `pool_logvar` [N, d] (posterior log-variances), `val` / `val_labels` and `test` / `test_labels`;
- a Parquet file with a `label` column, an optional `split` column (`pool`, `val`, `test`; without it
  every row is pool), the vectors as one list column or as one numeric column per dimension, and
  optionally a list column `logvar` (pool rows).

Missing validation or test parts are drawn from the pool by the configured split rule.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import LabelledData, check_labels, count_classes
from .npz import read_npz

PARTS = ("pool", "val", "test")
ARRAY_NAMES = "pool, pool_labels and optionally pool_logvar, val, val_labels, test, test_labels"


CHECK_ROWS = 65_536  # rows checked at a time: no pool-sized temporary of a million-row file


def check_vectors(vectors: np.ndarray, source: str) -> np.ndarray:
    """Checks vectors [N, d] of real numbers, all finite; returns them as float32 (the array itself when it is
    float32 already: no copy of a large file)."""
    if not isinstance(vectors, np.ndarray):
        vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise DataError(f"{source}: expected vectors of shape [N, d], got shape {vectors.shape}")
    if vectors.shape[0] == 0 or vectors.shape[1] == 0:
        raise DataError(f"{source}: no vectors (shape {vectors.shape})")
    if not (np.issubdtype(vectors.dtype, np.floating) or np.issubdtype(vectors.dtype, np.integer)):
        raise DataError(f"{source}: expected float vectors, got dtype {vectors.dtype}")
    vectors = vectors.astype(np.float32, copy=False)
    bad_count, first = 0, None
    for start in range(0, vectors.shape[0], CHECK_ROWS):
        bad = ~np.isfinite(vectors[start : start + CHECK_ROWS])
        if bad.any():
            bad_count += int(bad.sum())
            first = first if first is not None else start + int(np.flatnonzero(bad.any(axis=1))[0])
    if bad_count:
        raise DataError(f"{source}: {bad_count} values are NaN or infinite (first in row {first})")
    return vectors


def _from_arrays(arrays: dict[str, np.ndarray], source: str, name: str) -> LabelledData:
    if "pool" not in arrays or "pool_labels" not in arrays:
        missing = "pool" if "pool" not in arrays else "pool_labels"
        raise DataError(f"{source}: missing the array {missing!r} (expected {ARRAY_NAMES})")
    unknown = sorted(set(arrays) - {f"{p}{s}" for p in PARTS for s in ("", "_labels")} - {"pool_logvar"})
    if unknown:
        raise DataError(f"{source}: unexpected array {unknown[0]!r} (expected {ARRAY_NAMES})")
    vectors, labels = {}, {}
    for part in PARTS:
        if (part in arrays) != (f"{part}_labels" in arrays):
            raise DataError(f"{source}: {part!r} and '{part}_labels' must be given together")
        if part in arrays:
            vectors[part] = check_vectors(arrays[part], f"{source}: {part!r}")
            labels[part] = check_labels(
                arrays[f"{part}_labels"], vectors[part].shape[0], None, f"{source}: '{part}_labels'"
            )
    dimension = vectors["pool"].shape[1]
    for part, array in vectors.items():
        if array.shape[1] != dimension:
            raise DataError(f"{source}: {part!r} vectors have {array.shape[1]} dimensions, 'pool' has {dimension}")
    logvar = None
    if "pool_logvar" in arrays:
        logvar = check_vectors(arrays["pool_logvar"], f"{source}: 'pool_logvar'")
        if logvar.shape != vectors["pool"].shape:
            raise DataError(f"{source}: 'pool_logvar' has shape {logvar.shape}, 'pool' {vectors['pool'].shape}")
    return LabelledData(
        name=name,
        train=vectors["pool"],
        train_labels=labels["pool"],
        test=vectors.get("test"),
        test_labels=labels.get("test"),
        n_classes=count_classes(*labels.values()),
        val=vectors.get("val"),
        val_labels=labels.get("val"),
        train_logvar=logvar,
        source=source,
        owned=True,
    )


def _read_npy_folder(folder: Path) -> dict[str, np.ndarray]:
    arrays = {}
    try:
        files = sorted(folder.glob("*.npy"))
    except OSError as error:
        raise DataError(f"{folder}: cannot be read ({error.strerror})") from None
    if not files:
        raise DataError(f"{folder}: no .npy files (expected {ARRAY_NAMES} as <name>.npy)")
    for file in files:
        try:  # read whole (not memory-mapped): the split then reorders these rows in place, one copy in all
            arrays[file.stem] = np.load(file, allow_pickle=False)
        except ValueError as error:
            raise DataError(f"{file}: {str(error).splitlines()[0]}") from None
        except (OSError, EOFError) as error:
            raise DataError(f"{file}: not a readable .npy file ({getattr(error, 'strerror', None) or error})") from None
    return arrays


def _read_parquet(path: Path) -> dict[str, np.ndarray]:
    """A Parquet file's labelled vectors, read one row group at a time into arrays made once at their full size:
    Arrow never holds the decoded file whole (a million 768-wide rows are 3 GB), and what its allocator freed
    is given back after every group."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(path)
        schema = file.schema_arrow
    except (OSError, pa.ArrowException) as error:
        raise DataError(f"{path}: not a readable Parquet file ({str(error).splitlines()[0]})") from None
    names = schema.names
    if "label" not in names:
        raise DataError(f"{path}: missing the column 'label' (expected label, optional split, the vectors)")

    def is_list(name: str) -> bool:
        kind = schema.field(name).type
        return pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)

    lists = [name for name in names if name != "logvar" and is_list(name)]
    scalars = [name for name in names if name not in ("label", "split", "logvar", *lists)]
    if len(lists) > 1:
        raise DataError(f"{path}: several list columns ({', '.join(lists)}); expected one holding the vectors")
    if lists and scalars:
        raise DataError(f"{path}: a list column {lists[0]!r} and other columns ({scalars[0]}, ...); expected one")
    for name in scalars:
        kind = schema.field(name).type
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
            raise DataError(f"{path}: column {name!r} is {kind}, expected numbers (one column per dimension)")
    if not lists and not scalars:
        raise DataError(f"{path}: no vector columns (expected one list column or one column per dimension)")
    rows = file.metadata.num_rows

    def groups(columns: list[str]):
        """(first row, the row group's table of `columns`) for each row group, Arrow's freed memory returned."""
        first = 0
        for group in range(file.num_row_groups):
            try:
                table = file.read_row_group(group, columns=columns)
            except (OSError, pa.ArrowException) as error:
                raise DataError(f"{path}: not a readable Parquet file ({str(error).splitlines()[0]})") from None
            yield first, table
            first += table.num_rows
            del table
            pa.default_memory_pool().release_unused()

    def matrix(column: str) -> np.ndarray:
        """The list column as one float32 [N, d] array, filled chunk by chunk."""
        out: np.ndarray | None = None
        missing = 0
        for first, table in groups([column]):
            row = first
            for chunk in table.column(column).chunks:
                missing += chunk.null_count
                if missing:
                    continue
                lengths = pc.list_value_length(chunk).to_numpy(zero_copy_only=False)
                if out is None and not len(lengths):
                    continue  # an empty chunk before any row
                width = out.shape[1] if out is not None else int(lengths[0])
                if (lengths != width).any():
                    found = sorted({width, *np.unique(lengths).tolist()})
                    raise DataError(f"{path}: column {column!r} holds vectors of different lengths {found[:3]}")
                flat = chunk.flatten().to_numpy(zero_copy_only=False)
                kind = flat.dtype
                if not (np.issubdtype(kind, np.floating) or np.issubdtype(kind, np.integer)):
                    raise DataError(f"{path}: column {column!r} holds {kind} values, expected numbers")
                if out is None:
                    out = np.empty((rows, width), dtype=np.float32)
                out[row : row + len(chunk)] = flat.reshape(len(chunk), width)
                row += len(chunk)
        if missing:
            raise DataError(f"{path}: column {column!r} has {missing} missing rows")
        return out if out is not None else np.empty((rows, 0), dtype=np.float32)

    def columns_matrix() -> np.ndarray:
        """One column per dimension as one float32 [N, d] array, filled row group by row group."""
        out = np.empty((rows, len(scalars)), dtype=np.float32)
        for first, table in groups(scalars):
            for index, name in enumerate(scalars):
                out[first : first + table.num_rows, index] = table.column(name).to_numpy(zero_copy_only=False)
        return out

    vectors = matrix(lists[0]) if lists else columns_matrix()
    labels = file.read(columns=["label"]).column("label").to_numpy(zero_copy_only=False)
    split = (
        np.asarray(file.read(columns=["split"]).column("split").to_pylist())
        if "split" in names
        else np.full(len(labels), "pool")
    )
    unknown = sorted(set(split.tolist()) - set(PARTS), key=str)
    if unknown:
        raise DataError(f"{path}: column 'split' holds {unknown[0]!r}; expected pool, val or test")
    arrays = {}
    for part in PARTS:
        chosen = split == part
        if chosen.all():  # the usual file of a pool alone: the matrix itself, not a copy of it
            arrays[part], arrays[f"{part}_labels"] = vectors, labels
        elif chosen.any():
            arrays[part], arrays[f"{part}_labels"] = vectors[chosen], labels[chosen]
    if "logvar" in names:
        logvar = matrix("logvar")
        arrays["pool_logvar"] = logvar if (split == "pool").all() else logvar[split == "pool"]
    return arrays


def load_embeddings(path: Path, name: str = "embeddings") -> LabelledData:
    """Reads labelled vectors from an .npz file, a folder of .npy files or a Parquet file."""
    path = Path(path)
    if path.is_dir():
        arrays = _read_npy_folder(path)
    elif not path.exists():
        raise DataError(f"{path}: file not found")
    elif path.suffix == ".parquet":
        arrays = _read_parquet(path)
    elif path.suffix == ".npy":
        raise DataError(
            f"{path}: a single .npy holds one array; give a folder of .npy files or an .npz with {ARRAY_NAMES}"
        )
    else:
        arrays = read_npz(path, ARRAY_NAMES)
    return _from_arrays(arrays, str(path), name)
