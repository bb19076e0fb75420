"""What `latentsweep tune` takes besides its config (`TuneOptions`) and what it ends with (`TuneOutcome`:
the counts, the best strategy, the final comparison and the exit code)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .outcome import CommandOutcome
from .study import describe_params

ROUGH_BELOW = 20  # complete trials under which parameter importances are said to be rough


@dataclass(frozen=True)
class TuneOptions:
    address: str | None = None
    results: Path = Path("results")
    workers: int | None = None
    storage: str | None = None
    trials: int | None = None
    display: str = "auto"
    poll_seconds: float = 0.5
    verbose: bool = False  # Ray's own messages on the terminal too


@dataclass
class TuneOutcome(CommandOutcome):
    """A study's counts (Optuna trials: complete, pruned, failed), its best strategy and final comparison;
    `failures` names each active-learning trial (a seed) that failed in this run."""

    folder: Path
    storage: str = ""
    study: str = ""
    complete: int = 0
    pruned: int = 0
    failed: int = 0
    reused: int = 0
    requeued: int = 0
    ran: int = 0
    best_value: float | None = None
    best_params: dict = field(default_factory=dict)
    best_strategy: str = ""
    importances: dict = field(default_factory=dict)
    final_table: str = ""
    figures: list[Path] = field(default_factory=list)
    search_seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"study {self.study!r} ({self.storage}): {self.complete} complete, {self.pruned} pruned, "
            f"{self.failed} failed; {self.ran} run now ({self.reused} read back from the store, "
            f"{self.requeued} re-run after a crash) in {self.seconds:.0f} s"
        ]
        if self.interrupted:
            lines.insert(0, f"interrupted by {self.stopped_by}: every finished seed and Optuna trial is stored")
        if self.best_value is not None:
            lines.append(f"best validation objective {self.best_value:.4f}: {self.best_strategy}")
            lines.append(f"  parameters: {describe_params(self.best_params)}")
        if self.importances:
            shown = ", ".join(f"{k} {v:.2f}" for k, v in self.importances.items())
            total = self.complete + self.pruned + self.failed
            rough = "; rough with fewer than 20" if self.complete < ROUGH_BELOW else ""
            lines.append(f"  importances from the {self.complete} complete trials of {total}{rough}: {shown}")
        if self.final_table:
            lines.append(self.final_table)
        if self.figures:
            lines.append(f"figures: {self.figures[0].parent}")
        if self.failures:
            lines.append(
                f"{len(self.failures)} active-learning trials failed in this run: their errors are in the trials "
                "table's error column"
            )
        lines.append(f"results in {self.folder}; open the study with: optuna-dashboard {self.storage}")
        lines += [f"warning: {line}" for line in self.warnings]
        return "\n".join(lines)
