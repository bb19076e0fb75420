"""After the thesis, through the CLI on real digits with a real Ray: logistic regression as scikit-learn
solves it (recomputed from the stored labelled sets), the underfit flag, stopping criteria in the report
(recomputed from the stored curves by a loop of this file's own) and as a run's [stopping], EPIG with an
ensemble, semi-supervised learners, and a store of the main before these keys resuming with nothing to run."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score

from latentsweep.cli import main
from latentsweep.data import load_splits

from .conftest import run_once

STUDY = """
name = "after"
seeds = 2

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[[classifier]]
kind = "logistic"

[[classifier]]                 # the issue's committee: 10 epochs of 150 labels are 20 steps
kind = "ensemble"
hidden = [64]
epochs = 10
members = 3

[[classifier]]
kind = "sklearn"
estimator = "sklearn.semi_supervised.LabelSpreading"
params = { kernel = "knn", n_neighbors = 7 }
unlabelled = 600

[budget]
initial = 50
batch = 25
iterations = 4

[[strategies.list]]
uncertainty = "margin"

[[strategies.list]]
uncertainty = "random"

[[strategies.list]]
uncertainty = "epig"
mc_samples = 3
targets = 40
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return run_once(tmp_path_factory, "after", STUDY)


def labelled_sets(folder: Path) -> dict[str, np.ndarray]:
    """Each trial's labelled set from its stored queries: every iteration's indices, in order."""
    queries = pd.read_parquet(folder / "queries").sort_values(["trial_id", "iteration"])
    return {tid: np.concatenate(list(part.indices)) for tid, part in queries.groupby("trial_id")}


def test_logistic_trials_are_scikit_learns_answer_on_their_labels(study):
    _, _, folder = study
    splits = load_splits("digits")
    pool = splits.pool.reshape(len(splits.pool), -1).astype(np.float64)
    test = splits.test.reshape(len(splits.test), -1)
    trials = pd.read_parquet(folder / "trials")
    logistic = trials[trials.classifier_kind == "logistic"]
    assert len(logistic) == 4 and set(logistic.status) == {"ok"}
    sets = labelled_sets(folder)
    for row in logistic.itertuples():
        chosen = sets[row.trial_id]
        assert len(chosen) == row.n_labeled == 150
        reference = LogisticRegression().fit(pool[chosen], splits.pool_labels[chosen])
        assert abs(row.final_test_accuracy - reference.score(test, splits.test_labels)) <= 0.005
        probs = reference.predict_proba(pool[chosen])
        loss = -np.log(probs[np.arange(len(chosen)), np.searchsorted(reference.classes_, splits.pool_labels[chosen])])
        assert row.final_train_loss == pytest.approx(loss.mean(), abs=2e-3)
        assert row.final_test_accuracy > 0.8  # RMSprop for 40 steps gave 0.20 here


def test_the_committee_underfits_and_the_run_says_how_to_fix_it(study, tmp_path):
    """The committee's loss on its own labels stays near what knowing only their class frequencies scores
    (the labels' entropy, recomputed here from the stored queries); logistic regression's does not."""
    printed, _, folder = study
    trials = pd.read_parquet(folder / "trials")
    curves = pd.read_parquet(folder / "curves")
    last = curves.sort_values("iteration").groupby("trial_id").tail(1).set_index("trial_id")
    np.testing.assert_allclose(trials.set_index("trial_id").final_train_accuracy, last.train_accuracy[trials.trial_id])
    labels = load_splits("digits").pool_labels
    for trial_id, chosen in labelled_sets(folder).items():
        p = np.bincount(labels[chosen], minlength=10) / len(chosen)
        entropy = -(p[p > 0] * np.log(p[p > 0])).sum()
        assert trials.set_index("trial_id").final_label_entropy[trial_id] == pytest.approx(entropy, rel=1e-9)
    warnings = [line for line in printed.splitlines() if line.startswith("warning:") and "underfit" in line]
    assert len(warnings) == 1, printed
    ensemble = trials[trials.classifier_kind == "ensemble"]
    share = (ensemble.final_train_loss / ensemble.final_label_entropy).mean()
    assert share > 0.5
    assert f"its loss on its own 150 labels at the end is {share:.0%} of what knowing only" in warnings[0]
    assert f"training accuracy {ensemble.final_train_accuracy.mean():.2f}" in warnings[0]
    assert "ensemble of 3 MLP 64" in warnings[0] and "after 20 optimiser steps" in warnings[0]
    assert "min_steps = 500 (or more epochs) in [classifier]" in warnings[0]
    logistic = trials[trials.classifier_kind == "logistic"]
    assert (logistic.final_train_loss / logistic.final_label_entropy).max() < 0.5
    assert main(["report", str(folder), "--out", str(tmp_path / "report")]) == 0
    table = pd.read_csv(tmp_path / "report" / "learners.csv").set_index("classifier")
    ok = trials[trials.status == "ok"]
    for label, row in table.iterrows():
        kind = {"logistic": "logistic", "ensemble": "ensemble"}.get(label.split(" ")[0], "sklearn")
        mine = ok[ok.classifier_kind == kind]
        assert row.trials == len(mine) and row.train_accuracy == pytest.approx(mine.final_train_accuracy.mean())
        assert row.loss_share == pytest.approx((mine.final_train_loss / mine.final_label_entropy).mean())
        assert row.underfit == (kind == "ensemble")
    assert "Underfit: the learner ensemble of 3 MLP 64" in (tmp_path / "report" / "report.md").read_text()


def _first(values, holds) -> int | None:
    for position, value in enumerate(values):
        if holds(position, value):
            return position
    return None


def test_where_each_criterion_would_have_stopped(study, tmp_path):
    """Recomputed from the stored curves: kappa by scikit-learn is not available for stored predictions, so
    each criterion is read as its paper states it, by this loop, at the declared defaults."""
    _, _, folder = study
    assert main(["report", str(folder), "--out", str(tmp_path / "report")]) == 0
    table = pd.read_csv(tmp_path / "report" / "stopping.csv")
    curves = pd.read_parquet(folder / "curves").sort_values(["trial_id", "iteration"])
    trials = pd.read_parquet(folder / "trials").set_index("trial_id")
    rules = {
        "stabilizing-predictions": lambda c: _first(
            c.stop_agreement.rolling(3).mean(), lambda p, v: v >= 0.99),
        "overall-uncertainty": lambda c: _first(c.stop_uncertainty, lambda p, v: v <= 0.1),
        "max-confidence": lambda c: _first(c.stop_max_uncertainty, lambda p, v: v <= 0.3),
        "classification-change": lambda c: _first(c.stop_changed, lambda p, v: v <= 0.0),
        "validation-plateau": lambda c: _first(
            c.val_accuracy, lambda p, v: p >= 3 and c.val_accuracy.iloc[p - 3 : p + 1].max()
            <= c.val_accuracy.iloc[: p - 2].max() + 0.005),
    }  # fmt: skip
    found = []
    for trial_id, curve in curves.groupby("trial_id"):
        curve = curve.reset_index(drop=True)
        trial = trials.loc[trial_id]
        assert curve.test_accuracy.iloc[-1] == pytest.approx(trial.final_test_accuracy)
        for name, rule in rules.items():
            at = rule(curve)
            stop = len(curve) - 1 if at is None else at
            found.append({"criterion": name, "strategy": trial.strategy, "classifier_kind": trial.classifier_kind,
                          "labels": curve.n_labeled.iloc[stop], "test": curve.test_accuracy.iloc[stop],
                          "fired": at is not None})  # fmt: skip
    mine = pd.DataFrame(found)
    kinds = {"logistic": "logistic", "ensemble": "ensemble"}
    table["classifier_kind"] = table.classifier.map(lambda label: kinds.get(label.split(" ")[0], "sklearn"))
    expected = mine.groupby(["criterion", "classifier_kind", "strategy"]).agg(
        labels=("labels", "mean"), test=("test", "mean"), fired=("fired", "sum"), trials=("labels", "size")
    )
    shown = table.set_index(["criterion", "classifier_kind", "strategy"]).sort_index()
    assert len(shown) == len(expected) == 5 * 7  # 7 learner-strategy pairs: EPIG needs posterior samples
    for key, row in expected.iterrows():
        assert shown.loc[key, "labels_at_stop"] == pytest.approx(row.labels)
        assert shown.loc[key, "test_at_stop"] == pytest.approx(row.test)
        assert shown.loc[key, "fired"] == row.fired and shown.loc[key, "trials"] == row.trials
        assert shown.loc[key, "labels_saved"] == pytest.approx(150 - row.labels)


def test_the_stop_set_agreement_is_cohens_kappa(study):
    """The stop set's kappa is scikit-learn's between successive models' predictions: checked where the
    models' predictions can be recomputed, for the logistic trials (convex: refit from the stored labels)."""
    _, _, folder = study
    from latentsweep.stopping import stop_set

    splits = load_splits("digits")
    pool = splits.pool.reshape(len(splits.pool), -1).astype(np.float64)
    rows = stop_set(len(pool))
    queries = pd.read_parquet(folder / "queries").sort_values(["trial_id", "iteration"])
    curves = pd.read_parquet(folder / "curves").sort_values(["trial_id", "iteration"])
    trials = pd.read_parquet(folder / "trials")
    trial_id = trials[trials.classifier_kind == "logistic"].trial_id.iloc[0]
    steps = [np.concatenate(list(queries[queries.trial_id == trial_id].indices.iloc[: i + 1])) for i in range(5)]
    predicted = [LogisticRegression().fit(pool[s], splits.pool_labels[s]).predict(pool[rows]) for s in steps]
    stored = curves[curves.trial_id == trial_id].stop_agreement.to_numpy()
    assert np.isnan(stored[0])
    for i in range(1, 5):
        assert stored[i] == pytest.approx(cohen_kappa_score(predicted[i], predicted[i - 1]), abs=0.02)


def test_epig_and_label_spreading_run_with_the_learners_that_serve_them(study):
    _, _, folder = study
    trials = pd.read_parquet(folder / "trials")
    assert set(trials[trials.uncertainty == "epig"].classifier_kind) == {"ensemble"}
    spreading = trials[trials.classifier_estimator == "sklearn.semi_supervised.LabelSpreading"]
    assert len(spreading) == 4 and set(spreading.status) == {"ok"}
    assert {json.loads(p)["unlabelled"] for p in spreading.classifier_params} == {600}
    # with 600 unlabelled examples beside 150 labels, label spreading beats the labels alone (logistic)
    logistic = trials[trials.classifier_kind == "logistic"]
    assert spreading.final_test_accuracy.mean() > logistic.final_test_accuracy.mean()


STOPPED = STUDY.split("[[classifier]]")[0] + """
[classifier]
kind = "logistic"

[budget]
initial = 30
batch = 10
iterations = 12

[[strategies.list]]
uncertainty = "margin"
"""


def test_a_runs_stopping_ends_trials_complete_where_the_criterion_fires(tmp_path, capsys):
    """The same trials with and without [stopping]: the stopped ones query exactly the unstopped ones' first
    batches, end where the criterion first holds on their curve, and are complete (status ok)."""
    config = tmp_path / "stopped.toml"
    config.write_text(STOPPED.replace('name = "after"', 'name = "stopped"')
                      + '\n[stopping]\ncriterion = "classification-change"\nthreshold = 0.02\n')  # fmt: skip
    free = tmp_path / "free.toml"
    free.write_text(STOPPED.replace('name = "after"', 'name = "free"'))
    assert main(["plan", str(config), "--results", str(tmp_path / "results")]) == 0
    assert "stopping: classification-change[threshold=0.02] (Zhu et al. 2008): a trial ends" in capsys.readouterr().out
    for path in (config, free):
        assert main(["run", str(path), "--results", str(tmp_path / "results"), "--quiet"]) == 0
    stopped = pd.read_parquet(tmp_path / "results" / "stopped" / "trials").set_index("seed")
    unstopped = pd.read_parquet(tmp_path / "results" / "free" / "trials").set_index("seed")
    assert set(stopped.status) == {"ok"} and set(stopped.stopping) == {"classification-change[threshold=0.02]"}
    assert unstopped.stopping.isna().all() and unstopped.stopped_by.isna().all()
    curves = pd.read_parquet(tmp_path / "results" / "stopped" / "curves").sort_values("iteration")
    free_curves = pd.read_parquet(tmp_path / "results" / "free" / "curves").sort_values("iteration")
    for seed, trial in stopped.iterrows():
        curve = curves[curves.trial_id == trial.trial_id]
        full = free_curves[free_curves.trial_id == unstopped.loc[seed, "trial_id"]]
        at = _first(full.stop_changed, lambda p, v: v <= 0.02)
        assert at is not None and at < 12, full.stop_changed.tolist()  # the criterion fires on these curves
        assert trial.stopped_by == "classification-change" and len(curve) == at + 1
        assert trial.n_labeled == 30 + 10 * at < unstopped.loc[seed, "n_labeled"]
        np.testing.assert_allclose(curve.val_accuracy, full.val_accuracy.iloc[: at + 1])
        assert trial.final_test_accuracy == pytest.approx(full.test_accuracy.iloc[at])
    sets = labelled_sets(tmp_path / "results" / "stopped")
    free_sets = labelled_sets(tmp_path / "results" / "free")
    for seed, trial in stopped.iterrows():
        chosen = sets[trial.trial_id]
        np.testing.assert_array_equal(chosen, free_sets[unstopped.loc[seed, "trial_id"]][: len(chosen)])


STORED_BEFORE_STOPPING = Path(__file__).parent / "stored" / "before-stopping"


def test_a_store_of_the_main_before_these_keys_resumes_with_nothing_to_run(tmp_path, capsys):
    """Written by the main of 2026-12-06 (52bb977): an MLP and an ensemble (before min_steps), TypiClust
    (before kmeans and max_clusters), BALD, vote entropy after ProbCover. Today's code finds its 9 trials
    stored, and writes nothing."""
    shutil.copytree(STORED_BEFORE_STOPPING, tmp_path / "stored")
    config, results = tmp_path / "stored" / "sweep.toml", tmp_path / "stored" / "results"
    before = {p.relative_to(results): p.read_bytes() for p in results.rglob("*") if p.is_file()}
    assert main(["plan", str(config), "--results", str(results)]) == 0
    assert "stored: 9 finished (skipped), 0 failed" in capsys.readouterr().out
    assert main(["run", str(config), "--results", str(results)]) == 0
    assert "nothing to do: all 9 planned trials are already stored" in capsys.readouterr().out
    assert {p.relative_to(results): p.read_bytes() for p in results.rglob("*") if p.is_file()} == before
