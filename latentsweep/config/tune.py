"""Config of a tuning study (`latentsweep tune`): the sweep's data, representation, classifier, budget
and ray tables, and a [tune] table with the search instead of [strategies].

[tune]            trials (30), sampler (tpe), pruner (median), objective (auc | final | at), objective_labels,
                  metric (accuracy | balanced_accuracy | macro_f1, on the validation labels), seed (0),
                  in_flight (one per worker), startup_trials (5), final_seeds (5), storage, study
[tune.fixed]      strategy fields held fixed (any strategy key)
[tune.space]      searched strategy fields: a number range [low, high] or {low, high, log}, names or
                  numbers as choices ["margin", "entropy"] or {choices = [...]}; and the classifier's:
                  `classifier.NAME` (a field or parameter its kind uses) and `classifier.params.NAME` (an
                  estimator's argument), searched the same way
[tune.reference]  the strategy the best one is compared with at the end, besides random (margin top-k)

`seeds` is the number (or list) of search seeds each Optuna trial runs; the final comparison uses
`final_seeds` fresh seeds the search never saw. When alpha and beta (or their ends) are both searched
they cover the triangle alpha + beta <= 1 through two parameters: `alpha+beta` in [0, 1] and
`alpha/(alpha+beta)` in [0, 1] (no sample is ever rejected).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..classifiers import CLASSIFIERS
from ..engine.metrics import METRICS
from ..engine.specs import CLASSIFIER_PARAMS, BudgetSpec, ClassifierSpec, RepresentationSpec
from ..engine.strategy import END, NAMES, StrategySpec, simplex_groups, strategy_keys
from ..errors import SpecError
from ..strategies import BATCH_SELECTION
from . import readers as read
from .readers import ConfigError
from .sweep import (
    DataConfig,
    RayConfig,
    read_budget,
    read_classifier,
    read_data,
    read_plugins,
    read_ray,
    read_representations,
    strategy,
    with_plugins,
)

SAMPLERS = ("tpe", "gp", "cmaes", "random", "qmc")
PRUNERS = ("median", "hyperband", "wilcoxon", "none")
OBJECTIVES = ("auc", "final", "at")


def pairs() -> tuple[tuple[str, str], ...]:
    """Pairs of weights a batch rule declares must sum to at most 1 (alpha and beta, and their ends)."""
    return tuple(group for group in simplex_groups() if len(group) == 2)


def representativeness_weights() -> set[str]:
    """Parameters (and their ends) that weigh a representativeness measure inside some batch rule."""
    names = {BATCH_SELECTION.declared(entry).representativeness_weight for entry in BATCH_SELECTION} - {None}
    return names | {name + END for name in names}


@dataclass(frozen=True)
class Range:
    """A searched number in [low, high] (log scale if `log`; integers if `integer`)."""

    low: float
    high: float
    log: bool = False
    integer: bool = False


@dataclass(frozen=True)
class Choice:
    """A searched value among `options` (names or numbers)."""

    options: tuple


@dataclass(frozen=True)
class TuneSettings:
    trials: int = 30
    sampler: str = "tpe"
    pruner: str = "median"
    objective: str = "auc"
    objective_labels: int | None = None
    metric: str = "accuracy"  # what the objective and the pruner read of the validation curve (val_<metric>)
    seed: int = 0
    in_flight: int | None = None
    startup_trials: int = 5
    final_seeds: int = 5
    storage: str | None = None
    study: str | None = None


@dataclass(frozen=True)
class TuneConfig:
    name: str
    data: DataConfig
    representation: RepresentationSpec
    fixed: dict
    space: dict
    seeds: tuple[int, ...]
    settings: TuneSettings = field(default_factory=TuneSettings)
    reference: StrategySpec = field(default_factory=StrategySpec)
    classifier: ClassifierSpec = field(default_factory=ClassifierSpec)
    budget: BudgetSpec = field(default_factory=BudgetSpec)
    ray: RayConfig = field(default_factory=RayConfig)
    plugins: tuple[str, ...] = ()
    source: Path | None = None
    classifier_space: dict = field(default_factory=dict)  # 'classifier.NAME' / 'classifier.params.NAME' -> dimension

    @property
    def study_name(self) -> str:
        return self.settings.study or self.name

    def final_seeds(self) -> tuple[int, ...]:
        """Seeds of the final comparison: after the search's largest, never used by it."""
        start = max(self.seeds) + 1
        return tuple(range(start, start + self.settings.final_seeds))


_STRATEGY = object()  # a dimension's field is a strategy key (its declaration: `strategy_keys`)


def _dimension(path: str, key: str, value: Any, declared: Any = _STRATEGY) -> Range | Choice:
    """One searched field: a range or a choice, checked against what the field accepts: a strategy key's
    declaration, the given `Param`, or (None) anything a TOML number, string or list of them can be."""
    if isinstance(value, dict):
        read.check_keys(path, value, {"low", "high", "log", "choices"})
        if "choices" in value:
            if set(value) != {"choices"}:
                raise ConfigError(f"{path}: give either choices or low/high, not both")
            value = read.array(f"{path}.choices", value["choices"])
            if not value:
                raise read.fail(f"{path}.choices", value, "at least one choice")
            return _choice(path, key, value, declared)
        read.require(path, value, ("low", "high"))
        low, high = read.number(f"{path}.low", value["low"]), read.number(f"{path}.high", value["high"])
        log = value.get("log", False)
        if not isinstance(log, bool):
            raise read.fail(f"{path}.log", log, "true or false")
        return _range(path, key, low, high, log, declared)
    values = read.array(path, value)
    if not values:
        raise read.fail(path, value, "a range [low, high] or a list of choices")
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if numeric and len(values) == 2:
        low, high = read.number(f"{path}[0]", values[0]), read.number(f"{path}[1]", values[1])
        return _range(path, key, low, high, False, declared)
    return _choice(path, key, values, declared)


def _range(path: str, key: str, low: float, high: float, log: bool, declared: Any = _STRATEGY) -> Range:
    """A searched range, within the range the parameter declares (`registry.Param`)."""
    if declared is _STRATEGY:
        declared = strategy_keys()[key]
        if declared is None:
            raise read.fail(path, [low, high], f"names to choose from (one of {', '.join(sorted(NAMES[key][0]))})")
    if declared is not None and not declared.numeric:
        raise read.fail(path, [low, high], f"choices: {key!r} is not a number")
    if low > high:
        raise read.fail(path, [low, high], "a range [low, high] with low <= high")
    if declared is not None and declared.kind is int:
        if not (low.is_integer() and high.is_integer()):
            raise read.fail(path, [low, high], "a range of integers")
        low, high = int(low), int(high)
    if declared is not None and (not declared.accepts(low) or not declared.accepts(high)):
        raise read.fail(path, [low, high], f"a range within {declared.expected().split(' in ', 1)[-1]}")
    if log and low <= 0:
        raise read.fail(path, [low, high], "a range of positive numbers on a log scale")
    return Range(low, high, log, declared is not None and declared.kind is int)


def _choice(path: str, key: str, values: list, declared: Any = _STRATEGY) -> Choice:
    if declared is not _STRATEGY:
        for index, item in enumerate(values):
            scalar = isinstance(item, bool | int | float | str)
            if declared is not None:
                read.param(f"{path}[{index}]", item, declared)
            elif not scalar and not (isinstance(item, list) and all(isinstance(v, int | float) for v in item)):
                raise read.fail(f"{path}[{index}]", item, "a name, a number or a list of numbers")
        return Choice(tuple(dict.fromkeys(tuple(v) if isinstance(v, list) else v for v in values)))
    for index, item in enumerate(values):
        if not isinstance(item, bool | int | float | str):
            raise read.fail(f"{path}[{index}]", item, "a name or a number")
        declared = strategy_keys()[key]
        if declared is None:
            registry, extra = NAMES[key]
            if not isinstance(item, str) or (item not in registry and item not in extra):
                known = ", ".join(sorted([*registry, *extra]))
                raise ConfigError(f"{path}[{index}] = {item!r}: unknown name; known: {known}")
        else:
            read.param(f"{path}[{index}]", item, declared)
    return Choice(tuple(dict.fromkeys(values)))


CLASSIFIER = "classifier"  # [tune.space.classifier]: the classifier's searched fields
ESTIMATOR_PARAMS = "params"  # [tune.space.classifier.params]: an estimator's searched arguments


def classifier_dimensions(value: Any, classifier: ClassifierSpec) -> dict:
    """[tune.space.classifier]: searched fields of the classifier's kind ('classifier.NAME': a common field
    it uses or a parameter of its own, within the declared range) and an estimator's arguments
    ('classifier.params.NAME': numbers or choices, each checked by building the estimator with it)."""
    table = read.table("tune.space.classifier", value)
    declared = CLASSIFIERS.declared(classifier.kind)
    allowed = {*declared.uses, *declared.params, *((ESTIMATOR_PARAMS,) if declared.estimator else ())}
    read.check_keys("tune.space.classifier", table, allowed)
    dimensions: dict[str, Range | Choice] = {}
    for key, item in table.items():
        path = f"tune.space.classifier.{key}"
        if key == ESTIMATOR_PARAMS:
            for name, argument in read.table(path, item).items():
                dimensions[f"{CLASSIFIER}.{ESTIMATOR_PARAMS}.{name}"] = _estimator_dimension(
                    f"{path}.{name}", name, argument, classifier
                )
            continue
        param = CLASSIFIER_PARAMS.get(key) or declared.params.get(key)
        dimension = _dimension(path, key, item, declared=param)
        if param is None and isinstance(dimension, Range):  # hidden: lists of layer sizes
            raise read.fail(path, item, "choices of layer sizes, e.g. {choices = [[256], [512, 512]]}")
        if isinstance(dimension, Choice):
            for index, option in enumerate(dimension.options):
                fields = {key: tuple(option) if isinstance(option, list) else option}
                read.build(f"{path}[{index}]", lambda f=fields: _with(classifier, f))
        dimensions[f"{CLASSIFIER}.{key}"] = dimension
    if not dimensions:
        raise ConfigError("tune.space.classifier: expected at least one searched field")
    return dimensions


def _with(classifier: ClassifierSpec, values: dict) -> ClassifierSpec:
    """The classifier with some of its fields, own parameters or estimator arguments replaced."""
    declared = CLASSIFIERS.declared(classifier.kind)
    own = {k: v for k, v in values.items() if k in declared.params}
    arguments = {k: v for k, v in values.items() if k.startswith(f"{ESTIMATOR_PARAMS}.")}
    common = {k: v for k, v in values.items() if k not in own and k not in arguments}
    return dataclasses.replace(
        classifier,
        **common,
        params=tuple({**dict(classifier.params), **own}.items()),
        estimator_params=tuple(
            {**dict(classifier.estimator_params), **{k.split(".", 1)[1]: v for k, v in arguments.items()}}.items()
        ),
    )


def searched_classifier(classifier: ClassifierSpec, values: dict) -> ClassifierSpec:
    """The classifier with the values of its searched dimensions ('classifier.NAME' -> value)."""
    prefix = f"{CLASSIFIER}."
    return _with(classifier, {k[len(prefix) :]: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def _estimator_dimension(path: str, name: str, value: Any, classifier: ClassifierSpec) -> Range | Choice:
    from ..classifiers.estimators import check_estimator

    dimension = _dimension(path, name, value, declared=None)
    options = dimension.options if isinstance(dimension, Choice) else (dimension.low, dimension.high)
    for option in options:
        try:
            check_estimator(classifier.estimator, {**dict(classifier.estimator_params), name: option})
        except SpecError as error:
            raise ConfigError(f"{path} = {value!r}: {str(error).removeprefix('params: ')}") from None
    if isinstance(dimension, Range) and all(isinstance(v, int) for v in _raw_ends(value)):
        dimension = Range(dimension.low, dimension.high, dimension.log, True)
    return dimension


def _raw_ends(value: Any) -> list:
    return [value["low"], value["high"]] if isinstance(value, dict) else list(value) if isinstance(value, list) else []


def _space(value: Any, fixed: dict) -> dict:
    """The searched strategy fields of [tune.space] (its `classifier` table is read apart)."""
    whole = read.table("tune.space", value)
    space = {k: v for k, v in whole.items() if k != CLASSIFIER}
    if not space and CLASSIFIER in whole:
        return {}
    if not space:
        raise ConfigError("tune.space: expected at least one searched field (e.g. gamma = [0.0, 1.0])")
    read.check_keys("tune.space", space, set(strategy_keys()))
    for key in space:
        if key in fixed:
            raise ConfigError(f"tune.space.{key}: also in tune.fixed; a field is either fixed or searched")
    dimensions = {key: _dimension(f"tune.space.{key}", key, item) for key, item in space.items()}
    for first, second in pairs():
        both = first in dimensions and second in dimensions
        for key in (first, second):
            if both and dimensions[key] != Range(0.0, 1.0):
                raise ConfigError(
                    f"tune.space.{key}: searched together with {second if key == first else first}, the two cover "
                    f"the triangle {first} + {second} <= 1: give [0.0, 1.0] to both, or fix one"
                )
    return dimensions


def _check_corners(fixed: dict, space: dict) -> None:
    """The first options with ranges at their low ends, and then every other option in turn, must make
    valid strategies (else the space itself is wrong)."""
    choices = {k: v.options for k, v in space.items() if isinstance(v, Choice)}
    base = {**fixed, **{k: v.low for k, v in space.items() if isinstance(v, Range)}}
    for first, second in pairs():
        if first in space and second in space:
            base[first] = base[second] = 0.0
    base.update({key: options[0] for key, options in choices.items()})
    weights = [name for name in space if name in representativeness_weights()]
    for name in weights:
        if isinstance(space[name], Range):
            base[name] = 0.0
    strategy("tune.fixed with tune.space", dict(base), drop_unused=True)
    for key, options in choices.items():
        for option in options[1:]:
            strategy(f"tune.space.{key} = {option!r} with tune.fixed", {**base, key: option}, drop_unused=True)
    if weights:
        options = choices.get("representativeness", (fixed.get("representativeness", "none"),))
        if any(option in (None, "none") for option in options):
            raise ConfigError(
                f"tune.space.{weights[0]}: {weights[0]} weighs a representativeness measure; fix "
                "tune.fixed.representativeness or search it without 'none'"
            )


def _settings(value: Any, budget: BudgetSpec) -> TuneSettings:
    table = read.table("tune", value)
    keys = {f.name for f in dataclasses.fields(TuneSettings)} | {"fixed", "space", "reference"}
    read.check_keys("tune", table, keys)
    readers: dict[str, Callable[[str, Any], Any]] = {
        "trials": lambda p, v: read.integer(p, v, 1, 1_000_000),
        "sampler": lambda p, v: read.choice(p, v, SAMPLERS),
        "pruner": lambda p, v: read.choice(p, v, PRUNERS),
        "objective": lambda p, v: read.choice(p, v, OBJECTIVES),
        "objective_labels": lambda p, v: read.integer(p, v, 1, 100_000_000),
        "metric": lambda p, v: read.choice(p, v, METRICS),
        "seed": lambda p, v: read.integer(p, v, 0, read.SEED_LIMIT),
        "in_flight": lambda p, v: read.integer(p, v, 1, 100_000),
        "startup_trials": lambda p, v: read.integer(p, v, 0, 100_000),
        "final_seeds": lambda p, v: read.integer(p, v, 0, 10_000),
        "storage": read.string,
        "study": read.name,
    }
    settings = TuneSettings(**{k: readers[k](f"tune.{k}", v) for k, v in table.items() if k in readers})
    labels = budget.label_counts()
    if settings.objective == "at":
        if settings.objective_labels is None:
            raise ConfigError(
                "tune.objective_labels: missing; objective 'at' is the validation score at that many labels"
            )
        if settings.objective_labels not in labels:
            shown = ", ".join(map(str, labels[:5])) + (", ..." if len(labels) > 5 else "")
            raise read.fail(
                "tune.objective_labels", settings.objective_labels, f"a label count of the budget ({shown})"
            )
    elif settings.objective_labels is not None:
        raise ConfigError("tune.objective_labels: only used with objective = 'at'")
    if settings.storage is not None and "://" not in settings.storage:
        raise read.fail(
            "tune.storage", settings.storage, "a database URL such as sqlite:///study.db (default: a journal file)"
        )
    return settings


TOP_LEVEL = {"name", "data", "representations", "classifier", "budget", "tune", "seeds", "ray", "plugins"}


def parse_tune_config(document: dict, base: Path = Path("."), source: Path | None = None) -> TuneConfig:
    read.check_keys("", document, TOP_LEVEL)
    read.require("", document, ("name", "data", "representations", "tune"))
    representations = read_representations("representations", document["representations"])
    if len(representations) != 1:
        raise read.fail(
            "representations", f"{len(representations)} tables", "exactly one [[representations]] to tune on"
        )
    budget = read_budget(document.get("budget", {}))
    classifier = read_classifier(document.get("classifier", {}))
    tune = read.table("tune", document["tune"])
    fixed_table = read.table("tune.fixed", tune.get("fixed", {}))
    read.check_keys("tune.fixed", fixed_table, set(strategy_keys()))
    space = _space(tune.get("space", {}), fixed_table)
    searched = read.table("tune.space", tune.get("space", {})).get(CLASSIFIER)
    classifier_space = classifier_dimensions(searched, classifier) if searched is not None else {}
    _check_corners(dict(fixed_table), space)
    reference = strategy(
        "tune.reference", read.table("tune.reference", tune.get("reference", {"uncertainty": "margin"}))
    )
    seeds = read.seeds("seeds", document.get("seeds", 3))
    settings = _settings(tune, budget)
    if settings.sampler == "cmaes" and any(isinstance(d, Choice) for d in space.values()):
        raise ConfigError("tune.sampler = 'cmaes': CMA-ES searches numbers only; tune.space has choices (use tpe)")
    return TuneConfig(
        name=read.name("name", document["name"]),
        data=read_data(document["data"], base),
        representation=representations[0],
        fixed=dict(fixed_table),
        space=space,
        seeds=seeds,
        settings=settings,
        reference=reference,
        classifier=classifier,
        classifier_space=classifier_space,
        budget=budget,
        ray=read_ray(document.get("ray", {})),
        plugins=read_plugins(document, base),
        source=source,
    )


def load_tune_config(path: str | Path, load_plugins: Callable[[tuple[str, ...]], None] | None = None) -> TuneConfig:
    """Reads and validates a tuning config (plugins loaded first when a loader is given)."""
    path = Path(path)
    document = read.read_document(path)
    read.expect_kind(path, document, "tune")
    return with_plugins(document, path, load_plugins, parse_tune_config)
