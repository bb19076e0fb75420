"""What a results folder keeps of the config that made it (sweep.json's `config` and `config_text`): the file
as given, and the config as parsed (every strategy, representation, classifier and budget with its
defaults filled in), so that a folder alone tells a reader, and `report`, what the sweep was."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..engine.specs import canonical_form


def _plain(value: Any) -> Any:
    """A config value as JSON: dataclasses field by field, paths as text, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _strategy(spec) -> dict:
    return {"label": spec.label(), **canonical_form(spec)}


def _classifier(spec) -> dict:
    return {"label": spec.label(), "kind": spec.kind, **_plain(spec)}


def describe_sweep(config) -> dict:
    """A sweep config (`SweepConfig`) as parsed, in JSON."""
    return {
        "name": config.name,
        "seeds": list(config.seeds),
        "data": config.data.describe(),
        "representations": [_plain(r) for r in config.representations],
        "classifiers": [_classifier(c) for c in config.classifiers],
        "budgets": [{**_plain(b), "describe": b.describe()} for b in config.budgets],
        "strategies": [_strategy(s) for s in config.strategies],
        "baselines": list(config.baselines),
        "adaptive": None if config.adaptive is None else _plain(config.adaptive),
        "report": {"metric": config.report_metric},
        "stopping": None if config.stopping is None else {"label": config.stopping.label(), **_plain(config.stopping)},
        "tracking": None if config.tracking is None else _plain(config.tracking),
        "ray": _plain(config.ray),
        "plugins": list(config.plugins),
        "notes": list(config.notes),
    }


def describe_tune(config) -> dict:
    """A tuning config (`TuneConfig`) as parsed, in JSON."""
    return {
        "name": config.name,
        "seeds": list(config.seeds),
        "final_seeds": list(config.final_seeds()),
        "data": config.data.describe(),
        "representation": _plain(config.representation),
        "classifier": _classifier(config.classifier),
        "budget": {**_plain(config.budget), "describe": config.budget.describe()},
        "tune": _plain(config.settings),
        "fixed": _plain(config.fixed),
        "space": {name: _plain(dimension) for name, dimension in {**config.space, **config.classifier_space}.items()},
        "reference": _strategy(config.reference),
        "tracking": None if config.tracking is None else _plain(config.tracking),
        "ray": _plain(config.ray),
        "plugins": list(config.plugins),
    }


def config_text(path: Path | None) -> str | None:
    """The config file's text as given (None when there is no file or it cannot be read any more)."""
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
