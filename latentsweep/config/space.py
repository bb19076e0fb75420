"""The search space of a tuning study: [tune.space] (strategy fields: a range or choices, each checked against
what the field's declaration accepts; alpha and beta searched together over their triangle) and
[tune.space.classifier] (the classifier's fields, own parameters and an estimator's arguments)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..classifiers import CLASSIFIERS
from ..engine.specs import CLASSIFIER_PARAMS, ClassifierSpec
from ..engine.strategy import END, NAMES, simplex_groups, strategy_keys
from ..errors import SpecError
from ..strategies import BATCH_SELECTION
from . import readers as read
from .readers import ConfigError
from .strategies import strategy


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

    assert classifier.estimator is not None  # searched only for a kind that declares one, which the spec names
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


def read_space(value: Any, fixed: dict) -> dict:
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


def check_corners(fixed: dict, space: dict) -> None:
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


