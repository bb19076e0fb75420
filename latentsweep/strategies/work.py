"""What one selection asks of the machine: each entry declares its work as a function of the sizes of one
selection (`Work`), in floating-point operations (a multiply-add is two), so that `plan` can estimate a
strategy's seconds per iteration on a large pool from a measured product rate, and the scale benchmark can
set each entry's seconds against its work.

The counts are the dominant terms of the algorithms as implemented (`latentsweep.compute`), not bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KMEANS_ITERATIONS = 20  # Lloyd's iterations of the exact k-means (compute.clustering)
# one float64 logarithm in multiply-add terms: 3.6 ns on a CPU thread whose float32 products run at 86 GFLOP/s;
# entropies of joint distributions (BatchBALD, EPIG) take one per entry and cost far more in logs than in products
LOG = 300.0


@dataclass(frozen=True)
class Work:
    """The sizes of one selection: n candidates of d features, L labelled examples, a batch of k, C classes;
    the classifier's multiply-adds per example and per pass (`model`), its last hidden width H (BADGE's
    embedding) and T stochastic passes (MC dropout, committee members)."""

    n: int
    d: int
    labelled: int = 0
    k: int = 100
    classes: int = 10
    model: int = 0
    hidden: int = 0
    passes: int = 1


def forward(work: Work, passes: int = 1) -> float:
    """The classifier's passes over every candidate."""
    return 2.0 * work.n * work.model * passes


def logs(count: float) -> float:
    """`count` float64 logarithms as FLOP (LOG each)."""
    return LOG * count


def kmeans(rows: int, clusters: int, d: int, exact: bool = True) -> float:
    """Lloyd's iterations (exact), or minibatch k-means' passes and the final assignment of every row."""
    if exact:
        return 2.0 * KMEANS_ITERATIONS * rows * clusters * d
    return 2.0 * rows * clusters * d * 3  # a few epochs of minibatches and one assignment


def typiclust(work: Work, *, clusters: int | None = None, exact: bool = True) -> float:
    rows = work.n + work.labelled
    clusters = clusters or max(1, work.labelled + work.k)
    per_cluster = max(1, rows // max(clusters, 1))
    return kmeans(rows, clusters, work.d, exact) + 2.0 * work.k * per_cluster**2 * work.d


def k_center(work: Work) -> float:
    return 2.0 * work.n * work.labelled * work.d + 3.0 * work.k * work.n * work.d


def pairwise(rows: int, d: int) -> float:
    """Every pair of rows once in each direction (a radius graph, exact nearest neighbours, mean distances)."""
    return 2.0 * rows * rows * d


def describe(flop: float) -> str:
    """'0.6 TFLOP', '38 GFLOP', '12 MFLOP'."""
    if flop <= 0:
        return "no arithmetic to speak of"
    for unit, size in (("PFLOP", 1e15), ("TFLOP", 1e12), ("GFLOP", 1e9), ("MFLOP", 1e6)):
        if flop >= size:
            value = flop / size
            return f"{value:.2g} {unit}" if value < 10 else f"{math.floor(value + 0.5):.0f} {unit}"
    return f"{flop:.0f} FLOP"
