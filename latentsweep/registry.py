"""Registries that describe themselves, and the one parameter model their entries declare.

Every extension axis (uncertainty measures, representativeness measures, batch rules, distances, initial
samplers, representation kinds, data sets) is one `Registry`: name -> entry, each entry a function plus a
small frozen dataclass of what it declares (the registry's `declaration` type). A declaration is checked
when the entry registers (an unknown need, kind or parameter type is one line naming the entry), so
planning, canonicalisation, checks, labels, result columns, tune spaces and schedules can read the
registry instead of names written elsewhere.

A parameter an entry declares is a `Param`: its default (whose type is the parameter's type), its range
or choices, and how a label shows it. Config parsing, validation messages, trial ids and Optuna spaces
all read it. This module imports nothing but the standard library and `errors`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, ClassVar, Generic, TypeVar

from .errors import SpecError

F = TypeVar("F")

__all__ = [
    "DeclarationError",
    "NoDeclaration",
    "Param",
    "Registry",
    "UnknownNameError",
    "declared_params",
]


class UnknownNameError(KeyError):
    """A name that is not registered; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class DeclarationError(TypeError):
    """A registration whose declaration is wrong (an unknown need, a parameter of no supported type, ...);
    raised at import of the module that registers, with one line naming the registry and the entry."""


@dataclasses.dataclass(frozen=True)
class NoDeclaration:
    """The declaration of registries whose entries declare nothing."""


_TYPES = (bool, int, float, str)


@dataclasses.dataclass(frozen=True)
class Param:
    """One declared parameter: `default` (bool, int, float or str: the parameter's type), the closed
    range [low, high] of a number (`open_low` / `open_high` make an end open), the `choices` of a name
    (a tuple, or a Registry whose names are the choices), `short`, its name in labels ('a' for alpha), and
    `schedule`: whether a float may be scheduled over the AL iterations (`NAME_end` in a config), `neutral`:
    at its default the parameter is left out of trial ids, stored columns and labels, so that adding it to an
    entry later (with the default that reproduces the entry's former behaviour) keeps every stored trial, and
    `doc`, what it means in a line (the documentation's reference reads it).

    Optuna searches a number within its range (an int as integers).
    """

    default: Any
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    choices: Any = None
    short: str | None = None
    schedule: bool = True
    neutral: bool = False
    doc: str = ""

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise DeclarationError(f"Param(default={self.default!r}): {problem}")

    def _problem(self) -> str | None:
        if type(self.default) not in _TYPES:
            return f"default {self.default!r}: expected a bool, int, float or str"
        if (self.low is not None or self.high is not None) and not self.numeric:
            return f"default {self.default!r}: low/high need a number default"
        if self.choices is not None and not isinstance(self.default, str):
            return f"default {self.default!r}: choices need a str default"
        if self.low is not None and self.high is not None and self.low > self.high:
            return f"range [{self.low}, {self.high}]: low > high"
        if not self.accepts(self.default):
            return f"default {self.default!r} is not {self.expected()}"
        return None

    @property
    def kind(self) -> type:
        return type(self.default)

    @property
    def numeric(self) -> bool:
        return self.kind in (int, float)

    @property
    def schedulable(self) -> bool:
        """Whether it may change linearly over the iterations: a float, unless declared `schedule=False`."""
        return self.kind is float and self.schedule

    def options(self) -> tuple:
        """The choices of a name (a Registry's names as they are now), () for a free string."""
        if self.choices is None:
            return ()
        return tuple(sorted(self.choices)) if isinstance(self.choices, Registry) else tuple(self.choices)

    def bounds(self) -> tuple[float, float]:
        """[low, high] with missing ends infinite."""
        return (-math.inf if self.low is None else self.low, math.inf if self.high is None else self.high)

    def expected(self) -> str:
        """What the parameter accepts, in words (the end of a validation message)."""
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return f"one of {', '.join(self.options())}" if self.choices is not None else "a string"
        noun = "an integer" if self.kind is int else "a number"
        low, high = (_shown(v, self.kind) for v in (self.low, self.high))
        if self.low is None and self.high is None:
            return noun
        if self.high is None:
            return f"{noun} {'>' if self.open_low else '>='} {low}"
        if self.low is None:
            return f"{noun} {'<' if self.open_high else '<='} {high}"
        left, right = "(" if self.open_low else "[", ")" if self.open_high else "]"
        return f"{noun} in {left}{low}, {high}{right}"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or self.kind is bool:
            return isinstance(value, bool) and self.kind is bool
        if self.kind is str:
            return isinstance(value, str) and (self.choices is None or value in self.options())
        if not isinstance(value, int | float) or not math.isfinite(value):
            return False
        if self.kind is int and not isinstance(value, int):
            return False
        low, high = self.bounds()
        return (low < value if self.open_low else low <= value) and (value < high if self.open_high else value <= high)

    def problem(self, value: Any) -> str | None:
        """Why `value` is refused ('expected ...', or 'unknown name; known: ...' for a registry's names)."""
        if self.accepts(value):
            return None
        if isinstance(self.choices, Registry) and isinstance(value, str):
            return f"unknown name; known: {', '.join(self.options())}"
        return f"expected {self.expected()}"

    def check(self, name: str, value: Any) -> Any:
        """`value` as the parameter's type (an int stands for a float), or a SpecError naming `name`."""
        problem = self.problem(value)
        if problem is not None:
            shown = (
                float(value) if self.kind is float and isinstance(value, int) and not isinstance(value, bool) else value
            )
            raise SpecError(f"{name} = {shown!r}: {problem}", field=name)
        return float(value) if self.kind is float else value


def _shown(value: float | None, kind: type) -> str:
    if value is None:
        return ""
    return str(int(value)) if kind is int else f"{value:g}"


def declared_params(params: Mapping[str, Any]) -> dict[str, Param]:
    """A declaration's parameters as Params: a plain value stands for `Param(value)`, in order."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of name -> default or Param, got {type(params).__name__}")
    found = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"parameter name {name!r}: expected an identifier")
        if name.endswith("_end"):
            raise TypeError(f"parameter name {name!r}: names ending in _end are the ends of schedules")
        try:
            found[name] = value if isinstance(value, Param) else Param(value)
        except DeclarationError as error:
            raise TypeError(f"parameter {name!r}: {str(error).split(': ', 1)[1]}") from None
    return found


def check_needs(needs: Any, known: Mapping[str, str]) -> tuple[str, ...]:
    """A declaration's `needs` as a tuple, each one of `known` (name -> what it is)."""
    if isinstance(needs, str) or not all(isinstance(n, str) for n in needs):
        raise TypeError(f"needs {needs!r}: expected a tuple of names")
    for need in needs:
        if need not in known:
            raise TypeError(f"needs {need!r}: unknown; known: {', '.join(sorted(known))}")
    return tuple(needs)


def check_choice(field_name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise TypeError(f"{field_name} {value!r}: expected one of {', '.join(allowed)}")


class Registry(MutableMapping[str, F], Generic[F]):
    """A dict from name to entry in which a name can be registered only once, with declarations.

    `@REGISTRY.register("name", needs_posterior=True)` adds a function and its declaration;
    `REGISTRY["name"] = fn` adds one with the default declaration. `REGISTRY.declared("name")` returns
    the declaration. Adding a name twice, or declaring what the declaration type refuses, raises; an
    unknown name raises an error listing the known ones.
    """

    every: ClassVar[list[Registry[Any]]] = []  # every registry made, for snapshots around tests

    def __init__(self, kind: str, declaration: type = NoDeclaration) -> None:
        self.kind = kind
        self.declaration = declaration
        self._entries: dict[str, F] = {}
        self._declarations: dict[str, Any] = {}
        Registry.every.append(self)

    @staticmethod
    def snapshot() -> list[tuple[Registry[Any], dict[str, Any], dict[str, Any]]]:
        """Every registry's entries and declarations as they are now (`restore` puts them back)."""
        return [(r, dict(r._entries), dict(r._declarations)) for r in Registry.every]

    @staticmethod
    def restore(snapshot: list[tuple[Registry[Any], dict[str, Any], dict[str, Any]]]) -> None:
        """Puts every registry back as `snapshot` found it: what was registered since is gone."""
        for registry, entries, declarations in snapshot:
            registry._entries, registry._declarations = dict(entries), dict(declarations)

    def register(self, name: str, **declared: Any) -> Callable[[F], F]:
        """A decorator adding `function` under `name` with the given declarations."""
        declaration = self._declare(name, declared)

        def decorate(function: F) -> F:
            self._add(name, function, declaration)
            return function

        return decorate

    def _declare(self, name: str, declared: dict[str, Any]) -> Any:
        unknown = sorted(set(declared) - {f.name for f in dataclasses.fields(self.declaration)})
        if unknown:
            allowed = ", ".join(f.name for f in dataclasses.fields(self.declaration)) or "none"
            raise DeclarationError(f"{self.kind} {name!r}: unknown declaration {unknown[0]!r}; declarations: {allowed}")
        try:
            return self.declaration(**declared)
        except (TypeError, ValueError) as error:
            raise DeclarationError(f"{self.kind} {name!r}: {error}") from None

    def _add(self, name: str, entry: F, declaration: Any) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.kind} names must be non-empty strings, got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        if not callable(entry):
            raise TypeError(f"{self.kind} {name!r} must be callable, got {type(entry).__name__}")
        self._entries[name] = entry
        self._declarations[name] = declaration

    def __setitem__(self, name: str, entry: F) -> None:
        self._add(name, entry, self._declare(name, {}))

    def __getitem__(self, name: str) -> F:
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self.unknown(name)) from None

    def declared(self, name: str) -> Any:
        """What entry `name` declared (the registry's declaration dataclass)."""
        self[name]  # unknown names raise with the known ones listed
        return self._declarations[name]

    def unknown(self, name: object) -> str:
        return f"unknown {self.kind} {name!r}; known: {', '.join(sorted(self._entries))}"

    def __delitem__(self, name: str) -> None:
        del self._entries[name]
        del self._declarations[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {sorted(self._entries)})"
