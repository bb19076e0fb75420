"""The trial engine: specs, LatentSet, representation stage and the active-learning loop (no Ray)."""

from .latent_set import LatentSet
from .oracle import Oracle
from .pack import TRIAL_ERRORS, IterationRecord, TrialResult, initial_batch, run_pack, run_trial
from .query_sets import QuerySetEvaluation, evaluate_query_set
from .representation import TrainedRepresentation, build_autoencoder, train_representation
from .specs import (
    PASSIVE,
    BudgetSpec,
    ClassifierSpec,
    RepresentationSpec,
    StrategySpec,
    TrialSpec,
    canonical_form,
    canonical_hash,
)

__all__ = [
    "PASSIVE",
    "TRIAL_ERRORS",
    "BudgetSpec",
    "ClassifierSpec",
    "IterationRecord",
    "LatentSet",
    "Oracle",
    "QuerySetEvaluation",
    "RepresentationSpec",
    "StrategySpec",
    "TrainedRepresentation",
    "TrialResult",
    "TrialSpec",
    "build_autoencoder",
    "canonical_form",
    "canonical_hash",
    "evaluate_query_set",
    "initial_batch",
    "run_pack",
    "run_trial",
    "train_representation",
]
