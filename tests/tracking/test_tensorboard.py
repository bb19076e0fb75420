"""`export tensorboard` read back with TensorBoard's own event reader: the HParams experiment in the root
(every field with the values trials take), a folder per trial with its values and status, its curves as
scalars with step = labels held, its final metrics; exporting again adds nothing."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

from latentsweep.cli import main

from ..conftest import run_once
from .test_mlflow import SWEEP


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    return run_once(tmp_path_factory, "boarded", SWEEP.format(name="boarded"))


def plugin_data(accumulator: EventAccumulator, tag: str) -> HParamsPluginData:
    return HParamsPluginData.FromString(accumulator.PluginTagToContent("hparams")[tag])


def test_the_hparams_layout_as_tensorboard_reads_it(sweep, tmp_path, capsys):
    _, _, folder = sweep
    logdir = tmp_path / "tb"
    assert main(["export", "tensorboard", str(folder), "--logdir", str(logdir)]) == 0
    assert capsys.readouterr().out.startswith("tensorboard: 4 trials added, 0 already there")
    trials = pd.read_parquet(folder / "trials").set_index("trial_id")
    curves = pd.read_parquet(folder / "curves").sort_values("iteration")
    root = EventAccumulator(str(logdir))
    root.Reload()
    experiment = plugin_data(root, "_hparams_/experiment").experiment
    domains = {info.name: info for info in experiment.hparam_infos}
    assert {"strategy", "seed", "uncertainty", "classifier_kind", "budget_iterations"} <= set(domains)
    assert sorted(v.string_value for v in domains["strategy"].domain_discrete.values) == ["margin/top-k", "random"]
    assert sorted(v.number_value for v in domains["seed"].domain_discrete.values) == [0.0, 1.0]
    assert "curve/val_accuracy" in {m.name.tag for m in experiment.metric_infos}
    assert sorted(p.name for p in logdir.iterdir() if p.is_dir()) == sorted(trials.index)
    for trial_id, trial in trials.iterrows():
        events = EventAccumulator(str(logdir / trial_id))
        events.Reload()
        start = plugin_data(events, "_hparams_/session_start_info").session_start_info
        assert start.hparams["strategy"].string_value == trial.strategy
        assert start.hparams["seed"].number_value == trial.seed
        assert plugin_data(events, "_hparams_/session_end_info").session_end_info.status == 1  # STATUS_SUCCESS
        curve = curves[curves.trial_id == trial_id]
        scalars = events.Scalars("curve/val_accuracy")
        assert [s.step for s in scalars] == curve.n_labeled.tolist() == [30, 40, 50, 60]
        assert [s.value for s in scalars] == pytest.approx(curve.val_accuracy.tolist(), abs=1e-6)
        (final,) = events.Scalars("final/final_test_accuracy")
        assert final.value == pytest.approx(trial.final_test_accuracy, abs=1e-6) and final.step == 60
    assert main(["export", "tensorboard", str(folder), "--logdir", str(logdir)]) == 0
    assert capsys.readouterr().out.startswith("tensorboard: 0 trials added, 4 already there")
    assert len(list(logdir.glob("events.out.tfevents.*"))) == 1  # the root holds one experiment


@pytest.mark.parametrize(("tracker", "name"), [("tensorboard", "TensorBoard"), ("mlflow", "MLflow")])
def test_export_without_its_extra_is_one_line_and_writes_nothing(tracker, name, tmp_path):
    """A plain install (no extra) exporting a stored sweep: one line naming the pip command, exit 2."""
    folder = tmp_path / "stored"
    shutil.copytree(Path(__file__).parent.parent / "stored" / "before-stopping" / "results" / "stored", folder)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    code = (f"import sys; sys.modules[{tracker!r}] = None; from latentsweep.cli import main; "
            f"sys.exit(main(['export', {tracker!r}, {str(folder)!r}]))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == f'latentsweep: error: {name} is not installed: pip install -e ".[{tracker}]"'
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
    assert not (tmp_path / "mlflow.db").exists()
