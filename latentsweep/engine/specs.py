"""What a trial is: frozen, validated specifications with a stable id (a hash of the canonical form).

Which fields a strategy uses, what it needs and how it is labelled come from the registries'
declarations (`strategies`, `engine.kinds`), never from names written here. No torch is imported.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import SpecError
from ..strategies import BATCH_SELECTION, DISTANCES, INITIAL_SELECTION, REPRESENTATIVENESS, UNCERTAINTY, BatchParams
from .kinds import REPRESENTATION_KINDS

INITIALISATIONS = ("keras", "torch")  # models/initialisation.py: Keras' glorot-uniform, zero biases; PyTorch's own

PASSIVE = "random"  # the uncertainty name of passive learning: random batches, no model needed

# Strategy fields that change linearly over the AL iterations, and the field holding each one's end value.
SCHEDULED = {"gamma": "gamma_end", "alpha": "alpha_end", "beta": "beta_end"}
_SHORT = {"gamma": "g", "alpha": "a", "beta": "b"}  # in labels


def _require(condition: bool, field_name: str, value, expected: str) -> None:
    if not condition:
        raise SpecError(f"{field_name} = {value!r}: expected {expected}")


def _known(registry, field_name: str, name: str, extra: tuple[str, ...] = ()) -> None:
    if name not in registry and name not in extra:
        known = ", ".join(sorted([*registry, *extra]))
        raise SpecError(f"{field_name} = {name!r}: unknown name; known: {known}")


def _finite_in(value: float, low: float, high: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and low <= value <= high


def _like(name: str, value: Any, default: Any) -> Any:
    """A declared parameter's value, checked against the type of its default (ints stand for floats)."""
    if isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(value, bool) and isinstance(default, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and math.isfinite(value)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise SpecError(f"{name} = {value!r}: expected {type(default).__name__} like its default {default!r}")
    return value


def scheduled_value(start: float, end: float | None, iteration: int, iterations: int) -> float:
    """A scheduled weight at selection `iteration` (1..iterations): `start` at the first selection, `end`
    at the last, linear in between; `start` throughout when end is None or there is one selection."""
    if end is None or iterations <= 1:
        return start
    fraction = min(max((iteration - 1) / (iterations - 1), 0.0), 1.0)
    return start + (end - start) * fraction


@dataclass(frozen=True)
class StrategySpec:
    """How a trial queries (thesis 3.4): uncertainty, optional representativeness weighted by gamma,
    batch selection over an optional fresh subsample, the batch rule's parameters (for greedy its
    distance and weights alpha, beta), the initial sampler, and schedules: gamma, alpha and beta may go
    linearly to `*_end` over the iterations. `params` holds parameters that a registered uncertainty
    measure or batch rule declares for itself, as sorted (name, value) pairs."""

    uncertainty: str = "margin"
    representativeness: str | None = None
    gamma: float = 1.0
    batch: str = "top-k"
    subsample: float = 1.0
    distance: str = "euclidean"
    alpha: float = 0.0
    beta: float = 0.0
    initial: str = "random"
    gamma_end: float | None = None
    alpha_end: float | None = None
    beta_end: float | None = None
    params: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        _known(UNCERTAINTY, "uncertainty", self.uncertainty, extra=(PASSIVE,))
        if self.representativeness is not None:
            _known(REPRESENTATIVENESS, "representativeness", self.representativeness)
        _known(BATCH_SELECTION, "batch", self.batch)
        _known(DISTANCES, "distance", self.distance)
        _known(INITIAL_SELECTION, "initial", self.initial)
        for name, end_name in SCHEDULED.items():
            _require(_finite_in(getattr(self, name), 0.0, 1.0), name, getattr(self, name), "a number in [0, 1]")
            end = getattr(self, end_name)
            if end is not None:
                _require(_finite_in(end, 0.0, 1.0), end_name, end, "a number in [0, 1]")
        _require(_finite_in(self.subsample, 0.0, 1.0) and self.subsample > 0, "subsample", self.subsample,
                 "a fraction in (0, 1]")  # fmt: skip
        for alpha, beta, shown in ((self.alpha, self.beta, "alpha + beta"), self._ends()):
            _require(alpha + beta <= 1.0 + 1e-12, shown, round(alpha + beta, 10), "at most 1")
        declared = self.declared_params()
        params = {}
        for name, value in dict(self.params).items():
            if name not in declared:
                raise SpecError(f"{name} = {value!r}: not a parameter of {self.uncertainty!r} or {self.batch!r}")
            params[name] = _like(name, value, declared[name])
        object.__setattr__(self, "params", tuple(sorted(params.items())))
        weight = self.rule().representativeness_weight
        if weight and self.representativeness is None and self.value(weight) > 0:
            raise SpecError(
                f"{weight} = {self.value(weight)!r}: a representativeness term needs a representativeness measure"
            )

    def _ends(self) -> tuple[float, float, str]:
        alpha = self.alpha if self.alpha_end is None else self.alpha_end
        beta = self.beta if self.beta_end is None else self.beta_end
        return alpha, beta, "alpha_end + beta_end"

    # -- what the registries declare ---------------------------------------------------------------

    @property
    def is_passive(self) -> bool:
        return self.uncertainty == PASSIVE

    def rule(self):
        """The batch rule's declaration (`strategies.BatchRule`)."""
        return BATCH_SELECTION.declared(self.batch)

    def scores(self) -> bool:
        """Whether the uncertainty (and informativeness) scores choose anything: not for passive learning,
        nor for a batch rule that spreads the batch over an embedding instead (BADGE, core-set)."""
        return not self.is_passive and self.rule().uses_scores

    def needs(self) -> frozenset[str]:
        """What the pack must compute for this strategy's selections: model outputs ('probabilities',
        'mc_probabilities', 'gradient_embedding') and 'labelled_features', as the entries declare."""
        if self.is_passive:
            return frozenset()
        needs = set(self.rule().needs)
        if self.scores():
            needs |= set(UNCERTAINTY.declared(self.uncertainty).needs)
        return frozenset(needs)

    def declared_params(self) -> dict[str, Any]:
        """Parameters of its own that the uncertainty measure and the batch rule declare: name -> default."""
        own = dict(UNCERTAINTY.declared(self.uncertainty).params) if self.scores() else {}
        own.update({k: v for k, v in self.rule().params.items() if k not in _FIELDS})
        return own

    def value(self, name: str) -> Any:
        """A strategy field, or a declared parameter (its default when not given)."""
        if name in _FIELDS:
            return getattr(self, name)
        return dict(self.params).get(name, self.declared_params()[name])

    def at(self, name: str, iteration: int, iterations: int) -> float:
        """A scheduled weight (gamma, alpha or beta) at selection `iteration` of `iterations`."""
        return scheduled_value(getattr(self, name), getattr(self, SCHEDULED[name]), iteration, iterations)

    def uses_representativeness(self) -> bool:
        """Whether the measure changes any query: through gamma < 1, or weighted by the batch rule itself."""
        if self.representativeness is None or not self.scores():
            return False
        if self.gamma < 1.0 or (self.gamma_end is not None and self.gamma_end < 1.0):
            return True
        weight = self.rule().representativeness_weight
        end = getattr(self, SCHEDULED[weight]) if weight in SCHEDULED else None
        return bool(weight) and (self.value(weight) > 0 or (end or 0) > 0)

    def distances(self) -> frozenset[str]:
        """Distances whose normalising bound over the whole pool this strategy needs."""
        return frozenset({self.distance}) if not self.is_passive and self.rule().needs_distance_bound else frozenset()

    def needs_posterior(self) -> bool:
        """Whether a measure or distance it uses needs posterior log-variances."""
        if self.is_passive:
            return False
        if self.representativeness and REPRESENTATIVENESS.declared(self.representativeness).needs_posterior:
            return True
        uses_distance = "distance" in self.rule().params
        return uses_distance and DISTANCES.declared(self.distance).needs_posterior

    def needs_reconstruction_error(self) -> bool:
        return INITIAL_SELECTION.declared(self.initial).needs_reconstruction_error

    def batch_params(self, iteration: int, iterations: int, distance_scale: float | None = None) -> BatchParams:
        """The batch rule's settings at selection `iteration` (schedules applied)."""
        return BatchParams(
            alpha=self.at("alpha", iteration, iterations),
            beta=self.at("beta", iteration, iterations),
            distance=self.distance,
            distance_scale=distance_scale,
            extra={name: self.value(name) for name in self.declared_params()},
        )

    def canonical(self) -> StrategySpec:
        """The one spec among those that query identically: what is unused goes back to its default.

        Passive learning uses nothing but its initial sampler; strategy fields the batch rule does not
        declare are unused; declared parameters of its own are filled in with their defaults; an end
        equal to its start is no schedule; a measure that changes no query is dropped, and gamma with it.
        """
        if self.is_passive:
            return StrategySpec(uncertainty=self.uncertainty, initial=self.initial)
        if not self.rule().uses_scores:  # the batch rule reads no score: the uncertainty measure is unused
            kept = tuple((k, v) for k, v in self.params if k in self.rule().params)
            return dataclasses.replace(self, uncertainty=StrategySpec().uncertainty, params=kept)._canonical()
        return self._canonical()

    def _canonical(self) -> StrategySpec:
        defaults = StrategySpec()
        declared = self.rule().params
        changes: dict[str, Any] = {}
        for name in ("distance", "alpha", "beta"):
            if name not in declared:
                changes[name] = getattr(defaults, name)
        for name, end_name in SCHEDULED.items():
            end = getattr(self, end_name)
            if end is not None and (end == changes.get(name, getattr(self, name)) or name in changes):
                changes[end_name] = None
        changes["params"] = tuple(sorted({**self.declared_params(), **dict(self.params)}.items()))
        spec = dataclasses.replace(self, **changes)
        if not spec.uses_representativeness():
            spec = dataclasses.replace(spec, representativeness=None, gamma=defaults.gamma, gamma_end=None)
        return spec

    def label(self) -> str:
        """A short readable name, e.g. 'margin+density-cosine(g=0.5)/greedy[euclidean a=0.3 b=0]@0.1';
        schedules show as 'g=0.2->0.8'."""

        def shown(name: str) -> str:
            value = self.value(name)
            if isinstance(value, str):
                return value
            text = f"{_SHORT.get(name, name)}={value:g}" if isinstance(value, float) else f"{name}={value}"
            end = getattr(self, SCHEDULED[name]) if name in SCHEDULED else None
            return text if end is None else f"{text}->{end:g}"

        named = INITIAL_SELECTION.declared(self.initial).label
        if named and self.is_passive:
            return named
        text = self.uncertainty if self.scores() or self.is_passive else ""
        own = [n for n in UNCERTAINTY.declared(self.uncertainty).params] if self.scores() else []
        if own:
            text += "[" + " ".join(shown(n) for n in own) + "]"
        if self.representativeness is not None:
            text += f"+{self.representativeness}({shown('gamma')})"
        if not self.is_passive:
            text += f"/{self.batch}" if text else self.batch
            if self.rule().params:
                text += "[" + " ".join(shown(n) for n in self.rule().params) + "]"
            if self.subsample < 1.0:
                text += f"@{self.subsample:g}"
        if self.initial != "random":
            text += f" init={self.initial}"
        return text


_FIELDS = frozenset(f.name for f in dataclasses.fields(StrategySpec)) - {"params"}


@dataclass(frozen=True)
class ClassifierSpec:
    """The MLP of thesis 4.2.2: hidden layers, dropout, RMSprop learning rate, batch size, epochs, and its
    initialisation (`keras`: glorot-uniform weights, zero biases, as the thesis' Keras; `torch`: PyTorch's
    nn.Linear default)."""

    hidden: tuple[int, ...] = (512, 512)
    dropout: float = 0.2
    epochs: int = 20
    batch_size: int = 100
    learning_rate: float = 1e-3
    init: str = field(default="keras", metadata={"id_neutral": "keras"})  # the MLP has always been glorot

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(self.hidden))
        _require(
            bool(self.hidden) and all(isinstance(h, int) and 0 < h <= 1 << 16 for h in self.hidden),
            "hidden",
            list(self.hidden),
            "layer sizes in 1..65536",
        )
        _require(self.init in INITIALISATIONS, "init", self.init, f"one of {', '.join(INITIALISATIONS)}")
        _require(_finite_in(self.dropout, 0.0, 1.0) and self.dropout < 1.0, "dropout", self.dropout,
                 "a probability in [0, 1)")  # fmt: skip
        _require(1 <= self.epochs <= 100_000, "epochs", self.epochs, "an integer in 1..100000")
        _require(1 <= self.batch_size <= 1 << 20, "batch_size", self.batch_size, "an integer >= 1")
        _require(_finite_in(self.learning_rate, 0.0, 10.0) and self.learning_rate > 0, "learning_rate",
                 self.learning_rate, "a positive finite number (at most 10)")  # fmt: skip


@dataclass(frozen=True)
class BudgetSpec:
    """Labels: an initial batch, then `iterations` batches of `batch` (thesis 4.3: 100 + 29 x 100)."""

    initial: int = 100
    batch: int = 100
    iterations: int = 29

    def __post_init__(self) -> None:
        _require(self.initial >= 1, "initial", self.initial, "at least 1")
        _require(self.batch >= 1, "batch", self.batch, "at least 1")
        _require(self.iterations >= 0, "iterations", self.iterations, "at least 0")

    @property
    def final_labels(self) -> int:
        return self.initial + self.batch * self.iterations


@dataclass(frozen=True)
class RepresentationSpec:
    """How examples become feature vectors: a kind of `engine.kinds.REPRESENTATION_KINDS` (pixels, your
    embeddings, or an autoencoder trained once: the thesis' dense / conv VAE, the second paper's CAE,
    VAE and t-SNE-style AE) and the settings it declares it uses; the others return to their defaults,
    so they never change its id. `init`: Keras' initialisation (the papers' framework) or PyTorch's; None
    takes the kind's declared default (`keras`, but `torch` for the CAE, which saturates under Keras')."""

    kind: str = "conv-vae"
    latent_dim: int = 30
    epochs: int = 10
    seed: int = 0
    hidden: tuple[int, ...] = (512, 256)
    batch_size: int = 100
    learning_rate: float = 1e-3
    width: float = 1.0
    perplexity: float = 30.0
    kl_weight: float = 1.0
    # trained before this key with PyTorch's initialisation: `torch` keeps those ids; unused (None) otherwise
    init: str | None = field(default=None, metadata={"id_neutral": "torch", "unused": None})

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(self.hidden))
        _known(REPRESENTATION_KINDS, "kind", self.kind)
        declared = REPRESENTATION_KINDS.declared(self.kind)
        uses = declared.uses
        if self.init is None and "init" in uses:
            object.__setattr__(self, "init", declared.init_default)
        _require(self.init in INITIALISATIONS or (self.init is None and "init" not in uses), "init", self.init,
                 f"one of {', '.join(INITIALISATIONS)}")  # fmt: skip
        _require(1 <= self.latent_dim <= 4096, "latent_dim", self.latent_dim, "an integer in 1..4096")
        _require(0 <= self.epochs <= 100_000, "epochs", self.epochs, "an integer in 0..100000")
        _require(0 <= self.seed < 1 << 63, "seed", self.seed, "an integer in 0..2^63-1")
        _require(
            bool(self.hidden) and all(isinstance(h, int) and 0 < h <= 1 << 16 for h in self.hidden),
            "hidden",
            list(self.hidden),
            "layer sizes in 1..65536",
        )
        _require(1 <= self.batch_size <= 1 << 20, "batch_size", self.batch_size, "an integer >= 1")
        _require(_finite_in(self.learning_rate, 0.0, 10.0) and self.learning_rate > 0, "learning_rate",
                 self.learning_rate, "a positive finite number (at most 10)")  # fmt: skip
        _require(_finite_in(self.width, 0.0, 64.0) and self.width > 0, "width", self.width, "a number in (0, 64]")
        _require(_finite_in(self.perplexity, 1.0, 1e6) and self.perplexity > 1, "perplexity", self.perplexity,
                 "a number > 1")  # fmt: skip
        _require(_finite_in(self.kl_weight, 0.0, 1e6), "kl_weight", self.kl_weight, "a number >= 0")
        for f in dataclasses.fields(RepresentationSpec):
            if f.name != "kind" and f.name not in uses:
                object.__setattr__(self, f.name, f.metadata.get("unused", f.default))

    @property
    def trained(self) -> bool:
        return REPRESENTATION_KINDS.declared(self.kind).trained

    def key(self, data_fingerprint: str = "") -> str:
        """The representation's id for one data set: readable, and a hash of the spec and the data content.

        e.g. 'conv-vae-d30-e10-s0-1a2b3c4d' or 'pixels-1a2b3c4d'; equal specs on equal data, equal ids.
        """
        digest = canonical_hash({"spec": canonical_form(self), "data": data_fingerprint})[:8]
        if not self.trained:
            return f"{self.kind}-{digest}"
        return f"{self.kind}-d{self.latent_dim}-e{self.epochs}-s{self.seed}-{digest}"


@dataclass(frozen=True)
class TrialSpec:
    """One active-learning trial: data set, representation, classifier, budget, strategy and seed."""

    dataset: str
    representation: str
    strategy: StrategySpec = field(default_factory=StrategySpec)
    classifier: ClassifierSpec = field(default_factory=ClassifierSpec)
    budget: BudgetSpec = field(default_factory=BudgetSpec)
    seed: int = 0

    def __post_init__(self) -> None:
        _require(0 <= self.seed < 1 << 63, "seed", self.seed, "an integer in 0..2^63-1")

    @property
    def id(self) -> str:
        return canonical_hash(self)[:16]

    def pack_key(self) -> tuple:
        """Trials with equal keys can run in one pack: same data, representation, classifier, budget."""
        return (self.dataset, self.representation, self.classifier, self.budget)


def canonical_form(spec) -> dict:
    """The spec (a dataclass, or a dict of them) as plain JSON-able data. Fields that are None, empty
    parameter lists and fields at their `id_neutral` value (metadata: what reproduces the code from
    before the field existed) are left out, so a field added later keeps every stored id."""
    return json.loads(json.dumps(spec, sort_keys=True, default=_plain))


def _plain(value):
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return {f.name: getattr(value, f.name) for f in fields if not _neutral(f, getattr(value, f.name))}
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)  # paths


def _neutral(f: dataclasses.Field, value: Any) -> bool:
    return value is None or value == () or ("id_neutral" in f.metadata and value == f.metadata["id_neutral"])


def canonical_hash(spec) -> str:
    """sha256 of the spec's canonical JSON: equal specs, equal hashes, on every machine."""
    text = json.dumps(canonical_form(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
