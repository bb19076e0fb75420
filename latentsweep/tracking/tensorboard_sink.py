"""A sweep in TensorBoard, in the HParams plugin's layout: the experiment (every hyperparameter with the values
its trials take, and the metrics) in the log directory's root, and a folder per trial with its hyperparameter
values, its scalar curves (step = labels held) and its final metrics, so that the HParams tab filters and
sorts trials by any field. Trials already written (their folder exists) are skipped; the root's experiment is
written anew with every trial's values."""

from __future__ import annotations

from pathlib import Path

from ..errors import LatentsweepError
from ..protocols import TrialStatus
from .records import TrialRecord

SESSION_STATUS = {TrialStatus.OK: "STATUS_SUCCESS", TrialStatus.FAILED: "STATUS_FAILURE",
                  TrialStatus.PRUNED: "STATUS_ABORTED"}  # fmt: skip


def _require() -> None:
    """The extra's one line when TensorBoard or its protobuf is missing, before anything is written."""
    try:
        import google.protobuf  # noqa: F401
        import tensorboard  # noqa: F401
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        raise LatentsweepError('TensorBoard is not installed: pip install -e ".[tensorboard]"') from None


def _writer(folder: Path):
    _require()
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(folder))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if text.strip().lower() not in ("nan", "inf", "-inf", "true", "false") else None


def hparam_values(records: list[TrialRecord]) -> dict[str, dict[str, float | str]]:
    """trial id -> hyperparameter -> value: numbers where every trial's value of that parameter is one."""
    names = sorted({name for record in records for name in record.params})
    numeric = {name: all(_number(r.params[name]) is not None for r in records if name in r.params) for name in names}
    return {
        r.trial_id: {name: (_number(v) if numeric[name] else v) for name, v in r.params.items()}  # type: ignore[misc]
        for r in records
    }


def _plugin_summary(tag: str, **content):
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.plugins.hparams.metadata import PLUGIN_DATA_VERSION, PLUGIN_NAME
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

    data = HParamsPluginData(version=PLUGIN_DATA_VERSION, **content)
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=PLUGIN_NAME,
                                                                      content=data.SerializeToString()))  # fmt: skip
    return Summary(value=[Summary.Value(tag=tag, metadata=metadata)])


def _metric_tags(records: list[TrialRecord]) -> list[str]:
    return sorted({f"final/{key}" for r in records for key in r.final} | {
        f"curve/{key}" for r in records for _, values in r.curve for key in values})  # fmt: skip


class TensorBoardSink:
    """A log directory holding a sweep's trials."""

    def __init__(self, logdir: Path) -> None:
        _require()
        self.logdir = Path(logdir)

    def logged(self) -> set[str]:
        return {p.name for p in self.logdir.iterdir() if p.is_dir()} if self.logdir.is_dir() else set()

    def write(self, records: list[TrialRecord], every: list[TrialRecord]) -> None:
        """Writes the trials of `records` (their folders), then the experiment of `every` trial in the root."""
        from google.protobuf import struct_pb2
        from tensorboard.plugins.hparams.api_pb2 import DataType, Experiment, HParamInfo, MetricInfo, MetricName, Status
        from tensorboard.plugins.hparams.metadata import (
            EXPERIMENT_TAG,
            SESSION_END_INFO_TAG,
            SESSION_START_INFO_TAG,
        )
        from tensorboard.plugins.hparams.plugin_data_pb2 import SessionEndInfo, SessionStartInfo

        values = hparam_values(every)
        for record in records:
            writer = _writer(self.logdir / record.trial_id)
            start = SessionStartInfo(group_name=record.trial_id, start_time_secs=record.finished_at)
            for name, value in values[record.trial_id].items():
                if isinstance(value, float):
                    start.hparams[name].number_value = value
                else:
                    start.hparams[name].string_value = value
            writer.file_writer.add_summary(_plugin_summary(SESSION_START_INFO_TAG, session_start_info=start))
            for step, metrics in record.curve:
                for key, value in metrics.items():
                    writer.add_scalar(f"curve/{key}", value, global_step=step, walltime=record.finished_at)
            last = record.curve[-1][0] if record.curve else 0
            for key, value in record.final.items():
                writer.add_scalar(f"final/{key}", value, global_step=last, walltime=record.finished_at)
            end = SessionEndInfo(status=Status.Value(SESSION_STATUS[record.status]), end_time_secs=record.finished_at)
            writer.file_writer.add_summary(_plugin_summary(SESSION_END_INFO_TAG, session_end_info=end))
            writer.close()
        for old in self.logdir.glob("events.out.tfevents.*"):  # the root holds one experiment: the latest
            old.unlink()
        infos = []
        names = sorted({name for trial in values.values() for name in trial})
        for name in names:
            seen = sorted({trial[name] for trial in values.values() if name in trial}, key=str)
            numeric = all(isinstance(v, float) for v in seen)
            domain = struct_pb2.ListValue(values=[
                struct_pb2.Value(number_value=v) if numeric else struct_pb2.Value(string_value=str(v)) for v in seen
            ])  # fmt: skip
            kind = DataType.Value("DATA_TYPE_FLOAT64" if numeric else "DATA_TYPE_STRING")
            infos.append(HParamInfo(name=name, type=kind, domain_discrete=domain))
        shown = [MetricInfo(name=MetricName(tag=tag)) for tag in _metric_tags(every)]
        experiment = Experiment(hparam_infos=infos, metric_infos=shown, name=self.logdir.name)
        writer = _writer(self.logdir)
        writer.file_writer.add_summary(_plugin_summary(EXPERIMENT_TAG, experiment=experiment))
        writer.close()
