"""`latentsweep compare`: the penalty matrix, ranks and Friedman test against values computed by hand, and
the command on three real sweeps, opened in a real browser."""

import math

import pandas as pd
import pytest

from latentsweep.cli import main
from latentsweep.report.compare import critical_difference, friedman, mean_ranks, penalty_matrix

from .browser import images_and_tables


def curve_rows(setting, strategy, n_labeled, accuracies):
    return [dict(setting=setting, row=strategy, seed=seed, n_labeled=n_labeled, val_accuracy=value)
            for seed, value in enumerate(accuracies)]  # fmt: skip


def test_the_penalty_matrix_follows_the_papers_rule_by_hand():
    # setting s1, two points (L = 2). At 10 labels A - B = [0.10, 0.12, 0.11]: t = 0.11 / (0.01 / sqrt 3) = 19.05,
    # df 2, two-sided p = 1 - t / sqrt(2 + t^2) = 0.0027 < 0.05: A beats B, +1/2. At 20 labels the
    # differences [0.1, -0.1, 0.05] are not significant. Setting s2 has one point (L = 1) where B - A =
    # [0.2, 0.21, 0.19]: B beats A, +1.
    rows = (
        curve_rows("s1", "A", 10, [0.60, 0.62, 0.61]) + curve_rows("s1", "B", 10, [0.50, 0.50, 0.50])
        + curve_rows("s1", "A", 20, [0.70, 0.60, 0.70]) + curve_rows("s1", "B", 20, [0.60, 0.70, 0.65])
        + curve_rows("s2", "A", 30, [0.50, 0.50, 0.50]) + curve_rows("s2", "B", 30, [0.70, 0.71, 0.69])
    )  # fmt: skip
    matrix = penalty_matrix(pd.DataFrame(rows), ["A", "B"])
    assert matrix.loc["A", "B"] == pytest.approx(0.5) and matrix.loc["B", "A"] == pytest.approx(1.0)
    assert matrix.loc["A", "A"] == 0 and matrix.loc["B", "B"] == 0


def test_ranks_friedman_and_the_critical_difference_by_hand():
    # four settings, three strategies; ranks per setting (1 = best): [1, 2, 3], [1, 3, 2], [1, 2, 3], [2, 1, 3]
    table = pd.DataFrame({"a": [0.9, 0.8, 0.7, 0.5], "b": [0.8, 0.6, 0.6, 0.6], "c": [0.7, 0.7, 0.5, 0.4]})
    ranks = mean_ranks(table)
    assert ranks.to_dict() == {"a": 1.25, "b": 2.0, "c": 2.75}
    # chi2_F = 12 N / (k (k + 1)) (sum R^2 - k (k + 1)^2 / 4) = 12*4/12 * (1.5625 + 4 + 7.5625 - 12) = 4.5; df 2:
    # p = exp(-4.5 / 2) = 0.1054
    assert friedman(table) == pytest.approx(math.exp(-2.25), rel=1e-9)
    assert critical_difference(3, 4) == pytest.approx(2.343 * math.sqrt(3 * 4 / 24))


SWEEP = """
name = "{name}"
seeds = 3

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
hidden = [32]
epochs = {epochs}
batch_size = 20

[budget]
initial = 20
batch = 10
iterations = 3

[strategies.grid]
uncertainty = ["margin", "random", "entropy"]
"""


def test_compare_on_three_sweeps_writes_the_matrix_ranks_and_tables_and_they_open(ray_instance, tmp_path, capsys):
    results = tmp_path / "results"
    for name, epochs in (("short", 2), ("medium", 4), ("long", 8)):
        config = tmp_path / f"{name}.toml"
        config.write_text(SWEEP.format(name=name, epochs=epochs))
        assert main(["run", str(config), "--results", str(results), "--quiet"]) == 0
    before = sorted(p.relative_to(results) for p in results.rglob("*"))
    out = tmp_path / "compared"
    folders = [str(results / name) for name in ("short", "medium", "long")]
    assert main(["compare", *folders, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "mean ranks by final test accuracy over 3 settings:" in printed
    assert sorted(p.relative_to(results) for p in results.rglob("*")) == before  # nothing written where it read
    penalty = pd.read_csv(out / "penalty_matrix.csv", index_col=0)
    assert list(penalty.index) == list(penalty.columns) and len(penalty) == 3
    assert ((penalty >= 0) & (penalty <= 3)).all().all() and all(penalty.loc[s, s] == 0 for s in penalty.index)
    ranks = pd.read_csv(out / "mean_ranks.csv", index_col=0)["mean rank"]
    assert ranks.sum() == pytest.approx(6.0)  # 1 + 2 + 3 in every setting
    assert len(pd.read_csv(out / "settings.csv")) == 9
    assert images_and_tables(out / "compare.html", tmp_path) == (2, 2, 4)  # the heat map, the diagram


def test_compare_refuses_what_it_cannot_read_or_must_not_write(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such sweep folder" in capsys.readouterr().err
    folder = tmp_path / "results" / "sweep"
    folder.mkdir(parents=True)
    (folder / "sweep.json").write_text("{}")
    assert main(["compare", str(folder), "--out", str(folder / "compare")]) == 2
    assert "compare never writes into the folders it reads" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["sweep.json"]


def test_strategies_missing_from_a_setting_are_named_not_dropped(tmp_path, capsys):
    """The two committed stores share margin/top-k and random; the others are named in a note."""
    stored = __import__("pathlib").Path(__file__).parent.parent / "stored"
    folders = [str(stored / "before-init" / "results" / "stored"), str(stored / "before-params" / "results" / "stored")]
    assert main(["compare", *folders, "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "note: badge@0.5 is missing from" in printed
    ranks = pd.read_csv(tmp_path / "out" / "mean_ranks.csv", index_col=0)
    assert sorted(ranks.index) == ["margin/top-k", "random"]
    assert "## Notes" in (tmp_path / "out" / "compare.md").read_text()


def test_a_folder_whose_strategies_share_no_seed_is_refused(tmp_path, capsys):
    """Paired tests need the same seeds: a store where each strategy ran on other seeds is named."""
    import numpy as np

    from latentsweep.engine import BudgetSpec, StrategySpec, TrialSpec
    from latentsweep.engine.events import IterationRecord, TrialResult
    from latentsweep.results import ResultStore

    store = ResultStore(tmp_path / "results", "apart")
    store.open()
    for seed, uncertainty in ((0, "margin"), (1, "random")):
        spec = TrialSpec("digits", "pixels-1a2b3c4d", StrategySpec(uncertainty=uncertainty), budget=BudgetSpec(2, 1, 0),
                         seed=seed)  # fmt: skip
        record = IterationRecord(0, 2, 0.5, 0.5, 0.0, 0.0, np.array([0, 1]))
        store.write_trial(TrialResult(spec=spec, iterations=[record], test_accuracy=0.5))
    assert main(["compare", str(store.folder), "--out", str(tmp_path / "out")]) == 2
    assert "apart: its strategies share no seed" in capsys.readouterr().err
