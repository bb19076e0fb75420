"""Stopping cleanly when asked by anyone: Ctrl-C (SIGINT), a scheduler (SIGTERM: SLURM, Kubernetes,
`timeout`) or a closed terminal (SIGHUP) all take one path. The signal becomes an exception in the driver's
main thread (`Stopped`, a KeyboardInterrupt), the command stops submitting, keeps every stored result and
checkpoint, says how to go on, and exits with 128 + the signal's number (130, 143, 129).

Ray's core worker installs a failure handler for SIGTERM that prints a C++ stack and kills the process;
`stop_on_signals` is entered again once Ray runs, so that ours is the handler in place.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

HANDLED = (signal.SIGTERM, signal.SIGHUP)  # SIGINT keeps Python's own handler: it raises KeyboardInterrupt


class Stopped(KeyboardInterrupt):
    """The driver was asked to stop by `signum` (SIGTERM or SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_RECEIVED: list[int] = []  # the signals our handlers took while a command ran
_ACTIVE: list = []  # the guards in place, outermost first
_HOLDING: list[int] = [0]  # how many `held` blocks are running now
_DEFERRED: list[int] = []  # a signal taken inside a `held` block, raised when the block ends


def signal_of(stop: BaseException) -> int:
    """The signal behind an interruption: a Stopped's; for a plain KeyboardInterrupt the signal our handler
    took (Ray turns an exception raised while it waits into a plain KeyboardInterrupt), else SIGINT (Ctrl-C)."""
    signum = getattr(stop, "signum", None)
    if signum is None and _RECEIVED:
        signum = _RECEIVED[-1]
    return signal.SIGINT if signum is None else signum


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def exit_code(signum: int) -> int:
    """128 + the signal's number, as a shell reports a command the signal ended (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + int(signum)


class SignalGuard:
    """Our handlers for SIGTERM and SIGHUP while a command runs (`stop_on_signals`); `install()` puts them back
    in place after a library (Ray's core worker) replaced them."""

    def __init__(self) -> None:
        self.active = threading.current_thread() is threading.main_thread()

    def handler(self, signum, frame) -> None:
        if _RECEIVED:  # the first one stops the work; the clean-up it started runs undisturbed
            return
        _RECEIVED.append(signum)
        if _HOLDING[0]:
            _DEFERRED.append(signum)
            return
        raise Stopped(signum)

    def install(self) -> None:
        if self.active:
            for signum in HANDLED:
                signal.signal(signum, self.handler)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[SignalGuard]:
    """SIGTERM and SIGHUP raise `Stopped` in the main thread while the block runs (the first of them; later
    ones are ignored, so that the clean-up they started finishes within the scheduler's grace period); the
    handlers in place before come back after. Outside the main thread nothing changes."""
    guard = SignalGuard()
    if not _ACTIVE:
        _RECEIVED.clear()  # a new command: no signal taken yet
        _DEFERRED.clear()
    _ACTIVE.append(guard)
    previous = {signum: signal.getsignal(signum) for signum in HANDLED} if guard.active else {}
    guard.install()
    try:
        yield guard
    finally:
        _ACTIVE.pop()
        for signum, handler_before in previous.items():
            signal.signal(signum, handler_before if handler_before is not None else signal.SIG_DFL)


def _defer_interrupt(signum, frame) -> None:
    if not _RECEIVED:
        _RECEIVED.append(signum)
        _DEFERRED.append(signum)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """A block no signal cuts in half (a write to the study's journal: Optuna's file lock, interrupted between
    its rename and its unlink, raises an error of its own in place of the interruption): SIGINT, SIGTERM and
    SIGHUP taken inside it stop the work as soon as it ends."""
    main = threading.current_thread() is threading.main_thread()
    interrupt = signal.getsignal(signal.SIGINT) if main else None
    if main and interrupt is signal.default_int_handler:
        signal.signal(signal.SIGINT, _defer_interrupt)
    _HOLDING[0] += 1
    try:
        yield
    finally:
        _HOLDING[0] -= 1
        if main and interrupt is signal.default_int_handler:
            signal.signal(signal.SIGINT, interrupt)
    if not _HOLDING[0] and _DEFERRED:
        signum = _DEFERRED.pop()
        raise KeyboardInterrupt() if signum == signal.SIGINT else Stopped(signum)
