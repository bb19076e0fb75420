"""The stopping-criterion registry: when a trial would stop labelling, read from its learning curve.

An entry is `STOPPING[name](curve, params) -> position or None`: the first iteration (a position in the
trial's curve, rows in iteration order) at which the criterion fires, from the curve columns it declares
it reads (`uses`). The same function decides a run's `[stopping]` (the loop asks it after every iteration)
and the report's "when would it have stopped" (asked of every stored curve).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..registry import Param, Registry, declared_params

Curve = Mapping[str, np.ndarray]  # column -> values [iterations so far], in iteration order
Criterion = Callable[[Curve, Mapping[str, Any]], "int | None"]


@dataclass(frozen=True)
class StoppingCriterion:
    """What a criterion declares: the curve columns it reads (`uses`), its parameters, and its source."""

    uses: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", declared_params(self.params))

    def defaults(self) -> dict[str, Any]:
        return {name: param.default for name, param in self.params.items()}


STOPPING: Registry[Criterion] = Registry("stopping criterion", StoppingCriterion)


def _first(flags: np.ndarray) -> int | None:
    found = np.flatnonzero(flags)
    return int(found[0]) if found.size else None


def _window(values: np.ndarray, window: int) -> np.ndarray:
    """The mean of each run of `window` consecutive values ending at each position (NaN before)."""
    means = np.full(len(values), np.nan)
    for end in range(window - 1, len(values)):
        means[end] = values[end - window + 1 : end + 1].mean()
    return means


@STOPPING.register(
    "stabilizing-predictions",
    uses=("stop_agreement",),
    params={
        "threshold": Param(0.99, 0.0, 1.0, schedule=False, doc="mean kappa over the window at least this"),
        "window": Param(3, 1, 100, doc="successive agreements averaged"),
    },
    source="Bloodgood & Vijay-Shanker 2009",
)
def stabilizing_predictions(curve: Curve, params: Mapping[str, Any]) -> int | None:
    """Stop once Cohen's kappa between successive models' predictions on the stop set, averaged over the
    last `window` pairs of models, reaches `threshold`."""
    means = _window(np.asarray(curve["stop_agreement"], dtype=np.float64), int(params["window"]))
    return _first(means >= params["threshold"])


@STOPPING.register(
    "overall-uncertainty",
    uses=("stop_uncertainty",),
    params={"threshold": Param(0.1, 0.0, 1.0, schedule=False, doc="mean entropy / log C at most this")},
    source="Zhu et al. 2008",
)
def overall_uncertainty(curve: Curve, params: Mapping[str, Any]) -> int | None:
    """Stop once the model's mean uncertainty (entropy over log C) on the stop set falls to `threshold`."""
    return _first(np.asarray(curve["stop_uncertainty"], dtype=np.float64) <= params["threshold"])


@STOPPING.register(
    "max-confidence",
    uses=("stop_max_uncertainty",),
    params={"threshold": Param(0.3, 0.0, 1.0, schedule=False, doc="largest entropy / log C at most this")},
    source="Zhu et al. 2008",
)
def max_confidence(curve: Curve, params: Mapping[str, Any]) -> int | None:
    """Stop once even the most uncertain example of the stop set is this certain (its entropy over log C
    at most `threshold`)."""
    return _first(np.asarray(curve["stop_max_uncertainty"], dtype=np.float64) <= params["threshold"])


@STOPPING.register(
    "classification-change",
    uses=("stop_changed",),
    params={"threshold": Param(0.0, 0.0, 1.0, schedule=False, doc="fraction of changed predictions at most this")},
    source="Zhu et al. 2008",
)
def classification_change(curve: Curve, params: Mapping[str, Any]) -> int | None:
    """Stop once no more than `threshold` of the stop set's predicted classes changed since the last model
    (0: none changed)."""
    return _first(np.asarray(curve["stop_changed"], dtype=np.float64) <= params["threshold"])


@STOPPING.register(
    "validation-plateau",
    uses=("val_accuracy",),
    params={
        "patience": Param(3, 1, 100, doc="iterations without improvement"),
        "min_delta": Param(0.005, 0.0, 1.0, schedule=False, doc="the smallest gain that counts"),
    },
    source="early stopping on a paid validation set (Lüth et al. 2023)",
)
def validation_plateau(curve: Curve, params: Mapping[str, Any]) -> int | None:
    """Stop once validation accuracy has not beaten its best so far by more than `min_delta` for `patience`
    iterations (read it with paid validation: `validation = N` in the budget)."""
    values = np.asarray(curve["val_accuracy"], dtype=np.float64)
    patience, delta = int(params["patience"]), float(params["min_delta"])
    best, since = -np.inf, 0
    for position, value in enumerate(values):
        if value > best + delta:
            best, since = value, 0
        else:
            since += 1
            if since >= patience:
                return position
    return None
