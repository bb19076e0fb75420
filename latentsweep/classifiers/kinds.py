"""The classifier registry: the learner a trial trains on its labelled set after every query.

The thesis trains an MLP (3.3, 4.2.2) and asks for other learners in latent space (7.3). An entry builds
the model of a pack of K trials from their seeds, `(spec, n_features=, n_classes=, seeds=, iteration=,
device=) -> PackModel` (`classifiers.model`), importing torch or scikit-learn inside, so that this module
and the config that reads it load neither. Planning, checks, labels, pack sizes and result columns read
the declarations, never an entry's name.
"""

from __future__ import annotations

import itertools
import math
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
    `estimator_params`); steps: whether it trains for a set number of optimiser steps (epochs) rather than
    to a tolerance, so that it may stop before it fits its labelled set (the underfit check reads it);
    unlabelled: how many unlabelled pool examples its fit also sees for a spec (semi-supervised learners;
    `fit(x, y, unlabelled=u)` with u [K, m, d], each trial's own draw from its unlabelled pool); label: the
    spec in words ('MLP 512-512, dropout 0.2'); cost: multiply-adds per example of one trial's model for
    (spec, n_features, n_classes), which sizes packs.
    """

    uses: tuple[str, ...] = COMMON_FIELDS
    params: Mapping[str, Any] = field(default_factory=dict)
    provides: tuple[str, ...] = ()
    packs: bool = True
    estimator: bool = False
    steps: bool = False
    unlabelled: Callable[[Any], int] | None = None
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


def epochs(spec, labelled: int) -> int:
    """The passes a learner trained by steps makes over `labelled` examples: the spec's epochs, or more when
    they make fewer than its `min_steps` optimiser steps (minibatches of batch_size), so that a small
    labelled set trains enough."""
    steps = int(spec.value("min_steps")) if "min_steps" in dict(spec.params) else 0
    per_epoch = max(1, math.ceil(labelled / spec.batch_size))
    return max(spec.epochs, math.ceil(steps / per_epoch))


def _layers(spec) -> str:
    return "-".join(map(str, spec.hidden))


def _multiply_adds(spec, n_features: int, n_classes: int) -> int:
    sizes = (n_features, *(spec.hidden or ()), n_classes)
    return sum(a * b for a, b in itertools.pairwise(sizes))


# Trained for a number of optimiser steps: at least min_steps (0: the epochs alone, as the thesis).
MIN_STEPS = Param(
    0, 0, 10_000_000, neutral=True,
    doc="optimiser steps at least, whatever the labelled set's size (more epochs when epochs make fewer)",
)  # fmt: skip


def _steps(spec) -> str:
    return f", at least {spec.value('min_steps')} steps" if spec.value("min_steps") else ""


@CLASSIFIERS.register(
    "mlp",
    params={"min_steps": MIN_STEPS},
    provides=("mc_probabilities", "gradient_embedding"),
    steps=True,
    label=lambda spec: f"MLP {_layers(spec)}, dropout {spec.dropout:g}{_steps(spec)}",
    cost=_multiply_adds,
)
def mlp(spec, *, n_features: int, n_classes: int, seeds, iteration: int, device):
    """The thesis' MLP (ReLU hidden layers, dropout, softmax; RMSprop), K trials as one stacked ensemble."""
    from .stacked import stacked_mlp

    return stacked_mlp(spec, n_features, n_classes, seeds, iteration, device)


@CLASSIFIERS.register(
    "logistic",
    uses=(),
    params={
        "C": Param(1.0, 0.0, 1e12, open_low=True, doc="inverse L2 strength, as scikit-learn's C"),
        "max_iter": Param(100, 1, 100_000, doc="L-BFGS iterations at most, as scikit-learn's max_iter"),
        "tol": Param(1e-4, 0.0, 1.0, open_low=True, doc="L-BFGS gradient tolerance, as scikit-learn's tol"),
    },
    provides=("gradient_embedding",),
    label=lambda spec: "logistic" + (f", C {spec.value('C'):g}" if spec.value("C") != 1.0 else ""),
    cost=_multiply_adds,
)
def logistic(spec, *, n_features: int, n_classes: int, seeds, iteration: int, device):
    """Multinomial logistic regression on the latent vectors, solved to a tolerance per trial (L-BFGS on
    scikit-learn's objective, L2 with its C; `classifiers.logistic`): the answer scikit-learn's
    `LogisticRegression()` gives on the same labelled set. BADGE's gradient embedding is (p - onehot) (x) x."""
    from .logistic import LogisticModel

    return LogisticModel(
        n_features, n_classes, len(seeds), c=float(spec.value("C")), max_iter=int(spec.value("max_iter")),
        tol=float(spec.value("tol")), device=device,
    )  # fmt: skip


@CLASSIFIERS.register(
    "ensemble",
    params={"members": Param(5, 2, 100, doc="MLPs per trial (the committee)"), "min_steps": MIN_STEPS},
    provides=("ensemble_probabilities", "mc_probabilities"),
    steps=True,
    label=lambda spec: f"ensemble of {spec.value('members')} MLP {_layers(spec)}, dropout {spec.dropout:g}"
    + _steps(spec),
    cost=lambda spec, n_features, n_classes: spec.value("members") * _multiply_adds(spec, n_features, n_classes),
)
def ensemble(spec, *, n_features: int, n_classes: int, seeds, iteration: int, device):
    """`members` MLPs per trial, each from a stream of its own, predicting the mean of their softmaxes; the
    members' probabilities are the committee (`ensemble_probabilities`) and, for BALD and BatchBALD, the
    posterior samples in place of MC-dropout passes (a deep ensemble; `mc_samples` caps how many are used)."""
    from .stacked import stacked_ensemble

    return stacked_ensemble(spec, n_features, n_classes, seeds, iteration, device)


@CLASSIFIERS.register(
    "self-training",
    params={
        "threshold": Param(0.95, 0.0, 1.0, open_low=True, schedule=False, doc="confidence a pseudo-label needs"),
        "unlabelled": Param(5000, 1, 10_000_000, doc="unlabelled pool examples it may pseudo-label, per fit"),
        "min_steps": MIN_STEPS,
    },
    provides=("mc_probabilities", "gradient_embedding"),
    packs=False,
    steps=True,
    unlabelled=lambda spec: int(spec.value("unlabelled")),
    label=lambda spec: f"self-training MLP {_layers(spec)}, dropout {spec.dropout:g}, threshold "
    f"{spec.value('threshold'):g}{_steps(spec)}",
    cost=lambda spec, n_features, n_classes: 2 * _multiply_adds(spec, n_features, n_classes),
)
def self_training(spec, *, n_features: int, n_classes: int, seeds, iteration: int, device):
    """The thesis' MLP with confidence-thresholded pseudo-labels (`classifiers.semi`): trained on the labels,
    then anew on them and on the unlabelled examples (a draw of `unlabelled` from the pool) it predicts with
    at least `threshold` confidence; one trial per pack."""
    from .semi import SelfTrainingModel

    return SelfTrainingModel(spec, n_features, n_classes, seeds, iteration, device)


UNLABELLED = Param(
    0, 0, 10_000_000, neutral=True,
    doc="unlabelled pool examples passed with label -1 (scikit-learn's semi-supervised estimators)",
)  # fmt: skip


def _estimator_label(spec) -> str:
    name = (spec.estimator or "").rsplit(".", 1)[-1]
    return f"{name}({_shown(spec.estimator_params)})" + (
        f", {spec.value('unlabelled')} unlabelled" if spec.value("unlabelled") else ""
    )


def _shown(pairs) -> str:
    """'C=2, estimator=SVC(probability=True)': arguments, a nested estimator by its class name."""
    parts = []
    for key, value in pairs:
        nested = dict(value) if isinstance(value, tuple) and value and all(
            isinstance(p, tuple) and len(p) == 2 for p in value) else None  # fmt: skip
        if nested is not None and isinstance(nested.get("estimator"), str):
            inner = nested.pop("estimator").rsplit(".", 1)[-1]
            parts.append(f"{key}={inner}({_shown(sorted(nested.items()))})")
        else:
            parts.append(f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}")
    return ", ".join(parts)


@CLASSIFIERS.register(
    "sklearn",
    uses=(),
    params={"unlabelled": UNLABELLED},
    packs=False,
    estimator=True,
    unlabelled=lambda spec: int(spec.value("unlabelled")),
    label=_estimator_label,
    cost=lambda spec, n_features, n_classes: 0,
)
def scikit_learn(spec, *, n_features: int, n_classes: int, seeds, iteration: int, device):
    """Any scikit-learn classifier with `predict_proba` by import path (`estimator`, its `estimator_params`),
    built with `random_state` from the trial's seed and iteration where it takes one; one trial per pack."""
    from .estimators import EstimatorPack

    return EstimatorPack(spec, seeds, iteration, n_classes, device)
