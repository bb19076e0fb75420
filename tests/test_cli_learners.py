"""Learners in latent space through the CLI on real digits with a real Ray: four learners crossed with
margin, vote entropy and random in `run` and `report`, and the classifier's parameters searched by `tune`."""

import json

import optuna
import pandas as pd
import pytest

from latentsweep.cli import main

from .conftest import run_once

LEARNERS = """
name = "learners"
seeds = 2
baselines = ["all-labels"]

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[[classifier]]
hidden = [32]
epochs = 40
batch_size = 20
learning_rate = 0.003

[[classifier]]
kind = "logistic"

[[classifier]]
kind = "ensemble"
members = 3
hidden = [32]
epochs = 40
batch_size = 20
learning_rate = 0.003

[[classifier]]
kind = "sklearn"
estimator = "sklearn.ensemble.RandomForestClassifier"
params = { n_estimators = 30 }

[budget]
initial = 30
batch = 20
iterations = 2

[[strategies.list]]
uncertainty = "margin"

[[strategies.list]]
uncertainty = "vote-entropy"

[[strategies.list]]
uncertainty = "random"
"""

LABELS = {
    "mlp": "MLP 32, dropout 0.2",  # no lr: the MLPs share theirs and logistic (L-BFGS) has none
    "logistic": "logistic",
    "ensemble": "ensemble of 3 MLP 32, dropout 0.2",
    "sklearn": "RandomForestClassifier(n_estimators=30)",
}


@pytest.fixture(scope="module")
def learners(tmp_path_factory):
    return run_once(tmp_path_factory, "learners", LEARNERS)


def test_plan_runs_vote_entropy_with_the_ensemble_only(learners, capsys):
    _, config, folder = learners
    assert main(["plan", str(config), "--results", str(folder.parent)]) == 0
    text = capsys.readouterr().out
    assert "trials: 26 = 1 representation x 4 classifiers x (3 strategies + 1 baseline) x 2 seeds, less 6" in text
    assert "vote-entropy/top-k (only with ensemble of 3 MLP 32, dropout 0.2)" in text  # labels of plan: no varying
    assert "classifier RandomForestClassifier(n_estimators=30) (one trial per pack)" in text
    assert "stored: 26 finished" in text


def test_every_learner_learns_and_is_stored_with_its_kind(learners):
    printed, _, folder = learners
    trials = pd.read_parquet(folder / "trials")
    assert len(trials) == 26 and set(trials.status) == {"ok"}
    assert trials.groupby("classifier_kind").size().to_dict() == {"ensemble": 8, "logistic": 6, "mlp": 6, "sklearn": 6}
    voting = trials[trials.strategy == "vote-entropy/top-k"]
    assert set(voting.classifier_kind) == {"ensemble"} and len(voting) == 2
    ensemble = trials[trials.classifier_kind == "ensemble"]
    assert {json.loads(p)["members"] for p in ensemble.classifier_params} == {3}
    forest = trials[trials.classifier_kind == "sklearn"]
    assert set(forest.classifier_estimator) == {"sklearn.ensemble.RandomForestClassifier"}
    assert forest.classifier_hidden.isna().all() and set(forest.pack_size) == {1}
    learners_at_70 = trials[trials.strategy != "all labels"]
    shown = learners_at_70[["strategy", "classifier_kind", "final_test_accuracy"]]
    assert (learners_at_70.final_test_accuracy > 0.4).all(), shown
    full = trials[trials.strategy == "all labels"]
    assert (full.final_test_accuracy > 0.8).all() and set(full.n_labeled) == {1137}
    for kind, label in LABELS.items():
        assert f"  {label}: margin/top-k " in printed, (kind, printed)


def test_the_report_has_a_row_per_learner(learners, tmp_path, capsys):
    _, _, folder = learners
    assert main(["report", str(folder), "--out", str(tmp_path / "report")]) == 0
    table = pd.read_csv(tmp_path / "report" / "classifiers.csv")
    assert sorted(table.classifier) == sorted(LABELS.values())
    summary = pd.read_csv(tmp_path / "report" / "summary.csv")
    assert set(summary.classifier) == set(LABELS.values())
    comparisons = pd.read_csv(tmp_path / "report" / "comparisons.csv")
    paired = comparisons[(comparisons.strategy == "margin/top-k") & comparisons.against.str.startswith("random")]
    assert set(paired.classifier) == set(LABELS.values()) and set(paired.n) == {2}


def test_a_second_run_has_nothing_to_do(learners, capsys):
    _, config, folder = learners
    assert main(["run", str(config), "--results", str(folder.parent)]) == 0
    assert "nothing to do: all 26 planned trials are already stored" in capsys.readouterr().out


def test_tune_searches_the_classifiers_parameters_with_the_strategy(learners, tmp_path, capsys):
    _, config, _ = learners
    text = config.read_text().split("[[classifier]]")[0].replace('name = "learners"', 'name = "tuned"')
    text = text.replace('baselines = ["all-labels"]\n', "")
    text += "[classifier]\nkind = 'ensemble'\nhidden = [32]\nepochs = 40\nbatch_size = 20\nlearning_rate = 0.003\n"
    text += "[budget]\ninitial = 30\nbatch = 20\niterations = 2\n"
    text += "[tune]\ntrials = 4\npruner = 'none'\nfinal_seeds = 2\nsampler = 'random'\n"
    text += "[tune.space]\nuncertainty = ['margin', 'vote-entropy']\n"
    text += "[tune.space.classifier]\nmembers = [2, 4]\nhidden = {choices = [[16], [32, 32]]}\n"
    path = tmp_path / "tuned.toml"
    path.write_text(text)
    results = tmp_path / "results"
    assert main(["tune", str(path), "--results", str(results), "--quiet"]) == 0
    output = capsys.readouterr().out
    assert "final comparison on 2 fresh seeds (2..3), all with ensemble of " in output
    journal = optuna.storages.journal.JournalFileBackend(str(results / "tuned" / "study.journal"))
    storage = optuna.storages.JournalStorage(journal)
    study = optuna.load_study(study_name="tuned", storage=storage)
    trials = pd.read_parquet(results / "tuned" / "trials")
    search = trials[trials.study == "tuned"]
    for trial in study.trials:
        rows = search[search.optuna_trial == trial.number]
        assert len(rows) == 2
        assert {json.loads(p)["members"] for p in rows.classifier_params} == {trial.params["classifier.members"]}
        expected = [int(h) for h in trial.params["classifier.hidden"].split("-")]
        assert all(list(h) == expected for h in rows.classifier_hidden)
        assert set(rows.uncertainty) == {trial.params["uncertainty"]}
    best = study.best_trial
    final = trials[trials.study == "tuned/final"]
    assert set(final.seed) == {2, 3} and {"random", "margin/top-k"} <= set(final.strategy)  # best may be the reference
    assert {json.loads(p)["members"] for p in final.classifier_params} == {best.params["classifier.members"]}
