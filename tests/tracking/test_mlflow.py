"""Sweeps in a real MLflow server, read back with MlflowClient: `export mlflow` (a parent run per sweep, a
child per trial with its fields, its curve as metric histories with step = labels held, its final metrics),
idempotent re-export, a second sweep beside the first; live [tracking] from the driver, and a server that
dies during a run: the sweep finishes, names what was not logged, and `export` completes it."""

import subprocess
import sys
import threading
import time

import pandas as pd
import pytest
from mlflow import MlflowClient

from latentsweep.cli import main

from ..conftest import run_once
from .conftest import Server

SWEEP = """
name = "{name}"
seeds = 2

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
kind = "logistic"

[budget]
initial = 30
batch = 10
iterations = 3

[strategies.grid]
uncertainty = ["margin", "random"]
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    return run_once(tmp_path_factory, "exported", SWEEP.format(name="exported"))


def children(client: MlflowClient, parent: str) -> list:
    experiment = client.get_run(parent).info.experiment_id
    return client.search_runs([experiment], f"tags.`mlflow.parentRunId` = '{parent}'", max_results=1000)


def parent_of(client: MlflowClient, folder) -> str:
    experiment = client.get_experiment_by_name("latentsweep")
    found = client.search_runs([experiment.experiment_id], f"tags.`latentsweep.folder` = '{folder.resolve()}'")
    assert len(found) == 1
    return found[0].info.run_id


def test_export_makes_a_parent_and_a_child_per_trial_with_its_curve(sweep, mlflow_server, capsys):
    _, _, folder = sweep
    assert main(["export", "mlflow", str(folder), "--tracking-uri", mlflow_server.uri]) == 0
    assert capsys.readouterr().out.startswith("mlflow: 4 trials added, 0 already there")
    client = MlflowClient(mlflow_server.uri)
    parent = client.get_run(parent_of(client, folder))
    assert parent.data.params["data.dataset"] == "digits" and parent.data.params["name"] == "exported"
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} >= {"sweep.json", "config.toml", "report"}
    trials = pd.read_parquet(folder / "trials").set_index("trial_id")
    curves = pd.read_parquet(folder / "curves").sort_values("iteration")
    runs = children(client, parent.info.run_id)
    assert sorted(run.data.tags["trial_id"] for run in runs) == sorted(trials.index)
    for run in runs:
        trial = trials.loc[run.data.tags["trial_id"]]
        assert run.info.status == "FINISHED" and run.data.params["strategy"] == trial.strategy
        assert run.data.params["seed"] == str(trial.seed) and run.data.params["classifier_kind"] == "logistic"
        assert run.data.params["budget_iterations"] == "3" and run.data.params["representation"] == trial.representation
        history = client.get_metric_history(run.info.run_id, "val_accuracy")
        curve = curves[curves.trial_id == trial.name]
        assert [m.step for m in sorted(history, key=lambda m: m.step)] == curve.n_labeled.tolist() == [30, 40, 50, 60]
        assert [m.value for m in sorted(history, key=lambda m: m.step)] == pytest.approx(curve.val_accuracy.tolist())
        assert run.data.metrics["final_test_accuracy"] == pytest.approx(trial.final_test_accuracy)
        assert len(client.get_metric_history(run.info.run_id, "selection_seconds")) == 4


def test_exporting_again_adds_nothing_and_another_sweep_only_its_trials(sweep, mlflow_server, tmp_path, capsys):
    folder = sweep[2]
    assert main(["export", "mlflow", str(folder), "--tracking-uri", mlflow_server.uri]) == 0
    assert "mlflow: 0 trials added, 4 already there" in capsys.readouterr().out
    other = tmp_path / "other.toml"
    other.write_text(SWEEP.format(name="other").replace("seeds = 2", "seeds = 1"))
    assert main(["run", str(other), "--results", str(folder.parent), "--quiet"]) == 0
    assert main(["export", "mlflow", str(folder.parent / "other"), "--tracking-uri", mlflow_server.uri]) == 0
    assert "mlflow: 2 trials added, 0 already there" in capsys.readouterr().out
    client = MlflowClient(mlflow_server.uri)
    assert len(children(client, parent_of(client, folder))) == 4
    assert len(children(client, parent_of(client, folder.parent / "other"))) == 2


LIVE = SWEEP.replace('kind = "logistic"', 'hidden = [64]\nepochs = 20\nbatch_size = 10').replace(
    "iterations = 3", "iterations = 8"
).replace("seeds = 2", "seeds = 4")


def test_live_logging_survives_a_server_that_dies_and_export_completes_it(tmp_path, capsys):
    """The server is killed once the first trial is logged: the run finishes (exit 0), its end names the
    trials not logged and the export that adds them; after a restart, that export logs exactly those (a child
    whose logging the kill cut off is logged again, whole)."""
    server = Server(tmp_path).start()
    config = tmp_path / "live.toml"
    config.write_text(LIVE.format(name="live") + f'\n[ray]\npack_size = 1\n\n[tracking]\nmlflow = "{server.uri}"\n')
    client = MlflowClient(server.uri)
    killed = threading.Event()

    def kill_after_the_first_trial():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed.is_set():
            try:
                experiment = client.get_experiment_by_name("latentsweep")
                finished = "tags.`trial_id` != '' and attributes.status = 'FINISHED'"
                if experiment and client.search_runs([experiment.experiment_id], finished):
                    server.stop()
                    killed.set()
                    return
            except Exception:  # the database is being created
                pass
            time.sleep(0.2)

    watcher = threading.Thread(target=kill_after_the_first_trial, daemon=True)
    watcher.start()
    results = tmp_path / "results"
    try:
        assert main(["run", str(config), "--results", str(results), "--plain"]) == 0
    finally:
        killed.set() if not killed.is_set() else None
        watcher.join(10)
    captured = capsys.readouterr()
    trials = pd.read_parquet(results / "live" / "trials")
    assert len(trials) == 8 and set(trials.status) == {"ok"}
    line = next(line for line in captured.out.splitlines() if "trials not logged to mlflow" in line)
    missed = int(line.split("warning: ")[1].split(" ")[0])
    assert 1 <= missed < 8, line
    assert f"`latentsweep export mlflow {results / 'live'} --tracking-uri {server.uri}` adds them" in line
    server.start()
    try:
        assert main(["export", "mlflow", str(results / "live"), "--tracking-uri", server.uri]) == 0
        assert f"mlflow: {missed} trials added, {8 - missed} already there" in capsys.readouterr().out
        logged = children(client, parent_of(client, results / "live"))
        assert sorted(r.data.tags["trial_id"] for r in logged) == sorted(trials.trial_id)
    finally:
        server.stop()


def test_a_missing_extra_is_one_line_naming_the_pip_command(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(SWEEP.format(name="c") + '\n[tracking]\nmlflow = "http://127.0.0.1:1"\n')
    code = ("import sys; sys.modules['mlflow'] = None; from latentsweep.cli import main; "
            f"sys.exit(main(['plan', {str(config)!r}, '--results', {str(tmp_path / 'r')!r}]))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    expected = 'latentsweep: error: tracking.mlflow: MLflow is not installed: pip install -e ".[mlflow]"'
    assert done.stderr.strip() == expected
    assert not (tmp_path / "r").exists()


TUNE = """
name = "tuned"
seeds = 2

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
hidden = [16]
epochs = 5
batch_size = 20

[budget]
initial = 30
batch = 10
iterations = 4

[tune]
trials = 6
sampler = "random"
pruner = "median"
startup_trials = 2
final_seeds = 1

[tune.space]
uncertainty = ["margin", "entropy", "least-confident"]
gamma = [0.0, 1.0]

[tune.fixed]
representativeness = "density-cosine"
"""


def test_live_logging_of_a_tune_run_shows_every_optuna_trial(mlflow_server, tmp_path, capsys):
    import optuna

    config = tmp_path / "tuned.toml"
    config.write_text(TUNE + f'\n[tracking]\nmlflow = "{mlflow_server.uri}"\nexperiment = "tuning"\n')
    results = tmp_path / "results"
    assert main(["tune", str(config), "--results", str(results), "--quiet"]) == 0
    assert "not logged" not in capsys.readouterr().out
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(
        str(results / "tuned" / "study.journal")))  # fmt: skip
    study = optuna.load_study(study_name="tuned", storage=storage)
    client = MlflowClient(mlflow_server.uri)
    experiment = client.get_experiment_by_name("tuning").experiment_id
    runs = client.search_runs([experiment], "tags.`trial_id` != ''", max_results=1000)
    stored = pd.read_parquet(results / "tuned" / "trials")
    assert sorted(r.data.tags["trial_id"] for r in runs) == sorted(stored.trial_id)
    numbers = {r.data.tags["optuna_trial"] for r in runs if "optuna_trial" in r.data.tags}
    assert numbers == {str(t.number) for t in study.trials if t.state.is_finished()}
    pruned = stored[stored.status == "pruned"].trial_id
    status = {r.data.tags["trial_id"]: r.info.status for r in runs}
    assert all(status[t] == "KILLED" for t in pruned)
