"""Query strategies: pure functions over numpy arrays and a seeded numpy Generator.

Registries (name -> function), to which users may add their own:

- `UNCERTAINTY[name](probs [n, C]) -> [n]` in [0, 1]
- `REPRESENTATIVENESS[name](features [N, d], logvar [N, d] | None) -> [N]` in [0, 1]
- `BATCH_SELECTION[name](candidates, k, rng, params) -> indices [min(k, n)]`
- `DISTANCES[name](features, logvar, j) -> [n]` for the greedy selector
- `INITIAL_SELECTION[name](pool, n, rng, params) -> n pool indices`, the first batch (second paper)

Besides the thesis' family: BALD, max-entropy and BatchBALD from MC dropout (`bayesian`), EPIG (`epig`), BADGE and
core-set / TypiClust as batch rules during the loop (`embedding_batches`), and query by committee over an
ensemble's members (`committee`: vote entropy, consensus entropy, max disagreement).

Each entry declares what it uses and needs (`UNCERTAINTY.declared("margin")` etc.): parameters of its
own, posterior log-variances, a distance bound, reconstruction errors.

This package imports numpy and scipy only: never ray, torch or optuna.
"""

from ..registry import NoDeclaration, Param, Registry, UnknownNameError
from .batch_selection import (
    BATCH_SELECTION,
    BatchParams,
    BatchRule,
    Candidates,
    greedy_diverse_batch,
    informativeness,
    random_batch,
    random_partitions,
    subsample_candidates,
    top_k,
)
from .bayesian import bald, batchbald, max_entropy_mc, mutual_information
from .committee import consensus_entropy, max_disagreement, vote_entropy
from .distances import DISTANCES, Distance, distance_bound, prepared
from .embedding_batches import (
    activations_dtype,
    badge,
    gradient_embedding_distances,
    half_embedding,
    k_center_greedy_batch,
    typiclust_batch,
)
from .epig import epig
from .initial import INITIAL_SELECTION, InitialParams, InitialPool, InitialSampler, class_entropy
from .representativeness import REPRESENTATIVENESS, RepresentativenessMeasure
from .uncertainty import UNCERTAINTY, UncertaintyMeasure, entropy, least_confident, margin

__all__ = [
    "BATCH_SELECTION",
    "DISTANCES",
    "INITIAL_SELECTION",
    "REPRESENTATIVENESS",
    "UNCERTAINTY",
    "BatchParams",
    "BatchRule",
    "Candidates",
    "Distance",
    "InitialParams",
    "InitialPool",
    "InitialSampler",
    "NoDeclaration",
    "Param",
    "Registry",
    "RepresentativenessMeasure",
    "UncertaintyMeasure",
    "UnknownNameError",
    "activations_dtype",
    "badge",
    "bald",
    "batchbald",
    "class_entropy",
    "consensus_entropy",
    "distance_bound",
    "entropy",
    "epig",
    "gradient_embedding_distances",
    "greedy_diverse_batch",
    "half_embedding",
    "informativeness",
    "k_center_greedy_batch",
    "least_confident",
    "margin",
    "max_disagreement",
    "max_entropy_mc",
    "mutual_information",
    "prepared",
    "random_batch",
    "random_partitions",
    "subsample_candidates",
    "top_k",
    "typiclust_batch",
    "vote_entropy",
]
