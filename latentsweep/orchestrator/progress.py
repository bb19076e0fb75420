"""What the driver shows while a sweep runs: a rich live view on a terminal, plain lines otherwise.

The only module that imports rich. The driver hands it its `RunStatus`; actors never print.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .status import RunStatus, Stage

SweepStatus = RunStatus  # the name the display's status had before it had methods


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    return (
        f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else (f"{seconds // 60:02d}:{seconds % 60:02d}")
    )


def status_line(status: RunStatus) -> str:
    """One plain line: stage, done / total, rate, ETA, running / failed / retried, best strategy."""
    if status.stage is Stage.REPRESENTATIONS:
        return (
            f"[{_clock(status.elapsed)}] representations {status.representations_done}/{status.representations_total}"
        )
    line = (
        f"[{_clock(status.elapsed)}] {status.stage} {status.done}/{status.total}, "
        f"{status.unit} {status.units_done}/{status.units_total} "
        f"({status.rate() * 60:.1f}/min, eta {_clock(status.eta_seconds())}) "
        f"running {status.running}, failed {status.failed}, retried {status.retried}"
    )
    board = status.leaderboard
    if board:
        label, accuracy, n = board[0]
        line += f"; best {label} {accuracy:.4f} (n={n}{'' if status.shared_seeds else ', seeds differ'})"
    for note in status.notes:
        line += f"; {note}"
    return line


class Display:
    """Quiet: shows nothing while running; subclasses show more."""

    def start(self, status: RunStatus) -> None:
        pass

    def update(self, status: RunStatus) -> None:
        pass

    def message(self, text: str) -> None:
        pass

    def stop(self) -> None:
        pass


class PlainDisplay(Display):
    """Plain lines, for pipes, CI logs and files: one when a stage begins, then one whenever progress has
    moved and `interval` seconds have passed or another tenth of the stage's work is done, and the last
    state of every stage when the display stops (so a short stage does not show only its 0 of N)."""

    def __init__(self, stream: TextIO, interval: float = 10.0):
        self.stream, self.interval = stream, interval
        self._last = 0.0
        self._stage: Stage | None = None
        self._shown: tuple[Stage, int, int, int, int] | None = None
        self._status: RunStatus | None = None

    def update(self, status: RunStatus) -> None:
        self._status = status
        now = time.monotonic()
        shown = (status.stage, status.representations_done, status.done, status.units_done, status.failed)
        tenth = max(status.units_total // 10, 1)
        stepped = self._shown is not None and status.units_done // tenth != self._shown[3] // tenth
        if status.stage != self._stage or (shown != self._shown and (now - self._last >= self.interval or stepped)):
            if self._stage is not None and status.stage != self._stage and self._pending:
                print(self._pending, file=self.stream, flush=True)  # how the stage before ended
            self._stage, self._last, self._shown = status.stage, now, shown
            self._pending = ""
            print(status_line(status), file=self.stream, flush=True)
        elif shown != self._shown:
            self._pending = status_line(status)

    _pending = ""

    def message(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def stop(self) -> None:
        if self._pending:
            print(self._pending, file=self.stream, flush=True)
            self._pending = ""


class LiveDisplay(Display):
    """A rich live panel: stage, progress bar with rate and ETA, counts, cluster, leaderboard."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=stream)
        self.live = Live(console=self.console, refresh_per_second=4, transient=False)

    def start(self, status: RunStatus) -> None:
        self.live.start()
        self.update(status)

    def update(self, status: RunStatus) -> None:
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
        if status.stage is Stage.REPRESENTATIONS:
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

        seeds = "the seeds all share" if status.shared_seeds else "each one's seeds (they differ)"
        title = f"leaderboard: mean final validation accuracy on {seeds}"
        board = Table(title=title, title_justify="left", min_width=60)
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
