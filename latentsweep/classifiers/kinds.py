"""The classifier registry: the learner a trial trains on its labelled set after every query.

The thesis trains an MLP (3.3, 4.2.2) and asks for other learners in latent space (7.3). An entry builds
the model of a pack of K trials from their seeds, `(spec, n_features=, n_classes=, seeds=, iteration=,
device=) -> PackModel` (`classifiers.model`), importing torch or scikit-learn inside, so that this module
and the config that reads it load neither. Planning, checks, labels, pack sizes and result columns read
the declarations, never an entry's name.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..registry import Param, Registry, check_needs, declared_params
from ..strategies.needs import LEARNER_SPECIFIC, NEEDS

# The fields of `engine.ClassifierSpec` an entry may read; the others are unset (None) for its specs, so
# they never enter its trial ids.
COMMON_FIELDS = ("hidden", "dropout", "epochs", "batch_size", "learning_rate", "init", "precision")


@dataclass(frozen=True)
class ClassifierKind:
    """What a classifier kind declares.

    uses: the common ClassifierSpec fields it reads (`COMMON_FIELDS`); params: parameters of its own
    (name -> `Param` or default; `spec.value(name)`); provides: the learner-specific model outputs
    (`strategies.needs.LEARNER_SPECIFIC`) its models give a strategy besides class probabilities; packs:
    whether K trials train in lockstep as one stacked model (else one trial per pack); estimator: whether
    it takes an estimator import path and that estimator's own parameters (`estimator`,
    `estimator_params`); label: the spec in words ('MLP 512-512, dropout 0.2'); cost: multiply-adds per
    example of one trial's model for (spec, n_features, n_classes), which sizes packs.
    """

    uses: tuple[str, ...] = COMMON_FIELDS
    params: Mapping[str, Any] = field(default_factory=dict)
    provides: tuple[str, ...] = ()
    packs: bool = True
    estimator: bool = False
    label: Callable[[Any], str] | None = None
    cost: Callable[[Any, int, int], int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", declared_params(self.params))
        object.__setattr__(self, "provides", check_needs(self.provides, {k: NEEDS[k] for k in LEARNER_SPECIFIC}))
        unknown = [name for name in self.uses if name not in COMMON_FIELDS]
        if isinstance(self.uses, str) or unknown:
            raise TypeError(f"uses {self.uses!r}: expected names among {', '.join(COMMON_FIELDS)}")

    def defaults(self) -> dict[str, Any]:
        """Its own parameters at their defaults."""
        return {name: param.default for name, param in self.params.items()}


CLASSIFIERS: Registry[Callable[..., Any]] = Registry("classifier kind", ClassifierKind)


def _layers(spec) -> str:
    return "-".join(map(str, spec.hidden))


def _multiply_adds(spec, n_features: int, n_classes: int) -> int:
    sizes = (n_features, *(spec.hidden or ()), n_classes)
    return sum(a * b for a, b in itertools.pairwise(sizes))


@CLASSIFIERS.register(
    "mlp",
    provides=("mc_probabilities", "gradient_embedding"),
    label=lambda spec: f"MLP {_layers(spec)}, dropout {spec.dropout:g}",
    cost=_multiply_adds,
)
def mlp(spec, *, n_features: int, n_classes: int, seeds, iteration: int, device):
    """The thesis' MLP (ReLU hidden layers, dropout, softmax; RMSprop), K trials as one stacked ensemble."""
    from .stacked import stacked_mlp

    return stacked_mlp(spec, n_features, n_classes, seeds, iteration, device)


@CLASSIFIERS.register(
    "logistic",
    uses=("epochs", "batch_size", "learning_rate", "init", "precision"),
    params={"weight_decay": Param(0.0, 0.0, 100.0, short="L2")},
    provides=("gradient_embedding",),
    label=lambda spec: "logistic" + (f", L2 {spec.value('weight_decay'):g}" if spec.value("weight_decay") else ""),
    cost=_multiply_adds,
)
def logistic(spec, *, n_features: int, n_classes: int, seeds, iteration: int, device):
    """Multinomial logistic regression on the latent vectors (softmax of one affine map), with an optional
    L2 penalty weight_decay / 2 * ||W||^2, trained as the MLP is (RMSprop, minibatches, counter-based
    streams): K trials in one stack; BADGE's gradient embedding is (p - onehot) (x) x."""
    from .stacked import stacked_logistic

    return stacked_logistic(spec, n_features, n_classes, seeds, iteration, device)


@CLASSIFIERS.register(
    "ensemble",
    params={"members": Param(5, 2, 100)},
    provides=("ensemble_probabilities", "mc_probabilities"),
    label=lambda spec: f"ensemble of {spec.value('members')} MLP {_layers(spec)}, dropout {spec.dropout:g}",
    cost=lambda spec, n_features, n_classes: spec.value("members") * _multiply_adds(spec, n_features, n_classes),
)
def ensemble(spec, *, n_features: int, n_classes: int, seeds, iteration: int, device):
    """`members` MLPs per trial, each from a stream of its own, predicting the mean of their softmaxes; the
    members' probabilities are the committee (`ensemble_probabilities`) and, for BALD and BatchBALD, the
    posterior samples in place of MC-dropout passes (a deep ensemble; `mc_samples` caps how many are used)."""
    from .stacked import stacked_ensemble

    return stacked_ensemble(spec, n_features, n_classes, seeds, iteration, device)


def _estimator_label(spec) -> str:
    name = (spec.estimator or "").rsplit(".", 1)[-1]
    shown = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in spec.estimator_params)
    return f"{name}({shown})"


@CLASSIFIERS.register(
    "sklearn",
    uses=(),
    packs=False,
    estimator=True,
    label=_estimator_label,
    cost=lambda spec, n_features, n_classes: 0,
)
def scikit_learn(spec, *, n_features: int, n_classes: int, seeds, iteration: int, device):
    """Any scikit-learn classifier with `predict_proba` by import path (`estimator`, its `estimator_params`),
    built with `random_state` from the trial's seed and iteration where it takes one; one trial per pack."""
    from .estimators import EstimatorPack

    return EstimatorPack(spec, seeds, iteration, n_classes, device)
