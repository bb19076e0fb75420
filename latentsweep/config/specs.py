"""The tables of a config that become specs: [[representations]] (and [[autoencoders]]), [classifier] (one, a
list, or a grid), and [budget] or [[budgets]]. Their keys and ranges are the specs' own declarations
(`engine.specs`: REPRESENTATION_PARAMS, CLASSIFIER_PARAMS, BUDGET_PARAMS, and each kind's parameters)."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from ..classifiers import CLASSIFIERS
from ..engine.kinds import REPRESENTATION_KINDS
from ..engine.specs import (
    BUDGET_PARAMS,
    CLASSIFIER_PARAMS,
    LAYER_LIMIT,
    REPRESENTATION_PARAMS,
    BudgetSpec,
    ClassifierSpec,
    RepresentationSpec,
    StoppingSpec,
)
from . import keys
from . import readers as read
from .readers import ConfigError


def _representation_keys() -> set[str]:
    """Keys of a [[representations]] table: the spec's settings and every kind's own parameters."""
    own = {name for kind in REPRESENTATION_KINDS for name in REPRESENTATION_KINDS.declared(kind).params}
    return {*keys.REPRESENTATION, *REPRESENTATION_PARAMS, *own}


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


ESTIMATOR_KEYS = ("estimator", "params")  # a kind declaring `estimator`: the import path and its arguments


def classifier_keys() -> set[str]:
    """Keys of a [classifier] table: kind, the common fields, every kind's own parameters, an estimator's."""
    own = {name for kind in CLASSIFIERS for name in CLASSIFIERS.declared(kind).params}
    return {*(set(keys.CLASSIFIER) - {"grid"}), *CLASSIFIER_PARAMS, *own}


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
    read.check_keys(path, budget, {*BUDGET_PARAMS, *keys.BUDGET})
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




def read_stopping(value: Any, path: str = "stopping") -> StoppingSpec:
    """The [stopping] table: `criterion` (a name of `stopping.STOPPING`) and that criterion's parameters."""
    from ..stopping import STOPPING

    table = read.table(path, value)
    read.require(path, table, ("criterion",))
    name = read.choice(f"{path}.criterion", table["criterion"], sorted(STOPPING))
    declared = STOPPING.declared(name).params
    own = {}
    for key, entry in table.items():
        if key == "criterion":
            continue
        if key not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise ConfigError(f"{path}.{key}: not a parameter of criterion {name!r} (its parameters: {known})")
        own[key] = read.param(f"{path}.{key}", entry, declared[key])
    return read.build(path, StoppingSpec, criterion=name, params=tuple(own.items()))
