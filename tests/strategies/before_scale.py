"""The strategies' array work as it was before the bounded-memory compute path (latentsweep 0.1.0, commit
52bb977): kept verbatim so that tests can run old and new on the same inputs and compare their picks."""

# ruff: noqa


from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.cluster.vq import kmeans2
from scipy.spatial import cKDTree



def kmeans_plus_plus(features: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding [k, L], keeping each point's squared distance to the nearest centre: O(N k L)
    (scipy's own seeding recomputes all distances at every step, O(N k^2 L))."""
    first = int(rng.integers(features.shape[0]))
    centres = [first]
    nearest = np.sum((features - features[first]) ** 2, axis=1)
    for _ in range(k - 1):
        total = nearest.sum()
        chosen = (
            int(rng.integers(features.shape[0]))
            if total <= 0
            else int(rng.choice(features.shape[0], p=nearest / total))
        )
        centres.append(chosen)
        np.minimum(nearest, np.sum((features - features[chosen]) ** 2, axis=1), out=nearest)
    return features[centres].copy()


def kmeans_labels(features: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means labels [N] from k-means++ seeds; a pool without spread is one cluster."""
    if np.ptp(features, axis=0).max(initial=0.0) == 0.0:
        return np.zeros(features.shape[0], dtype=np.int64)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")  # scipy warns about clusters left empty; they are handled
        return kmeans2(features, kmeans_plus_plus(features, k, rng), minit="matrix", iter=20)[1]


@dataclass(frozen=True)
class InitialPool:
    """What an initial sampler may look at: latent codes [N, L] and, for `ae-error`, the mean absolute
    reconstruction error of every example [N]."""

    features: np.ndarray
    reconstruction_error: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.features.shape[0])


@dataclass(frozen=True)
class InitialParams:
    """threshold: Algorithm 1's distance t (None: the median nearest-neighbour distance of the pool);
    clusters: hierarchical clusters (Ward) for the *-cluster samplers; linkage_sample: points the
    hierarchy is built on (the rest join the nearest cluster centre; Ward needs O(N^2) memory);
    neighbours: k of TypiClust's typicality; delta: ProbCover's ball radius (None: chosen by purity)."""

    threshold: float | None = None
    clusters: int = 10
    linkage_sample: int = 2000
    neighbours: int = 20
    delta: float | None = None
    max_draws_per_example: int = 100


InitialFn = Callable[[InitialPool, int, np.random.Generator, InitialParams], np.ndarray]


@dataclass(frozen=True)
class InitialSampler:
    """What an initial sampler declares: whether it needs each example's reconstruction error, and a
    name for the strategy it starts when that is all the strategy is (`all`: 'all labels')."""

    needs_reconstruction_error: bool = False
    label: str | None = None





def _check(pool: InitialPool, n: int) -> int:
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return min(n, pool.size)


def random_initial(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """n examples uniformly at random, without replacement."""
    return np.sort(rng.choice(pool.size, size=_check(pool, n), replace=False)).astype(np.int64)


def every_example(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """The first n examples: with n the pool's size, every label (the full-data reference of Tables 5.2-5.5)."""
    return np.arange(_check(pool, n), dtype=np.int64)


def ae_error(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """The n examples the autoencoder reconstructs worst (highest mean absolute error); ties to the lower index."""
    if pool.reconstruction_error is None:
        raise ValueError("ae-error needs the reconstruction errors of an autoencoder; this representation has none")
    n = _check(pool, n)
    errors = np.asarray(pool.reconstruction_error, dtype=np.float64)
    order = np.lexsort((np.arange(pool.size), -errors))
    return order[:n].astype(np.int64)


def cluster_quotas(sizes: np.ndarray, n: int) -> np.ndarray:
    """n_S = round(n |S| / N) per cluster (Algorithm 1, line 3), then corrected by the largest remainders
    so that the quotas add up to exactly n."""
    sizes = np.asarray(sizes, dtype=np.int64)
    exact = n * sizes / max(int(sizes.sum()), 1)
    quotas = np.minimum(np.floor(exact + 0.5).astype(np.int64), sizes)
    remainder = exact - quotas
    while quotas.sum() < n:
        open_ = quotas < sizes
        best = np.flatnonzero(open_)[np.argmax(remainder[open_])]
        quotas[best] += 1
        remainder[best] -= 1
    while quotas.sum() > n:
        best = np.flatnonzero(quotas > 0)[np.argmin(remainder[quotas > 0])]
        quotas[best] -= 1
        remainder[best] += 1
    return quotas


def hierarchical_clusters(features: np.ndarray, clusters: int, sample: int, rng: np.random.Generator) -> np.ndarray:
    """Cluster labels [N] (0 .. C-1) from Ward hierarchical clustering cut into `clusters` clusters.

    The hierarchy is built on at most `sample` points; every point then joins the cluster with the nearest
    centre.
    """
    n = features.shape[0]
    if n <= 1 or clusters <= 1:
        return np.zeros(n, dtype=np.int64)
    chosen = np.arange(n) if n <= sample else np.sort(rng.choice(n, size=sample, replace=False))
    labels = fcluster(linkage(features[chosen], method="ward"), t=clusters, criterion="maxclust") - 1
    if n <= sample:
        return labels.astype(np.int64)
    centres = np.stack([features[chosen][labels == c].mean(axis=0) for c in np.unique(labels)])
    return cKDTree(centres).query(features)[1].astype(np.int64)


def default_threshold(features: np.ndarray) -> float:
    """The median distance of a point to its nearest neighbour: a draw lands near about one example."""
    if features.shape[0] < 2:
        return 1.0
    distances = cKDTree(features).query(features, k=2)[0][:, 1]
    median = float(np.median(distances))
    return median if median > 0 else float(distances.max() or 1.0)


def sample_near_draws(
    features: np.ndarray,
    members: np.ndarray,
    quota: int,
    draw: Callable[[int], np.ndarray],
    threshold: float,
    max_draws: int,
    chunk: int = 256,
) -> list[int]:
    """Algorithm 1, lines 4-12, for one cluster: draw z ~ p_S and take the unchosen members within t of z.

    `draw(m)` returns m draws [m, L]; they are made `chunk` at a time (one tree query each) and used in
    order. Ends when the quota is met or the cluster has fewer unchosen members than its quota left (then
    all of them are taken). After `max_draws` draws without filling the quota, each further draw takes its
    nearest unchosen member whatever the distance, so that sparse distributions still finish.
    """
    chosen: list[int] = []
    available = np.ones(members.shape[0], dtype=bool)
    tree = cKDTree(features[members])
    draws = 0
    while len(chosen) < quota:
        if available.sum() <= quota - len(chosen):
            chosen.extend(members[available].tolist())
            break
        points = np.atleast_2d(draw(chunk))
        for z, ball in zip(points, tree.query_ball_point(points, r=threshold), strict=True):
            draws += 1
            near = [i for i in ball if available[i]]
            if not near and draws > max_draws:
                k = min(members.shape[0], int((~available).sum()) + 1)
                order = np.atleast_1d(tree.query(z, k=k)[1])
                near = [int(i) for i in order if available[i]][:1]
            near.sort(key=lambda i: (float(np.sum((features[members[i]] - z) ** 2)), i))
            for i in near[: quota - len(chosen)]:
                available[i] = False
                chosen.append(int(members[i]))
            if len(chosen) >= quota or available.sum() <= quota - len(chosen):
                break
    return chosen


def _distribution_sampler(kind: str, clustered: bool) -> InitialFn:
    def sampler(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
        n = _check(pool, n)
        features = np.asarray(pool.features, dtype=np.float64)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        labels = (
            hierarchical_clusters(features, params.clusters, params.linkage_sample, rng)
            if clustered
            else np.zeros(pool.size, dtype=np.int64)
        )
        threshold = params.threshold if params.threshold is not None else default_threshold(features)
        names = np.unique(labels)
        quotas = cluster_quotas(np.array([(labels == c).sum() for c in names]), n)
        chosen: list[int] = []
        for cluster, quota in zip(names, quotas, strict=True):
            members = np.flatnonzero(labels == cluster)
            points = features[members]
            if kind == "uniform":
                low, high = points.min(axis=0), points.max(axis=0)

                def draw(count, low=low, high=high):
                    return rng.uniform(low, high, size=(count, low.shape[0]))
            else:
                mean = points.mean(axis=0)
                cov = np.cov(points, rowvar=False) if points.shape[0] > 1 else np.zeros((points.shape[1],) * 2)
                cov = np.atleast_2d(cov)

                def draw(count, mean=mean, cov=cov):
                    return rng.multivariate_normal(mean, cov, size=count, method="eigh")

            max_draws = params.max_draws_per_example * max(int(quota), 1)
            chosen.extend(sample_near_draws(features, members, int(quota), draw, threshold, max_draws))
        return np.array(sorted(chosen), dtype=np.int64)

    sampler.__name__ = f"{kind.replace('-', '_')}{'_cluster' if clustered else ''}"
    sampler.__doc__ = (
        f"Algorithm 1 with p = {'Unif(min Z, max Z)' if kind == 'uniform' else 'N(E Z, Cov Z)'}"
        f"{' on each hierarchical cluster S, quotas n |S| / N' if clustered else ' over the whole pool'}."
    )
    return sampler


uniform = _distribution_sampler("uniform", clustered=False)
multi_normal = _distribution_sampler("multi-normal", clustered=False)
uniform_cluster = _distribution_sampler("uniform", clustered=True)
multi_normal_cluster = _distribution_sampler("multi-normal", clustered=True)


def farthest_first(features: np.ndarray, nearest: np.ndarray, k: int) -> list[int]:
    """Core-set's greedy step (Sener & Savarese): k times, add the example farthest from everything
    chosen so far. nearest [N]: each example's squared distance to the set already chosen (or labelled),
    updated in place; chosen examples get -1. O(N k L)."""
    chosen: list[int] = []
    for _ in range(k):
        best = int(np.argmax(nearest))
        chosen.append(best)
        np.minimum(nearest, np.sum((features - features[best]) ** 2, axis=1), out=nearest)
        nearest[chosen] = -1.0
    return chosen


def k_center_greedy(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """Core-set (Sener & Savarese): start at a random example, then repeatedly add the example farthest
    from everything chosen. Keeps each example's distance to the set up to date: O(N n L)."""
    n = _check(pool, n)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    features = np.asarray(pool.features, dtype=np.float64)
    first = int(rng.integers(pool.size))
    nearest = np.sum((features - features[first]) ** 2, axis=1)
    nearest[first] = -1.0
    return np.array([first, *farthest_first(features, nearest, n - 1)], dtype=np.int64)


def typicality(features: np.ndarray, neighbours: int) -> np.ndarray:
    """1 / mean distance to the k nearest other points (TypiClust, Hacohen et al. 2022) [N]."""
    k = min(neighbours, features.shape[0] - 1)
    if k < 1:
        return np.ones(features.shape[0])
    distances = cKDTree(features).query(features, k=k + 1)[0][:, 1:]
    return 1.0 / (distances.mean(axis=1) + 1e-12)


def most_typical(features: np.ndarray, labels: np.ndarray, clusters: list, neighbours: int) -> list[int]:
    """The most typical member (TypiClust's typicality within its cluster) of each cluster, in order."""
    chosen = []
    for cluster in clusters:
        members = np.flatnonzero(labels == cluster)
        chosen.append(int(members[np.argmax(typicality(features[members], neighbours))]))
    return chosen


def typiclust(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """TypiClust: k-means into n clusters, then the most typical example of each (largest clusters first)."""
    n = _check(pool, n)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    features = np.asarray(pool.features, dtype=np.float64)
    labels = kmeans_labels(features, n, rng)
    clusters = sorted(np.unique(labels), key=lambda c: (-(labels == c).sum(), c))
    chosen = most_typical(features, labels, clusters, params.neighbours)
    if len(chosen) < n:  # k-means left clusters empty: fill with the most typical remaining examples
        scores = typicality(features, params.neighbours)
        scores[chosen] = -np.inf
        chosen.extend(np.argsort(-scores, kind="stable")[: n - len(chosen)].tolist())
    return np.array(sorted(chosen[:n]), dtype=np.int64)


def _neighbour_pairs(tree: cKDTree, radius: float) -> np.ndarray:
    """All pairs (i, j), i != j, within `radius`, both directions [P, 2]."""
    pairs = tree.query_pairs(radius, output_type="ndarray")
    return np.concatenate([pairs, pairs[:, ::-1]]) if pairs.size else np.zeros((0, 2), dtype=np.int64)


def purity_delta(features: np.ndarray, clusters: int, rng: np.random.Generator, purity: float = 0.95) -> float:
    """ProbCover's radius: the largest delta whose balls are at least 95% pure for a k-means clustering."""
    labels = kmeans_labels(features, max(2, clusters), rng)
    tree = cKDTree(features)
    nearest = tree.query(features, k=2)[0][:, 1]
    best = float(np.median(nearest))
    high = float(np.quantile(nearest, 0.99))
    for delta in [*np.quantile(nearest, [0.5, 0.75, 0.9]).tolist(), high, 2 * high, 4 * high]:
        pairs = _neighbour_pairs(tree, delta)
        impure = np.zeros(features.shape[0], dtype=bool)
        impure[pairs[labels[pairs[:, 0]] != labels[pairs[:, 1]], 0]] = True
        if 1.0 - impure.mean() < purity:  # purity only falls as the balls grow
            break
        best = delta
    return best


def probcover(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """ProbCover (Yehuda et al. 2022): greedily pick the example whose delta-ball covers the most uncovered
    examples; ties to the lower index. When everything is covered, the rest are drawn at random."""
    n = _check(pool, n)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    features = np.asarray(pool.features, dtype=np.float64)
    delta = params.delta if params.delta is not None else purity_delta(features, params.clusters, rng)
    size = pool.size
    pairs = _neighbour_pairs(cKDTree(features), delta)
    # ball(i) = {i} + neighbours: a CSR row per example, self included
    rows = np.concatenate([pairs[:, 0], np.arange(size)])
    cols = np.concatenate([pairs[:, 1], np.arange(size)])
    order = np.argsort(rows, kind="stable")
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, np.arange(size + 1))
    degree = np.diff(starts).astype(np.int64)  # uncovered examples in each ball
    covered = np.zeros(size, dtype=bool)
    taken = np.zeros(size, dtype=bool)
    chosen: list[int] = []
    while len(chosen) < n:
        best = int(np.argmax(np.where(taken, -1, degree)))
        if degree[best] <= 0:
            break
        chosen.append(best)
        taken[best] = True
        ball = cols[starts[best] : starts[best + 1]]
        newly = ball[~covered[ball]]
        covered[newly] = True
        # every ball holding a newly covered example loses one uncovered example (balls are symmetric)
        holders = np.concatenate([cols[starts[j] : starts[j + 1]] for j in newly])
        np.subtract.at(degree, holders, 1)
    if len(chosen) < n:
        rest = np.flatnonzero(~taken)
        chosen.extend(rng.choice(rest, size=n - len(chosen), replace=False).tolist())
    return np.array(sorted(chosen), dtype=np.int64)


def class_entropy(labels: np.ndarray, n_classes: int) -> float:
    """Entropy of the class histogram of a query set, in nats (log C for a perfectly balanced set)."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes).astype(np.float64)
    if counts.sum() == 0:
        return 0.0
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


# -- embedding_batches.py --

def gradient_embedding_distances(a: np.ndarray, h: np.ndarray, centre: int) -> np.ndarray:
    """Squared distances |g_i - g_centre|^2 of gradient embeddings g = a (x) h, without building g: [n]."""
    own = np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", h, h)
    return np.maximum(own + own[centre] - 2.0 * (a @ a[centre]) * (h @ h[centre]), 0.0)


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
