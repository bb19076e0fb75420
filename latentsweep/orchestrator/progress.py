"""What the driver shows while a sweep runs: a rich live view on a terminal, plain lines otherwise.

The only module that imports rich. The driver hands it a `SweepStatus` snapshot; actors never print.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class SweepStatus:
    """A snapshot of running work: trials (or query sets) done of total, and progress counted in `unit`s
    (AL iterations for trials), from which rate and ETA come."""

    name: str
    stage: str = "starting"
    representations_total: int = 0
    representations_done: int = 0
    total: int = 0
    done: int = 0
    failed: int = 0
    running: int = 0
    retried: int = 0
    skipped: int = 0
    unit: str = "iterations"
    units_total: int = 0
    units_done: int = 0
    started: float = field(default_factory=time.monotonic)
    stage_started: float = field(default_factory=time.monotonic)
    resources: dict = field(default_factory=dict)
    leaderboard: list[tuple[str, float, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def enter(self, stage: str) -> None:
        self.stage, self.stage_started = stage, time.monotonic()

    def rate(self) -> float:
        """Units (AL iterations) done per second since the stage began."""
        elapsed = time.monotonic() - self.stage_started
        return self.units_done / elapsed if elapsed > 0 else 0.0

    def eta_seconds(self) -> float | None:
        rate = self.rate()
        return (self.units_total - self.units_done) / rate if rate > 0 and self.units_total > self.units_done else None


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    return (
        f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else (f"{seconds // 60:02d}:{seconds % 60:02d}")
    )


def status_line(status: SweepStatus) -> str:
    """One plain line: stage, done / total, rate, ETA, running / failed / retried, best strategy."""
    if status.stage == "representations":
        return (
            f"[{_clock(status.elapsed)}] representations {status.representations_done}/{status.representations_total}"
        )
    line = (
        f"[{_clock(status.elapsed)}] {status.stage} {status.done}/{status.total}, "
        f"{status.unit} {status.units_done}/{status.units_total} "
        f"({status.rate() * 60:.1f}/min, eta {_clock(status.eta_seconds())}) "
        f"running {status.running}, failed {status.failed}, retried {status.retried}"
    )
    if status.leaderboard:
        label, accuracy, n = status.leaderboard[0]
        line += f"; best {label} {accuracy:.4f} (n={n})"
    for note in status.notes:
        line += f"; {note}"
    return line


class Display:
    """Quiet: shows nothing while running; subclasses show more."""

    def start(self, status: SweepStatus) -> None:
        pass

    def update(self, status: SweepStatus) -> None:
        pass

    def message(self, text: str) -> None:
        pass

    def stop(self) -> None:
        pass


class PlainDisplay(Display):
    """Periodic plain lines, for pipes, CI logs and files."""

    def __init__(self, stream: TextIO, interval: float = 10.0):
        self.stream, self.interval = stream, interval
        self._last, self._stage = 0.0, ""

    def update(self, status: SweepStatus) -> None:
        now = time.monotonic()
        if status.stage != self._stage or now - self._last >= self.interval:
            self._stage, self._last = status.stage, now
            print(status_line(status), file=self.stream, flush=True)

    def message(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


class LiveDisplay(Display):
    """A rich live panel: stage, progress bar with rate and ETA, counts, cluster, leaderboard."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=stream)
        self.live = Live(console=self.console, refresh_per_second=4, transient=False)

    def start(self, status: SweepStatus) -> None:
        self.live.start()
        self.update(status)

    def update(self, status: SweepStatus) -> None:
        self.live.update(self._render(status))

    def message(self, text: str) -> None:
        from rich.markup import escape

        self.live.console.print(escape(text))

    def stop(self) -> None:
        self.live.stop()

    def _render(self, status: SweepStatus):
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        resources = status.resources
        header = Table.grid(padding=(0, 2))
        header.add_row(
            f"[bold]{status.name}[/bold]",
            f"stage: [cyan]{status.stage}[/cyan]",
            f"cluster: {resources.get('nodes', 0)} nodes, {resources.get('CPU', 0):g} CPUs, "
            f"{resources.get('GPU', 0):g} GPUs",
        )
        bar = Table.grid(padding=(0, 2))
        if status.stage == "representations":
            total, done = status.representations_total, status.representations_done
            bar.add_row(
                ProgressBar(total=max(total, 1), completed=done, width=40),
                f"representations {done}/{total}",
                f"elapsed {_clock(status.elapsed)}",
            )
        else:
            bar.add_row(
                ProgressBar(total=max(status.units_total, 1), completed=status.units_done, width=40),
                f"{status.done}/{status.total} done",
                f"{status.unit} {status.units_done}/{status.units_total}",
                f"{status.rate() * 60:.1f}/min",
                f"elapsed {_clock(status.elapsed)}",
                f"eta {_clock(status.eta_seconds())}",
            )
        counts = (
            f"running {status.running}   failed [red]{status.failed}[/red]   retried {status.retried}   "
            f"skipped (stored) {status.skipped}"
        )
        from rich.markup import escape

        board = Table(title="leaderboard: mean final validation accuracy", title_justify="left", min_width=60)
        board.add_column("#", justify="right")
        board.add_column("strategy")
        board.add_column("val acc", justify="right")
        board.add_column("n", justify="right")
        for rank, (label, accuracy, n) in enumerate(status.leaderboard[:8], 1):
            board.add_row(str(rank), escape(label), f"{accuracy:.4f}", str(n))
        notes = [escape(note) for note in status.notes]
        return Group(header, bar, counts, *notes, board)


def make_display(mode: str = "auto", stream: TextIO | None = None) -> Display:
    """'live' (rich), 'plain' (periodic lines), 'quiet' (nothing), or 'auto': live on a terminal."""
    stream = stream or sys.stdout
    if mode == "auto":
        mode = "live" if stream.isatty() else "plain"
    if mode == "live":
        return LiveDisplay(stream)
    if mode == "plain":
        return PlainDisplay(stream)
    if mode == "quiet":
        return Display()
    raise ValueError(f"display mode {mode!r}: expected auto, live, plain or quiet")
