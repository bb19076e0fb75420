"""Where the array work of a selection runs and in what: the worker's device (its CPU threads, or the GPU
it holds, set by the pack with `on_device`), blocks of a fixed byte budget whatever the pool's size, and
the floating-point type of a problem's size.

Precision: while a problem's operands fit in `EXACT_BYTES` in float64 (every thesis-scale pool: 55,000 x 30
is 13 MB) the work runs in float64, as the numpy code it replaced did, so a rule keeps its picks; above, in
float32 (half the memory and twice the product rate; distances then carry float32 rounding, about 1e-7 of
their size, which moves only exact near-ties).
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections.abc import Iterator

import numpy as np

BLOCK_BYTES = 64 << 20  # one block of distances (or scores) at a time, whatever the pool's size
EXACT_BYTES = 256 << 20  # float64 operands up to this size; float32 above
MIN_SIDE = 256  # the smallest side of a square block

_DEVICE: contextvars.ContextVar[str] = contextvars.ContextVar("latentsweep_compute_device", default="cpu")


@contextlib.contextmanager
def on_device(device) -> Iterator[None]:
    """Runs the compute path's work on `device` ('cpu', 'cuda', a torch.device) while the block runs."""
    token = _DEVICE.set(str(device))
    try:
        yield
    finally:
        _DEVICE.reset(token)


def device():
    import torch

    return torch.device(_DEVICE.get())


def precision(rows: int, columns: int):
    """float64 for a problem whose [rows, columns] operand fits in EXACT_BYTES in it, else float32."""
    import torch

    return torch.float64 if rows * columns * 8 <= EXACT_BYTES else torch.float32  # read at call time


def tensor(array: np.ndarray, dtype=None):
    """An array on the compute device in `dtype` (default: by its size, `precision`). On a CPU a float32 or
    float64 array of that type is used in place, never copied (the object store's arrays are read-only;
    nothing here writes into them)."""
    import torch

    array = np.asarray(array)
    if array.ndim == 1:
        rows, columns = array.shape[0], 1
    else:
        rows, columns = array.shape[0], int(np.prod(array.shape[1:]))
    dtype = dtype or precision(rows, columns)
    target = device()
    numpy_type = np.float64 if dtype == torch.float64 else np.float32
    if target.type == "cpu" and array.dtype == numpy_type and array.flags.c_contiguous:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a read-only array: torch warns that it may not write
            return torch.from_numpy(array)
    return torch.as_tensor(np.ascontiguousarray(array), dtype=dtype, device=target)


def block_rows(columns: int, itemsize: int, budget: int | None = None) -> int:
    """Rows of a [rows, columns] block of `itemsize` bytes that fit the budget (at least 1)."""
    return max(1, (budget or BLOCK_BYTES) // max(1, columns * itemsize))


def square_blocks(itemsize: int, budget: int | None = None) -> int:
    """The side of a square [side, side] block within the budget: pairwise work in two-dimensional blocks,
    so that each product is large enough to run at the product rate and no operand is read once per row."""
    return max(MIN_SIDE, int(((budget or BLOCK_BYTES) // itemsize) ** 0.5))


def numpy(values) -> np.ndarray:
    """A tensor as a float64 (or integer) numpy array on the host."""
    array = values.detach().cpu().numpy()
    return array.astype(np.float64) if array.dtype.kind == "f" else array
