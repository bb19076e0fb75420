"""Sweep configuration: TOML in, frozen dataclasses out, every error naming its key path.

Validated once here; the rest of the code trusts a `SweepConfig`. Strategies come as a grid (the
cartesian product of lists) and/or an explicit list; combinations that query identically are planned
once (`StrategySpec.canonical`). The [data], [[representations]] and [ray] readers are shared with the
other config kinds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.metrics import METRICS
from ..engine.specs import (
    BudgetSpec,
    ClassifierSpec,
    RepresentationSpec,
    StoppingSpec,
)
from ..engine.strategy import StrategySpec
from ..plugins import check_plugins
from . import keys
from . import readers as read
from .adaptive import AdaptiveConfig, read_adaptive
from .data import DataConfig, ImbalanceConfig, read_data  # noqa: F401 (the readers' public names)
from .ray import RayConfig, address, read_ray  # noqa: F401
from .readers import ConfigError
from .snapshot import config_text
from .specs import (  # noqa: F401
    read_budgets,
    read_classifier,
    read_classifiers,
    read_representations,
    read_stopping,
    representation_spec,
)
from .strategies import read_strategies, strategy  # noqa: F401 (strategy: the readers' public name)
from .tracking import TrackingConfig, read_tracking


@dataclass(frozen=True)
class SweepConfig:
    name: str
    data: DataConfig
    representations: tuple[RepresentationSpec, ...]
    strategies: tuple[StrategySpec, ...]
    seeds: tuple[int, ...]
    classifiers: tuple[ClassifierSpec, ...] = (ClassifierSpec(),)
    budgets: tuple[BudgetSpec, ...] = (BudgetSpec(),)
    ray: RayConfig = field(default_factory=RayConfig)
    plugins: tuple[str, ...] = ()
    baselines: tuple[str, ...] = ()
    adaptive: AdaptiveConfig | None = None
    report_metric: str = "accuracy"  # [report] metric: what run's closing table and the report score
    stopping: StoppingSpec | None = None  # [stopping]: trials end, complete, when the criterion fires
    tracking: TrackingConfig | None = None  # [tracking]: MLflow / TensorBoard, logged as trials are stored
    source: Path | None = None
    notes: tuple[str, ...] = ()  # what planning merged or changed (a list entry that plans as another strategy)
    text: str = ""  # the config file as given (sweep.json keeps it)

    @property
    def classifier(self) -> ClassifierSpec:
        """The first (often the only) classifier."""
        return self.classifiers[0]

    @property
    def budget(self) -> BudgetSpec:
        """The first (often the only) budget."""
        return self.budgets[0]


BASELINES = ("all-labels",)  # the classifier trained on every pool label: the reference rows of Tables 5.2-5.5


def read_plugins(document: dict, base: Path) -> tuple[str, ...]:
    """The `plugins` list, .py paths made absolute (relative to the config's folder)."""
    found = read.strings("plugins", document.get("plugins", []))
    for index, plugin in enumerate(found):
        if not plugin.strip():
            raise read.fail(f"plugins[{index}]", plugin, "a module name or a path to a .py file")
    return tuple(str(base / p) if p.endswith(".py") and not Path(p).is_absolute() else p for p in found)


TOP_LEVEL = set(keys.SWEEP)


def read_report(value: Any) -> str:
    """The [report] table: `metric`, what `run`'s closing table and the report score (default accuracy)."""
    table = read.table("report", value)
    read.check_keys("report", table, set(keys.REPORT))
    return read.choice("report.metric", table.get("metric", "accuracy"), METRICS)


def parse_config(document: dict, base: Path = Path("."), source: Path | None = None) -> SweepConfig:
    """Builds a SweepConfig from a parsed TOML document; relative paths are taken from `base`.

    Plugins named by the document must be loaded before (their strategy names are checked here).
    """
    read.check_keys("", document, TOP_LEVEL)
    baselines = read.strings("baselines", document.get("baselines", []))
    for index, baseline in enumerate(baselines):
        read.choice(f"baselines[{index}]", baseline, BASELINES)
    read.require("", document, ("name", "data", "representations") + (() if baselines else ("strategies",)))
    notes: list[str] = []
    strategies = read_strategies(document["strategies"], notes) if "strategies" in document else ()
    seeds = read.seeds("seeds", document.get("seeds", 1))
    adaptive = None
    if "adaptive" in document:
        adaptive = read_adaptive(document["adaptive"], [s.label() for s in strategies], seeds)
    return SweepConfig(
        name=read.name("name", document["name"]),
        data=read_data(document["data"], base),
        representations=read_representations("representations", document["representations"]),
        strategies=strategies,
        seeds=seeds,
        adaptive=adaptive,
        classifiers=read_classifiers(document.get("classifier", {})),
        budgets=read_budgets(document),
        ray=read_ray(document.get("ray", {})),
        plugins=read_plugins(document, base),
        baselines=tuple(dict.fromkeys(baselines)),
        report_metric=read_report(document.get("report", {})),
        stopping=read_stopping(document["stopping"]) if "stopping" in document else None,
        tracking=read_tracking(document["tracking"], base) if "tracking" in document else None,
        source=source,
        notes=tuple(notes),
    )


def load_config(path: str | Path, load_plugins: Callable[[tuple[str, ...]], None] | None = None) -> SweepConfig:
    """Reads and validates a TOML sweep config. `load_plugins`, when given, is called with the config's
    plugins before its strategies are checked (the commands that run work pass `plugins.load_plugins`)."""
    path = Path(path)
    document = read.read_document(path)
    read.expect_kind(path, document, "sweep")
    config = with_plugins(document, path, load_plugins, parse_config)
    return dataclasses.replace(config, text=config_text(path) or "")


def with_plugins(document: dict, path: Path, load_plugins, parse: Callable) -> Any:
    """Loads the document's plugins when a loader is given, then parses it. Without a loader (`plan`
    runs no plugin code) a name a plugin would register is unknown, and the error says so."""
    plugins = read_plugins(document, path.parent)
    if load_plugins is not None:
        load_plugins(plugins)
    else:
        check_plugins(plugins)  # what can be known without running them
    try:
        return parse(document, base=path.parent, source=path)
    except ConfigError as error:
        if plugins and load_plugins is None and "unknown" in str(error):
            raise ConfigError(f"{error} (it may come from plugins {', '.join(plugins)}, which are code: this command "
                              "runs them only with --load-plugins)") from None  # fmt: skip
        raise
