"""Configs at the edge: TOML in, frozen dataclasses out, one set of readers for every config kind.

Importing this package loads neither torch nor ray. Plugins are not loaded here: the commands that run
work pass a loader (`plugins.load_plugins`) to `load_config`, as an explicit step.
"""

from .initial import InitialExperimentConfig, QueryClassifierConfig, load_initial_config, parse_initial_config
from .readers import ConfigError, config_kind, read_document
from .sweep import (
    DataConfig,
    RayConfig,
    SweepConfig,
    load_config,
    parse_config,
    read_classifiers,
    read_data,
    read_plugins,
    read_ray,
    read_representations,
    read_strategies,
    representation_spec,
    strategy,
    strategy_keys,
)
from .tune import Choice, Range, TuneConfig, TuneSettings, load_tune_config, parse_tune_config

__all__ = [
    "Choice",
    "ConfigError",
    "DataConfig",
    "InitialExperimentConfig",
    "QueryClassifierConfig",
    "Range",
    "RayConfig",
    "SweepConfig",
    "TuneConfig",
    "TuneSettings",
    "config_kind",
    "load_config",
    "load_initial_config",
    "load_tune_config",
    "parse_config",
    "parse_initial_config",
    "parse_tune_config",
    "read_classifiers",
    "read_data",
    "read_document",
    "read_plugins",
    "read_ray",
    "read_representations",
    "read_strategies",
    "representation_spec",
    "strategy",
    "strategy_keys",
]
