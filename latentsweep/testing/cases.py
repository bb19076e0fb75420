"""The conformance cases: each check of each registry's entries, for pytest (`conformance_cases`) and for
`latentsweep check` (`run_cases`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..classifiers import CLASSIFIERS
from ..registry import Registry
from .classifiers import CLASSIFIER_CHECKS
from .strategies import STRATEGY_CHECKS

Check = Callable[[str], None]

CHECKED_REGISTRIES: dict[str, tuple[Registry, tuple[Check, ...]]] = {
    **STRATEGY_CHECKS,
    "classifier": (CLASSIFIERS, CLASSIFIER_CHECKS),
}
_NAMES = {"<lambda>": "declared_parameters_make_strategies"}


@dataclass(frozen=True)
class Case:
    """One check of one entry: `run()` raises AssertionError (or the entry's own error) when it fails."""

    registry: str
    entry: str
    check: Check

    @property
    def check_name(self) -> str:
        name = getattr(self.check, "__name__", "check")
        return _NAMES.get(name, name)

    def run(self) -> None:
        self.check(self.entry)

    def __str__(self) -> str:
        return f"{self.registry}:{self.entry}:{self.check_name}"


def conformance_cases(entries: Iterable[tuple[str, str]] | None = None) -> list[Case]:
    """Every check for `entries` ((registry key, entry name) pairs; default: every registered entry)."""
    if entries is None:
        entries = [(key, name) for key, (registry, _) in CHECKED_REGISTRIES.items() for name in sorted(registry)]
    return [Case(key, name, check) for key, name in entries for check in CHECKED_REGISTRIES[key][1]]


def run_cases(cases: Iterable[Case]) -> Iterator[tuple[Case, str | None]]:
    """Runs each case: (case, None) when it passes, (case, one line of what failed) when not."""
    for case in cases:
        try:
            case.run()
        except Exception as error:  # a plugin's failure is what the check reports, whatever its kind
            message = " ".join(str(error).split()) or type(error).__name__
            yield case, f"{type(error).__name__}: {message}"
        else:
            yield case, None
