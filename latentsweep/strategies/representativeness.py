"""Representativeness measures in [0, 1], 1 = most representative (thesis 3.4.2 and 4.3).

Each takes the pool's features [N, d] (posterior means mu, or flattened pixels) and log-variances
logvar [N, d] (None for representations without a posterior) and returns scores [N]. Density measures
are exact averages over the whole pool: closed forms where the measure allows one (cosine, squared
Euclidean, J divergence, MSE), otherwise computed in row blocks so that no N x N matrix is held.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..registry import Registry

RepresentativenessFn = Callable[[np.ndarray, "np.ndarray | None"], np.ndarray]


@dataclass(frozen=True)
class RepresentativenessMeasure:
    """What a measure declares: whether it needs the posterior log-variances (VAE latents only), and its work
    over a pool of n rows of d features (computed once per representation), in floating-point operations."""

    needs_posterior: bool = False
    cost: Callable[[int, int], float] = lambda n, d: 4.0 * n * d  # a closed form: a few passes over the pool


REPRESENTATIVENESS: Registry[RepresentativenessFn] = Registry("representativeness measure", RepresentativenessMeasure)

# Elements of one block of pairwise distances (float64): 4M elements = 32 MB.
_BLOCK_ELEMENTS = 1 << 22


def _as_features(features: np.ndarray) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"features must be 2-D [N, d], got shape {features.shape}")
    return features


def _require_logvar(features: np.ndarray, logvar: np.ndarray | None, measure: str) -> np.ndarray:
    if logvar is None:
        raise ValueError(f"{measure} needs posterior log-variances; this representation has none")
    logvar = np.asarray(logvar, dtype=np.float64)
    if logvar.shape != features.shape:
        raise ValueError(f"logvar shape {logvar.shape} differs from features shape {features.shape}")
    return logvar


def one_minus_normalised(values: np.ndarray) -> np.ndarray:
    """1 - values / max(values): turns non-negative distances into scores, 1 = closest (all 1 if max is 0)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values.copy()
    largest = values.max()
    if not np.isfinite(largest):
        raise ValueError("representativeness: a distance is not finite")
    if largest <= 0.0:
        return np.ones_like(values)
    return np.clip(1.0 - values / largest, 0.0, 1.0)


def mean_euclidean_distance(features: np.ndarray) -> np.ndarray:
    """Exact mean Euclidean distance of every row to all rows (itself included): [N, d] -> [N].

    The squared distances |x|^2 + |u|^2 - 2 x.u of a block of rows come out of one float32 matrix product
    of augmented rows [x, |x|^2, 1] . [-2u, 1, |u|^2], on features centred in float64 first (distances do
    not change; the cancellation the expansion suffers shrinks to float32 rounding, about 1e-7 of |x|^2);
    then clip at 0, the row itself exactly 0, square roots, and row sums accumulated in float64. Blocks of
    at most 32 MB: O(N) memory, O(N^2 d) time at the BLAS rate plus three passes over each block.
    """
    features = _as_features(features)
    n = features.shape[0]
    result = np.empty(n)
    if n == 0:
        return result
    centred = features - features.mean(axis=0)
    squared = np.einsum("ij,ij->i", centred, centred)
    left = np.column_stack([centred, squared, np.ones(n)]).astype(np.float32)
    right = np.column_stack([-2.0 * centred, np.ones(n), squared]).astype(np.float32).T.copy()
    rows = max(1, (2 * _BLOCK_ELEMENTS) // n)  # float32: twice the elements of a float64 block in 32 MB
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        block = left[start:stop] @ right
        np.maximum(block, 0.0, out=block)
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0
        np.sqrt(block, out=block)
        result[start:stop] = block.sum(axis=1, dtype=np.float64) / n
    return result


def mean_squared_euclidean_distance(features: np.ndarray) -> np.ndarray:
    """Exact mean squared Euclidean distance of every row to all rows: |x|^2 + mean|u|^2 - 2 x.mean(u)."""
    features = _as_features(features)
    if features.shape[0] == 0:
        return np.zeros(0)
    squared_norms = np.einsum("ij,ij->i", features, features)
    mean_row = features.mean(axis=0)
    return np.maximum(squared_norms + squared_norms.mean() - 2.0 * features @ mean_row, 0.0)


def mean_cosine_similarity(features: np.ndarray) -> np.ndarray:
    """Exact mean cosine similarity of every row to all rows: x_hat . mean(u_hat); zero rows count as 0."""
    features = _as_features(features)
    if features.shape[0] == 0:
        return np.zeros(0)
    norms = np.linalg.norm(features, axis=1)
    unit = np.divide(features, norms[:, None], out=np.zeros_like(features), where=norms[:, None] > 0)
    return unit @ unit.mean(axis=0)


def mean_j_divergence(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Exact mean J divergence D_KL(x||u) + D_KL(u||x) of every diagonal Gaussian to all of them.

    Expanding 1/2 sum_i [((mx-mu)^2 + sx^2)/su^2 + ((mu-mx)^2 + su^2)/sx^2 - 2] and averaging over u
    needs only per-dimension pool means of 1/s^2, mu/s^2, mu^2/s^2, mu, mu^2 and s^2: O(N d).
    """
    var = np.exp(logvar)
    inv_var = 1.0 / var
    mean_inv = inv_var.mean(axis=0)
    mean_mu_inv = (mu * inv_var).mean(axis=0)
    mean_mu2_inv = (mu * mu * inv_var).mean(axis=0)
    mean_mu = mu.mean(axis=0)
    mean_mu2 = (mu * mu).mean(axis=0)
    mean_var = var.mean(axis=0)
    first = (mu * mu + var) * mean_inv - 2.0 * mu * mean_mu_inv + mean_mu2_inv
    second = (mean_mu2 - 2.0 * mu * mean_mu + mu * mu + mean_var) * inv_var
    return np.maximum(0.5 * (first + second - 2.0).sum(axis=1), 0.0)


def kl_divergence_to_prior(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """D_KL(N(mu, diag(exp(logvar))) || N(0, I)) per row: 1/2 sum(mu^2 + s^2 - 1 - log s^2)."""
    return np.maximum(0.5 * (mu * mu + np.exp(logvar) - 1.0 - logvar).sum(axis=1), 0.0)


@REPRESENTATIVENESS.register("density-cosine")
def density_cosine(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """Mean of (cos + 1) / 2 over the pool (latent means can be negative)."""
    return np.clip((mean_cosine_similarity(features) + 1.0) / 2.0, 0.0, 1.0)


@REPRESENTATIVENESS.register("density-euclidean", cost=lambda n, d: 2.0 * n * n * (d + 2))
def density_euclidean(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """1 - mean Euclidean distance / the largest mean distance in the pool."""
    return one_minus_normalised(mean_euclidean_distance(features))


@REPRESENTATIVENESS.register("density-sq-euclidean")
def density_sq_euclidean(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """1 - mean squared Euclidean distance / the largest such mean in the pool."""
    return one_minus_normalised(mean_squared_euclidean_distance(features))


@REPRESENTATIVENESS.register("density-j-divergence", needs_posterior=True)
def density_j_divergence(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """1 - mean J divergence / the largest mean J divergence in the pool."""
    mu = _as_features(features)
    return one_minus_normalised(mean_j_divergence(mu, _require_logvar(mu, logvar, "density-j-divergence")))


@REPRESENTATIVENESS.register("kl-to-prior", needs_posterior=True)
def kl_to_prior(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """1 - KL divergence to the prior N(0, I) / the largest such divergence in the pool."""
    mu = _as_features(features)
    return one_minus_normalised(kl_divergence_to_prior(mu, _require_logvar(mu, logvar, "kl-to-prior")))


@REPRESENTATIVENESS.register("distance-to-origin")
def distance_to_origin(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """1 - |mu| / the largest |mu| in the pool."""
    return one_minus_normalised(np.linalg.norm(_as_features(features), axis=1))


@REPRESENTATIVENESS.register("sq-distance-to-origin")
def sq_distance_to_origin(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """1 - |mu|^2 / the largest |mu|^2 in the pool."""
    features = _as_features(features)
    return one_minus_normalised(np.einsum("ij,ij->i", features, features))


@REPRESENTATIVENESS.register("pixel-density-cosine")
def pixel_density_cosine(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """Mean cosine similarity over the pool; pixels in [0, 1] make it lie in [0, 1] already."""
    return np.clip(mean_cosine_similarity(features), 0.0, 1.0)


@REPRESENTATIVENESS.register("pixel-density-euclidean", cost=lambda n, d: 2.0 * n * n * (d + 2))
def pixel_density_euclidean(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """1 - mean normalised Euclidean distance sqrt(mean_i (x_i - y_i)^2), which lies in [0, 1] for pixels."""
    features = _as_features(features)
    scale = np.sqrt(max(features.shape[1], 1))
    return np.clip(1.0 - mean_euclidean_distance(features) / scale, 0.0, 1.0)


@REPRESENTATIVENESS.register("pixel-density-mse")
def pixel_density_mse(features: np.ndarray, logvar: np.ndarray | None = None) -> np.ndarray:
    """1 - mean squared error mean_i (x_i - y_i)^2 to the pool, which lies in [0, 1] for pixels."""
    features = _as_features(features)
    return np.clip(1.0 - mean_squared_euclidean_distance(features) / max(features.shape[1], 1), 0.0, 1.0)
