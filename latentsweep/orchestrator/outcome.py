"""What every command that runs work ends with: whether it was interrupted, one line per failed unit of
work (a trial, a query set), warnings said in the tool's own words, and the exit code they make."""

from __future__ import annotations

from dataclasses import dataclass, field

INTERRUPTED, FAILURES, SUCCESS = 130, 1, 0


@dataclass(kw_only=True)
class CommandOutcome:
    """The part of `run`'s, `tune`'s and `initial`'s outcomes that decides the exit code (README: 0 done,
    1 some units failed, 130 interrupted) and what is printed under the numbers."""

    interrupted: bool = False
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return INTERRUPTED
        return FAILURES if self.failures else SUCCESS
