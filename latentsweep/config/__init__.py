"""Configs at the edge: TOML in, frozen dataclasses out, one set of readers for every config kind.

Importing this package loads neither torch nor ray. Plugins are not loaded here: the commands that run
work pass a loader (`plugins.load_plugins`) to `load_config`, as an explicit step.
"""

from ..engine.strategy import strategy_keys
from .data import DataConfig, ImbalanceConfig, read_data
from .initial import InitialExperimentConfig, QueryClassifierConfig, load_initial_config, parse_initial_config
from .ray import RayConfig, read_ray
from .readers import ConfigError, config_kind, read_document
from .sections import Setting, read_section, setting
from .specs import read_classifiers, read_representations, representation_spec
from .strategies import read_strategies, strategy
from .sweep import SweepConfig, load_config, parse_config, read_plugins
from .tune import Choice, Range, TuneConfig, TuneSettings, load_tune_config, parse_tune_config

__all__ = [
    "Choice",
    "ConfigError",
    "DataConfig",
    "ImbalanceConfig",
    "InitialExperimentConfig",
    "QueryClassifierConfig",
    "Range",
    "RayConfig",
    "Setting",
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
    "read_section",
    "read_strategies",
    "representation_spec",
    "setting",
    "strategy",
    "strategy_keys",
]
