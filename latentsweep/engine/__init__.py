"""The trial engine: specs, LatentSet, representation kinds and stage, and the active-learning loop (no Ray).

Specs, kinds, the LatentSet and the oracle load no torch (the config reads them); the loop, the
representation stage and query-set evaluation do, and are imported on first use.
"""

from __future__ import annotations

import importlib

from .kinds import REPRESENTATION_KINDS, Features, RepresentationKind, has_posterior, kind_problem, pool_advice
from .latent_set import LatentSet
from .oracle import Oracle
from .specs import (
    BudgetSpec,
    ClassifierSpec,
    RepresentationSpec,
    StoppingSpec,
    TrialSpec,
    canonical_form,
    canonical_hash,
)
from .strategy import PASSIVE, STRATEGY_PARAMS, StrategySpec, scheduled_value, strategy_keys

_LAZY = {
    "TRIAL_ERRORS": "pack",
    "IterationEvent": "events",
    "IterationRecord": "events",
    "describe_error": "events",
    "check_pack": "pack",
    "MemberState": "events",
    "PackEvent": "events",
    "TrialResult": "events",
    "initial_batch": "pack",
    "iterate_pack": "pack",
    "run_pack": "pack",
    "run_trial": "pack",
    "QuerySetEvaluation": "query_sets",
    "evaluate_query_set": "query_sets",
    "TrainedRepresentation": "representation",
    "build_autoencoder": "representation",
    "train_representation": "representation",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PASSIVE",
    "REPRESENTATION_KINDS",
    "STRATEGY_PARAMS",
    "BudgetSpec",
    "ClassifierSpec",
    "Features",
    "LatentSet",
    "Oracle",
    "RepresentationKind",
    "RepresentationSpec",
    "StrategySpec",
    "StoppingSpec",
    "TrialSpec",
    "canonical_form",
    "canonical_hash",
    "has_posterior",
    "kind_problem",
    "pool_advice",
    "scheduled_value",
    "strategy_keys",
    *_LAZY,
]
