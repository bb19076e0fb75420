"""Every registry's entries, read from what each declares: its description (the entry's docstring, or the
declaration's `description`), its declared fields (needs, uses, provides, ...) and its parameters. A plugin
loaded before these are read appears with the shipped entries."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from typing import Any

from ..classifiers import CLASSIFIERS
from ..data import DATASETS
from ..engine.kinds import REPRESENTATION_KINDS
from ..engine.outputs import MODEL_OUTPUTS
from ..registry import Param, Registry
from ..stopping import STOPPING
from ..strategies import BATCH_SELECTION, DISTANCES, INITIAL_SELECTION, REPRESENTATIVENESS, UNCERTAINTY

# (title, registry, the config key that names an entry, what the registry is for)
REGISTRIES: list[tuple[str, Registry[Any], str, str]] = [
    ("Uncertainty measures", UNCERTAINTY, "uncertainty", "how unsure the learner is of a candidate, [n] in [0, 1]"),
    ("Representativeness measures", REPRESENTATIVENESS, "representativeness",
     "how typical a candidate is of the pool, [N] in [0, 1]"),
    ("Batch rules", BATCH_SELECTION, "batch", "how a batch of k is chosen from scored (or embedded) candidates"),
    ("Distances", DISTANCES, "distance", "the greedy rule's distance to the batch chosen so far"),
    ("Initial-selection samplers", INITIAL_SELECTION, "initial", "the first batch, before any label"),
    ("Representation kinds", REPRESENTATION_KINDS, "[[representations]] kind", "how examples become vectors"),
    ("Learners", CLASSIFIERS, "[classifier] kind", "the classifier each trial trains after every query"),
    ("Data sets", DATASETS, "[data] dataset", "where examples and labels come from"),
    ("Model outputs", MODEL_OUTPUTS, "needs", "what a strategy may ask of the trained learner"),
    ("Stopping criteria", STOPPING, "[stopping] criterion", "when a trial would stop labelling"),
]  # fmt: skip


@dataclass(frozen=True)
class Entry:
    name: str
    description: str
    declared: list[tuple[str, str]] = field(default_factory=list)  # (field, value) besides params
    params: list[tuple[str, Param]] = field(default_factory=list)


def _description(registry: Registry[Any], name: str) -> str:
    declaration = registry.declared(name)
    text = getattr(declaration, "description", "") or inspect.getdoc(registry[name]) or ""
    return " ".join(text.split("\n\n")[0].split())


def _shown(value: Any) -> str | None:
    """A declared value in words, or None when there is nothing to say (defaults, functions)."""
    if value in (None, (), "", {}, False) or callable(value):
        return None
    if value is True:
        return "yes"
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return str(value)


def entries(registry: Registry[Any]) -> list[Entry]:
    found = []
    for name in registry:
        declaration = registry.declared(name)
        declared, params = [], []
        if dataclasses.is_dataclass(declaration):
            for f in dataclasses.fields(declaration):
                value = getattr(declaration, f.name)
                if f.name == "params":
                    params = list(value.items())
                elif f.name != "description" and (shown := _shown(value)) is not None:
                    declared.append((f.name, shown))
        found.append(Entry(name, _description(registry, name), declared, params))
    return found
