"""k-means for the strategies that cluster (TypiClust in the loop and as an initial sampler, ProbCover's radius,
the second paper's samplers): k-means++ seeds and Lloyd's iterations in blocks on the compute device, and
scikit-learn's MiniBatchKMeans where a pool is too large for Lloyd's.

- `exact`: k-means++ seeding (each point's squared distance to its nearest seed kept up to date in blocks,
  O(N k L)) then 20 iterations of Lloyd's algorithm by scipy's kmeans2 from those seeds, in float64: the
  thesis-scale behaviour, kept bit for bit (a rewrite with other rounding moved two labels of digits in a
  thousand, and so TypiClust's picks). Its work is O(20 N k L): 38 GFLOP per iteration at 1,000,000 x 64
  into 600 clusters, minutes per selection on 2 cores, hence the row limit of 'auto'.
- `sampled`: faiss's k-means (Johnson et al.) on a sample of at most 256 rows per cluster, seeded from the
  trial's generator, then every row to its nearest centre: what TypiClust's authors get from scikit-learn's
  MiniBatchKMeans above 50 clusters. Measured at 1,000,000 x 64 into 600 clusters on one thread: 3.5 s to
  train and 1.1 s to assign, against 11.4 s and 1.9 s with MiniBatchKMeans (batches of 5,000).

`kmeans_labels` picks by `method`: 'auto' is exact while a pool has at most EXACT_ROWS rows (every thesis-scale
pool, so stored results are reproduced) and sampled above.
"""

from __future__ import annotations

import warnings

import numpy as np

from .distances import ToPoints

EXACT_ROWS = 100_000  # 'auto': Lloyd's algorithm up to this many rows (the thesis' pool is 55,000)
ITERATIONS = 20  # Lloyd's iterations (scipy kmeans2's default, as before)
METHODS = ("auto", "exact", "sampled")


def kmeans_plus_plus(
    features: np.ndarray, k: int, rng: np.random.Generator, *, expanded: bool | None = None
) -> np.ndarray:
    """k-means++ seeding [k, L]: the first seed uniformly, each next one with probability proportional to its
    squared distance to the nearest seed so far (kept up to date, one pass per seed: O(N k L)). `expanded`:
    distances by one matrix-vector product per seed (`ToPoints`), where no earlier rounding is to be kept."""
    first = int(rng.integers(features.shape[0]))
    centres = [first]
    distances = ToPoints(features, expanded=expanded)
    closest = distances.squared(features[first])
    for _ in range(k - 1):
        total = closest.sum()
        chosen = (
            int(rng.integers(features.shape[0]))
            if total <= 0
            else int(rng.choice(features.shape[0], p=closest / total))
        )
        centres.append(chosen)
        np.minimum(closest, distances.squared(features[chosen]), out=closest)
    return np.asarray(features[centres], dtype=np.float64).copy()


def lloyd(features: np.ndarray, centres: np.ndarray, iterations: int = ITERATIONS) -> np.ndarray:
    """Lloyd's iterations from `centres` [k, L] by scipy's kmeans2 (its blocked BLAS assignment; an emptied
    cluster keeps its centre), in float64: the thesis-scale k-means every stored result was made with, kept
    bit for bit (its assignment's rounding decides near-ties, and so the picks). Returns labels [N]."""
    from scipy.cluster.vq import kmeans2

    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")  # scipy warns about clusters left empty; they keep their centres
        return kmeans2(np.asarray(features, dtype=np.float64), centres, minit="matrix", iter=iterations)[1]


SAMPLE_PER_CLUSTER = 256  # rows a sampled k-means trains on per cluster (faiss' default)
SEED_SAMPLE = 16_384  # rows of the sample its k-means++ seeds are drawn from (scikit-learn's init_size, about)


def sampled(features: np.ndarray, k: int, rng: np.random.Generator, *, more: np.ndarray | None = None) -> np.ndarray:
    """k-means on a sample of at most 256 rows per cluster drawn by `rng`: k-means++ seeds from (the first
    16,384 rows of) the sample, then faiss's 20 Lloyd iterations on it; every row to its nearest centre (faiss's
    exact search). Labels [N]. `more`: rows that follow `features` (the labelled ones), clustered as if
    concatenated to them without the copy that joining a large pool's rows would make."""
    import faiss
    import torch

    faiss.omp_set_num_threads(torch.get_num_threads())  # the worker's CPUs, no more
    parts = [np.ascontiguousarray(part, dtype=np.float32) for part in (features, more) if part is not None]
    total = sum(len(part) for part in parts)
    size = min(total, SAMPLE_PER_CLUSTER * k)
    picked = np.sort(rng.choice(total, size=size, replace=False)) if size < total else np.arange(total)
    first = len(parts[0])
    sample = parts[0][picked[picked < first]]
    if len(parts) > 1:
        sample = np.concatenate([sample, parts[1][picked[picked >= first] - first]])
    seeds = kmeans_plus_plus(sample[: min(size, SEED_SAMPLE)], k, rng, expanded=True).astype(np.float32)
    model = faiss.Kmeans(parts[0].shape[1], k, niter=ITERATIONS, max_points_per_centroid=size,
                         min_points_per_centroid=1, verbose=False)  # fmt: skip
    model.train(sample, init_centroids=seeds)
    return np.concatenate([model.index.search(part, 1)[1][:, 0] for part in parts]).astype(np.int64)


def kmeans_labels(
    features: np.ndarray, k: int, rng: np.random.Generator, method: str = "auto", *, more: np.ndarray | None = None
) -> np.ndarray:
    """k-means labels [N] (`method`: exact, minibatch, or auto by size); a pool without spread is one cluster.
    `more`: rows that follow `features`, labelled as if the two were one array (joined only where exact)."""
    features = np.asarray(features)
    rows = features.shape[0] + (0 if more is None else len(more))
    spread = max((np.ptp(part, axis=0).max(initial=0.0) for part in (features, more) if part is not None and len(part)),
                 default=0.0)  # fmt: skip
    if more is not None and len(more) and len(features) and spread == 0.0:
        spread = float(np.abs(np.asarray(more)[0] - features[0]).max())  # each part flat: do they differ?
    if rows == 0 or spread == 0.0:
        return np.zeros(rows, dtype=np.int64)
    if method not in METHODS:
        raise ValueError(f"k-means method {method!r}: expected one of {', '.join(METHODS)}")
    k = max(1, min(k, rows))
    if method == "sampled" or (method == "auto" and rows > EXACT_ROWS):
        return sampled(features, k, rng, more=more)
    if more is not None:
        features = np.concatenate([features, np.asarray(more, dtype=features.dtype)])
    return lloyd(features, kmeans_plus_plus(features, k, rng)).astype(np.int64)
