"""What `tune` checks before any work: its data against the budget and the representation, and each
searched or fixed choice against what the representation (posterior variances) and the classifier (model
outputs) can give."""

from __future__ import annotations

from ..config import ConfigError
from ..config.tune import TuneConfig
from ..data import Splits
from ..engine import has_posterior, kind_problem, strategy_keys
from ..registry import Registry
from ..strategies import BATCH_SELECTION, REPRESENTATIVENESS, UNCERTAINTY
from .plan import check_budget, check_data, check_learners, check_precision, data_splits


def load_tune_data(config: TuneConfig) -> Splits:
    data = config.data
    splits = data_splits(data)
    check_data(splits)
    check_budget(config.budget, splits)
    check_precision(config)
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


def check_learner(config: TuneConfig) -> None:
    """A searched or fixed uncertainty measure or batch rule, or the reference, that needs a model output the
    classifier cannot give (a committee from one MLP, BADGE's gradient embedding from an SVC) is refused."""
    classifier = config.classifier
    for name, registry in (("uncertainty", UNCERTAINTY), ("batch", BATCH_SELECTION)):
        options = getattr(config.space.get(name), "options", ()) + (
            (config.fixed[name],) if name in config.fixed else ()
        )
        for option in options:
            missing = classifier.lacks(registry.declared(option).needs) if option in registry else []
            if missing:
                raise ConfigError(
                    f"tune: {name} {option!r} needs {', '.join(missing)}, which the classifier "
                    f"({classifier.label()}, kind {classifier.kind!r}) does not provide"
                )
    check_learners([config.reference], [classifier], "classifier")
