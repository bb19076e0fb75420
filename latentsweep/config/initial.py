"""Config of an initial-query-selection experiment (the second paper's Table 1), from TOML.

name, seeds (3), sizes ([1000, 100]), variants (["balanced", "unbalanced"]), samplers
[data]            as in a sweep
[unbalanced]      per_class (2000), seed (0); read only when the unbalanced variant is asked for
[[autoencoders]]  kind (cae, paper-vae, tsne-ae), latent_dim (2), epochs, width, perplexity, seed
[classifier]      update_steps (500), batch_size (100), width (1.0), learning_rate, test_limit
[ray]             address, workers, cpus_per_worker, max_attempts
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.specs import RepresentationSpec
from ..strategies import INITIAL_SELECTION
from . import keys
from . import readers as read
from .data import DataConfig, read_data
from .ray import RayConfig, read_ray
from .readers import ConfigError
from .sections import read_section, setting
from .specs import read_representations
from .sweep import read_plugins, with_plugins

VARIANTS = ("balanced", "unbalanced")


@dataclass(frozen=True)
class QueryClassifierConfig:
    """The second paper's CNN that judges each query set alone (its [classifier] table)."""

    update_steps: int = setting(500, "update steps of the CNN, whatever the query set's size", low=1, high=10_000_000)
    batch_size: int = setting(100, "minibatch size", low=1, high=1 << 20)
    width: float = setting(1.0, "scales every layer of the CNN", low=1e-3, high=64.0)
    learning_rate: float = setting(1e-3, "RMSprop's learning rate", low=1e-12, high=10.0)
    test_limit: int | None = setting(None, "test images it is judged on (default: all)", kind=int, low=1,
                                     high=100_000_000)  # fmt: skip


@dataclass(frozen=True)
class InitialExperimentConfig:
    name: str
    data: DataConfig
    autoencoders: tuple[RepresentationSpec, ...]
    samplers: tuple[str, ...]
    sizes: tuple[int, ...] = (1000, 100)
    variants: tuple[str, ...] = VARIANTS
    seeds: tuple[int, ...] = (0, 1, 2)
    unbalanced_per_class: int = 2000
    unbalanced_seed: int = 0
    classifier: QueryClassifierConfig = QueryClassifierConfig()
    ray: RayConfig = field(default_factory=RayConfig)
    plugins: tuple[str, ...] = ()
    source: Path | None = None


def _classifier(value: Any) -> QueryClassifierConfig:
    return read_section("classifier", value, QueryClassifierConfig)


TOP_LEVEL = set(keys.INITIAL)


def parse_initial_config(document: dict, base: Path = Path("."), source: Path | None = None) -> InitialExperimentConfig:
    read.check_keys("", document, TOP_LEVEL)
    read.require("", document, ("name", "data", "autoencoders", "samplers"))
    samplers = read.strings("samplers", document["samplers"])
    if not samplers:
        raise read.fail("samplers", [], "at least one sampler")
    for index, sampler in enumerate(samplers):
        if sampler not in INITIAL_SELECTION:
            raise ConfigError(f"samplers[{index}] = {sampler!r}: {INITIAL_SELECTION.unknown(sampler)}")
    sizes = read.integers("sizes", document.get("sizes", [1000, 100]), 1, 10_000_000)
    if not sizes:
        raise read.fail("sizes", [], "query-set sizes >= 1")
    variants = read.strings("variants", document.get("variants", list(VARIANTS)))
    if not variants:
        raise read.fail("variants", [], f"one or more of {', '.join(VARIANTS)}")
    for index, variant in enumerate(variants):
        read.choice(f"variants[{index}]", variant, VARIANTS)
    unbalanced = read.table("unbalanced", document.get("unbalanced", {}))
    read.check_keys("unbalanced", unbalanced, set(keys.UNBALANCED))
    return InitialExperimentConfig(
        name=read.name("name", document["name"]),
        data=read_data(document["data"], base, imbalance=False),
        autoencoders=read_representations("autoencoders", document["autoencoders"], paper_only=True),
        samplers=samplers,
        sizes=tuple(dict.fromkeys(sizes)),
        variants=tuple(dict.fromkeys(variants)),
        seeds=read.seeds("seeds", document.get("seeds", 3)),
        unbalanced_per_class=read.integer("unbalanced.per_class", unbalanced.get("per_class", 2000), 1, 10_000_000),
        unbalanced_seed=read.integer("unbalanced.seed", unbalanced.get("seed", 0), 0, read.SEED_LIMIT),
        classifier=_classifier(document.get("classifier", {})),
        ray=read_ray(document.get("ray", {}), {"address", "workers", "cpus_per_worker", "max_attempts"}),
        plugins=read_plugins(document, base),
        source=source,
    )


def load_initial_config(path: str | Path, load_plugins=None) -> InitialExperimentConfig:
    """Reads and validates an initial-selection experiment config (plugins loaded first when asked)."""
    path = Path(path)
    document = read.read_document(path)
    read.expect_kind(path, document, "initial")
    return with_plugins(document, path, load_plugins, parse_initial_config)
