"""Live tracking from the driver (`[tracking]` in a sweep or tune config): each trial is logged as it is
stored, by one background thread of the driver (never from workers: no concurrent writers), in batches. A
tracker that is down or slow never fails or stalls the work: the first error is said once, the tracker is
left alone from then on, and the end of the run names what was not logged and the `export` that adds it."""

from __future__ import annotations

import importlib
import importlib.util
import os
import queue
import sys
import threading
from pathlib import Path
from typing import Any

from ..config.tracking import TrackingConfig
from .export import records

BATCH_SECONDS = 1.0  # trials stored within this are logged together
CLOSE_SECONDS = 30.0  # at the end of a run, how long the last ones may take


class LiveTracker:
    """Logs the trials of one sweep folder as the driver stores them."""

    def __init__(self, folder: Path, config: TrackingConfig) -> None:
        self.folder, self.config = Path(folder), config
        self.pending: queue.Queue[str | None] = queue.Queue()
        self.unlogged: dict[str, set[str]] = {}  # tracker -> trial ids it did not get
        self.errors: dict[str, str] = {}
        self.sinks: dict[str, Any] = {}
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # a server that is down answers at once
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
        # imported here, in the driver's main thread: a module half imported by the tracking thread while the
        # main thread looks it up breaks the main thread (matplotlib asks for IPython once it is in sys.modules,
        # and MLflow's HTTP client imports IPython on first use)
        wanted = [name for name, on in (("mlflow", config.mlflow), ("torch.utils.tensorboard", config.tensorboard))
                  if on is not None]  # fmt: skip
        for name in (*wanted, "IPython"):
            if name != "IPython" or importlib.util.find_spec(name) is not None:
                importlib.import_module(name)
        self.thread = threading.Thread(target=self._work, name="latentsweep-tracking", daemon=True)
        self.thread.start()

    def stored(self, trial_id: str) -> None:
        """A trial was stored: log it (soon, from the tracking thread)."""
        self.pending.put(trial_id)

    def _trackers(self) -> list[str]:
        return [name for name, on in (("mlflow", self.config.mlflow), ("tensorboard", self.config.tensorboard)) if on]

    def _sink(self, name: str):
        if name not in self.sinks:
            if name == "mlflow":
                from .mlflow_sink import MlflowSink

                self.sinks[name] = MlflowSink(self.folder, self.config.mlflow, self.config.experiment)
            else:
                from .tensorboard_sink import TensorBoardSink

                assert self.config.tensorboard is not None
                self.sinks[name] = TensorBoardSink(Path(self.config.tensorboard))
        return self.sinks[name]

    def _work(self) -> None:
        done = False
        while not done:
            batch = [self.pending.get()]
            try:
                while True:
                    batch.append(self.pending.get(timeout=BATCH_SECONDS))
            except queue.Empty:
                pass
            done = None in batch
            ids = [trial_id for trial_id in batch if trial_id is not None]
            if ids:
                self._log(ids)

    def _log(self, ids: list[str]) -> None:
        for name in self._trackers():
            if name in self.errors:
                self.unlogged.setdefault(name, set()).update(ids)
                continue
            left = list(ids)
            try:
                sink = self._sink(name)
                found = records(self.folder, only=set(ids))
                if name == "mlflow":
                    for record in found:
                        sink.log(record)
                        left.remove(record.trial_id)
                else:
                    sink.write(found, records(self.folder))
                    left = []
            except Exception as error:  # a tracker's failure must never end the sweep
                self.errors[name] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
                self.unlogged.setdefault(name, set()).update(left)
                print(f"warning: {name} tracking stopped ({self.errors[name]}); the run goes on, and its end "
                      "names the trials not logged", file=sys.stderr, flush=True)  # fmt: skip

    def close(self, timeout: float = CLOSE_SECONDS) -> list[str]:
        """Logs what is left (within `timeout` seconds); returns a line per tracker that missed trials,
        naming them and the export that adds them."""
        self.pending.put(None)
        self.thread.join(timeout)
        late: set[str] = set()
        while True:
            try:
                item = self.pending.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                late.add(item)
        busy = self.thread.is_alive()
        lines = []
        for name in self._trackers():
            missed = self.unlogged.get(name, set()) | late
            if not missed and not busy:
                continue
            why = self.errors.get(name) or f"still logging after {timeout:.0f} s"
            shown = ", ".join(sorted(missed)[:5]) + (f" and {len(missed) - 5} more" if len(missed) > 5 else "")
            shown += " and the batch being logged" if busy else ""
            where = f"--tracking-uri {self.config.mlflow}" if name == "mlflow" else ""
            where = where or f"--logdir {self.config.tensorboard}"
            lines.append(f"{len(missed)} trials not logged to {name} ({why}): {shown}; "
                         f"`latentsweep export {name} {self.folder} {where}` adds them")  # fmt: skip
        return lines
