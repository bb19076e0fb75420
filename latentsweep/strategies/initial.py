"""Initial query selection: which n pool examples to label first, before any model exists.

Samplers of "Query Selection based on Latent Space Sampling" (section 3.2, Algorithm 1): `uniform`,
`multi-normal`, `uniform-cluster`, `multi-normal-cluster`, with the baselines `random` and `ae-error`;
and the low-budget methods of later work: `k-center-greedy` (core-set), `typiclust`, `probcover`.
Each is `INITIAL_SELECTION[name](pool, n, rng, params) -> n distinct pool indices`. Their distances, nearest
neighbours and k-means go through the bounded-memory compute path (`latentsweep.compute`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import compute
from ..compute import kmeans_labels
from ..registry import Registry
from .work import Work, kmeans, pairwise


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
    """What an initial sampler declares: whether it needs each example's reconstruction error, a name for
    the strategy it starts when that is all the strategy is (`all`: 'all labels'), and its work for a query
    set of k from n rows of d features (`strategies.work.Work`), in floating-point operations."""

    needs_reconstruction_error: bool = False
    label: str | None = None
    cost: Callable[[Work], float] | None = None


INITIAL_SELECTION: Registry[InitialFn] = Registry("initial selection", InitialSampler)


def _check(pool: InitialPool, n: int) -> int:
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return min(n, pool.size)


@INITIAL_SELECTION.register("random")
def random_initial(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """n examples uniformly at random, without replacement."""
    return np.sort(rng.choice(pool.size, size=_check(pool, n), replace=False)).astype(np.int64)


@INITIAL_SELECTION.register("all", label="all labels")
def every_example(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """The first n examples: with n the pool's size, every label (the full-data reference of Tables 5.2-5.5)."""
    return np.arange(_check(pool, n), dtype=np.int64)


@INITIAL_SELECTION.register("ae-error", needs_reconstruction_error=True)
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
    from scipy.cluster.hierarchy import fcluster, linkage  # imported where used: workers start without it

    labels = fcluster(linkage(features[chosen], method="ward"), t=clusters, criterion="maxclust") - 1
    if n <= sample:
        return labels.astype(np.int64)
    centres = np.stack([features[chosen][labels == c].mean(axis=0) for c in np.unique(labels)])
    return compute.nearest(features, centres)[1].astype(np.int64)


def default_threshold(features: np.ndarray) -> float:
    """The median distance of a point to its nearest neighbour: a draw lands near about one example."""
    if features.shape[0] < 2:
        return 1.0
    distances = np.sqrt(compute.knn(features, 1)[:, 0])
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

    `draw(m)` returns m draws [m, L]; they are made `chunk` at a time (one blocked pass over the members
    each) and used in order. Ends when the quota is met or the cluster has fewer unchosen members than its
    quota left (then all of them are taken). After `max_draws` draws without filling the quota, each further
    draw takes its nearest unchosen member whatever the distance, so that sparse distributions still finish.
    """
    chosen: list[int] = []
    available = np.ones(members.shape[0], dtype=bool)
    points = features[members]
    draws = 0
    while len(chosen) < quota:
        if available.sum() <= quota - len(chosen):
            chosen.extend(members[available].tolist())
            break
        batch = np.atleast_2d(draw(chunk))
        which, rows, _ = compute.ball(batch, points, threshold)  # by draw, then distance, then row
        starts = np.searchsorted(which, np.arange(len(batch) + 1))
        for index, z in enumerate(batch):
            draws += 1
            near = [int(i) for i in rows[starts[index] : starts[index + 1]] if available[i]]
            if not near and draws > max_draws:
                open_rows = np.flatnonzero(available)
                near = [int(open_rows[compute.nearest(z[None, :], points[open_rows])[1][0]])]
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


def _threshold_cost(work: Work) -> float:
    """The default threshold (every example's nearest neighbour) and a few blocks of draws per example."""
    return pairwise(work.n, work.d) + 2.0 * 256 * work.n * work.d * max(1, work.k // 64)


uniform = INITIAL_SELECTION.register("uniform", cost=_threshold_cost)(_distribution_sampler("uniform", False))
multi_normal = INITIAL_SELECTION.register("multi-normal", cost=_threshold_cost)(
    _distribution_sampler("multi-normal", False)
)
uniform_cluster = INITIAL_SELECTION.register("uniform-cluster", cost=_threshold_cost)(
    _distribution_sampler("uniform", True)
)
multi_normal_cluster = INITIAL_SELECTION.register("multi-normal-cluster", cost=_threshold_cost)(
    _distribution_sampler("multi-normal", True)
)


def farthest_first(features: np.ndarray, nearest: np.ndarray, k: int) -> list[int]:
    """Core-set's greedy step (Sener & Savarese): k times, add the example farthest from everything
    chosen so far. nearest [N]: each example's squared distance to the set already chosen (or labelled),
    updated in place; chosen examples get -1. O(N k L) time, one pass of blocks per pick, O(N) memory."""
    chosen: list[int] = []
    distances = compute.ToPoints(features)
    for _ in range(k):
        best = int(np.argmax(nearest))
        chosen.append(best)
        np.minimum(nearest, distances.squared(features[best]), out=nearest)
        nearest[chosen] = -1.0
    return chosen


@INITIAL_SELECTION.register("k-center-greedy", cost=lambda w: 3.0 * w.k * w.n * w.d)
def k_center_greedy(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """Core-set (Sener & Savarese): start at a random example, then repeatedly add the example farthest
    from everything chosen. Keeps each example's distance to the set up to date: O(N n L)."""
    n = _check(pool, n)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    features = np.asarray(pool.features)
    first = int(rng.integers(pool.size))
    nearest = compute.squared_to(features, features[first])
    nearest[first] = -1.0
    return np.array([first, *farthest_first(features, nearest, n - 1)], dtype=np.int64)


def typicality(features: np.ndarray, neighbours: int, *, at_scale: bool = False) -> np.ndarray:
    """1 / mean distance to the k nearest other points (TypiClust, Hacohen et al. 2022) [N]; `at_scale`: in
    float32 through faiss whatever N (`compute.knn`)."""
    k = min(neighbours, features.shape[0] - 1)
    if k < 1:
        return np.ones(features.shape[0])
    distances = np.sqrt(compute.knn(features, k, at_scale=at_scale))
    return 1.0 / (distances.mean(axis=1) + 1e-12)


def most_typical(features: np.ndarray, labels: np.ndarray, clusters: list, neighbours: int) -> list[int]:
    """The most typical member (TypiClust's typicality within its cluster) of each cluster, in order."""
    chosen = []
    for cluster in clusters:
        members = np.flatnonzero(labels == cluster)
        chosen.append(int(members[np.argmax(typicality(features[members], neighbours))]))
    return chosen


@INITIAL_SELECTION.register(
    "typiclust",
    cost=lambda w: kmeans(w.n, w.k, w.d, w.n <= 100_000) + 2.0 * w.n * (w.n // max(w.k, 1)) * w.d,
)
def typiclust(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """TypiClust: k-means into n clusters, then the most typical example of each (largest clusters first)."""
    n = _check(pool, n)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    features = np.asarray(pool.features)
    labels = kmeans_labels(features, n, rng)
    clusters = sorted(np.unique(labels), key=lambda c: (-(labels == c).sum(), c))
    chosen = most_typical(features, labels, clusters, params.neighbours)
    if len(chosen) < n:  # k-means left clusters empty: fill with the most typical remaining examples
        scores = typicality(features, params.neighbours)
        scores[chosen] = -np.inf
        chosen.extend(np.argsort(-scores, kind="stable")[: n - len(chosen)].tolist())
    return np.array(sorted(chosen[:n]), dtype=np.int64)


def purity_delta(features: np.ndarray, clusters: int, rng: np.random.Generator, purity: float = 0.95) -> float:
    """ProbCover's radius: the largest delta (among quantiles of the nearest-neighbour distance) whose balls are
    at least 95% pure for a k-means clustering. One blocked pass finds each example's nearest neighbour and
    nearest example of another cluster; a ball of radius delta is impure exactly when the latter is within
    delta, so every candidate delta is judged from that pass."""
    labels = kmeans_labels(features, max(2, clusters), rng)
    any_other, other_cluster = (np.sqrt(d) for d in compute.nearest_other(features, labels))
    best = float(np.median(any_other))
    high = float(np.quantile(any_other, 0.99))
    for delta in [*np.quantile(any_other, [0.5, 0.75, 0.9]).tolist(), high, 2 * high, 4 * high]:
        if 1.0 - np.mean(other_cluster <= delta) < purity:  # purity only falls as the balls grow
            break
        best = delta
    return best


# purity_delta's pass over the pairs, the balls' degrees, and at most one more pass as examples become covered
@INITIAL_SELECTION.register("probcover", cost=lambda w: 3 * pairwise(w.n, w.d) + kmeans(w.n, 10, w.d, w.n <= 100_000))
def probcover(pool: InitialPool, n: int, rng: np.random.Generator, params: InitialParams) -> np.ndarray:
    """ProbCover (Yehuda et al. 2022): greedily pick the example whose delta-ball covers the most uncovered
    examples; ties to the lower index. When everything is covered, the rest are drawn at random."""
    n = _check(pool, n)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    features = np.asarray(pool.features)
    delta = params.delta if params.delta is not None else purity_delta(features, params.clusters, rng)
    size = pool.size
    # ball(i) = the examples within delta of i, itself included; degree: the uncovered examples in each ball.
    # Degrees are counted and updated in blocks, never storing the graph (balls are symmetric).
    degree = compute.count_within(features, delta)
    to = compute.ToPoints(features)
    covered = np.zeros(size, dtype=bool)
    taken = np.zeros(size, dtype=bool)
    chosen: list[int] = []
    while len(chosen) < n:
        best = int(np.argmax(np.where(taken, -1, degree)))
        if degree[best] <= 0:
            break
        chosen.append(best)
        taken[best] = True
        inside = to.squared(features[best]) <= delta**2
        inside[best] = True
        newly = np.flatnonzero(inside & ~covered)
        covered[newly] = True
        if len(newly):  # every ball holding a newly covered example loses one uncovered example
            degree -= compute.count_within(features, delta, of=newly)
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
