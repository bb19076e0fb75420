"""What every command that runs work ends with: whether it was stopped (and by which signal), one line per
failed unit of work (a trial, a query set), warnings said in the tool's own words, and the exit code they
make."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .signals import exit_code, signal_name, signal_of

FAILURES, SUCCESS = 1, 0
INTERRUPTED = exit_code(signal.SIGINT)  # 130: Ctrl-C


@dataclass(kw_only=True)
class CommandOutcome:
    """The part of `run`'s, `tune`'s and `initial`'s outcomes that decides the exit code (README: 0 done,
    1 some units failed, 128 + the signal when stopped: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP) and what is
    printed under the numbers."""

    interrupted: bool = False
    signal: int = signal.SIGINT  # what stopped it, when interrupted
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0  # the command's wall time

    def stopped(self, stop: BaseException) -> None:
        """Records an interruption (Ctrl-C's KeyboardInterrupt, or a scheduler's signal)."""
        self.interrupted, self.signal = True, signal_of(stop)

    @property
    def stopped_by(self) -> str:
        """'Ctrl-C (SIGINT)', 'SIGTERM', 'SIGHUP'."""
        name = signal_name(self.signal)
        return "Ctrl-C (SIGINT)" if self.signal == signal.SIGINT else name

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return exit_code(self.signal)
        return FAILURES if self.failures else SUCCESS


Outcome = TypeVar("Outcome", bound=CommandOutcome)


def timed(outcome: Outcome, work: Callable[[Outcome], None]) -> Outcome:
    """Runs a command's `work` into its `outcome` and times it: an interruption that reaches here (before the
    work began, or while Ray shut down) ends it with what is stored."""
    started = time.monotonic()
    try:
        work(outcome)
    except KeyboardInterrupt as stop:
        outcome.stopped(stop)
    outcome.seconds = time.monotonic() - started
    return outcome
