"""What a trial is: frozen, validated specifications with a stable id (a hash of the canonical form)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from ..errors import SpecError
from ..strategies import BATCH_SELECTION, DISTANCES, INITIAL_SELECTION, REPRESENTATIVENESS, UNCERTAINTY

PASSIVE = "random"  # the uncertainty name of passive learning: random batches, no model needed
REPRESENTATION_KINDS = ("pixels", "dense-vae", "conv-vae", "cae", "paper-vae", "tsne-ae")
PAPER_AUTOENCODERS = ("cae", "paper-vae", "tsne-ae")  # "Query Selection based on Latent Space Sampling", 3.1


def _require(condition: bool, field_name: str, value, expected: str) -> None:
    if not condition:
        raise SpecError(f"{field_name} = {value!r}: expected {expected}")


def _known(registry, field_name: str, name: str, extra: tuple[str, ...] = ()) -> None:
    if name not in registry and name not in extra:
        known = ", ".join(sorted([*registry, *extra]))
        raise SpecError(f"{field_name} = {name!r}: unknown name; known: {known}")


@dataclass(frozen=True)
class StrategySpec:
    """How a trial queries (thesis 3.4): uncertainty, optional representativeness weighted by gamma,
    batch selection over an optional fresh subsample, and for greedy its distance and weights."""

    uncertainty: str = "margin"
    representativeness: str | None = None
    gamma: float = 1.0
    batch: str = "top-k"
    subsample: float = 1.0
    distance: str = "euclidean"
    alpha: float = 0.0
    beta: float = 0.0
    initial: str = "random"

    def __post_init__(self) -> None:
        _known(UNCERTAINTY, "uncertainty", self.uncertainty, extra=(PASSIVE,))
        if self.representativeness is not None:
            _known(REPRESENTATIVENESS, "representativeness", self.representativeness)
        _known(BATCH_SELECTION, "batch", self.batch)
        _known(DISTANCES, "distance", self.distance)
        _known(INITIAL_SELECTION, "initial", self.initial)
        _require(0.0 <= self.gamma <= 1.0, "gamma", self.gamma, "a number in [0, 1]")
        _require(0.0 < self.subsample <= 1.0, "subsample", self.subsample, "a fraction in (0, 1]")
        _require(0.0 <= self.alpha <= 1.0, "alpha", self.alpha, "a number in [0, 1]")
        _require(0.0 <= self.beta <= 1.0, "beta", self.beta, "a number in [0, 1]")
        _require(self.alpha + self.beta <= 1.0 + 1e-12, "alpha + beta", self.alpha + self.beta, "at most 1")
        if self.beta > 0 and self.representativeness is None:
            raise SpecError(f"beta = {self.beta!r}: a representativeness term needs a representativeness measure")

    @property
    def is_passive(self) -> bool:
        return self.uncertainty == PASSIVE

    def label(self) -> str:
        """A short human-readable name, e.g. 'margin+density-cosine(g=0.5)/greedy[euclidean a=0.3 b=0]@0.1'."""
        text = self.uncertainty
        if self.representativeness is not None:
            text += f"+{self.representativeness}(g={self.gamma:g})"
        if not self.is_passive:
            text += f"/{self.batch}"
            if self.batch == "greedy":
                text += f"[{self.distance} a={self.alpha:g} b={self.beta:g}]"
            if self.subsample < 1.0:
                text += f"@{self.subsample:g}"
        return text


@dataclass(frozen=True)
class ClassifierSpec:
    """The MLP of thesis 4.2.2: hidden layers, dropout, RMSprop learning rate, batch size, epochs."""

    hidden: tuple[int, ...] = (512, 512)
    dropout: float = 0.2
    epochs: int = 20
    batch_size: int = 100
    learning_rate: float = 1e-3

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(self.hidden))
        _require(all(isinstance(h, int) and h > 0 for h in self.hidden), "hidden", self.hidden, "positive sizes")
        _require(0.0 <= self.dropout < 1.0, "dropout", self.dropout, "a probability in [0, 1)")
        _require(self.epochs >= 1, "epochs", self.epochs, "at least 1")
        _require(self.batch_size >= 1, "batch_size", self.batch_size, "at least 1")
        _require(self.learning_rate > 0, "learning_rate", self.learning_rate, "a positive number")


@dataclass(frozen=True)
class BudgetSpec:
    """Labels: an initial random batch, then `iterations` batches of `batch` (thesis 4.3: 100 + 29 x 100)."""

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
    """How pool images become feature vectors: raw `pixels`, or an autoencoder trained once: the thesis'
    `dense-vae` / `conv-vae`, or the second paper's `cae`, `paper-vae`, `tsne-ae` (2-D latents by default
    there; `width` scales their layers, `perplexity` is the t-SNE-style loss's)."""

    kind: str = "conv-vae"
    latent_dim: int = 30
    epochs: int = 10
    seed: int = 0
    hidden: tuple[int, ...] = (512, 256)
    batch_size: int = 100
    learning_rate: float = 1e-3
    width: float = 1.0
    perplexity: float = 30.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(self.hidden))
        _require(self.kind in REPRESENTATION_KINDS, "kind", self.kind, f"one of {', '.join(REPRESENTATION_KINDS)}")
        _require(self.latent_dim >= 1, "latent_dim", self.latent_dim, "at least 1")
        _require(self.epochs >= 0, "epochs", self.epochs, "at least 0")
        _require(self.batch_size >= 1, "batch_size", self.batch_size, "at least 1")
        _require(self.learning_rate > 0, "learning_rate", self.learning_rate, "a positive number")
        _require(self.width > 0, "width", self.width, "a positive number")
        _require(self.perplexity > 1, "perplexity", self.perplexity, "a number > 1")

    def key(self, data_fingerprint: str = "") -> str:
        """The representation's id for one data set: readable, and a hash of the spec and the data content.

        e.g. 'conv-vae-d30-e10-s0-1a2b3c4d' or 'pixels-1a2b3c4d'; equal specs on equal data, equal ids.
        """
        digest = canonical_hash({"spec": canonical_form(self), "data": data_fingerprint})[:8]
        if self.kind == "pixels":
            return f"pixels-{digest}"
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

    @property
    def id(self) -> str:
        return canonical_hash(self)[:16]

    def pack_key(self) -> tuple:
        """Trials with equal keys can run in one pack: same data, representation, classifier, budget."""
        return (self.dataset, self.representation, self.classifier, self.budget)


def canonical_form(spec) -> dict:
    """The spec (a dataclass, or a dict of them) as plain JSON-able data, every field named."""
    return json.loads(json.dumps(spec, sort_keys=True, default=_plain))


def _plain(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return str(value)  # paths


def canonical_hash(spec) -> str:
    """sha256 of the spec's canonical JSON: equal specs, equal hashes, on every machine."""
    text = json.dumps(canonical_form(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
