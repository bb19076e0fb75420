"""Sweep configuration: TOML in, frozen dataclasses out, every error naming its key path.

Validated once here; the rest of the code trusts a `SweepConfig`. Strategies come as a grid (the
cartesian product of lists) and/or an explicit list; combinations that query identically are planned
once (`StrategySpec.canonical`). The [data], [[representations]] and [ray] readers are shared with the
other config kinds.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..classifiers import CLASSIFIERS
from ..data import DATASETS, LONG_TAIL_ORDERS, SPLIT_RULES, DatasetKind
from ..engine.kinds import REPRESENTATION_KINDS
from ..engine.metrics import METRICS
from ..engine.specs import (
    BUDGET_PARAMS,
    CLASSIFIER_PARAMS,
    LAYER_LIMIT,
    REPRESENTATION_PARAMS,
    BudgetSpec,
    ClassifierSpec,
    RepresentationSpec,
)
from ..engine.strategy import StrategySpec, strategy_keys
from ..plugins import check_plugins
from . import readers as read
from .adaptive import AdaptiveConfig, read_adaptive
from .readers import ConfigError

IMBALANCE_RULES = ("paper", "long-tail")
IMBALANCE_KEYS = {"paper": ("per_class", "seed"), "long-tail": ("ratio", "order", "seed")}  # what each rule reads


@dataclass(frozen=True)
class ImbalanceConfig:
    """How the pool (only) is made imbalanced: `paper`, the second paper's rule (even classes gain
    `per_class` jittered copies, odd ones lose as many; images only), or `long-tail`, the exponential
    profile n_r = n_max * ratio^(-r / (C - 1)) with class ranks by `order` ('label' or a seeded 'shuffle')."""

    rule: str
    per_class: int = 2000
    ratio: float = 10.0
    order: str = "label"
    seed: int = 0

    def settings(self) -> dict:
        """The rule and the settings it reads (sweep.json)."""
        return {"rule": self.rule, **{key: getattr(self, key) for key in IMBALANCE_KEYS[self.rule]}}

    def describe(self) -> str:
        """'long-tail, ratio 50 (classes by label, seed 0)' or 'paper rule, 2000 per class (seed 0)'."""
        if self.rule == "long-tail":
            return f"long-tail, ratio {self.ratio:g} (classes by {self.order}, seed {self.seed})"
        return f"paper rule, {self.per_class} per class (seed {self.seed})"


@dataclass(frozen=True)
class DataConfig:
    """The data set, where its files are, and how it is split (None: the data set kind's default);
    `imbalance`: how the pool is made imbalanced after splitting (None: as it is)."""

    dataset: str
    path: Path | None = None
    validation_size: int | float | None = None
    split: str | None = None
    split_seed: int = 0
    test_fraction: float = 0.2
    imbalance: ImbalanceConfig | None = None

    def describe(self) -> dict:
        described = {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(self).items()}
        if self.imbalance is None:
            del described["imbalance"]  # as sweep.json has always said it
        else:
            described["imbalance"] = self.imbalance.settings()
        return described


@dataclass(frozen=True)
class RayConfig:
    """Where and how work runs: a Ray address (None: a local instance), resources and retries.

    representation_gpus 'auto' asks for one GPU per representation job when the cluster has any.
    pack_size 'auto' sizes packs so that every worker gets the same share, at most 8 trials each on
    CPUs (the benchmark's fastest), 256 on GPUs.
    """

    address: str | None = None
    cpus_per_worker: float = 1.0
    gpus_per_worker: float | str = "auto"
    representation_gpus: float | str = "auto"
    pack_size: int | str = "auto"
    max_attempts: int = 3
    workers: int | None = None


@dataclass(frozen=True)
class SweepConfig:
    name: str
    data: DataConfig
    representations: tuple[RepresentationSpec, ...]
    strategies: tuple[StrategySpec, ...]
    seeds: tuple[int, ...]
    classifiers: tuple[ClassifierSpec, ...] = (ClassifierSpec(),)
    budgets: tuple[BudgetSpec, ...] = (BudgetSpec(),)
    ray: RayConfig = field(default_factory=RayConfig)
    plugins: tuple[str, ...] = ()
    baselines: tuple[str, ...] = ()
    adaptive: AdaptiveConfig | None = None
    report_metric: str = "accuracy"  # [report] metric: what run's closing table and the report score
    source: Path | None = None

    @property
    def classifier(self) -> ClassifierSpec:
        """The first (often the only) classifier."""
        return self.classifiers[0]

    @property
    def budget(self) -> BudgetSpec:
        """The first (often the only) budget."""
        return self.budgets[0]


BASELINES = ("all-labels",)  # the classifier trained on every pool label: the reference rows of Tables 5.2-5.5


# -- shared sections -----------------------------------------------------------------------------


def read_imbalance(value: Any, path: str = "data.imbalance") -> ImbalanceConfig:
    """The [data.imbalance] table: rule ('paper': per_class, seed; 'long-tail': ratio, order, seed)."""
    table = read.table(path, value)
    if "rule" not in table:
        raise ConfigError(f"{path}.rule: missing; expected one of {', '.join(IMBALANCE_RULES)}")
    rule = read.choice(f"{path}.rule", table["rule"], IMBALANCE_RULES)
    read.check_keys(path, table, {"rule", *IMBALANCE_KEYS[rule]})
    fields: dict[str, Any] = {"rule": rule}
    if "per_class" in table:
        fields["per_class"] = read.integer(f"{path}.per_class", table["per_class"], 1, 10_000_000)
    if "ratio" in table:
        fields["ratio"] = read.number(f"{path}.ratio", table["ratio"], 1.0, 1e6)
    if "order" in table:
        fields["order"] = read.choice(f"{path}.order", table["order"], LONG_TAIL_ORDERS)
    if "seed" in table:
        fields["seed"] = read.integer(f"{path}.seed", table["seed"], 0, read.SEED_LIMIT)
    return ImbalanceConfig(**fields)


def read_data(value: Any, base: Path, imbalance: bool = True) -> DataConfig:
    """The [data] table: dataset, path, validation_size, split, split_seed, test_fraction, and (where
    the command reads it) [data.imbalance]."""
    data = read.table("data", value)
    allowed = {f.name for f in dataclasses.fields(DataConfig)} - (set() if imbalance else {"imbalance"})
    read.check_keys("data", data, allowed)
    if "dataset" not in data:
        raise ConfigError("data.dataset: missing; expected one of " + ", ".join(sorted(DATASETS)))
    dataset = read.choice("data.dataset", data["dataset"], sorted(DATASETS))
    kind: DatasetKind = DATASETS.declared(dataset)
    path = None
    if "path" in data:
        path = read.existing_path("data.path", data["path"], base)
    elif kind.needs_path:
        raise ConfigError(f"data.path: missing; data set {dataset!r} is read from {kind.path_kind}")
    return DataConfig(
        dataset=dataset,
        path=path,
        validation_size=_validation_size(data["validation_size"]) if "validation_size" in data else None,
        split=read.choice("data.split", data["split"], SPLIT_RULES) if "split" in data else None,
        split_seed=read.integer("data.split_seed", data.get("split_seed", 0), 0, read.SEED_LIMIT),
        test_fraction=read.number("data.test_fraction", data.get("test_fraction", 0.2), 0.01, 0.9),
        imbalance=read_imbalance(data["imbalance"]) if "imbalance" in data else None,
    )


def _validation_size(value: Any) -> int | float:
    """A count of examples (an integer >= 1) or a fraction of the training part (a number in (0, 1))."""
    if isinstance(value, float) and 0 < value < 1:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000_000:
        return value
    raise read.fail("data.validation_size", value, "a count >= 1 or a fraction in (0, 1)")


def _representation_keys() -> set[str]:
    """Keys of a [[representations]] table: the spec's settings and every kind's own parameters."""
    own = {name for kind in REPRESENTATION_KINDS for name in REPRESENTATION_KINDS.declared(kind).params}
    return {"kind", "hidden", *REPRESENTATION_PARAMS, *own}


def representation_spec(path: str, entry: Any, paper_only: bool = False) -> RepresentationSpec:
    """One [[representations]] (or [[autoencoders]]) table as a validated RepresentationSpec; latent_dim
    defaults to the kind's own default."""
    entry = read.table(path, entry)
    read.check_keys(path, entry, _representation_keys())
    if "kind" not in entry:
        raise ConfigError(f"{path}.kind: missing; expected one of {', '.join(sorted(REPRESENTATION_KINDS))}")
    kinds = sorted(k for k in REPRESENTATION_KINDS if REPRESENTATION_KINDS.declared(k).paper or not paper_only)
    kind = read.choice(f"{path}.kind", entry["kind"], kinds)
    declared = REPRESENTATION_KINDS.declared(kind).params
    fields: dict[str, Any] = {"kind": kind}
    own = {}
    for key, value in entry.items():
        if key == "hidden":
            fields[key] = read.integers(f"{path}.{key}", value, 1, LAYER_LIMIT)
        elif key in REPRESENTATION_PARAMS:
            fields[key] = read.param(f"{path}.{key}", value, REPRESENTATION_PARAMS[key])
        elif key in declared:
            own[key] = read.param(f"{path}.{key}", value, declared[key])
        elif key != "kind":
            raise ConfigError(f"{path}.{key}: not a parameter of kind {kind!r}")
    fields.setdefault("latent_dim", REPRESENTATION_KINDS.declared(kind).latent_default)
    return read.build(path, RepresentationSpec, **fields, params=tuple(own.items()))


def read_representations(key: str, value: Any, paper_only: bool = False) -> tuple[RepresentationSpec, ...]:
    entries = read.array(key, value)
    if not entries:
        raise read.fail(key, value, f"one or more [[{key}]] tables")
    specs = [representation_spec(f"{key}[{i}]", entry, paper_only) for i, entry in enumerate(entries)]
    return tuple(dict.fromkeys(specs))


_ADDRESS = re.compile(r"(auto|(ray://)?[A-Za-z0-9_.\-\[\]:]+:[0-9]{1,5})")


def address(path: str, value: Any) -> str:
    """A Ray address: 'auto', HOST:PORT or ray://HOST:PORT."""
    text = read.string(path, value)
    if not _ADDRESS.fullmatch(text) or (text != "auto" and not 0 < int(text.rsplit(":", 1)[1]) < 65536):
        raise read.fail(path, value, "'auto', HOST:PORT or ray://HOST:PORT")
    return text


def _auto_or(path: str, value: Any, reader: Callable[[str, Any], Any], expected: str) -> Any:
    if value == "auto":
        return value
    try:
        return reader(path, value)
    except ConfigError:
        raise read.fail(path, value, f"'auto' or {expected}") from None


def read_ray(value: Any, allowed: set[str] | None = None) -> RayConfig:
    """The [ray] table (all of RayConfig's keys, or only `allowed`)."""
    ray = read.table("ray", value)
    read.check_keys("ray", ray, allowed or {f.name for f in dataclasses.fields(RayConfig)})
    gpus = lambda p, v: _auto_or(p, v, lambda p2, v2: read.number(p2, v2, 0, 64), "a number in [0, 64]")  # noqa: E731
    readers: dict[str, Callable[[str, Any], Any]] = {
        "address": address,
        "cpus_per_worker": lambda p, v: read.number(p, v, 0.01, 1024),
        "gpus_per_worker": gpus,
        "representation_gpus": gpus,
        "pack_size": lambda p, v: _auto_or(p, v, lambda p2, v2: read.integer(p2, v2, 1, 100_000), "an integer >= 1"),
        "max_attempts": lambda p, v: read.integer(p, v, 1, 100),
        "workers": lambda p, v: read.integer(p, v, 1, 100_000),
    }
    return RayConfig(**{key: readers[key](f"ray.{key}", item) for key, item in ray.items()})


# -- strategies ----------------------------------------------------------------------------------


def _strategy_value(path: str, key: str, value: Any) -> Any:
    """A strategy key's value read by its declaration: a name, or a declared parameter's value."""
    declared = strategy_keys()[key]
    if declared is None:
        return read.string(path, value)
    return read.param(path, value, declared)


def strategy(path: str, entry: dict, *, drop_unused: bool = False) -> StrategySpec:
    """One strategy table as its canonical StrategySpec (`drop_unused`: as a grid combination, leaving out
    parameters the chosen entries do not declare)."""
    keys = strategy_keys()
    read.check_keys(path, entry, set(keys))
    fields = {key: _strategy_value(f"{path}.{key}", key, value) for key, value in entry.items()}
    spec = read.build(path, lambda: StrategySpec.build(fields, drop_unused=drop_unused))
    return read.build(path, spec.canonical)


def read_strategies(value: Any) -> tuple[StrategySpec, ...]:
    """[strategies.grid] (a cartesian product of lists) and [[strategies.list]], equivalent ones once."""
    strategies = read.table("strategies", value)
    read.check_keys("strategies", strategies, {"grid", "list"})
    planned: list[StrategySpec] = []
    if "grid" in strategies:
        grid = read.table("strategies.grid", strategies["grid"])
        read.check_keys("strategies.grid", grid, set(strategy_keys()))
        axes = {}
        for key, values in grid.items():
            values = values if isinstance(values, list) else [values]
            if not values:
                raise ConfigError(f"strategies.grid.{key} = []: expected at least one value")
            for index, item in enumerate(values):
                _strategy_value(f"strategies.grid.{key}[{index}]", key, item)
            axes[key] = values
        for combination in itertools.product(*axes.values()):
            fields = dict(zip(axes, combination, strict=True))
            shown = ", ".join(f"{k} = {v!r}" for k, v in fields.items())
            try:
                planned.append(strategy("strategies.grid", fields, drop_unused=True))
            except ConfigError as error:
                raise ConfigError(f"{error} (in the grid combination {shown})") from None
    if "list" in strategies:
        entries = strategies["list"]
        if not isinstance(entries, list):
            raise read.fail("strategies.list", entries, "an array of tables ([[strategies.list]])")
        for index, entry in enumerate(entries):
            path = f"strategies.list[{index}]"
            planned.append(strategy(path, read.table(path, entry)))
    unique = list(dict.fromkeys(planned))
    if not unique:
        raise ConfigError("strategies: expected a [strategies.grid] table or [[strategies.list]] entries")
    return tuple(unique)


# -- the sweep -----------------------------------------------------------------------------------


ESTIMATOR_KEYS = ("estimator", "params")  # a kind declaring `estimator`: the import path and its arguments


def classifier_keys() -> set[str]:
    """Keys of a [classifier] table: kind, the common fields, every kind's own parameters, an estimator's."""
    own = {name for kind in CLASSIFIERS for name in CLASSIFIERS.declared(kind).params}
    return {"kind", "hidden", *CLASSIFIER_PARAMS, *own, *ESTIMATOR_KEYS}


def _classifier_value(path: str, key: str, value: Any, declared) -> Any:
    if key == "hidden":
        return read.integers(path, value, 1, LAYER_LIMIT)
    if key == "estimator":
        return read.string(path, value)
    if key == "params":
        return tuple(read.table(path, value).items())
    return read.param(path, value, CLASSIFIER_PARAMS.get(key) or declared.params[key])


def read_classifier(value: Any, path: str = "classifier", *, drop_unused: bool = False) -> ClassifierSpec:
    """One [classifier] table: `kind` (default mlp) and the keys that kind declares it uses; a scikit-learn
    estimator is imported and checked here. `drop_unused`: leave out keys the kind does not use (a grid)."""
    classifier = read.table(path, value)
    read.check_keys(path, classifier, classifier_keys())
    kind = read.choice(f"{path}.kind", classifier.get("kind", "mlp"), sorted(CLASSIFIERS))
    declared = CLASSIFIERS.declared(kind)
    uses = _classifier_uses(kind)
    fields: dict[str, Any] = {"kind": kind}
    own = {}
    for key, item in classifier.items():
        if key == "kind" or (key not in uses and drop_unused):
            continue
        if key not in uses:
            raise ConfigError(f"{path}.{key}: not used by classifier kind {kind!r}")
        found = _classifier_value(f"{path}.{key}", key, item, declared)
        if key in declared.params:
            own[key] = found
        else:
            fields["estimator_params" if key == "params" else key] = found
    spec = read.build(path, ClassifierSpec, **fields, params=tuple(own.items()))
    if declared.estimator:
        from ..classifiers.estimators import check_estimator

        read.build(path, lambda: check_estimator(spec.estimator, dict(spec.estimator_params)))
    return spec


def read_classifiers(value: Any) -> tuple[ClassifierSpec, ...]:
    """[classifier] (one), [[classifier]] (a list) or [classifier.grid] (lists of values, expanded as a
    cartesian product with the table's other keys fixed; a grid over `kind` applies each key to the kinds
    that use it): the learners every trial is run with."""
    if isinstance(value, list):
        if not value:
            raise read.fail("classifier", value, "one or more [[classifier]] tables")
        return tuple(dict.fromkeys(read_classifier(entry, f"classifier[{i}]") for i, entry in enumerate(value)))
    table = read.table("classifier", value)
    if "grid" not in table:
        return (read_classifier(table),)
    grid = read.table("classifier.grid", table["grid"])
    read.check_keys("classifier.grid", grid, classifier_keys())
    fixed = {k: v for k, v in table.items() if k != "grid"}
    axes = {
        key: read.array(f"classifier.grid.{key}", values) if key == "hidden" or isinstance(values, list) else [values]
        for key, values in grid.items()
    }
    kinds = [read.choice("classifier.grid.kind", k, sorted(CLASSIFIERS)) for k in axes.get("kind", [])]
    for key in grid:
        if kinds and key != "kind" and not any(key in _classifier_uses(kind) for kind in kinds):
            raise ConfigError(f"classifier.grid.{key}: used by none of the kinds {', '.join(kinds)}")
    specs = []
    for combination in itertools.product(*axes.values()):
        fields = {**fixed, **dict(zip(axes, combination, strict=True))}
        specs.append(read_classifier(fields, "classifier.grid", drop_unused=bool(kinds)))
    return tuple(dict.fromkeys(specs))


def _classifier_uses(kind: str) -> set[str]:
    """The [classifier] keys a kind reads."""
    declared = CLASSIFIERS.declared(kind)
    return {*declared.uses, *declared.params, *(ESTIMATOR_KEYS if declared.estimator else ())}


def read_budget(value: Any, path: str = "budget") -> BudgetSpec:
    """A [budget] table (or one of [[budgets]]): initial, batch, iterations, validation, name."""
    budget = read.table(path, value)
    read.check_keys(path, budget, {*BUDGET_PARAMS, "name"})
    fields = {k: read.param(f"{path}.{k}", v, BUDGET_PARAMS[k]) for k, v in budget.items() if k != "name"}
    if "name" in budget:
        fields["name"] = read.string(f"{path}.name", budget["name"])
    return read.build(path, BudgetSpec, **fields)


def read_budgets(document: dict) -> tuple[BudgetSpec, ...]:
    """The budget regimes of a sweep: one [budget] table (named 'default'), or [[budgets]], each named,
    with distinct names and distinct label counts."""
    if "budgets" not in document:
        return (read_budget(document.get("budget", {})),)
    if "budget" in document:
        raise ConfigError("budget: give one [budget] table or [[budgets]] tables, not both")
    entries = read.array("budgets", document["budgets"])
    if not entries:
        raise read.fail("budgets", document["budgets"], "one or more [[budgets]] tables")
    specs: list[BudgetSpec] = []
    for index, entry in enumerate(entries):
        path = f"budgets[{index}]"
        read.require(path, read.table(path, entry), ("name",))
        spec = read_budget(entry, path)
        for earlier, other in enumerate(specs):
            if other.name == spec.name:
                raise ConfigError(f"{path}.name = {spec.name!r}: budgets[{earlier}] has that name already")
            if dataclasses.replace(other, name=spec.name) == spec:
                raise ConfigError(f"{path}: the same labels as budgets[{earlier}] ({other.name!r})")
        specs.append(spec)
    return tuple(specs)


def read_plugins(document: dict, base: Path) -> tuple[str, ...]:
    """The `plugins` list, .py paths made absolute (relative to the config's folder)."""
    found = read.strings("plugins", document.get("plugins", []))
    for index, plugin in enumerate(found):
        if not plugin.strip():
            raise read.fail(f"plugins[{index}]", plugin, "a module name or a path to a .py file")
    return tuple(str(base / p) if p.endswith(".py") and not Path(p).is_absolute() else p for p in found)


TOP_LEVEL = {
    "name", "data", "representations", "classifier", "budget", "budgets", "strategies", "seeds", "ray", "plugins",
    "baselines", "adaptive", "report",
}  # fmt: skip


def read_report(value: Any) -> str:
    """The [report] table: `metric`, what `run`'s closing table and the report score (default accuracy)."""
    table = read.table("report", value)
    read.check_keys("report", table, {"metric"})
    return read.choice("report.metric", table.get("metric", "accuracy"), METRICS)


def parse_config(document: dict, base: Path = Path("."), source: Path | None = None) -> SweepConfig:
    """Builds a SweepConfig from a parsed TOML document; relative paths are taken from `base`.

    Plugins named by the document must be loaded before (their strategy names are checked here).
    """
    read.check_keys("", document, TOP_LEVEL)
    baselines = read.strings("baselines", document.get("baselines", []))
    for index, baseline in enumerate(baselines):
        read.choice(f"baselines[{index}]", baseline, BASELINES)
    read.require("", document, ("name", "data", "representations") + (() if baselines else ("strategies",)))
    strategies = read_strategies(document["strategies"]) if "strategies" in document else ()
    seeds = read.seeds("seeds", document.get("seeds", 1))
    adaptive = None
    if "adaptive" in document:
        adaptive = read_adaptive(document["adaptive"], [s.label() for s in strategies], seeds)
    return SweepConfig(
        name=read.name("name", document["name"]),
        data=read_data(document["data"], base),
        representations=read_representations("representations", document["representations"]),
        strategies=strategies,
        seeds=seeds,
        adaptive=adaptive,
        classifiers=read_classifiers(document.get("classifier", {})),
        budgets=read_budgets(document),
        ray=read_ray(document.get("ray", {})),
        plugins=read_plugins(document, base),
        baselines=tuple(dict.fromkeys(baselines)),
        report_metric=read_report(document.get("report", {})),
        source=source,
    )


def load_config(path: str | Path, load_plugins: Callable[[tuple[str, ...]], None] | None = None) -> SweepConfig:
    """Reads and validates a TOML sweep config. `load_plugins`, when given, is called with the config's
    plugins before its strategies are checked (the commands that run work pass `plugins.load_plugins`)."""
    path = Path(path)
    document = read.read_document(path)
    read.expect_kind(path, document, "sweep")
    return with_plugins(document, path, load_plugins, parse_config)


def with_plugins(document: dict, path: Path, load_plugins, parse: Callable) -> Any:
    """Loads the document's plugins when a loader is given, then parses it. Without a loader (`plan`
    runs no plugin code) a name a plugin would register is unknown, and the error says so."""
    plugins = read_plugins(document, path.parent)
    if load_plugins is not None:
        load_plugins(plugins)
    else:
        check_plugins(plugins)  # what can be known without running them
    try:
        return parse(document, base=path.parent, source=path)
    except ConfigError as error:
        if plugins and load_plugins is None and "unknown" in str(error):
            raise ConfigError(f"{error} (it may come from plugins {', '.join(plugins)}, which are code: this command "
                              "runs them only with --load-plugins)") from None  # fmt: skip
        raise
