"""Config of an initial-query-selection experiment (the second paper's Table 1), from TOML.

name, seeds, sizes, variants ("balanced", "unbalanced"), samplers
[data]            as in a sweep
[unbalanced]      per_class (2000), seed
[[autoencoders]]  kind ("cae", "paper-vae", "tsne-ae"), latent_dim (2), epochs, width, perplexity, seed
[classifier]      update_steps (500), batch_size (100), width (1.0), learning_rate, test_limit
[ray]             address, workers
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import (
    ConfigError,
    DataConfig,
    _check_keys,
    _data,
    _integer,
    _list,
    _number,
    _seeds,
    _string,
    _table,
    representation_spec,
    tomllib,
)
from .engine.specs import PAPER_AUTOENCODERS, RepresentationSpec
from .strategies import INITIAL_SELECTION


@dataclass(frozen=True)
class QueryClassifierConfig:
    update_steps: int = 500
    batch_size: int = 100
    width: float = 1.0
    learning_rate: float = 1e-3
    test_limit: int | None = None


@dataclass(frozen=True)
class InitialExperimentConfig:
    name: str
    data: DataConfig
    autoencoders: tuple[RepresentationSpec, ...]
    samplers: tuple[str, ...]
    sizes: tuple[int, ...] = (1000, 100)
    variants: tuple[str, ...] = ("balanced", "unbalanced")
    seeds: tuple[int, ...] = (0, 1, 2)
    unbalanced_per_class: int = 2000
    unbalanced_seed: int = 0
    classifier: QueryClassifierConfig = QueryClassifierConfig()
    address: str | None = None
    workers: int | None = None


def _autoencoders(value: Any) -> tuple[RepresentationSpec, ...]:
    specs = []
    for index, entry in enumerate(_list("autoencoders", value)):
        path = f"autoencoders[{index}]"
        spec = representation_spec(path, entry, defaults={"latent_dim": 2})
        if spec.kind not in PAPER_AUTOENCODERS:
            raise ConfigError(f"{path}.kind = {spec.kind!r}: expected one of {', '.join(PAPER_AUTOENCODERS)}")
        specs.append(spec)
    if not specs:
        raise ConfigError("autoencoders: expected at least one [[autoencoders]] table")
    return tuple(specs)


def parse_initial_config(document: dict, base: Path = Path(".")) -> InitialExperimentConfig:
    allowed = {"name", "seeds", "sizes", "variants", "samplers", "data", "unbalanced", "autoencoders", "classifier"}
    _check_keys("", document, allowed | {"ray"})
    for key in ("name", "data", "autoencoders", "samplers"):
        if key not in document:
            raise ConfigError(f"{key}: missing (required keys: autoencoders, data, name, samplers)")
    samplers = tuple(_string(f"samplers[{i}]", s) for i, s in enumerate(_list("samplers", document["samplers"])))
    for index, sampler in enumerate(samplers):
        if sampler not in INITIAL_SELECTION:
            raise ConfigError(
                f"samplers[{index}] = {sampler!r}: unknown; known: {', '.join(sorted(INITIAL_SELECTION))}"
            )
    sizes = tuple(_integer(f"sizes[{i}]", s) for i, s in enumerate(_list("sizes", document.get("sizes", [1000, 100]))))
    if not sizes or min(sizes) < 1:
        raise ConfigError(f"sizes = {list(sizes)}: expected query-set sizes >= 1")
    variants = tuple(
        _string(f"variants[{i}]", v)
        for i, v in enumerate(_list("variants", document.get("variants", ["balanced", "unbalanced"])))
    )
    for index, variant in enumerate(variants):
        if variant not in ("balanced", "unbalanced"):
            raise ConfigError(f"variants[{index}] = {variant!r}: expected 'balanced' or 'unbalanced'")
    unbalanced = _table("unbalanced", document.get("unbalanced", {}))
    _check_keys("unbalanced", unbalanced, {"per_class", "seed"})
    classifier = _table("classifier", document.get("classifier", {}))
    _check_keys("classifier", classifier, {"update_steps", "batch_size", "width", "learning_rate", "test_limit"})
    readers = {
        "update_steps": _integer,
        "batch_size": _integer,
        "width": _number,
        "learning_rate": _number,
        "test_limit": _integer,
    }
    classifier_fields = {k: readers[k](f"classifier.{k}", v) for k, v in classifier.items()}
    for key in ("update_steps", "batch_size", "test_limit"):
        if key in classifier_fields and classifier_fields[key] < 1:
            raise ConfigError(f"classifier.{key} = {classifier_fields[key]}: expected an integer >= 1")
    ray = _table("ray", document.get("ray", {}))
    _check_keys("ray", ray, {"address", "workers"})
    return InitialExperimentConfig(
        name=_string("name", document["name"]),
        data=_data(_table("data", document["data"]), base),
        autoencoders=_autoencoders(document["autoencoders"]),
        samplers=samplers,
        sizes=sizes,
        variants=variants,
        seeds=_seeds(document.get("seeds", 3)),
        unbalanced_per_class=_integer("unbalanced.per_class", unbalanced.get("per_class", 2000)),
        unbalanced_seed=_integer("unbalanced.seed", unbalanced.get("seed", 0)),
        classifier=QueryClassifierConfig(**classifier_fields),
        address=_string("ray.address", ray["address"]) if "address" in ray else None,
        workers=_integer("ray.workers", ray["workers"]) if "workers" in ray else None,
    )


def load_initial_config(path: str | Path) -> InitialExperimentConfig:
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    return parse_initial_config(document, base=path.parent)
