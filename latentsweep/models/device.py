"""Where torch runs, with how many threads, and how its floats treat denormals."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from .allocator import keep_freed_memory


def pick_device(name: str | None = None) -> torch.device:
    """The named device, else CUDA when available, else the CPU."""
    if name is not None:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def set_torch_threads(n_threads: int) -> None:
    """Pins torch's intra-op threads to the CPUs this process was given.

    A process using more threads than its CPUs beside another busy process runs small-matrix work
    many times slower.
    """
    if n_threads < 1:
        raise ValueError(f"thread count must be at least 1, got {n_threads}")
    torch.set_num_threads(n_threads)


def configure_worker(n_threads: int) -> None:
    """A worker process's torch: `n_threads` intra-op threads, denormal floats flushed to zero (RMSprop's
    running averages of dead ReLU units decay into denormals, whose arithmetic is many times slower on
    CPUs; flushing changes results by less than float noise), and freed activations kept by the C
    allocator for the next step (allocator.py).

    OpenMP's wait policy stays the default (threads spin briefly after each parallel region): measured by
    `benchmarks/threads_under_load.py` on 2 cores, spinning is the faster on a quiet node (a pack 1.54 s
    against 2.19 s with OMP_WAIT_POLICY=PASSIVE, a conv-VAE epoch 5.1 s against 6.6 s) and PASSIVE on a
    node another job keeps busy (3.1 s against 5.8 s, 12.3 s against 21.8 s). No setting wins both, and
    latentsweep never gives a node more threads than CPUs, so a shared machine's user exports
    OMP_WAIT_POLICY=PASSIVE (Ray's workers inherit it; docs: Large pools and GPUs)."""
    global _flushing
    set_torch_threads(n_threads)
    _flushing = torch.set_flush_denormal(True)
    keep_freed_memory()


_flushing = False  # whether configure_worker turned flush-to-zero on in this process


@contextlib.contextmanager
def ieee_floats() -> Iterator[None]:
    """Denormal floats as IEEE arithmetic has them while numpy / scipy code runs (the strategies): the
    flush-to-zero mode `configure_worker` sets is process-wide, and under it scipy's cKDTree.query on
    digits' pixels dies with SIGSEGV (typiclust, probcover, k-center). Training keeps the fast mode."""
    if not _flushing:
        yield
        return
    torch.set_flush_denormal(False)
    try:
        yield
    finally:
        torch.set_flush_denormal(True)
