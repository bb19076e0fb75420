"""Stopped by anyone: Ctrl-C, a scheduler's SIGTERM (SLURM, Kubernetes, `timeout`) and a closed terminal's
SIGHUP all stop a real `latentsweep run`, `tune` or `initial` process cleanly within a grace period, keep what
is stored, say how to go on (never with --fresh once the old results were set aside), and a resume ends with
exactly the queried indices of an uninterrupted run."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import optuna
import pandas as pd
import pytest

from latentsweep.cli import main
from latentsweep.orchestrator.signals import Stopped, exit_code, held, signal_of, stop_on_signals
from latentsweep.orchestrator.study import HeldBackend

from ..conftest import config_writer, start_local_ray
from .processes import SLOW_EVENTS, cli_process, progress, queries_by_trial, slow_config, slow_events, wait_until
from .test_initial_experiment import EXPERIMENT
from .test_tuner import journal_study, running_trials, write_tune

GRACE_SECONDS = 10  # what a scheduler gives between SIGTERM and SIGKILL (SLURM's KillWait default is 30)


def test_a_handled_signal_raises_once_in_the_main_thread_and_the_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals():
        with pytest.raises(Stopped) as raised:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler runs between bytecodes
        assert raised.value.signum == signal.SIGTERM and signal_of(raised.value) == signal.SIGTERM
        os.kill(os.getpid(), signal.SIGHUP)  # the first one stops the work; later ones wait for its clean-up
        time.sleep(0.2)
        assert signal_of(KeyboardInterrupt()) == signal.SIGTERM  # Ray re-raises a plain KeyboardInterrupt
    assert signal.getsignal(signal.SIGTERM) is before
    assert exit_code(signal.SIGTERM) == 143 and exit_code(signal.SIGHUP) == 129 and exit_code(signal.SIGINT) == 130


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_inside_a_held_block_stops_the_work_when_the_block_ends(signum, tmp_path):
    """A signal during a journal write waits for the write: Optuna's lock, interrupted between its rename and
    its unlink, raised FileNotFoundError in place of the interruption and the command died with exit 1."""
    backend = HeldBackend(str(tmp_path / "study.journal"))
    finished = []
    with stop_on_signals():
        with pytest.raises(KeyboardInterrupt) as raised:
            with held():
                os.kill(os.getpid(), signum)
                time.sleep(0.5)  # the handler runs between bytecodes: here, inside the block
                backend.append_logs([{"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}])
                finished.append(True)
        assert finished == [True] and signal_of(raised.value) == signum
        assert isinstance(raised.value, Stopped) == (signum != signal.SIGINT)
    assert list(backend.read_logs(0)) == [{"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}]
    assert not list(tmp_path.glob("*.lock*"))  # the lock was given back
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The queries of the run the signal tests stop and resume, run once without a stop (trial ids do not
    depend on the sweep's name)."""
    start_local_ray()
    folder = tmp_path_factory.mktemp("uninterrupted")
    reference = slow_config(config_writer(folder), "reference", seeds=3, iterations=8)
    assert main(["run", str(reference), "--results", str(folder / "results"), "--quiet"]) == 0
    return queries_by_trial(folder / "results" / "reference")


@pytest.mark.parametrize(
    ("signum", "group"),
    [(signal.SIGTERM, False), (signal.SIGHUP, False), (signal.SIGINT, False), (signal.SIGTERM, True)],
    ids=["SIGTERM", "SIGHUP", "SIGINT", "SIGTERM-to-the-group"],
)
def test_a_signal_stops_the_run_cleanly_and_a_resume_ends_as_an_uninterrupted_run(
    ray_instance, write_config, tmp_path, capsys, signum, group, uninterrupted
):
    (tmp_path / "slow.py").write_text(SLOW_EVENTS)
    results = tmp_path / "results"
    stopped = slow_config(write_config, "stopped", seeds=3, iterations=8)
    stopped.write_text('plugins = ["slow.py"]\n' + stopped.read_text())
    folder = results / "stopped"
    command = [sys.executable, "-m", "latentsweep.cli", "run", str(stopped), "--results", str(results), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=slow_events(0.3), start_new_session=True)  # fmt: skip
    assert wait_until(lambda: folder.exists() and progress(folder) >= 3, process=process), process.communicate()
    sent = time.monotonic()
    if group:  # SLURM signals every process of the job step: the driver and Ray's processes alike
        os.killpg(process.pid, signum)
    else:  # `timeout` and Kubernetes signal the main process
        process.send_signal(signum)
    output, errors = process.communicate(timeout=120)
    assert time.monotonic() - sent < GRACE_SECONDS, (output, errors)
    assert process.returncode == 128 + signum, (output, errors)
    name = "Ctrl-C (SIGINT)" if signum == signal.SIGINT else signal.Signals(signum).name
    assert f"interrupted by {name} after" in output, output
    assert f"to go on: latentsweep run {stopped} --results {results}\n" in output
    assert "*** SIGTERM received" not in errors and "Traceback" not in errors, errors
    kept = progress(folder)
    assert kept >= 3  # stored trials and checkpoints stay
    assert main(["run", str(stopped), "--results", str(results), "--quiet"]) == 0
    expected, resumed = uninterrupted, queries_by_trial(folder)
    assert resumed.keys() == expected.keys() and len(resumed) == 6
    for trial, indices in expected.items():
        np.testing.assert_array_equal(resumed[trial], indices)


def test_the_hint_after_an_interrupted_fresh_run_drops_fresh(ray_instance, write_config, tmp_path):
    """`run --fresh` sets the old folder aside and starts over; going on after an interrupt must not set
    aside what the interrupted run stored, so the hint is the command without --fresh."""
    (tmp_path / "slow.py").write_text(SLOW_EVENTS)
    results = tmp_path / "results"
    config = slow_config(write_config, "fresh", seeds=2, iterations=8)
    config.write_text('plugins = ["slow.py"]\n' + config.read_text())
    assert main(["run", str(config), "--results", str(results), "--quiet"]) == 0
    folder = results / "fresh"
    command = [sys.executable, "-m", "latentsweep.cli", "run", str(config), "--results", str(results), "--fresh"]
    process = subprocess.Popen([*command, "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=slow_events(0.3))  # fmt: skip
    set_aside = lambda: any(results.glob("fresh.old-*"))  # noqa: E731
    assert wait_until(lambda: set_aside() and folder.exists() and progress(folder) >= 2, process=process)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 143, output
    assert "the results stored before were set aside in" in output
    assert f"to go on: latentsweep run {config} --results {results}\n" in output and "--fresh" not in output


def test_a_signal_stops_tune_cleanly_and_the_study_goes_on_to_its_budget(ray_instance, tmp_path, capsys):
    """`tune` takes the same path: SIGTERM mid-search exits 143 within the grace period, says how to go on,
    and going on finishes the study's budget of completed Optuna trials."""
    config = write_tune(tmp_path, trials=4, pruner="none", space="gamma = [0.0, 1.0]")
    (tmp_path / "slow.py").write_text(SLOW_EVENTS)
    config.write_text('plugins = ["slow.py"]\n' + config.read_text())
    results = tmp_path / "results"
    process = cli_process(config, results, command="tune", environment=slow_events(0.2))
    assert wait_until(lambda: running_trials(results / "study"), process=process), process.communicate()
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    assert time.monotonic() - sent < GRACE_SECONDS, output
    assert process.returncode == 143, output
    assert "interrupted by SIGTERM: every finished seed and Optuna trial is stored" in output, output
    assert "Traceback" not in output, output
    assert f"to go on: latentsweep tune {config} --results {results}\n" in output, output
    assert main(["tune", str(config), "--results", str(results), "--quiet"]) == 0
    study = journal_study(results / "study")
    assert sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials) == 4


def test_a_signal_stops_initial_cleanly_and_a_resume_stores_what_an_uninterrupted_run_does(ray_instance, tmp_path):
    """`initial` too: SIGHUP once the first query sets are stored exits 129 keeping them, and going on ends
    with the query sets and accuracies of an uninterrupted run."""
    results = tmp_path / "results"
    configs = {}
    for name in ("reference", "stopped"):
        configs[name] = tmp_path / f"{name}.toml"
        configs[name].write_text(textwrap.dedent(EXPERIMENT).replace('name = "table1"', f'name = "{name}"'))
    assert main(["initial", str(configs["reference"]), "--results", str(results), "--quiet"]) == 0
    process = cli_process(configs["stopped"], results, command="initial")
    stored = results / "stopped" / "query_sets"
    assert wait_until(lambda: stored.is_dir() and any(stored.glob("*.parquet")), process=process), process.communicate()
    sent = time.monotonic()
    process.send_signal(signal.SIGHUP)
    output, _ = process.communicate(timeout=120)
    assert time.monotonic() - sent < GRACE_SECONDS, output
    assert process.returncode == 129, output
    assert "interrupted by SIGHUP after" in output and "Traceback" not in output, output
    assert f"to go on: latentsweep initial {configs['stopped']} --results {results}\n" in output, output
    kept = len(pd.read_parquet(stored))
    assert 0 < kept < 56, kept  # stopped mid-run: (1 + 2 x 3) x 2 variants x 2 sizes x 2 seeds in all
    assert main(["initial", str(configs["stopped"]), "--results", str(results), "--quiet"]) == 0
    columns = ["evaluation_id", "indices", "test_accuracy"]
    expected = pd.read_parquet(results / "reference" / "query_sets", columns=columns).set_index("evaluation_id")
    resumed = pd.read_parquet(stored, columns=columns).set_index("evaluation_id")
    assert sorted(resumed.index) == sorted(expected.index) and resumed.index.is_unique
    for evaluation, row in expected.iterrows():
        np.testing.assert_array_equal(resumed.loc[evaluation, "indices"], row["indices"])
        assert resumed.loc[evaluation, "test_accuracy"] == row["test_accuracy"]
