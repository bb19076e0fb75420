"""Sweep configuration: TOML in, frozen dataclasses out, every error naming its key path.

Validated once here; the rest of the code trusts a `SweepConfig`. Strategies come as a grid (the
cartesian product of lists) and/or an explicit list; combinations that mean the same thing are
planned once (`canonical_strategy`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .data import DATASETS, NEEDS_PATH
from .engine.specs import BudgetSpec, ClassifierSpec, RepresentationSpec, StrategySpec
from .errors import LatentsweepError, SpecError
from .workers.plugins import load_plugins


class ConfigError(LatentsweepError, ValueError):
    """A config file is unreadable or a key has a bad value; the message starts with the key path."""


@dataclass(frozen=True)
class DataConfig:
    dataset: str
    path: Path | None = None
    validation_size: int | None = None


@dataclass(frozen=True)
class RayConfig:
    """Where and how the sweep runs: a Ray address (None: a local instance), resources and retries.

    representation_gpus 'auto' asks for one GPU per representation job when the cluster has any.
    pack_size 'auto' aims at about four packs per trial worker, at most 8 trials each on CPUs, 256 on GPUs.
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
    classifier: ClassifierSpec = field(default_factory=ClassifierSpec)
    budget: BudgetSpec = field(default_factory=BudgetSpec)
    ray: RayConfig = field(default_factory=RayConfig)
    plugins: tuple[str, ...] = ()
    source: Path | None = None


# -- small typed readers -------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}.get(
        type(value), type(value).__name__
    )


def _fail(path: str, value: Any, expected: str) -> ConfigError:
    shown = repr(value) if not isinstance(value, dict) else "a table"
    return ConfigError(f"{path} = {shown}: expected {expected}")


def _integer(path: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, value, f"an integer, got {_type_name(value)}")
    return value


def _number(path: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(path, value, f"a number, got {_type_name(value)}")
    return float(value)


def _string(path: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(path, value, f"a string, got {_type_name(value)}")
    return value


def _table(path: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise _fail(path, value, f"a table, got {_type_name(value)}")
    return value


def _check_keys(path: str, table: Mapping, allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise ConfigError(f"{where}: unknown key; allowed here: {', '.join(sorted(allowed))}")


def _build(path: str, make: Callable[..., Any], **fields) -> Any:
    """Calls a spec constructor, re-raising its validation error under the config path."""
    try:
        return make(**fields)
    except SpecError as error:
        message = str(error)
        name = message.split(" ", 1)[0]
        if name in fields or name == "alpha":
            raise ConfigError(f"{path}.{message}") from None
        raise ConfigError(f"{path}: {message}") from None


# -- sections --------------------------------------------------------------------------------------

STRATEGY_READERS: dict[str, Callable[[str, Any], Any]] = {
    "uncertainty": _string,
    "representativeness": lambda p, v: None if _string(p, v) == "none" else v,
    "gamma": _number,
    "batch": _string,
    "subsample": _number,
    "distance": _string,
    "alpha": _number,
    "beta": _number,
    "initial": _string,
}


def canonical_strategy(strategy: StrategySpec) -> StrategySpec:
    """The one spec among those that query identically: unused settings are reset to their defaults.

    Passive learning uses nothing; gamma means nothing without a representativeness measure; alpha,
    beta and the distance only matter to greedy; gamma 1 with no greedy beta leaves the measure unused.
    """
    defaults = StrategySpec()
    if strategy.is_passive:
        return StrategySpec(uncertainty=strategy.uncertainty, initial=strategy.initial)
    changes: dict[str, Any] = {}
    if strategy.batch != "greedy":
        changes.update(alpha=defaults.alpha, beta=defaults.beta, distance=defaults.distance)
    beta = changes.get("beta", strategy.beta)
    if strategy.representativeness is not None and strategy.gamma == 1.0 and beta == 0.0:
        changes["representativeness"] = None
    if changes.get("representativeness", strategy.representativeness) is None:
        changes["gamma"] = defaults.gamma
    return dataclasses.replace(strategy, **changes)


def _strategy(path: str, table: dict) -> StrategySpec:
    _check_keys(path, table, set(STRATEGY_READERS))
    fields = {key: STRATEGY_READERS[key](f"{path}.{key}", value) for key, value in table.items()}
    return canonical_strategy(_build(path, StrategySpec, **fields))


def _strategies(table: dict) -> tuple[StrategySpec, ...]:
    _check_keys("strategies", table, {"grid", "list"})
    planned: list[StrategySpec] = []
    if "grid" in table:
        grid = _table("strategies.grid", table["grid"])
        _check_keys("strategies.grid", grid, set(STRATEGY_READERS))
        axes = {}
        for key, values in grid.items():
            values = values if isinstance(values, list) else [values]
            if not values:
                raise ConfigError(f"strategies.grid.{key} = []: expected at least one value")
            for index, value in enumerate(values):
                STRATEGY_READERS[key](f"strategies.grid.{key}[{index}]", value)
            axes[key] = values
        for combination in itertools.product(*axes.values()):
            fields = dict(zip(axes, combination, strict=True))
            shown = ", ".join(f"{k} = {v!r}" for k, v in fields.items())
            try:
                planned.append(_strategy("strategies.grid", fields))
            except ConfigError as error:
                raise ConfigError(f"{error} (in the grid combination {shown})") from None
    if "list" in table:
        entries = table["list"]
        if not isinstance(entries, list):
            raise _fail("strategies.list", entries, "an array of tables ([[strategies.list]])")
        for index, entry in enumerate(entries):
            planned.append(_strategy(f"strategies.list[{index}]", _table(f"strategies.list[{index}]", entry)))
    unique = list(dict.fromkeys(planned))
    if not unique:
        raise ConfigError("strategies: expected a [strategies.grid] table or [[strategies.list]] entries")
    return tuple(unique)


def _data(table: dict, base: Path) -> DataConfig:
    _check_keys("data", table, {"dataset", "path", "validation_size"})
    if "dataset" not in table:
        raise ConfigError("data.dataset: missing; expected one of " + ", ".join(sorted(DATASETS)))
    dataset = _string("data.dataset", table["dataset"])
    if dataset not in DATASETS:
        raise ConfigError(f"data.dataset = {dataset!r}: expected one of {', '.join(sorted(DATASETS))}")
    path = None
    if "path" in table:
        path = Path(_string("data.path", table["path"])).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.exists():
            raise ConfigError(f"data.path = {table['path']!r}: no such file or directory ({path})")
    elif dataset in NEEDS_PATH:
        raise ConfigError(f"data.path: missing; data set {dataset!r} is read from files you give")
    validation = None
    if "validation_size" in table:
        validation = _integer("data.validation_size", table["validation_size"])
        if validation < 0:
            raise _fail("data.validation_size", validation, "an integer >= 0")
    return DataConfig(dataset, path, validation)


def _integers(path: str, value: Any) -> tuple[int, ...]:
    return tuple(_integer(f"{path}[{i}]", x) for i, x in enumerate(_list(path, value)))


REPRESENTATION_READERS: dict[str, Callable[[str, Any], Any]] = {
    "kind": _string,
    "latent_dim": _integer,
    "epochs": _integer,
    "seed": _integer,
    "hidden": _integers,
    "batch_size": _integer,
    "learning_rate": _number,
    "width": _number,
    "perplexity": _number,
}


def representation_spec(path: str, entry: Any, defaults: dict | None = None) -> RepresentationSpec:
    """One [[representations]] (or [[autoencoders]]) table as a validated RepresentationSpec."""
    entry = _table(path, entry)
    _check_keys(path, entry, set(REPRESENTATION_READERS))
    fields = {**(defaults or {}), **{k: REPRESENTATION_READERS[k](f"{path}.{k}", v) for k, v in entry.items()}}
    return _build(path, RepresentationSpec, **fields)


def _representations(value: Any) -> tuple[RepresentationSpec, ...]:
    if not isinstance(value, list) or not value:
        raise _fail("representations", value, "one or more [[representations]] tables")
    specs = [representation_spec(f"representations[{i}]", entry) for i, entry in enumerate(value)]
    return tuple(dict.fromkeys(specs))


def _list(path: str, value: Any) -> list:
    if not isinstance(value, list):
        raise _fail(path, value, f"a list, got {_type_name(value)}")
    return value


def _classifier(table: dict) -> ClassifierSpec:
    readers = {
        "hidden": _integers,
        "dropout": _number,
        "epochs": _integer,
        "batch_size": _integer,
        "learning_rate": _number,
    }
    _check_keys("classifier", table, set(readers))
    return _build("classifier", ClassifierSpec, **{k: readers[k](f"classifier.{k}", v) for k, v in table.items()})


def _budget(table: dict) -> BudgetSpec:
    _check_keys("budget", table, {"initial", "batch", "iterations"})
    return _build("budget", BudgetSpec, **{k: _integer(f"budget.{k}", v) for k, v in table.items()})


def _seeds(value: Any) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise _fail("seeds", value, "a count >= 1 or a list of integers")
        return tuple(range(value))
    seeds = tuple(_integer(f"seeds[{i}]", s) for i, s in enumerate(_list("seeds", value)))
    if not seeds:
        raise _fail("seeds", value, "a count >= 1 or a non-empty list of integers")
    if len(set(seeds)) != len(seeds):
        raise _fail("seeds", value, "distinct seeds")
    return seeds


def _auto_or(path: str, value: Any, read: Callable[[str, Any], Any], minimum: float) -> Any:
    if value == "auto":
        return value
    number = read(path, value)
    if number < minimum:
        raise _fail(path, value, f"'auto' or a number >= {minimum:g}")
    return number


def _ray(table: dict) -> RayConfig:
    _check_keys("ray", table, {f.name for f in dataclasses.fields(RayConfig)})
    fields: dict[str, Any] = {}
    for key, value in table.items():
        path = f"ray.{key}"
        if key == "address":
            fields[key] = _string(path, value)
        elif key == "cpus_per_worker":
            fields[key] = _number(path, value)
            if fields[key] <= 0:
                raise _fail(path, value, "a number > 0")
        elif key in ("gpus_per_worker", "representation_gpus"):
            fields[key] = _auto_or(path, value, _number, 0)
        elif key == "pack_size":
            fields[key] = _auto_or(path, value, _integer, 1)
        elif key in ("max_attempts", "workers"):
            fields[key] = _integer(path, value)
            if fields[key] < 1:
                raise _fail(path, value, "an integer >= 1")
    return RayConfig(**fields)


TOP_LEVEL = {"name", "data", "representations", "classifier", "budget", "strategies", "seeds", "ray", "plugins"}


def parse_config(document: dict, base: Path = Path("."), source: Path | None = None) -> SweepConfig:
    """Builds a SweepConfig from a parsed TOML document; relative paths are taken from `base`."""
    _check_keys("", document, TOP_LEVEL)
    for key in ("name", "data", "representations", "strategies"):
        if key not in document:
            raise ConfigError(f"{key}: missing (required keys: data, name, representations, strategies)")
    name = _string("name", document["name"])
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise _fail("name", name, "letters, digits, '_', '.' and '-' (it names the results folder)")
    plugins = tuple(_string(f"plugins[{i}]", p) for i, p in enumerate(_list("plugins", document.get("plugins", []))))
    plugins = tuple(str(base / p) if p.endswith(".py") and not Path(p).is_absolute() else p for p in plugins)
    load_plugins(plugins)  # before the strategies: a plugin may register the names they use
    return SweepConfig(
        name=name,
        data=_data(_table("data", document["data"]), base),
        representations=_representations(document["representations"]),
        strategies=_strategies(_table("strategies", document["strategies"])),
        seeds=_seeds(document.get("seeds", 1)),
        classifier=_classifier(_table("classifier", document.get("classifier", {}))),
        budget=_budget(_table("budget", document.get("budget", {}))),
        ray=_ray(_table("ray", document.get("ray", {}))),
        plugins=plugins,
        source=source,
    )


def load_config(path: str | Path) -> SweepConfig:
    """Reads and validates a TOML sweep config."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    return parse_config(document, base=path.parent, source=path)


def pack_size_for(config: SweepConfig, n_trials: int, n_workers: int, gpus: bool = False) -> int:
    """The configured pack size, or for 'auto' about four packs per worker, capped at 8 trials per pack on
    CPUs (larger packs fall out of cache: benchmarks/trial_throughput.py) and 256 with GPUs."""
    if config.ray.pack_size != "auto":
        return int(config.ray.pack_size)
    cap = 256 if gpus else 8
    return max(1, min(cap, math.ceil(n_trials / max(1, 4 * n_workers))))
