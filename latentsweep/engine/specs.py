"""What a trial is: frozen, validated specifications with a stable id (a hash of the canonical form).

Which fields a strategy uses, what it needs and how it is labelled come from the registries'
declarations (`strategies`, `engine.kinds`), never from names written here. No torch is imported.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..classifiers import CLASSIFIERS, COMMON_FIELDS
from ..errors import SpecError
from ..protocols import Init, Precision
from ..registry import Param
from ..strategies.needs import LEARNER_SPECIFIC
from .kinds import REPRESENTATION_KINDS
from .strategy import StrategySpec

INITIALISATIONS = Init.values()  # models/initialisation.py: Keras' glorot-uniform, zero biases; PyTorch's own
PRECISIONS = Precision.values()  # models/precision.py: float32 (the thesis' Keras), or bf16 products, fp32 masters
SEED_LIMIT = (1 << 63) - 1
LAYER_LIMIT = 1 << 16

# The numeric and named settings of each spec with their ranges: the specs check them, the config
# readers take their keys from them, so a range is written once.
CLASSIFIER_PARAMS: dict[str, Param] = {
    "dropout": Param(0.2, 0.0, 1.0, open_high=True, doc="dropout rate after every hidden layer (MC dropout keeps it)"),
    "epochs": Param(20, 1, 100_000, doc="passes over the labelled set after every query"),
    "batch_size": Param(100, 1, 1 << 20, doc="minibatch size of the learner's RMSprop"),
    "learning_rate": Param(1e-3, 0.0, 10.0, open_low=True, doc="RMSprop's learning rate"),
    "init": Param(Init.KERAS.value, choices=INITIALISATIONS, doc="keras (glorot-uniform, zero biases) or torch"),
    "precision": Param(Precision.FP32.value, choices=PRECISIONS, doc="fp32, or bf16 products, float32 masters"),
}
BUDGET_PARAMS: dict[str, Param] = {
    "initial": Param(100, 1, 10_000_000, doc="labels of the first batch (the initial query)"),
    "batch": Param(100, 1, 10_000_000, doc="labels queried at every iteration"),
    "iterations": Param(29, 0, 100_000, doc="queries after the first batch (29: 100 + 29 x 100 = 3,000 labels)"),
    "validation": Param(0, 0, 10_000_000, doc="pool labels paid for validation (0: the free validation part)"),
}
BUDGET_NAME = "default"  # the name of the one budget of a `[budget]` table
REPRESENTATION_PARAMS: dict[str, Param] = {
    "latent_dim": Param(30, 1, 4096, doc="latent dimensions d (default: the kind's; 2 for the paper's autoencoders)"),
    "epochs": Param(10, 0, 100_000, doc="training epochs of a trained representation"),
    "seed": Param(0, 0, SEED_LIMIT, doc="the representation's training seed (trials' seeds are separate)"),
    "batch_size": Param(100, 1, 1 << 20, doc="minibatch size of its training"),
    "learning_rate": Param(1e-3, 0.0, 10.0, open_low=True, doc="its optimiser's learning rate"),
    "width": Param(1.0, 0.0, 64.0, open_low=True, doc="scales every layer of the paper's autoencoders"),
    "perplexity": Param(30.0, 1.0, 1e6, open_low=True, doc="the t-SNE-style autoencoder's perplexity"),
    "kl_weight": Param(1.0, 0.0, 1e6, doc="weight of the VAEs' KL term (1: the thesis; 1/d: its Keras example)"),
    "init": Param(Init.TORCH.value, choices=INITIALISATIONS, doc="keras or torch; default: the kind's own"),
    "precision": Param(Precision.FP32.value, choices=PRECISIONS, doc="fp32, or bf16 under autocast, float32 losses"),
}
NAME_RULE = "a name of 1-40 letters, digits, '-', '_' or '.'"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
LAYERS = "layer sizes in 1..65536"  # what `hidden` accepts


def layers(name: str, value: Any) -> tuple[int, ...]:
    """Hidden layer sizes: a non-empty list of integers in 1..65536."""
    ok = isinstance(value, list | tuple) and bool(value)
    if not ok or not all(isinstance(h, int) and not isinstance(h, bool) and 0 < h <= LAYER_LIMIT for h in value):
        raise SpecError(f"{name} = {list(value) if isinstance(value, tuple) else value!r}: expected {LAYERS}",
                        field=name)  # fmt: skip
    return tuple(value)


def _checked(spec: Any, params: Mapping[str, Param]) -> None:
    """Sets each of `params`' fields of a frozen spec to its checked value."""
    for name, param in params.items():
        value = getattr(spec, name)
        if value is not None:
            object.__setattr__(spec, name, param.check(name, value))


@dataclass(frozen=True)
class ClassifierSpec:
    """The learner a trial trains after every query: a kind of `classifiers.CLASSIFIERS` (default `mlp`, the
    MLP of thesis 4.2.2) and the common fields it declares it uses: hidden layers, dropout, RMSprop learning
    rate, batch size, epochs, initialisation (`keras`: glorot-uniform weights, zero biases, as the thesis'
    Keras; `torch`: PyTorch's nn.Linear default), precision (`fp32`, or `bf16`: mixed precision). Fields a
    kind does not use are None, so they never enter its ids. `params`: the kind's own parameters (sorted
    pairs, defaults filled in); `estimator` and `estimator_params`: a scikit-learn estimator's import path
    and keyword arguments (sorted pairs), for the kind that declares `estimator`."""

    hidden: tuple[int, ...] | None = (512, 512)
    dropout: float | None = 0.2
    epochs: int | None = 20
    batch_size: int | None = 100
    learning_rate: float | None = 1e-3
    init: str | None = field(default=Init.KERAS, metadata={"id_neutral": Init.KERAS})  # the MLP has always been glorot
    precision: str | None = field(default=Precision.FP32, metadata={"id_neutral": Precision.FP32})  # float32 before
    kind: str = field(default="mlp", metadata={"id_neutral": "mlp"})  # the only learner before the registry
    params: tuple[tuple[str, Any], ...] = ()
    estimator: str | None = None
    estimator_params: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in CLASSIFIERS:
            raise SpecError(
                f"kind = {self.kind!r}: unknown name; known: {', '.join(sorted(CLASSIFIERS))}", field="kind"
            )
        declared = CLASSIFIERS.declared(self.kind)
        for name in COMMON_FIELDS:
            if name not in declared.uses:
                object.__setattr__(self, name, None)
        if self.hidden is not None:
            object.__setattr__(self, "hidden", layers("hidden", self.hidden))
        _checked(self, CLASSIFIER_PARAMS)
        own = {}
        for name, value in dict(self.params).items():
            if name not in declared.params:
                raise SpecError(f"{name} = {value!r}: not a parameter of classifier kind {self.kind!r}", field=name)
            own[name] = declared.params[name].check(name, value)
        object.__setattr__(self, "params", tuple(sorted({**declared.defaults(), **own}.items())))
        if not declared.estimator:
            for name in ("estimator", "estimator_params"):
                if getattr(self, name):
                    raise SpecError(f"{name}: not used by classifier kind {self.kind!r}", field=name)
            return
        if not isinstance(self.estimator, str) or not self.estimator:
            raise SpecError(
                f"estimator: missing; classifier kind {self.kind!r} needs an import path such as 'sklearn.svm.SVC'",
                field="estimator",
            )
        arguments = dict(self.estimator_params)
        object.__setattr__(self, "estimator_params", tuple(sorted((k, _frozen(v)) for k, v in arguments.items())))

    @property
    def packs(self) -> bool:
        """Whether trials with this learner train in lockstep, many to a pack (else one per pack)."""
        return CLASSIFIERS.declared(self.kind).packs

    def lacks(self, needs: Collection[str]) -> list[str]:
        """Which of a strategy's needs its learners cannot give (`strategies.needs.LEARNER_SPECIFIC` outputs
        its kind does not declare it provides), sorted."""
        provided = CLASSIFIERS.declared(self.kind).provides
        return sorted(need for need in needs if need in LEARNER_SPECIFIC and need not in provided)

    def value(self, name: str) -> Any:
        """A parameter the kind declares for itself."""
        return dict(self.params)[name]

    def stored_params(self) -> tuple[tuple[str, Any], ...]:
        """Its own parameters as ids and columns store them: those declared `neutral` left out at their
        default (a parameter added later keeps every stored id)."""
        declared = CLASSIFIERS.declared(self.kind).params
        return tuple((k, v) for k, v in self.params if not (declared[k].neutral and v == declared[k].default))

    def cost(self, n_features: int, n_classes: int) -> int:
        """Multiply-adds per example of one trial's model (what sizes packs)."""
        declared = CLASSIFIERS.declared(self.kind)
        return declared.cost(self, n_features, n_classes) if declared.cost else 0

    def label(self, varying: Collection[str] = ()) -> str:
        """'MLP 512-512, dropout 0.2' (as its kind declares it), and each other field named in `varying`
        (what differs between the classifiers of one sweep), e.g. 'MLP 32, dropout 0.2, epochs 5, init torch'."""
        declared = CLASSIFIERS.declared(self.kind)
        text = declared.label(self) if declared.label else self.kind
        for name in ("epochs", "batch_size", "learning_rate", "init"):
            value = getattr(self, name)
            if name in varying and value is not None:
                text += f", {_CLASSIFIER_SHORT[name]} {value:g}" if isinstance(value, float) else f", {name} {value}"
        return text + precision_label(self.precision)


def precision_label(precision: str | None) -> str:
    """' [bf16]' after a label when not the default float32; '' otherwise."""
    return f" [{precision}]" if precision not in (None, Precision.FP32) else ""


def _frozen(value: Any) -> Any:
    """A TOML value as a hashable one (lists as tuples, tables as sorted pairs)."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


_CLASSIFIER_SHORT = {"learning_rate": "lr"}


def varying_fields(specs: Collection[Any]) -> set[str]:
    """The fields that take different values in `specs` (dataclasses of one type), among the specs that set
    them (a field a classifier kind does not use is None)."""
    specs = list(specs)
    if len(specs) < 2:
        return set()
    values = {
        f.name: {repr(getattr(s, f.name)) for s in specs if getattr(s, f.name) is not None}
        for f in dataclasses.fields(specs[0])
    }
    return {name for name, found in values.items() if len(found) > 1}


@dataclass(frozen=True)
class BudgetSpec:
    """Labels: an initial batch, then `iterations` batches of `batch` (thesis 4.3: 100 + 29 x 100).

    validation: pool examples labelled at the start to measure validation accuracy on, never trained on
    (paid validation, Lueth et al. 2023); 0 measures on the data set's free validation part, as the thesis.
    name: what the budget is called in a sweep of several budget regimes ("low", "high")."""

    initial: int = 100
    batch: int = 100
    iterations: int = 29
    validation: int = field(default=0, metadata={"id_neutral": 0})
    name: str = field(default=BUDGET_NAME, metadata={"id_neutral": BUDGET_NAME})

    def __post_init__(self) -> None:
        _checked(self, BUDGET_PARAMS)
        if not isinstance(self.name, str) or not NAME_PATTERN.fullmatch(self.name):
            raise SpecError(f"name = {self.name!r}: expected {NAME_RULE}", field="name")

    @property
    def final_labels(self) -> int:
        """Labels bought by the end: the trained ones and the paid validation."""
        return self.trained_labels + self.validation

    @property
    def trained_labels(self) -> int:
        return self.initial + self.batch * self.iterations

    def label_counts(self) -> list[int]:
        """n_labeled after each iteration 0..iterations: the labels bought so far, paid validation included."""
        return [self.validation + self.initial + i * self.batch for i in range(self.iterations + 1)]

    def describe(self) -> str:
        """'100 + 29 x 100 = 3000 labels' (and '+ 500 paid validation')."""
        text = f"{self.initial} + {self.iterations} x {self.batch} = {self.trained_labels} labels"
        return text + (f" + {self.validation} paid validation" if self.validation else "")


@dataclass(frozen=True)
class RepresentationSpec:
    """How examples become feature vectors: a kind of `engine.kinds.REPRESENTATION_KINDS` (pixels, your
    embeddings, or an autoencoder trained once: the thesis' dense / conv VAE, the second paper's CAE,
    VAE and t-SNE-style AE) and the settings it declares it uses; the others return to their defaults,
    so they never change its id. `init`: Keras' initialisation (the papers' framework) or PyTorch's; None
    takes the kind's declared default (`keras`, but `torch` for the CAE, which saturates under Keras').
    `params`: values of the parameters the kind declares for itself (sorted (name, value) pairs)."""

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
    init: str | None = field(default=None, metadata={"id_neutral": Init.TORCH, "unused": None})
    precision: str | None = field(default=Precision.FP32, metadata={"id_neutral": Precision.FP32, "unused": None})
    params: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in REPRESENTATION_KINDS:
            known = ", ".join(sorted(REPRESENTATION_KINDS))
            raise SpecError(f"kind = {self.kind!r}: unknown name; known: {known}", field="kind")
        declared = REPRESENTATION_KINDS.declared(self.kind)
        uses = declared.uses
        if self.init is None and "init" in uses:
            object.__setattr__(self, "init", declared.init_default)
        object.__setattr__(self, "hidden", layers("hidden", self.hidden))
        _checked(self, REPRESENTATION_PARAMS)
        own = {}
        for name, value in dict(self.params).items():
            if name not in declared.params:
                raise SpecError(f"{name} = {value!r}: not a parameter of kind {self.kind!r}", field=name)
            own[name] = declared.params[name].check(name, value)
        object.__setattr__(self, "params", tuple(sorted({**declared.defaults(), **own}.items())))
        for f in dataclasses.fields(RepresentationSpec):
            if f.name not in ("kind", "params") and f.name not in uses:
                object.__setattr__(self, f.name, f.metadata.get("unused", f.default))

    @property
    def trained(self) -> bool:
        return REPRESENTATION_KINDS.declared(self.kind).trained

    def value(self, name: str) -> Any:
        """A parameter the kind declares for itself."""
        return dict(self.params)[name]

    def key(self, data_fingerprint: str = "") -> str:
        """The representation's id for one data set: readable, and a hash of the spec and the data content.

        e.g. 'conv-vae-d30-e10-s0-1a2b3c4d' or 'pixels-1a2b3c4d'; equal specs on equal data, equal ids.
        """
        digest = canonical_hash({"spec": canonical_form(self), "data": data_fingerprint})[:8]
        if not self.trained:
            return f"{self.kind}-{digest}"
        mixed = f"-{self.precision}" if self.precision != Precision.FP32 else ""
        return f"{self.kind}-d{self.latent_dim}-e{self.epochs}-s{self.seed}{mixed}-{digest}"


@dataclass(frozen=True)
class StoppingSpec:
    """The stopping criterion a trial obeys (`stopping.STOPPING`): it ends, complete, at the first iteration
    the criterion fires. `params`: its parameters (sorted pairs, defaults filled in)."""

    criterion: str
    params: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        from ..stopping import STOPPING

        if self.criterion not in STOPPING:
            known = ", ".join(sorted(STOPPING))
            raise SpecError(f"criterion = {self.criterion!r}: unknown name; known: {known}", field="criterion")
        declared = STOPPING.declared(self.criterion)
        own = {}
        for name, value in dict(self.params).items():
            if name not in declared.params:
                raise SpecError(f"{name} = {value!r}: not a parameter of criterion {self.criterion!r}", field=name)
            own[name] = declared.params[name].check(name, value)
        object.__setattr__(self, "params", tuple(sorted({**declared.defaults(), **own}.items())))

    def fires(self, curve: Mapping[str, Any]) -> int | None:
        """The first position of `curve` (columns in iteration order) at which the criterion fires."""
        from ..stopping import STOPPING

        return STOPPING[self.criterion](curve, dict(self.params))

    def label(self) -> str:
        """'stabilizing-predictions[threshold=0.99 window=3]'."""
        shown = " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.params)
        return f"{self.criterion}[{shown}]"


@dataclass(frozen=True)
class TrialSpec:
    """One active-learning trial: data set, representation, classifier, budget, strategy and seed; a
    stopping criterion that may end it before its budget (None: the budget decides, as before)."""

    dataset: str
    representation: str
    strategy: StrategySpec = field(default_factory=StrategySpec)
    classifier: ClassifierSpec = field(default_factory=ClassifierSpec)
    budget: BudgetSpec = field(default_factory=BudgetSpec)
    seed: int = 0
    stopping: StoppingSpec | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "seed", REPRESENTATION_PARAMS["seed"].check("seed", self.seed))

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
    if isinstance(value, StrategySpec):
        return {k: v for k, v in value.stored_form().items() if v is not None and v != ()}
    if isinstance(value, ClassifierSpec):
        found = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.name != "params"}
        found["params"] = value.stored_params()
        return {k: v for k, v in found.items() if not _neutral(_CLASSIFIER_FIELDS[k], v)}
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return {f.name: getattr(value, f.name) for f in fields if not _neutral(f, getattr(value, f.name))}
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)  # paths


_CLASSIFIER_FIELDS = {f.name: f for f in dataclasses.fields(ClassifierSpec)}


def _neutral(f: dataclasses.Field, value: Any) -> bool:
    return value is None or value == () or ("id_neutral" in f.metadata and value == f.metadata["id_neutral"])


def canonical_hash(spec) -> str:
    """sha256 of the spec's canonical JSON: equal specs, equal hashes, on every machine."""
    text = json.dumps(canonical_form(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
