"""Batch rules that spread a batch over an embedding rather than rank scores:

- `badge` (Ash et al. 2020): k-means++ seeding on the gradient embeddings g_i = a_i (x) h_i of the last
  layer, a_i = p_i - onehot(argmax p_i) [C] and h_i the last hidden activation [H]. Distances come from
  the product structure, |g_i - g_j|^2 = |a_i|^2 |h_i|^2 + |a_j|^2 |h_j|^2 - 2 (a_i . a_j)(h_i . h_j), so the
  n x (C H) embedding is never built: O(n (C + H)) per centre.
- `k-center-greedy` (core-set, Sener & Savarese 2018): the candidate farthest from every labelled and
  already chosen example, k times, in the latent space.
- `typiclust` (Hacohen et al. 2022): k-means of labelled and candidate examples into L + k clusters; the
  most typical candidate of each of the k largest clusters that hold no labelled example.

The last two reuse the initial samplers' steps (`initial.farthest_first`, `initial.most_typical`).
"""

from __future__ import annotations

import numpy as np

from ..registry import Param
from .batch_selection import BATCH_SELECTION, BatchParams, Candidates
from .initial import farthest_first, kmeans_labels, most_typical, typicality


def gradient_embedding_distances(a: np.ndarray, h: np.ndarray, centre: int) -> np.ndarray:
    """Squared distances |g_i - g_centre|^2 of gradient embeddings g = a (x) h, without building g: [n]."""
    own = np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", h, h)
    return np.maximum(own + own[centre] - 2.0 * (a @ a[centre]) * (h @ h[centre]), 0.0)


@BATCH_SELECTION.register("badge", needs=("gradient_embedding",), uses_scores=False)
def badge(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """BADGE: the largest gradient embedding first, then k-means++ (each next centre drawn with probability
    proportional to its squared distance to the nearest centre)."""
    a, h = (np.asarray(part, dtype=np.float64) for part in candidates.gradient_embedding)
    n = a.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    norms = np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", h, h)
    chosen = [int(np.argmax(norms))]
    nearest = gradient_embedding_distances(a, h, chosen[0])
    nearest[chosen] = 0.0
    for _ in range(k - 1):
        total = nearest.sum()
        if total <= 0:  # every remaining embedding coincides with a centre: take the lowest unchosen
            rest = np.setdiff1d(np.arange(n), chosen)
            chosen.append(int(rest[0]))
        else:
            chosen.append(int(rng.choice(n, p=nearest / total)))
        np.minimum(nearest, gradient_embedding_distances(a, h, chosen[-1]), out=nearest)
        nearest[chosen] = 0.0
    return np.array(chosen, dtype=np.int64)


def _squared_distance_to(features: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Each row's squared distance to the nearest row of `others` [n] (inf when there are none), in
    blocks of others."""
    nearest = np.full(features.shape[0], np.inf)
    norms = np.einsum("ij,ij->i", features, features)
    for start in range(0, others.shape[0], 512):
        block = others[start : start + 512]
        squared = norms[:, None] + np.einsum("ij,ij->i", block, block)[None, :] - 2.0 * features @ block.T
        np.minimum(nearest, np.maximum(squared, 0.0).min(axis=1), out=nearest)
    return nearest


@BATCH_SELECTION.register("k-center-greedy", needs=("labelled_features",), uses_scores=False)
def k_center_greedy_batch(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """Core-set during the loop: the candidate farthest from the labelled set and the batch so far, k times."""
    features = np.asarray(candidates.features, dtype=np.float64)
    k = min(k, features.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    labelled = np.asarray(candidates.labelled_features, dtype=np.float64).reshape(-1, features.shape[1])
    nearest = _squared_distance_to(features, labelled)
    if not np.isfinite(nearest).all():  # nothing labelled yet: start at the candidate nearest the mean
        nearest = np.sum((features - features.mean(axis=0)) ** 2, axis=1)
        nearest = nearest.max() - nearest
    return np.array(farthest_first(features, nearest, k), dtype=np.int64)


@BATCH_SELECTION.register(
    "typiclust", params={"neighbours": Param(20, 1, 100_000)}, needs=("labelled_features",), uses_scores=False
)
def typiclust_batch(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """TypiClust during the loop: k-means of labelled + candidates into L + k clusters; the most typical
    candidate of each of the k largest clusters without a labelled example (then of the next ones)."""
    features = np.asarray(candidates.features, dtype=np.float64)
    n = features.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    labelled = np.asarray(candidates.labelled_features, dtype=np.float64).reshape(-1, features.shape[1])
    everything = np.concatenate([features, labelled])
    labels = kmeans_labels(everything, min(len(everything), len(labelled) + k), rng)
    covered = set(labels[n:].tolist())
    sizes = {c: int((labels == c).sum()) for c in np.unique(labels[:n])}
    order = sorted(sizes, key=lambda c: (c in covered, -sizes[c], c))  # uncovered and large first
    neighbours = int(params.get("neighbours", 20))
    chosen = most_typical(features, labels[:n], order[:k], neighbours)
    if len(chosen) < k:  # fewer clusters than k: the next most typical candidates
        rest = np.setdiff1d(np.arange(n), chosen)
        scores = np.zeros(n)
        if len(rest):
            scores[rest] = typicality(features[rest], neighbours)
        scores[chosen] = -np.inf
        chosen.extend(np.argsort(-scores, kind="stable")[: k - len(chosen)].tolist())
    return np.array(chosen[:k], dtype=np.int64)
