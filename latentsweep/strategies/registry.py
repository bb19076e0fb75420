"""Registries that describe themselves: name -> entry, each entry a function plus what it declares.

Every extension axis (uncertainty measures, representativeness measures, batch rules, distances, initial
samplers; data sets and representation kinds elsewhere) is one `Registry`. An entry declares what it
uses and needs in a small frozen dataclass (the registry's `declaration` type), so planning,
canonicalisation, checks, labels and result columns read the registry instead of names written elsewhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, Generic, TypeVar

F = TypeVar("F")


class UnknownNameError(KeyError):
    """A name that is not registered; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


@dataclasses.dataclass(frozen=True)
class NoDeclaration:
    """The declaration of registries whose entries declare nothing."""


class Registry(MutableMapping[str, F], Generic[F]):
    """A dict from name to entry in which a name can be registered only once, with declarations.

    `@REGISTRY.register("name", needs_posterior=True)` adds a function and its declaration;
    `REGISTRY["name"] = fn` adds one with the default declaration. `REGISTRY.declared("name")` returns
    the declaration. Adding a name twice raises; an unknown name raises an error listing the known ones.
    """

    def __init__(self, kind: str, declaration: type = NoDeclaration) -> None:
        self.kind = kind
        self.declaration = declaration
        self._entries: dict[str, F] = {}
        self._declarations: dict[str, Any] = {}

    def register(self, name: str, **declared: Any) -> Callable[[F], F]:
        """A decorator adding `function` under `name` with the given declarations."""
        declaration = self._declare(name, declared)

        def decorate(function: F) -> F:
            self._add(name, function, declaration)
            return function

        return decorate

    def _declare(self, name: str, declared: dict[str, Any]) -> Any:
        try:
            return self.declaration(**declared)
        except TypeError as error:
            allowed = ", ".join(f.name for f in dataclasses.fields(self.declaration)) or "none"
            raise TypeError(f"{self.kind} {name!r}: bad declaration ({error}); declarations: {allowed}") from None

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
