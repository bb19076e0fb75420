"""Every key of every config kind, read from its declarations (`config.sections` settings, `registry.Param`
tables, `config.keys`): one `KeyTable` per table of a config file, each row (key, default, accepts, meaning)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..classifiers import CLASSIFIERS, COMMON_FIELDS
from ..config import keys
from ..config.adaptive import AdaptiveConfig
from ..config.data import DataConfig, ImbalanceConfig
from ..config.initial import QueryClassifierConfig
from ..config.ray import RayConfig
from ..config.sections import reference
from ..config.tracking import TrackingConfig
from ..config.tune import TuneSettings
from ..engine.kinds import REPRESENTATION_KINDS
from ..engine.specs import BUDGET_PARAMS, CLASSIFIER_PARAMS, REPRESENTATION_PARAMS
from ..engine.strategy import strategy_keys
from ..registry import Param
from ..stopping import STOPPING


@dataclass(frozen=True)
class Key:
    key: str
    default: str
    accepts: str
    meaning: str


@dataclass(frozen=True)
class KeyTable:
    """The keys of one table of a config file (`title`: '[data]'), and a sentence about it."""

    title: str
    keys: list[Key] = field(default_factory=list)
    note: str = ""


def _param(key: str, param: Param, meaning: str | None = None) -> Key:
    return Key(key, repr(param.default), param.expected(), meaning if meaning is not None else param.doc)


def _named(table: dict[str, str], prefix: str = "") -> list[Key]:
    return [Key(prefix + key, "", "", meaning) for key, meaning in table.items()]


def _section(cls, prefix: str) -> list[Key]:
    return [Key(*row) for row in reference(cls, prefix)]


def _kind_params(registry, kinds) -> list[Key]:
    rows = []
    for kind in kinds:
        for name, param in registry.declared(kind).params.items():
            rows.append(_param(name, param, f"{kind}: {param.doc}"))
    return rows


def top_level(table: dict[str, str]) -> KeyTable:
    return KeyTable("top level", _named(table))


def data_tables() -> list[KeyTable]:
    return [
        KeyTable("[data]", _section(DataConfig, "")),
        KeyTable("[data.imbalance]", _section(ImbalanceConfig, ""), "the pool only; run and tune"),
    ]


def representation_table() -> KeyTable:
    rows = _named(keys.REPRESENTATION)
    rows += [_param(name, param) for name, param in REPRESENTATION_PARAMS.items()]
    rows += _kind_params(REPRESENTATION_KINDS, REPRESENTATION_KINDS)
    return KeyTable("[[representations]]", rows, "each kind reads the settings it declares it uses")


def classifier_table() -> KeyTable:
    rows = _named({k: v for k, v in keys.CLASSIFIER.items() if k != "grid"})
    rows += [_param(name, CLASSIFIER_PARAMS[name]) for name in COMMON_FIELDS if name in CLASSIFIER_PARAMS]
    rows += _kind_params(CLASSIFIERS, CLASSIFIERS)
    rows += _named({"grid": keys.CLASSIFIER["grid"]})
    return KeyTable("[classifier]", rows, "each kind reads the fields it declares it uses; [[classifier]] for several")


def budget_table() -> KeyTable:
    rows = [_param(name, param) for name, param in BUDGET_PARAMS.items()] + _named(keys.BUDGET)
    return KeyTable("[budget] / [[budgets]]", rows)


def strategy_table() -> KeyTable:
    rows = _named({k: v for k, v in keys.STRATEGY.items() if k != "NAME_end"})
    for name, param in strategy_keys().items():
        if param is not None and not name.endswith("_end"):
            rows.append(_param(name, param))
    rows += _named({"NAME_end": keys.STRATEGY["NAME_end"]})
    return KeyTable("[strategies.grid] / [[strategies.list]]", rows, "a parameter belongs to the entries declaring it")


def stopping_table() -> KeyTable:
    rows = _named(keys.STOPPING)
    for name in STOPPING:
        rows += [_param(key, param, f"{name}: {param.doc}") for key, param in STOPPING.declared(name).params.items()]
    return KeyTable("[stopping]", rows)


def sweep_tables() -> list[KeyTable]:
    """A sweep's config (`latentsweep plan` and `run`)."""
    return [
        top_level(keys.SWEEP),
        *data_tables(),
        representation_table(),
        classifier_table(),
        budget_table(),
        strategy_table(),
        KeyTable("[ray]", _section(RayConfig, "")),
        KeyTable("[report]", _named(keys.REPORT)),
        KeyTable("[adaptive]", _section(AdaptiveConfig, "")),
        stopping_table(),
        KeyTable("[tracking]", _section(TrackingConfig, "")),
    ]


def tune_tables() -> list[KeyTable]:
    """A tuning config (`latentsweep tune`): the sweep's tables but [strategies], and [tune]."""
    return [
        top_level(keys.TUNE),
        KeyTable("[tune]", _section(TuneSettings, "") + _named(keys.TUNE_TABLES)),
        KeyTable("[tracking]", _section(TrackingConfig, "")),
    ]


def initial_tables() -> list[KeyTable]:
    """An initial-query-selection config (`latentsweep initial`)."""
    return [
        top_level(keys.INITIAL),
        KeyTable("[unbalanced]", _named(keys.UNBALANCED)),
        KeyTable("[classifier]", _section(QueryClassifierConfig, "")),
    ]


CONFIG_KINDS = {"sweep": sweep_tables, "tune": tune_tables, "initial": initial_tables}
