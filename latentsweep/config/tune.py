"""Config of a tuning study (`latentsweep tune`): the sweep's data, representation, classifier, budget
and ray tables, and a [tune] table with the search instead of [strategies].

[tune]            trials (30), sampler (tpe), pruner (median), objective (auc | final | at), objective_labels,
                  metric (accuracy | balanced_accuracy | macro_f1, on the validation labels), seed (0),
                  in_flight (one per worker), startup_trials (5), final_seeds (5), storage, study
[tune.fixed]      strategy fields held fixed (any strategy key)
[tune.space]      searched strategy fields: a number range [low, high] or {low, high, log}, names or
                  numbers as choices ["margin", "entropy"] or {choices = [...]}; and the classifier's:
                  `classifier.NAME` (a field or parameter its kind uses) and `classifier.params.NAME` (an
                  estimator's argument), searched the same way
[tune.reference]  the strategy the best one is compared with at the end, besides random (margin top-k)

`seeds` is the number (or list) of search seeds each Optuna trial runs; the final comparison uses
`final_seeds` fresh seeds the search never saw. When alpha and beta (or their ends) are both searched
they cover the triangle alpha + beta <= 1 through two parameters: `alpha+beta` in [0, 1] and
`alpha/(alpha+beta)` in [0, 1] (no sample is ever rejected).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.metrics import METRICS
from ..engine.specs import BudgetSpec, ClassifierSpec, RepresentationSpec
from ..engine.strategy import StrategySpec, strategy_keys
from . import keys
from . import readers as read
from .data import DataConfig, read_data
from .ray import RayConfig, read_ray
from .readers import ConfigError
from .sections import read_section, setting
from .snapshot import config_text
from .space import (  # noqa: F401 (Choice, Range, pairs, searched_classifier: the config's public names)
    CLASSIFIER,
    Choice,
    Range,
    check_corners,
    classifier_dimensions,
    pairs,
    read_space,
    searched_classifier,
)
from .specs import read_budget, read_classifier, read_representations
from .strategies import strategy
from .sweep import read_plugins, with_plugins
from .tracking import TrackingConfig, read_tracking

SAMPLERS = ("tpe", "gp", "cmaes", "random", "qmc")
PRUNERS = ("median", "hyperband", "wilcoxon", "none")
OBJECTIVES = ("auc", "final", "at")


def _storage(path: str, value: Any) -> str:
    """a database URL such as sqlite:///study.db"""
    text = read.string(path, value)
    if "://" not in text:
        raise read.fail(path, value, "a database URL such as sqlite:///study.db (default: a journal file)")
    return text


@dataclass(frozen=True)
class TuneSettings:
    """The [tune] table's own keys (its `fixed`, `space` and `reference` tables are read apart)."""

    trials: int = setting(30, "Optuna trials in the study (a re-run continues to this many; --trials N for more)",
                          low=1, high=1_000_000)  # fmt: skip
    sampler: str = setting("tpe", "Optuna's sampler: tpe (seeded, multivariate, constant liar), gp, cmaes, random, "
                           "qmc", choices=SAMPLERS)  # fmt: skip
    pruner: str = setting("median", "median, hyperband, wilcoxon (seeds and iterations as paired instances) or none",
                          choices=PRUNERS)  # fmt: skip
    objective: str = setting("auc", "what the search maximises: auc (area under the validation curve), final, or at "
                             "(the validation score at objective_labels)", choices=OBJECTIVES)  # fmt: skip
    objective_labels: int | None = setting(None, "the label count of objective = 'at'", kind=int, low=1,
                                           high=100_000_000)  # fmt: skip
    metric: str = setting("accuracy", "what the objective and the pruner read of the validation curve",
                          choices=METRICS)  # fmt: skip
    seed: int = setting(0, "the sampler's seed (a continued study adds the trials it has, so it never replays)",
                        low=0, high=read.SEED_LIMIT)  # fmt: skip
    in_flight: int | None = setting(None, "Optuna trials running at once (default: one per worker)", kind=int,
                                    low=1, high=100_000)  # fmt: skip
    startup_trials: int = setting(5, "complete trials before the median pruner prunes", low=0, high=100_000)
    final_seeds: int = setting(5, "fresh seeds of the final comparison (best, random and the reference)", low=0,
                               high=10_000)  # fmt: skip
    storage: str | None = setting(None, "an Optuna RDB URL (default: a journal file in the sweep folder)",
                                  reader=_storage)  # fmt: skip
    study: str | None = setting(None, "the study's name in its storage (default: the config's name)",
                                reader=read.name)  # fmt: skip


@dataclass(frozen=True)
class TuneConfig:
    name: str
    data: DataConfig
    representation: RepresentationSpec
    fixed: dict
    space: dict
    seeds: tuple[int, ...]
    settings: TuneSettings = field(default_factory=TuneSettings)
    reference: StrategySpec = field(default_factory=StrategySpec)
    classifier: ClassifierSpec = field(default_factory=ClassifierSpec)
    budget: BudgetSpec = field(default_factory=BudgetSpec)
    ray: RayConfig = field(default_factory=RayConfig)
    plugins: tuple[str, ...] = ()
    source: Path | None = None
    classifier_space: dict = field(default_factory=dict)  # 'classifier.NAME' / 'classifier.params.NAME' -> dimension
    tracking: TrackingConfig | None = None  # [tracking]: each stored trial (every seed of every Optuna trial) logged
    text: str = ""  # the config file as given (sweep.json keeps it)

    @property
    def study_name(self) -> str:
        return self.settings.study or self.name

    def final_seeds(self) -> tuple[int, ...]:
        """Seeds of the final comparison: after the search's largest, never used by it."""
        start = max(self.seeds) + 1
        return tuple(range(start, start + self.settings.final_seeds))


def _settings(value: Any, budget: BudgetSpec) -> TuneSettings:
    table = read.table("tune", value)
    read.check_keys("tune", table, {f.name for f in dataclasses.fields(TuneSettings)} | set(keys.TUNE_TABLES))
    settings = read_section("tune", {k: v for k, v in table.items() if k not in ("fixed", "space", "reference")},
                            TuneSettings)  # fmt: skip
    labels = budget.label_counts()
    if settings.objective == "at":
        if settings.objective_labels is None:
            raise ConfigError(
                "tune.objective_labels: missing; objective 'at' is the validation score at that many labels"
            )
        if settings.objective_labels not in labels:
            shown = ", ".join(map(str, labels[:5])) + (", ..." if len(labels) > 5 else "")
            raise read.fail(
                "tune.objective_labels", settings.objective_labels, f"a label count of the budget ({shown})"
            )
    elif settings.objective_labels is not None:
        raise ConfigError("tune.objective_labels: only used with objective = 'at'")
    return settings


TOP_LEVEL = set(keys.TUNE)


def parse_tune_config(document: dict, base: Path = Path("."), source: Path | None = None) -> TuneConfig:
    read.check_keys("", document, TOP_LEVEL)
    read.require("", document, ("name", "data", "representations", "tune"))
    representations = read_representations("representations", document["representations"])
    if len(representations) != 1:
        raise read.fail(
            "representations", f"{len(representations)} tables", "exactly one [[representations]] to tune on"
        )
    budget = read_budget(document.get("budget", {}))
    classifier = read_classifier(document.get("classifier", {}))
    tune = read.table("tune", document["tune"])
    fixed_table = read.table("tune.fixed", tune.get("fixed", {}))
    read.check_keys("tune.fixed", fixed_table, set(strategy_keys()))
    space = read_space(tune.get("space", {}), fixed_table)
    searched = read.table("tune.space", tune.get("space", {})).get(CLASSIFIER)
    classifier_space = classifier_dimensions(searched, classifier) if searched is not None else {}
    check_corners(dict(fixed_table), space)
    reference = strategy(
        "tune.reference", read.table("tune.reference", tune.get("reference", {"uncertainty": "margin"}))
    )
    seeds = read.seeds("seeds", document.get("seeds", 3))
    settings = _settings(tune, budget)
    if settings.sampler == "cmaes" and any(isinstance(d, Choice) for d in space.values()):
        raise ConfigError("tune.sampler = 'cmaes': CMA-ES searches numbers only; tune.space has choices (use tpe)")
    return TuneConfig(
        name=read.name("name", document["name"]),
        data=read_data(document["data"], base),
        representation=representations[0],
        fixed=dict(fixed_table),
        space=space,
        seeds=seeds,
        settings=settings,
        reference=reference,
        classifier=classifier,
        classifier_space=classifier_space,
        budget=budget,
        ray=read_ray(document.get("ray", {})),
        plugins=read_plugins(document, base),
        tracking=read_tracking(document["tracking"], base) if "tracking" in document else None,
        source=source,
    )


def load_tune_config(path: str | Path, load_plugins: Callable[[tuple[str, ...]], None] | None = None) -> TuneConfig:
    """Reads and validates a tuning config (plugins loaded first when a loader is given)."""
    path = Path(path)
    document = read.read_document(path)
    read.expect_kind(path, document, "tune")
    config = with_plugins(document, path, load_plugins, parse_tune_config)
    return dataclasses.replace(config, text=config_text(path) or "")
