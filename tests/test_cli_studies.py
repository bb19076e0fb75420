"""The studies the field asks for, through the CLI on real digits with a real Ray: budget regimes, paid
validation, an imbalanced pool, balanced accuracy and macro F1, in `plan`, `run`, `report` and `tune`."""

import json
import re
import textwrap

import numpy as np
import optuna
import pandas as pd
import pytest

from latentsweep.cli import main
from latentsweep.results import learning_curve_area

from .conftest import run_once

STUDY = """
name = "study"
seeds = 2

[data]
dataset = "digits"

[data.imbalance]
rule = "long-tail"
ratio = 5

[[representations]]
kind = "pixels"

[classifier]
hidden = [32]
epochs = 4
batch_size = 20

[[budgets]]
name = "low"
initial = 10
batch = 10
iterations = 2
validation = 10

[[budgets]]
name = "high"
initial = 60
batch = 40
iterations = 2
validation = 30

[[budgets]]
name = "free"
initial = 30
batch = 20
iterations = 2

[[strategies.list]]
uncertainty = "margin"

[[strategies.list]]
uncertainty = "random"
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """One run of a sweep with three budgets (two paying for validation) on a long-tail pool; its printed
    output, config and results folder."""
    return run_once(tmp_path_factory, "study", STUDY)


def test_plan_lists_the_budgets_their_labels_per_class_and_the_long_tail_pool(study, capsys):
    _, config, folder = study
    assert main(["plan", str(config), "--results", str(folder.parent)]) == 0
    text = capsys.readouterr().out
    assert "pool long-tail, ratio 5 (classes by label, seed 0)" in text
    pool = [int(n) for n in re.search(r"pool: \d+ examples, per class \[([\d, ]+)\]", text).group(1).split(",")]
    head = pool[0]
    assert pool == [int(np.floor(head * 5 ** (-r / 9) + 1e-9)) for r in range(10)]  # n_r = n_max * 5^(-r/9)
    assert "trials: 12 = 1 representation x 2 strategies x 3 budgets x 2 seeds" in text
    assert "budget low: 10 + 2 x 10 = 30 labels + 10 paid validation, 3 trained labels per class at the end" in text
    assert "budget free: 30 + 2 x 20 = 70 labels, 7 trained labels per class at the end; validation: the free" in text
    assert "stored: 12 finished" in text


def test_every_trial_is_stored_with_its_budget_both_validation_curves_and_balanced_metrics(study):
    printed, _, folder = study
    for budget in ("low", "high", "free"):
        assert re.search(rf"budget {budget}: margin/top-k +0\.\d+ \+- 0\.\d+ +\(n=2\)", printed), printed
    info = json.loads((folder / "sweep.json").read_text())
    assert info["data"]["imbalance"] == {"rule": "long-tail", "ratio": 5.0, "order": "label", "seed": 0}
    pool = info["class_counts"]["pool"]
    assert pool[-1] == pool[0] // 5 and sorted(pool, reverse=True) == pool  # the tail: a fifth of the head
    assert sum(info["class_counts"]["val"]) == 300  # validation and test as they were
    trials = pd.read_parquet(folder / "trials")
    assert len(trials) == 12 and set(trials.status) == {"ok"}
    by_budget = trials.groupby("budget_name")
    assert by_budget.budget_validation.first().to_dict() == {"free": 0, "high": 30, "low": 10}
    assert by_budget.n_labeled.first().to_dict() == {"free": 70, "high": 170, "low": 40}  # paid labels counted
    for column in ("final_test_balanced_accuracy", "final_test_macro_f1"):
        assert trials[column].between(0.05, 1).all(), column
    curves = pd.read_parquet(folder / "curves").merge(trials[["trial_id", "budget_name"]], on="trial_id")
    low = curves[curves.budget_name == "low"]
    assert sorted(set(low.n_labeled)) == [20, 30, 40]
    paid = curves[curves.budget_name != "free"]
    free = curves[curves.budget_name == "free"]
    assert paid.heldout_val_accuracy.notna().all() and free.heldout_val_accuracy.isna().all()
    assert curves.val_balanced_accuracy.notna().all() and curves.val_macro_f1.notna().all()
    # measured on 10 paid labels: multiples of 1/10; on the 300 free ones they are not
    assert np.allclose(low.val_accuracy * 10, np.round(low.val_accuracy * 10))
    assert not np.allclose(low.heldout_val_accuracy * 10, np.round(low.heldout_val_accuracy * 10))


def test_report_by_balanced_accuracy_gives_every_table_and_figure_per_budget(study, tmp_path, capsys):
    _, _, folder = study
    out = tmp_path / "report"
    assert main(["report", str(folder), "--out", str(out), "--metric", "balanced_accuracy"]) == 0
    assert "test balanced accuracy, mean +- corrected std over seeds:" in capsys.readouterr().out
    summary = pd.read_csv(out / "summary.csv")
    assert list(dict.fromkeys(summary.budget)) == ["low", "free", "high"]  # by labels bought
    assert dict(zip(summary.budget, summary.labels_per_class, strict=False)) == {"low": 3.0, "free": 7.0, "high": 14.0}
    trials = pd.read_parquet(folder / "trials")
    for (budget, strategy), group in trials.groupby(["budget_name", "strategy"]):
        row = summary[(summary.budget == budget) & (summary.strategy == strategy)].iloc[0]
        assert row.test_mean == pytest.approx(group.final_test_balanced_accuracy.mean())
        curves = pd.read_parquet(folder / "curves").set_index("trial_id").sort_values("n_labeled")
        areas = [
            learning_curve_area(list(curves.loc[t].n_labeled), list(curves.loc[t].val_balanced_accuracy))
            for t in group.trial_id
        ]
        assert row.auc_mean == pytest.approx(np.mean(areas))
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert set(comparisons.budget) == {"low", "free", "high"}
    text = (out / "report.md").read_text()
    for budget, described in (("low", "10 + 2 x 10 = 30 labels + 10 paid validation"), ("free", "30 + 2 x 20 = 70")):
        assert "Test balanced accuracy and learning curves: pixels" in text
        assert f"(budget {budget}: {described}" in text
    figures = {p.name for p in (out / "figures").iterdir()}
    for budget in ("low", "high", "free"):
        assert {f"learning_curves_{budget}.png", f"all_seeds_{budget}.png"} <= figures
    assert {"heldout_learning_curves_low.png", "heldout_learning_curves_high.png"} <= figures
    assert "heldout_learning_curves_free.png" not in figures  # its validation is the free part already


def test_a_second_run_has_nothing_to_do(study, capsys):
    _, config, folder = study
    assert main(["run", str(config), "--results", str(folder.parent)]) == 0
    assert "nothing to do: all 12 planned trials are already stored" in capsys.readouterr().out


def test_the_report_metric_of_the_config_is_what_run_and_report_score(study, tmp_path, capsys):
    config = study[1]
    text = config.read_text().replace('name = "study"', 'name = "scored"').replace("seeds = 2", "seeds = 1")
    text = text.split("[[budgets]]")[0] + "[budget]\ninitial = 30\nbatch = 20\niterations = 1\n"
    text += '[[strategies.list]]\nuncertainty = "margin"\n[report]\nmetric = "macro_f1"\n'
    path = tmp_path / "scored.toml"
    path.write_text(text)
    results = tmp_path / "results"
    assert main(["run", str(path), "--results", str(results)]) == 0
    output = capsys.readouterr().out
    stored = pd.read_parquet(results / "scored" / "trials").final_test_macro_f1.iloc[0]
    assert "test macro F1, mean +- corrected std over seeds:\n  margin/top-k" in output
    assert f"{stored:.4f}" in output
    assert main(["report", str(results / "scored"), "--out", str(tmp_path / "again")]) == 0  # the stored default
    assert pd.read_csv(tmp_path / "again" / "summary.csv").test_mean.iloc[0] == pytest.approx(stored)


def test_tune_scores_the_paid_validation_by_the_metric_it_names(ray_instance, tmp_path, capsys):
    text = STUDY.split("[[budgets]]")[0].replace('name = "study"', 'name = "tuned"')
    text += "[budget]\ninitial = 20\nbatch = 10\niterations = 2\nvalidation = 20\n"
    text += '[tune]\ntrials = 2\npruner = "none"\nfinal_seeds = 0\nobjective = "final"\nmetric = "macro_f1"\n'
    text += '[tune.fixed]\nbatch = "random-partitions"\n[tune.space]\nuncertainty = ["margin", "entropy"]\n'
    path = tmp_path / "tuned.toml"
    path.write_text(textwrap.dedent(text))
    results = tmp_path / "results"
    assert main(["tune", str(path), "--results", str(results), "--quiet"]) == 0
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(results / "tuned" / "study.journal"))
    )
    study = optuna.load_study(study_name="tuned", storage=storage)
    trials = pd.read_parquet(results / "tuned" / "trials")
    curves = pd.read_parquet(results / "tuned" / "curves")
    for trial in study.trials:
        ids = trials[trials.optuna_trial == trial.number].trial_id
        last = curves[curves.trial_id.isin(ids) & (curves.iteration == 2)]
        assert len(last) == 2 and set(last.n_labeled) == {60}  # 20 paid + 20 + 2 x 10
        assert trial.value == pytest.approx(last.val_macro_f1.mean())  # paid labels, macro F1
        assert trial.value != pytest.approx(last.val_accuracy.mean())
