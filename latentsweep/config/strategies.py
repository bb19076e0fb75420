"""The [strategies] table of a sweep: a grid (the cartesian product of lists) and/or an explicit list, each
combination read by the registries' declarations and canonicalised, so that strategies that query
identically are planned once. Whatever planning merges or changes is said: a list entry that plans as
another strategy gets a note naming it and what it became (`StrategyNotes`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from ..engine.strategy import END, NAMES, STRATEGY_PARAMS, StrategySpec, strategy_keys
from . import readers as read
from .readers import ConfigError


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


def _shown(entry: Mapping[str, Any]) -> str:
    return ", ".join(f"{key} = {value!r}" for key, value in entry.items())


def _planned_value(spec: StrategySpec, key: str) -> Any:
    """What the planned strategy holds for a key a config gave (None: the key plays no part in it)."""
    if key in NAMES:
        value = getattr(spec, key)
        return "none" if value is None and key == "representativeness" else value
    if key in STRATEGY_PARAMS:
        return spec.value(key)
    if key.endswith(END):
        return spec.end(key[: -len(END)])
    return spec.value(key) if key in spec.declared_params() else None


def unused_fields(entry: Mapping[str, Any], spec: StrategySpec) -> list[str]:
    """The keys of a strategy table whose value the planned strategy does not hold (they change no query)."""
    unused = []
    for key, value in entry.items():
        planned = _planned_value(spec, key)
        given = float(value) if isinstance(value, int) and not isinstance(value, bool) and key not in NAMES else value
        if planned is None or planned != given:
            if key.endswith(END) and planned is None and entry.get(key[: -len(END)], None) == value:
                continue  # an end equal to its start: no schedule, as written
            unused.append(key)
    return unused


def _why(spec: StrategySpec, unused: list[str]) -> str:
    """Why these fields change no query of `spec`, from what its entries declare."""
    if spec.is_passive:
        return "passive learning (uncertainty = 'random') queries at random and reads no other field"
    if "uncertainty" in unused and not spec.rule().uses_scores:
        return f"batch rule {spec.batch!r} spreads its batch over an embedding and reads no uncertainty score"
    if {"representativeness", "gamma"} & set(unused):
        return "a representativeness measure at gamma = 1 that the batch rule does not weigh changes no query"
    return "the chosen uncertainty measure and batch rule do not declare them"


def read_strategies(value: Any, notes: list[str] | None = None) -> tuple[StrategySpec, ...]:
    """[strategies.grid] (a cartesian product of lists) and [[strategies.list]], equivalent ones once. Appends
    to `notes` one line per list entry that plans as another strategy (fields it ignores, or a strategy planned
    already), and one for a grid whose combinations merge."""
    notes = [] if notes is None else notes
    strategies = read.table("strategies", value)
    read.check_keys("strategies", strategies, {"grid", "list"})
    planned: dict[StrategySpec, str] = {}  # strategy -> where it was first planned
    if "grid" in strategies:
        combinations = _grid(read.table("strategies.grid", strategies["grid"]))
        for spec in combinations:
            planned.setdefault(spec, "a combination of strategies.grid")
        if len(set(combinations)) < len(combinations):
            notes.append(
                f"strategies.grid: {len(combinations)} combinations plan as {len(set(combinations))} strategies "
                "(combinations that query identically, e.g. passive learning with any other field, are run once)"
            )
    if "list" in strategies:
        entries = strategies["list"]
        if not isinstance(entries, list):
            raise read.fail("strategies.list", entries, "an array of tables ([[strategies.list]])")
        for index, entry in enumerate(entries):
            path = f"strategies.list[{index}]"
            entry = read.table(path, entry)
            spec = strategy(path, entry)
            unused = unused_fields(entry, spec)
            becomes = f"{path} ({_shown(entry)}) plans as {spec.label()!r}"
            change = f"{', '.join(unused)} {'changes' if len(unused) == 1 else 'change'} no query"
            if spec in planned:
                because = f"; {change}: {_why(spec, unused)}" if unused else ""
                notes.append(f"{becomes}, the same strategy as {planned[spec]}: run once{because}")
            elif unused:
                notes.append(f"{becomes}: {change}; {_why(spec, unused)}")
            planned.setdefault(spec, path)
    if not planned:
        raise ConfigError("strategies: expected a [strategies.grid] table or [[strategies.list]] entries")
    return tuple(planned)


def _grid(grid: dict) -> list[StrategySpec]:
    """Every combination of a [strategies.grid] table, planned (duplicates kept, in order)."""
    read.check_keys("strategies.grid", grid, set(strategy_keys()))
    axes = {}
    for key, values in grid.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            raise ConfigError(f"strategies.grid.{key} = []: expected at least one value")
        for index, item in enumerate(values):
            _strategy_value(f"strategies.grid.{key}[{index}]", key, item)
        axes[key] = values
    combinations = []
    for combination in itertools.product(*axes.values()):
        fields = dict(zip(axes, combination, strict=True))
        try:
            combinations.append(strategy("strategies.grid", fields, drop_unused=True))
        except ConfigError as error:
            raise ConfigError(f"{error} (in the grid combination {_shown(fields)})") from None
    return combinations
