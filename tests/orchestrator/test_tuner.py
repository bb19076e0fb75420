"""`latentsweep tune` on digits: real Optuna storage (journal file, sqlite), real Ray, real Parquet."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import optuna
import pandas as pd
import pytest

from latentsweep.cli import main

from .processes import SLOW_EVENTS, cli_process, slow_events

TUNE = """
name = "{name}"
seeds = 2

[data]
dataset = "digits"

[[representations]]
kind = "dense-vae"
latent_dim = 8
epochs = 30
hidden = [64, 32]

[classifier]
hidden = [48]
epochs = 8
batch_size = 20

[budget]
initial = 30
batch = 15
iterations = 4

[tune]
trials = {trials}
sampler = "{sampler}"
pruner = "{pruner}"
startup_trials = 2
final_seeds = 3
seed = 0

[tune.fixed]
{fixed}

[tune.space]
{space}
"""

GREEDY_FIXED = 'batch = "greedy"\nrepresentativeness = "density-cosine"'
GREEDY_SPACE = 'uncertainty = ["margin", "entropy"]\ngamma = [0.0, 1.0]\nalpha = [0.0, 1.0]\nbeta = [0.0, 1.0]'


def write_tune(
    tmp_path, name="study", trials=6, sampler="tpe", pruner="median", fixed=GREEDY_FIXED, space=GREEDY_SPACE
):
    path = tmp_path / f"{name}.toml"
    text = TUNE.format(name=name, trials=trials, sampler=sampler, pruner=pruner, fixed=fixed, space=space)
    path.write_text(textwrap.dedent(text))
    return path


def journal_study(folder, name="study"):
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(folder / "study.journal")))
    return optuna.load_study(study_name=name, storage=storage)


def running_trials(folder) -> list:
    """The study's trials in state RUNNING, read while another process writes the journal ([] before the
    study exists)."""
    if not (folder / "study.journal").exists():
        return []
    try:
        study = journal_study(folder)
    except KeyError:  # the journal exists, the study is not created yet
        return []
    return [t for t in study.trials if t.state == optuna.trial.TrialState.RUNNING]


def test_a_study_on_digits_through_the_cli(ray_instance, tmp_path, capsys):
    config = write_tune(tmp_path)
    results = tmp_path / "results"
    assert main(["tune", str(config), "--results", str(results), "--plain"]) == 0
    output = capsys.readouterr().out
    folder = results / "study"
    study = journal_study(folder)
    finished = [t for t in study.trials if t.state.is_finished() and t.state != optuna.trial.TrialState.FAIL]
    assert len(finished) == 6
    assert "best validation objective" in output and "final comparison on 3 fresh seeds (2..4)" in output
    best = study.best_trial
    assert best.params["uncertainty"] in ("margin", "entropy") and 0 <= best.params["gamma"] <= 1
    trials = pd.read_parquet(folder / "trials")
    search = trials[trials.study == "study"]
    assert search["trial_id"].is_unique and set(search["seed"]) == {0, 1}
    assert (search["alpha"] + search["beta"] <= 1 + 1e-12).all()
    assert set(search["optuna_trial"].astype(int)) == {t.number for t in finished}
    for trial in finished:  # both seeds of every Optuna trial are stored, with its strategy
        rows = search[search.optuna_trial == trial.number]
        assert len(rows) == 2 and set(rows["strategy"]) == {trial.user_attrs["strategy"]}
    final = trials[trials.study == "study/final"]
    assert len(final) == 9 and set(final["seed"]) == {2, 3, 4}  # best, random and margin on fresh seeds
    assert final["final_test_accuracy"].between(0, 1).all()
    figures = {p.name for p in (folder / "figures").iterdir()}
    assert {"optimization_history.png", "optimization_history.svg", "slice.png", "contour.svg"} <= figures
    # a second run continues the study: more trials, numbers go on, nothing stored twice; a strategy already
    # stored (the best one, asked for again) is read back, not run again
    study.enqueue_trial(best.params)
    assert main(["tune", str(config), "--results", str(results), "--quiet", "--trials", "8"]) == 0
    assert "(1 read back from the store" in capsys.readouterr().out
    study = journal_study(folder)
    numbers = sorted(t.number for t in study.trials)
    assert numbers == list(range(len(numbers))) and len(numbers) >= 8
    again = pd.read_parquet(folder / "trials")
    assert again["trial_id"].is_unique and len(again[again.study == "study/final"]) >= 9


def test_the_journal_opens_from_a_fresh_process_and_sqlite_works_the_same(ray_instance, tmp_path, capsys):
    config = write_tune(tmp_path, trials=3, pruner="none", space="gamma = [0.0, 1.0]")
    results = tmp_path / "results"
    database = f"sqlite:///{tmp_path / 'study.db'}"
    assert main(["tune", str(config), "--results", str(results), "--quiet", "--storage", database]) == 0
    journal = results / "study" / "study.journal"
    code = textwrap.dedent(
        f"""
        import optuna
        from optuna.storages.journal import JournalFileBackend
        for storage in (optuna.storages.JournalStorage(JournalFileBackend("{journal}")), "{database}"):
            try:
                study = optuna.load_study(study_name="study", storage=storage)
                print(len(study.trials), round(study.best_value, 6))
            except KeyError:
                print("absent")
        """
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = completed.stdout.split("\n")
    assert lines[0] == "absent", completed.stderr  # --storage put the study in the database, not the journal
    count, best = lines[1].split()
    assert int(count) == 3 and 0 < float(best) <= 1


def test_a_bad_region_gets_pruned_and_the_worker_goes_on(ray_instance, tmp_path):
    config = write_tune(
        tmp_path,
        trials=10,
        sampler="random",
        fixed='batch = "top-k"',
        space='uncertainty = ["random", "margin"]\nsubsample = [0.02, 1.0]',
    )
    results = tmp_path / "results"
    assert main(["tune", str(config), "--results", str(results), "--quiet"]) == 0
    study = journal_study(results / "study")
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.PRUNED) >= 1
    assert states.count(optuna.trial.TrialState.COMPLETE) + states.count(optuna.trial.TrialState.PRUNED) == 10, [
        (t.number, t.state.name, t.params, t.user_attrs) for t in study.trials
    ]
    trials = pd.read_parquet(results / "study" / "trials")
    curves = pd.read_parquet(results / "study" / "curves")
    pruned = trials[trials.status == "pruned"]
    assert len(pruned) >= 2  # both seeds of a pruned Optuna trial
    lengths = curves[curves.trial_id.isin(pruned.trial_id)].groupby("trial_id").size()
    assert (lengths < 5).all()  # stopped before the last iteration, partial curves kept
    # Optuna's verdict is the stored seeds' (a stop that came after both seeds had finished leaves a complete trial)
    searched = trials[trials.study == "study"]
    for trial in study.trials:
        seeds = searched[searched.strategy == trial.user_attrs["strategy"]]
        assert len(seeds) == 2 and trial.state.is_finished(), (trial.number, trial.state.name, len(seeds))
        was_pruned = (seeds.status == "pruned").any()
        assert (trial.state == optuna.trial.TrialState.PRUNED) == was_pruned, (trial.number, list(seeds.status))
    # a pruned strategy asked for again (in this run or a later one) is pruned from its stored seeds, not
    # run again: the seeds keep their partial curves, the new trial gets their intermediate values
    victim = next(t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED)
    study.enqueue_trial(victim.params)
    assert main(["tune", str(config), "--results", str(results), "--quiet", "--trials", "11"]) == 0
    again = journal_study(results / "study").trials[-1]
    assert again.params == victim.params and again.state == optuna.trial.TrialState.PRUNED
    victim_rows = trials[(trials.study == "study") & (trials.strategy == victim.user_attrs["strategy"])].trial_id
    victim_curves = curves[curves.trial_id.isin(victim_rows)]
    means = victim_curves.groupby("iteration").val_accuracy.agg(["mean", "size"])
    expected = {step: row["mean"] for step, row in means.iterrows() if row["size"] == len(victim_rows)}
    assert again.intermediate_values == pytest.approx(expected)
    stored = pd.read_parquet(results / "study" / "trials")
    assert len(stored[stored.study == "study"]) == len(trials[trials.study == "study"])  # nothing run again


def test_a_study_on_a_collapsed_vae_ends_with_a_warning(ray_instance, tmp_path, capsys):
    config = write_tune(tmp_path, trials=2, pruner="none", space="gamma = [0.0, 1.0]")
    text = config.read_text().replace('kind = "dense-vae"', 'kind = "conv-vae"').replace("hidden = [64, 32]\n", "")
    config.write_text(text.replace("epochs = 30\n", 'epochs = 2\ninit = "torch"\n'))  # Keras' init would learn a bit
    assert main(["tune", str(config), "--results", str(tmp_path / "r"), "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("warning: representation conv-vae-d8-e2-s0-")
    assert "0 of 8 latent dimensions used" in lines[-1]


def test_a_study_whose_trials_fail_exits_1_and_says_so(ray_instance, tmp_path, capsys):
    """The README's exit codes hold for tune too: active-learning trials that failed in the run make it 1."""
    (tmp_path / "broken_in_tune.py").write_text(
        "from latentsweep.strategies import BATCH_SELECTION\n\n"
        '@BATCH_SELECTION.register("test-broken-in-tune")\n'
        "def broken(candidates, k, rng, params):\n"
        '    raise ValueError("this selector is broken")\n'
    )
    config = write_tune(
        tmp_path, trials=2, pruner="none", fixed='batch = "test-broken-in-tune"', space="gamma = [0.0, 1.0]"
    )
    config.write_text('plugins = ["broken_in_tune.py"]\n' + config.read_text())
    assert main(["tune", str(config), "--results", str(tmp_path / "r"), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "0 complete, 0 pruned, 2 failed" in out
    # the batch rule ignores gamma: the second search trial is the first's strategy (shared while it runs, or
    # read back after), so only the first one's 2 seeds run
    assert "2 active-learning trials failed in this run" in out
    trials = pd.read_parquet(tmp_path / "r" / "study" / "trials")
    assert len(trials) == 2 and (trials["status"] == "failed").all()
    assert trials["error"].str.contains("this selector is broken").all()


def test_a_killed_study_continues_and_reruns_its_orphan_once(ray_instance, tmp_path, capsys):
    config = write_tune(tmp_path, trials=5, pruner="none", space="gamma = [0.0, 1.0]")
    (tmp_path / "slow.py").write_text(SLOW_EVENTS)
    config.write_text('plugins = ["slow.py"]\n' + config.read_text())
    results = tmp_path / "results"
    # a search trial's iterations spread over seconds, so that the trial seen running is still running at the kill
    process = cli_process(config, results, command="tune", environment=slow_events(0.2))
    checkpoints = results / "study" / ".checkpoints"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:  # kill once a search trial is mid-pack
        # an iteration checkpointed while the study has a running trial: the search, not the final comparison
        if checkpoints.is_dir() and any(checkpoints.glob("*.jsonl")) and running_trials(results / "study"):
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    orphans = running_trials(results / "study")
    assert orphans, "killed before any trial was running"
    assert main(["tune", str(config), "--results", str(results), "--quiet"]) == 0
    study = journal_study(results / "study")
    numbers = [t.number for t in study.trials]
    assert numbers == list(range(len(numbers)))
    failed = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert {t.number for t in failed} == {t.number for t in orphans}
    requeued = [t for t in study.trials if "latentsweep_requeued_from" in t.user_attrs]
    assert sorted(t.user_attrs["latentsweep_requeued_from"] for t in requeued) == sorted(t.number for t in orphans)
    for orphan, rerun in zip(sorted(orphans, key=lambda t: t.number), requeued, strict=True):
        assert rerun.params == orphan.params and rerun.state == optuna.trial.TrialState.COMPLETE
    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(finished) == 5 and len(study.trials) == 5 + len(orphans)  # the budget counts finished trials only
    trials = pd.read_parquet(results / "study" / "trials")
    assert trials["trial_id"].is_unique
    # a second restart enqueues nothing again: the orphans were re-run once
    assert main(["tune", str(config), "--results", str(results), "--quiet"]) == 0
    assert len(journal_study(results / "study").trials) == len(study.trials)
    assert "0 re-run after a crash" in capsys.readouterr().out.split("study 'study'")[-1]


@pytest.mark.parametrize("pruner", ["hyperband", "wilcoxon"])
def test_every_pruner_runs_a_study(pruner, ray_instance, tmp_path):
    config = write_tune(tmp_path, trials=4, pruner=pruner, space="gamma = [0.0, 1.0]")
    assert main(["tune", str(config), "--results", str(tmp_path / "r"), "--quiet"]) == 0
    study = journal_study(tmp_path / "r" / "study")
    assert sum(t.state.is_finished() for t in study.trials) == 4
    assert json.loads((tmp_path / "r" / "study" / "sweep.json").read_text())["kind"] == "tune"
