"""Distances for greedy diverse batches (thesis 3.4.3), and their linear-time normalisation bound.

Each distance measures every row of a candidate set against one of its rows:
(features [n, d], logvar [n, d] or None, j) -> [n].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..compute import EXACT_BYTES
from ..registry import Registry

DistanceFn = Callable[[np.ndarray, "np.ndarray | None", int], np.ndarray]


PreparedDistance = Callable[[int], np.ndarray]


@dataclass(frozen=True)
class Distance:
    """What a distance declares: whether it needs the posterior log-variances, and optionally `prepare`:
    (features [n, d], logvar) -> a function j -> distances [n] that equals the distance but reuses what
    every row shares (norms, unit vectors), so that a greedy batch costs one matrix-vector product per
    added instance."""

    needs_posterior: bool = False
    prepare: Callable[[np.ndarray, np.ndarray | None], PreparedDistance] | None = None


def prepared(name: str, features: np.ndarray, logvar: np.ndarray | None) -> PreparedDistance:
    """Distance `name` from every row to row j, as a function of j (prepared once when the entry can)."""
    prepare = DISTANCES.declared(name).prepare
    if prepare is not None:
        return prepare(features, logvar)
    function = DISTANCES[name]
    return lambda j: function(features, logvar, j)


def _prepare_cosine(features: np.ndarray, logvar: np.ndarray | None) -> PreparedDistance:
    norms = np.linalg.norm(features, axis=1)
    unit = np.divide(features, norms[:, None], out=np.zeros_like(features), where=norms[:, None] > 0)
    return lambda j: np.clip((1.0 - unit @ unit[j]) / 2.0, 0.0, 1.0)


def _prepare_sq_euclidean(features: np.ndarray, logvar: np.ndarray | None) -> PreparedDistance:
    norms = np.einsum("ij,ij->i", features, features)
    return lambda j: np.maximum(norms + norms[j] - 2.0 * (features @ features[j]), 0.0)


def _prepare_euclidean(features: np.ndarray, logvar: np.ndarray | None) -> PreparedDistance:
    squared = _prepare_sq_euclidean(features, logvar)
    return lambda j: np.sqrt(squared(j))


def _prepare_j_divergence(mu: np.ndarray, logvar: np.ndarray | None) -> PreparedDistance:
    """J(x, y) = 1/2 sum_i [(mx-my)^2 + sx^2]/sy^2 + [(mx-my)^2 + sy^2]/sx^2 - 2, expanded into five
    matrix-vector products over per-row terms (every term is a product of an x part and a y part)."""
    if logvar is None:
        raise ValueError("the j-divergence distance needs posterior log-variances; this representation has none")
    var = np.exp(logvar)
    inverse = 1.0 / var
    moment = mu * mu + var  # mx^2 + sx^2
    scaled = mu * inverse  # mx / sx^2
    own = np.einsum("ij,ij->i", inverse, mu * mu)  # sum_i mx^2 / sx^2
    width = mu.shape[1]

    def distance(j: int) -> np.ndarray:
        first = moment @ inverse[j] - 2.0 * (mu @ scaled[j]) + scaled[j] @ mu[j]
        second = own - 2.0 * (scaled @ mu[j]) + inverse @ moment[j]
        return np.maximum(0.5 * (first + second) - width, 0.0)

    return distance


DISTANCES: Registry[DistanceFn] = Registry("distance", Distance)


@DISTANCES.register("cosine", prepare=_prepare_cosine)
def cosine_distance(features: np.ndarray, logvar: np.ndarray | None, j: int) -> np.ndarray:
    """(1 - cos(x, y)) / 2, already in [0, 1]; a zero vector has cosine 0 to everything."""
    norms = np.linalg.norm(features, axis=1)
    dots = features @ features[j]
    denominator = norms * norms[j]
    cosines = np.divide(dots, denominator, out=np.zeros_like(dots, dtype=np.float64), where=denominator > 0)
    return np.clip((1.0 - cosines) / 2.0, 0.0, 1.0)


@DISTANCES.register("euclidean", prepare=_prepare_euclidean)
def euclidean_distance(features: np.ndarray, logvar: np.ndarray | None, j: int) -> np.ndarray:
    """|x - y|."""
    return np.sqrt(sq_euclidean_distance(features, logvar, j))


@DISTANCES.register("sq-euclidean", prepare=_prepare_sq_euclidean)
def sq_euclidean_distance(features: np.ndarray, logvar: np.ndarray | None, j: int) -> np.ndarray:
    """|x - y|^2."""
    difference = features - features[j]
    return np.einsum("ij,ij->i", difference, difference)


@DISTANCES.register("j-divergence", needs_posterior=True, prepare=_prepare_j_divergence)
def j_divergence(features: np.ndarray, logvar: np.ndarray | None, j: int) -> np.ndarray:
    """D_KL(x||y) + D_KL(y||x) between diagonal Gaussians N(mu, exp(logvar))."""
    if logvar is None:
        raise ValueError("the j-divergence distance needs posterior log-variances; this representation has none")
    var = np.exp(logvar)
    squared = (features - features[j]) ** 2
    return np.maximum(0.5 * ((squared + var) / var[j] + (squared + var[j]) / var - 2.0).sum(axis=1), 0.0)


def distance_bound(name: str, features: np.ndarray, logvar: np.ndarray | None) -> float:
    """Upper bound used to normalise a distance to [0, 1]: twice the largest distance to the origin.

    For a metric the triangle inequality makes 2 max|x| a bound on every pairwise distance; for the
    squared distance it is (2 max|x|)^2, for the J divergence twice the largest divergence to N(0, I)
    (a heuristic, as in thesis 3.4.3). Linear in the pool size. Cosine needs none (1).
    """
    DISTANCES[name]  # unknown names raise with the known ones listed
    features = np.asarray(features)
    if name == "cosine" or features.shape[0] == 0:
        return 1.0
    if name == "j-divergence":
        if logvar is None:
            raise ValueError("the j-divergence distance needs posterior log-variances; this representation has none")
        var = np.exp(np.asarray(logvar, dtype=np.float64))
        to_prior = 0.5 * ((features**2 + var) + (features**2 + 1.0) / var - 2.0).sum(axis=1)
        bound = 2.0 * float(to_prior.max())
    else:
        if features.size * 8 <= EXACT_BYTES:  # as before, in float64
            radius = float(np.linalg.norm(np.asarray(features, dtype=np.float64), axis=1).max())
        else:  # a large pool: squared norms accumulated in float64, no float64 copy of it
            radius = float(np.sqrt(np.einsum("ij,ij->i", features, features, dtype=np.float64).max()))
        bound = 2.0 * radius if name == "euclidean" else (2.0 * radius) ** 2
    return bound if bound > 0.0 else 1.0
