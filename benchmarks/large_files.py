"""Reading a million embeddings of 768 dimensions (3 GB of float32) as a sweep does: the driver's peak memory
while it loads and splits them, from a folder of .npy files and from a Parquet file, against the file's bytes.

    python benchmarks/large_files.py [--rows 1000000] [--dim 768] [--folder /tmp/latentsweep-large]

Each format is read in a fresh process (`latentsweep.data.load_splits`, then the `embeddings` representation
as the driver builds it before it puts it into the object store once); printed: seconds, peak RSS, and the
peak over the pool's bytes (1.0 is one copy: the object store then holds the second, shared by every worker
of a node).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CLASSES = 10


def write(folder: Path, rows: int, dim: int) -> None:
    """The pool as pool.npy / pool_labels.npy and as one Parquet file (a fixed-size list column), in blocks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    npy = folder / "npy"
    npy.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, CLASSES, rows)
    vectors = np.lib.format.open_memmap(npy / "pool.npy", mode="w+", dtype=np.float32, shape=(rows, dim))
    for start in range(0, rows, 65_536):
        vectors[start : start + 65_536] = rng.standard_normal((min(65_536, rows - start), dim), dtype=np.float32)
    vectors.flush()
    np.save(npy / "pool_labels.npy", labels)
    schema = pa.schema([("label", pa.int64()), ("vector", pa.list_(pa.float32(), dim))])
    with pq.ParquetWriter(folder / "pool.parquet", schema) as writer:
        for start in range(0, rows, 65_536):
            part = np.asarray(vectors[start : start + 65_536])
            column = pa.FixedSizeListArray.from_arrays(pa.array(part.reshape(-1)), dim)
            writer.write_table(pa.table({"label": labels[start : start + 65_536], "vector": column}, schema=schema))


def one(path: str) -> dict:
    from latentsweep.data import load_splits
    from latentsweep.engine import RepresentationSpec
    from latentsweep.workers import build_representation

    started = time.perf_counter()
    splits = load_splits("embeddings", Path(path))
    output = build_representation(RepresentationSpec(kind="embeddings"), splits, frozenset(), frozenset())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "peak": peak, "pool": output.latent_set.pool.nbytes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/latentsweep-large"))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    if not (args.folder / "pool.parquet").exists():
        write(args.folder, args.rows, args.dim)
    print(f"{args.rows:,} x {args.dim} float32 ({args.rows * args.dim * 4 / 2**30:.2f} GiB)")
    for name, path in (("npy folder", args.folder / "npy"), ("parquet", args.folder / "pool.parquet")):
        done = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True)
        if done.returncode:
            print(f"{name:12s} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        found = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:12s} {found['seconds']:7.1f} s  peak RSS {found['peak'] / 2**30:5.2f} GiB  "
              f"= {found['peak'] / found['pool']:.2f} x the pool ({found['pool'] / 2**30:.2f} GiB)")  # fmt: skip


if __name__ == "__main__":
    main()
