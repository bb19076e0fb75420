"""Batch rules that spread a batch over an embedding rather than rank scores:

- `badge` (Ash et al. 2020): k-means++ seeding on the gradient embeddings g_i = a_i (x) h_i of the last
  layer, a_i = p_i - onehot(argmax p_i) [C] and h_i the last hidden activation [H]. Distances come from
  the product structure, |g_i - g_j|^2 = |a_i|^2 |h_i|^2 + |a_j|^2 |h_j|^2 - 2 (a_i . a_j)(h_i . h_j), so the
  n x (C H) embedding is never built: O(n (C + H)) per centre. `activations = "auto"` holds h as the network
  computed it up to 100,000 candidates ("float32": at any size) and above them each h_i in float16 scaled to
  [-1, 1] ("float16": at any size; its scale moves into a_i, so g_i is unchanged): half the memory of a million
  rows of 512 units (1 GB instead of 2) and products three times faster on a CPU, each (h_i . h_j) within
  about 5e-4 of its size.
- `k-center-greedy` (core-set, Sener & Savarese 2018): the candidate farthest from every labelled and
  already chosen example, k times, in the latent space: one blocked pass for the nearest labelled example,
  then one pass per pick (O(n (L + k) d) time, O(n) memory).
- `typiclust` (Hacohen et al. 2022): k-means of labelled and candidate examples into clusters; the most typical
  candidate of each of the k clusters with the fewest labelled examples (largest first). At thesis scale
  (`kmeans = "auto"` up to 100,000 rows, or "exact") Lloyd's k-means into L + k clusters, as the paper; above
  (or "sampled"), as its authors run it on large pools: a sampled k-means into min(L + k, `max_clusters`)
  clusters, taken in turn (fewest labelled, then largest), with typicality computed within the chosen
  clusters only.

The last two reuse the initial samplers' steps (`initial.farthest_first`, `initial.most_typical`), and every
distance goes through the bounded-memory compute path.
"""

from __future__ import annotations

import numpy as np

from .. import compute
from ..compute import EXACT_BYTES, EXACT_ROWS, METHODS, HalfRows, kmeans_labels
from ..registry import Param
from .batch_selection import BATCH_SELECTION, BatchParams, Candidates
from .initial import farthest_first, most_typical, typicality
from .work import Work, forward, k_center, typiclust


def gradient_embedding_distances(
    a: np.ndarray, h: np.ndarray, centre: int, own: np.ndarray | None = None
) -> np.ndarray:
    """Squared distances |g_i - g_centre|^2 of gradient embeddings g = a (x) h, without building g: [n]. `own`:
    every |g_i|^2 = |a_i|^2 |h_i|^2, when the caller has it already (BADGE computes it once, not per centre)."""
    if own is None:
        own = np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", h, h)
    return np.maximum(own + own[centre] - 2.0 * (a @ a[centre]) * (h @ h[centre]), 0.0)


ACTIVATIONS = ("auto", "float32", "float16")


def activations_dtype(choice: str, rows: int) -> type:
    """How a rule that reads the gradient embedding holds its n candidates' h: numpy float32 or float16 ('auto':
    float16 above EXACT_ROWS candidates)."""
    half = choice == "float16" or (choice == "auto" and rows > EXACT_ROWS)
    return np.float16 if half else np.float32


def half_embedding(a: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same gradient embeddings a_i (x) h_i with h_i held in float16: h_i / s_i in [-1, 1] and a_i s_i, s_i
    = max |h_ij| (1 for a zero row), so that no activation overflows float16 whatever its size."""
    scale = np.ones((len(h), 1), dtype=np.float32)
    if h.size:  # largest |h_ij| of each row without an |h| copy of h
        np.maximum(h.max(axis=1, keepdims=True), -h.min(axis=1, keepdims=True), out=scale, casting="unsafe")
        scale[scale == 0] = 1.0
    half = np.empty(h.shape, dtype=np.float16)
    np.divide(h, scale, out=half, casting="unsafe")  # divided and rounded in buffered pieces: no float32 copy
    return (a * scale).astype(np.float32), half


BADGE_PARAMS = {
    "activations": Param(
        "auto", choices=ACTIVATIONS, neutral=True,
        doc="how the candidates' last hidden activations are held: float32 up to 100,000 candidates for auto, "
        "float16 scaled per row above (half the memory)",
    ),
}  # fmt: skip


@BATCH_SELECTION.register(
    "badge",
    params=BADGE_PARAMS,
    needs=("gradient_embedding",),
    uses_scores=False,
    uses_features=False,
    cost=lambda w: forward(w) + 2.0 * w.k * w.n * (w.classes + w.hidden),
)
def badge(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """BADGE: the largest gradient embedding first, then k-means++ (each next centre drawn with probability
    proportional to its squared distance to the nearest centre)."""
    assert candidates.gradient_embedding is not None  # declared in needs: the engine computes it
    a, h = (np.asarray(part) for part in candidates.gradient_embedding)
    n = a.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if h.dtype != np.float16 and activations_dtype(params.get("activations", "auto"), n) is np.float16:
        a, h = half_embedding(a, h)  # the engine gives it held so already; a direct caller may not
    held = HalfRows(h) if h.dtype == np.float16 else None  # products in blocks, never a float32 copy of h
    if held is not None:
        a = a.astype(np.float32, copy=False)
        norms = np.einsum("ij,ij->i", a, a) * held.squared_norms()
    else:
        dtype = np.float64 if np.size(h) * 8 <= EXACT_BYTES else np.float32  # float32 only for a large pool
        a, h = a.astype(dtype, copy=False), h.astype(dtype, copy=False)
        norms = np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", h, h)

    def distances(centre: int) -> np.ndarray:
        if held is None:
            return gradient_embedding_distances(a, h, centre, norms)
        return np.maximum(norms + norms[centre] - 2.0 * (a @ a[centre]) * held.products(h[centre]), 0.0)

    chosen = [int(np.argmax(norms))]
    nearest = distances(chosen[0]).astype(np.float64)
    nearest[chosen] = 0.0
    for _ in range(k - 1):
        total = nearest.sum()
        if total <= 0:  # every remaining embedding coincides with a centre: take the lowest unchosen
            rest = np.setdiff1d(np.arange(n), chosen)
            chosen.append(int(rest[0]))
        else:
            chosen.append(int(rng.choice(n, p=nearest / total)))
        np.minimum(nearest, distances(chosen[-1]), out=nearest)
        nearest[chosen] = 0.0
    return np.array(chosen, dtype=np.int64)


@BATCH_SELECTION.register("k-center-greedy", needs=("labelled_features",), uses_scores=False, cost=k_center)
def k_center_greedy_batch(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """Core-set during the loop: the candidate farthest from the labelled set and the batch so far, k times."""
    features = np.asarray(candidates.features)
    k = min(k, features.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    labelled = np.asarray(candidates.labelled_features).reshape(-1, features.shape[1])
    nearest = compute.nearest(features, labelled)[0]
    if not np.isfinite(nearest).all():  # nothing labelled yet: start at the candidate nearest the mean
        nearest = compute.squared_to(features, np.asarray(features, dtype=np.float64).mean(axis=0))
        nearest = nearest.max() - nearest
    return np.array(farthest_first(features, nearest, k), dtype=np.int64)


TYPICLUST_PARAMS = {
    "neighbours": Param(20, 1, 100_000, doc="k of the typicality, 1 / mean distance to the k nearest neighbours"),
    "kmeans": Param(
        "auto", choices=METHODS, neutral=True,
        doc="k-means: exact (Lloyd's, L + k clusters) up to 100,000 rows for auto, sampled above",
    ),
    "max_clusters": Param(
        500, 1, 10_000_000, neutral=True, doc="the most clusters of the sampled k-means (its authors' 500)"
    ),
}  # fmt: skip


def _typiclust_cost(work: Work) -> float:
    if work.n + work.labelled > EXACT_ROWS:
        return typiclust(work, clusters=min(work.labelled + work.k, 500), exact=False)
    return typiclust(work)


@BATCH_SELECTION.register(
    "typiclust", params=TYPICLUST_PARAMS, needs=("labelled_features",), uses_scores=False, cost=_typiclust_cost
)
def typiclust_batch(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """TypiClust during the loop: k-means of labelled + candidates; the most typical candidate of each of the k
    clusters with the fewest labelled examples, largest first (then the next most typical ones)."""
    features = np.asarray(candidates.features)
    n = features.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    labelled = np.asarray(candidates.labelled_features, dtype=features.dtype).reshape(-1, features.shape[1])
    rows = len(features) + len(labelled)
    method = params.get("kmeans", "auto")
    scaled = method == "sampled" or (method == "auto" and rows > EXACT_ROWS)
    clusters = min(rows, len(labelled) + k)
    if scaled:
        clusters = min(clusters, int(params.get("max_clusters", 500)))
    labels = kmeans_labels(features, clusters, rng, "sampled" if scaled else "exact", more=labelled)
    neighbours = int(params.get("neighbours", 20))
    if scaled:
        return np.array(_in_turn(features, labels, n, k, neighbours), dtype=np.int64)
    covered = set(labels[n:].tolist())
    sizes = {c: int((labels == c).sum()) for c in np.unique(labels[:n])}
    order = sorted(sizes, key=lambda c: (c in covered, -sizes[c], c))  # uncovered and large first
    chosen = most_typical(features, labels[:n], order[:k], neighbours)
    if len(chosen) < k:  # fewer clusters than k: the next most typical candidates
        rest = np.setdiff1d(np.arange(n), chosen)
        scores = np.zeros(n)
        if len(rest):
            scores[rest] = typicality(features[rest], neighbours)
        scores[chosen] = -np.inf
        chosen.extend(np.argsort(-scores, kind="stable")[: k - len(chosen)].tolist())
    return np.array(chosen[:k], dtype=np.int64)


def _in_turn(features: np.ndarray, labels: np.ndarray, n: int, k: int, neighbours: int) -> list[int]:
    """TypiClust's authors' selection: clusters ordered by their labelled examples (fewest first), then size
    (largest first); k times, the next cluster in turn gives its most typical candidate not chosen yet
    (typicality within that cluster's remaining candidates only)."""
    counts = np.bincount(labels[n:], minlength=labels.max() + 1)
    sizes = np.bincount(labels, minlength=labels.max() + 1)
    candidates_in = np.bincount(labels[:n], minlength=labels.max() + 1)
    order = sorted((c for c in range(len(sizes)) if candidates_in[c]), key=lambda c: (counts[c], -sizes[c], c))
    taken = np.zeros(n, dtype=bool)
    chosen: list[int] = []
    position = 0
    while len(chosen) < k and order:
        cluster = order[position % len(order)]
        members = np.flatnonzero((labels[:n] == cluster) & ~taken)
        if members.size == 0:
            order.remove(cluster)
            continue
        best = int(members[np.argmax(typicality(features[members], neighbours, at_scale=True))])
        chosen.append(best)
        taken[best] = True
        position += 1
    return chosen
