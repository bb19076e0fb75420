"""One explicit name -> function registry per kind of strategy."""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Generic, TypeVar

F = TypeVar("F", bound=Callable)


class UnknownNameError(KeyError):
    """A strategy name that is not registered; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class Registry(MutableMapping[str, F], Generic[F]):
    """A dict from name to function in which a name can be registered only once.

    `REGISTRY["name"] = fn` and the decorator `@REGISTRY.register("name")` both add a function;
    adding a name twice raises, and looking up an unknown name raises an error listing the known ones.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._functions: dict[str, F] = {}

    def register(self, name: str) -> Callable[[F], F]:
        def decorate(function: F) -> F:
            self[name] = function
            return function

        return decorate

    def __setitem__(self, name: str, function: F) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.kind} names must be non-empty strings, got {name!r}")
        if name in self._functions:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        if not callable(function):
            raise TypeError(f"{self.kind} {name!r} must be callable, got {type(function).__name__}")
        self._functions[name] = function

    def __getitem__(self, name: str) -> F:
        try:
            return self._functions[name]
        except KeyError:
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}; known: {', '.join(sorted(self._functions))}"
            ) from None

    def __delitem__(self, name: str) -> None:
        del self._functions[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {sorted(self._functions)})"
