"""Batch selection: which k of the scored candidates to query at once (thesis 3.4.3).

Scoring is separate: a selector receives a `Candidates` (scores and features of the n unlabelled
candidates) and returns min(k, n) distinct indices into them. Ties go to the lower index.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..compute import EXACT_BYTES
from ..registry import Param, Registry, check_needs, declared_params
from .distances import DISTANCES, distance_bound, prepared
from .needs import NEEDS
from .work import Work


@dataclass(frozen=True)
class Candidates:
    """The n unlabelled candidates of one selection: scores in [0, 1] and latent features.

    uncertainty [n]; representativeness [n] or None; features and logvar [n, d] (logvar may be None);
    informativeness = gamma * uncertainty + (1 - gamma) * representativeness (thesis 3.4.2). What a batch
    rule declares it needs is filled in too: mc_probabilities [T, n, C] (MC-dropout passes),
    gradient_embedding (a [n, C], h [n, H]: the last layer's gradient embedding is a_i (x) h_i, BADGE),
    labelled_features [L, d] (the labelled examples' features); `outputs`, every model output the rule
    declared it needs by name (`NEEDS`), so that a new one needs no field here.
    """

    uncertainty: np.ndarray
    features: np.ndarray
    representativeness: np.ndarray | None = None
    logvar: np.ndarray | None = None
    gamma: float = 1.0
    mc_probabilities: np.ndarray | None = None
    gradient_embedding: tuple[np.ndarray, np.ndarray] | None = None
    labelled_features: np.ndarray | None = None
    outputs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.features.shape[0])

    @property
    def informativeness(self) -> np.ndarray:
        return informativeness(self.uncertainty, self.representativeness, self.gamma)


@dataclass(frozen=True)
class BatchParams:
    """A batch rule's settings at one selection: `values`, the values of the parameters it declares
    (name -> value, schedules applied), and `distance_scale`, the normalising bound of its distance over
    the whole pool (None: take the bound from the candidates themselves, `distance_bound`)."""

    values: Mapping[str, Any] = field(default_factory=dict)
    distance_scale: float | None = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    @property
    def extra(self) -> Mapping[str, Any]:
        """The values under the name plugins written before the parameter model read (`params.extra[name]`)."""
        return self.values

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


@dataclass(frozen=True)
class BatchRule:
    """What a batch rule declares: its parameters (name -> `Param` or a default, in the order its label
    shows them), which parameter weighs the representativeness scores directly (so a measure is used even
    at gamma 1), groups of weights whose sum is at most 1 (`simplex`: searched over that triangle by
    `tune`), whether it needs its distance's normalising bound over the whole pool (the parameter whose
    choices are `DISTANCES`), what else it needs (`NEEDS`), whether it reads the scores at all, and whether it
    reads the candidates' features (else it gets a placeholder of their shape: no copy of a large pool), and
    its work as a function of a selection's sizes (`cost`, `strategies.work`)."""

    params: Mapping[str, Any] = field(default_factory=dict)
    representativeness_weight: str | None = None
    simplex: tuple[tuple[str, ...], ...] = ()
    needs_distance_bound: bool = False
    needs: tuple[str, ...] = ()
    uses_scores: bool = True
    uses_features: bool = True
    cost: Callable[[Work], float] | None = None  # its work per selection (`work`); None: next to nothing

    def __post_init__(self) -> None:
        params = declared_params(self.params)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "needs", check_needs(self.needs, NEEDS))
        object.__setattr__(self, "simplex", tuple(tuple(group) for group in self.simplex))
        for name in [self.representativeness_weight, *(n for g in self.simplex for n in g)]:
            if name is not None and (name not in params or params[name].kind is not float):
                raise TypeError(f"{name!r} is not a float parameter it declares ({', '.join(params) or 'none'})")
        if self.needs_distance_bound and not any(p.choices is DISTANCES for p in params.values()):
            raise TypeError("needs_distance_bound without a parameter whose choices are DISTANCES")


BatchSelectionFn = Callable[[Candidates, int, np.random.Generator, BatchParams], np.ndarray]

BATCH_SELECTION: Registry[BatchSelectionFn] = Registry("batch selection", BatchRule)


def informativeness(uncertainty: np.ndarray, representativeness: np.ndarray | None, gamma: float) -> np.ndarray:
    """gamma * uncertainty + (1 - gamma) * representativeness; just the uncertainty without one."""
    uncertainty = np.asarray(uncertainty, dtype=np.float64)
    if representativeness is None:
        return uncertainty
    return gamma * uncertainty + (1.0 - gamma) * np.asarray(representativeness, dtype=np.float64)


def _ranked(scores: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """indices ordered by descending score, ties by ascending index."""
    return indices[np.lexsort((indices, -scores[indices]))]


@BATCH_SELECTION.register("random", uses_features=False)
def random_batch(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """k candidates uniformly at random, ignoring every score (passive learning)."""
    k = min(k, candidates.size)
    return np.sort(rng.choice(candidates.size, size=k, replace=False)).astype(np.int64)


@BATCH_SELECTION.register("top-k", uses_features=False)
def top_k(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """The k most informative candidates."""
    k = min(k, candidates.size)
    return _ranked(candidates.informativeness, np.arange(candidates.size))[:k]


@BATCH_SELECTION.register("random-partitions", uses_features=False)
def random_partitions(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """Split the candidates into k random parts of equal size (+-1) and take the most informative of each."""
    n = candidates.size
    if k >= n:
        return np.arange(n, dtype=np.int64)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    scores = candidates.informativeness
    parts = np.array_split(rng.permutation(n), k)
    return np.array([_ranked(scores, part)[0] for part in parts], dtype=np.int64)


@BATCH_SELECTION.register(
    "greedy",
    params={
        "distance": Param("euclidean", choices=DISTANCES, doc="distance to the batch chosen so far"),
        "alpha": Param(0.0, 0.0, 1.0, short="a", doc="weight of diversity (distance to the batch) in the greedy score"),
        "beta": Param(0.0, 0.0, 1.0, short="b", doc="weight of representativeness in the greedy score"),
    },
    representativeness_weight="beta",
    simplex=(("alpha", "beta"),),
    needs_distance_bound=True,
    cost=lambda w: 2.0 * w.k * w.n * w.d,
)
def greedy_diverse_batch(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """Greedy batch of informative, representative and mutually distant candidates (thesis 3.4.3).

    Starts with the most informative candidate, then adds the x maximising
    alpha * unc(x) + beta * repr(x) + (1 - alpha - beta) * d(x, B) / scale, d(x, B) = min_{y in B} d(x, y).
    Each candidate's distance to the batch is kept up to date with one pass of distances per added
    instance (a matrix-vector product for distances that declare `prepare`): O(n k d) time, O(n d) memory.
    """
    n = candidates.size
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    alpha, beta, distance_name = params.get("alpha", 0.0), params.get("beta", 0.0), params.get("distance", "euclidean")
    if alpha < 0 or beta < 0 or alpha + beta > 1 + 1e-12:
        raise ValueError(f"greedy needs alpha, beta >= 0 and alpha + beta <= 1, got {alpha}, {beta}")
    if candidates.representativeness is None and beta > 0:
        raise ValueError("greedy with beta > 0 needs a representativeness measure")
    dtype = np.float64 if candidates.features.size * 8 <= EXACT_BYTES else np.float32  # float32 for a large pool
    features = np.asarray(candidates.features, dtype=dtype)
    logvar = None if candidates.logvar is None else np.asarray(candidates.logvar, dtype=dtype)
    distance = prepared(distance_name, features, logvar)
    scale = params.distance_scale
    if scale is None:
        scale = distance_bound(distance_name, features, logvar)
    representativeness = (
        np.zeros(n) if candidates.representativeness is None else np.asarray(candidates.representativeness)
    )
    static = alpha * np.asarray(candidates.uncertainty, dtype=np.float64) + beta * representativeness
    diversity_weight = 1.0 - alpha - beta

    chosen = [int(np.argmax(candidates.informativeness))]
    taken = np.zeros(n, dtype=bool)
    taken[chosen[0]] = True
    to_batch = np.clip(distance(chosen[0]) / scale, 0.0, 1.0)
    for _ in range(k - 1):
        objective = static + diversity_weight * to_batch
        objective[taken] = -np.inf
        best = int(np.argmax(objective))
        chosen.append(best)
        taken[best] = True
        np.minimum(to_batch, np.clip(distance(best) / scale, 0.0, 1.0), out=to_batch)
    return np.array(chosen, dtype=np.int64)


def subsample_candidates(unlabelled: np.ndarray, fraction: float, minimum: int, rng: np.random.Generator) -> np.ndarray:
    """A fresh random subsample of ceil(fraction * n) unlabelled pool indices (at least `minimum`), sorted.

    fraction 1 returns every index unchanged and draws nothing from rng.
    """
    n = unlabelled.shape[0]
    if fraction >= 1.0 or n == 0:
        return unlabelled
    size = min(n, max(minimum, math.ceil(fraction * n)))
    return np.sort(unlabelled[rng.choice(n, size=size, replace=False)])
