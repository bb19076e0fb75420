"""A sweep in MLflow: one parent run per sweep folder (its config as params, sweep.json, the config file and
the report as artifacts) and one child run per trial (tag `mlflow.parentRunId`; params: the trial's fields;
metrics per AL iteration with step = labels held; final metrics). Logging is idempotent: trials already
logged under the parent (their `trial_id` tag) are skipped, so an export can follow a running sweep.

Calls stay within MLflow's limits (at most 100 params and tags and 1,000 entities per `log_batch`). The
default tracking URI is a SQLite database beside the results (MLflow's default backend since 3.7)."""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import LatentsweepError
from ..protocols import TrialStatus
from .records import TrialRecord, flat, sweep_info

PARAMS_PER_BATCH = 100  # params and tags per log_batch
ENTITIES_PER_BATCH = 1000  # metrics, params and tags per log_batch
VALUE_LIMIT = 6000  # characters of a param value
STATUS = {TrialStatus.OK: "FINISHED", TrialStatus.FAILED: "FAILED", TrialStatus.PRUNED: "KILLED"}
FOLDER_TAG = "latentsweep.folder"
EXPERIMENT = "latentsweep"


class TrackingError(LatentsweepError):
    """A tracker that cannot be reached or refuses what is logged (the live logger warns and goes on)."""


def _chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def default_uri(results: Path) -> str:
    return f"sqlite:///{(results / 'mlflow.db').resolve()}"


def client(uri: str):
    """An MlflowClient of `uri`; MLflow missing is one line naming the extra."""
    import logging
    import os

    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")  # its 'View run at' lines: not ours
    for name in ("mlflow", "alembic"):  # its database migrations' INFO lines: not the user's business
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise LatentsweepError('MLflow is not installed: pip install -e ".[mlflow]"') from None
    return MlflowClient(tracking_uri=uri)


class MlflowSink:
    """The parent run of one sweep folder in an experiment, and the trials logged under it."""

    def __init__(self, folder: Path, uri: str | None = None, experiment: str | None = None) -> None:
        self.folder, self.uri = Path(folder).resolve(), uri or default_uri(Path(folder).resolve().parent)
        self.client = client(self.uri)
        self.experiment = experiment or EXPERIMENT
        self.experiment_id = self._experiment()
        self.parent = self._parent()

    def _experiment(self) -> str:
        found = self.client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        location = None
        if self.uri.startswith("sqlite:"):  # artifacts beside the database, not in the working directory
            location = (Path(self.uri.removeprefix("sqlite:///")).parent / "mlflow-artifacts").as_uri()
        return self.client.create_experiment(self.experiment, artifact_location=location)

    def _parent(self) -> str:
        folder = str(self.folder)
        runs = self.client.search_runs([self.experiment_id], f"tags.`{FOLDER_TAG}` = '{folder}'", max_results=1)
        if runs:
            return runs[0].info.run_id
        info = sweep_info(self.folder)
        tags = {FOLDER_TAG: folder, "latentsweep.kind": str(info.get("kind", "sweep"))}
        run = self.client.create_run(self.experiment_id, tags=tags, run_name=self.folder.name)
        params = flat(info.get("config", {}))
        self._batches(run.info.run_id, params=params)
        for name in ("sweep.json",):
            if (self.folder / name).is_file():
                self.client.log_artifact(run.info.run_id, str(self.folder / name))
        if info.get("config_text"):
            self.client.log_text(run.info.run_id, info["config_text"], "config.toml")
        return run.info.run_id

    def log_report(self) -> None:
        """The report folder as the parent's artifacts (when there is one)."""
        report = self.folder / "report"
        if report.is_dir():
            self.client.log_artifacts(self.parent, str(report), "report")

    def logged(self) -> set[str]:
        """The trial ids logged under the parent. A child left unfinished (its logging was cut off: the run
        still says RUNNING) is deleted, so that the trial is logged again, whole."""
        found: set[str] = set()
        token = None
        while True:
            page = self.client.search_runs([self.experiment_id], f"tags.`mlflow.parentRunId` = '{self.parent}'",
                                           max_results=1000, page_token=token)  # fmt: skip
            for run in page:
                if run.info.status == "RUNNING":
                    self.client.delete_run(run.info.run_id)
                elif run.data.tags.get("trial_id"):
                    found.add(run.data.tags["trial_id"])
            token = page.token
            if not token:
                return found

    def _batches(self, run_id: str, *, params: dict[str, str] | None = None, tags: dict[str, str] | None = None,
                 metrics: list | None = None) -> None:  # fmt: skip
        from mlflow.entities import Param, RunTag

        named = [Param(k, str(v)[:VALUE_LIMIT]) for k, v in (params or {}).items()]
        tagged = [RunTag(k, str(v)[:VALUE_LIMIT]) for k, v in (tags or {}).items()]
        for part in _chunks(named + tagged, PARAMS_PER_BATCH):
            self.client.log_batch(run_id, params=[p for p in part if isinstance(p, Param)],
                                  tags=[t for t in part if isinstance(t, RunTag)])  # fmt: skip
        for chunk in _chunks(metrics or [], ENTITIES_PER_BATCH):
            self.client.log_batch(run_id, metrics=list(chunk))

    def log(self, record: TrialRecord) -> None:
        """One trial as a child run of the parent."""
        from mlflow.entities import Metric

        stamp = int((record.finished_at or time.time()) * 1000)
        tags = {"mlflow.parentRunId": self.parent, **record.tags}
        run = self.client.create_run(self.experiment_id, start_time=stamp, tags=tags, run_name=record.name)
        metrics = [Metric(key, value, stamp, step) for step, values in record.curve for key, value in values.items()]
        last = record.curve[-1][0] if record.curve else 0
        metrics += [Metric(key, value, stamp, last) for key, value in record.final.items()]
        self._batches(run.info.run_id, params=record.params, metrics=metrics)
        self.client.set_terminated(run.info.run_id, status=STATUS[record.status], end_time=stamp)
