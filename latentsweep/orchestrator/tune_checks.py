"""What `tune` checks before any work: its data against the budget and the representation, and each
searched or fixed choice against what the representation can give (posterior variances)."""

from __future__ import annotations

from ..config import ConfigError
from ..config.tune import TuneConfig
from ..data import Splits
from ..engine import has_posterior, kind_problem, strategy_keys
from ..registry import Registry
from ..strategies import REPRESENTATIVENESS
from .plan import check_budget, check_data, data_splits


def load_tune_data(config: TuneConfig) -> Splits:
    data = config.data
    splits = data_splits(data)
    check_data(splits)
    check_budget(config.budget, splits)
    problem = kind_problem(config.representation.kind, splits)
    if problem:
        raise ConfigError(f"representations[0].kind = {config.representation.kind!r}: {problem}")
    return splits


def check_needs(config: TuneConfig, splits: Splits) -> None:
    """A searched choice that needs posterior variances the representation lacks is refused now."""
    if has_posterior(config.representation.kind, splits):
        return
    keys = strategy_keys()
    for name in sorted({*config.space, *config.fixed}):
        registry = REPRESENTATIVENESS if name == "representativeness" else getattr(keys.get(name), "choices", None)
        if not isinstance(registry, Registry):
            continue
        dimension = config.space.get(name)
        options = getattr(dimension, "options", ()) + ((config.fixed[name],) if name in config.fixed else ())
        for option in options:
            if option in registry and getattr(registry.declared(option), "needs_posterior", False):
                raise ConfigError(
                    f"tune: {name} {option!r} needs posterior variances, which representations[0] "
                    f"({config.representation.kind}) does not have"
                )
