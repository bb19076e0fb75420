"""The report's tables on a tiny store written by hand, checked against numbers computed by hand."""

import math

import numpy as np
import pytest
from scipy import stats

from latentsweep.engine import BudgetSpec, IterationRecord, StrategySpec, TrialResult, TrialSpec
from latentsweep.report import comparisons_table, load_results, summary_table
from latentsweep.results import ResultStore

BUDGET = BudgetSpec(initial=100, batch=100, iterations=2)
MARGIN = StrategySpec(uncertainty="margin")
RANDOM = StrategySpec(uncertainty="random")


def result(strategy, seed, curve, test):
    spec = TrialSpec("digits", "pixels-x", strategy, budget=BUDGET, seed=seed)
    rows = [
        IterationRecord(i, 100 * (i + 1), accuracy, 1.0, 0.1, 0.0, np.arange(100 * i, 100 * (i + 1)))
        for i, accuracy in enumerate(curve)
    ]
    return TrialResult(spec=spec, iterations=rows, test_accuracy=test)


@pytest.fixture
def store(tmp_path):
    store = ResultStore(tmp_path, "tiny")
    store.open({"data": {"dataset": "digits"}})
    curves = {
        (MARGIN, 0): ([0.5, 0.7, 0.9], 0.90),
        (MARGIN, 1): ([0.5, 0.8, 0.9], 0.92),
        (MARGIN, 2): ([0.6, 0.8, 0.9], 0.94),
        (RANDOM, 0): ([0.5, 0.6, 0.7], 0.80),
        (RANDOM, 1): ([0.5, 0.6, 0.8], 0.83),
        (RANDOM, 2): ([0.6, 0.6, 0.8], 0.83),
    }
    for (strategy, seed), (curve, test) in curves.items():
        store.write_trial(result(strategy, seed, curve, test))
    return store


def test_summary_by_hand(store):
    results = load_results(store.folder)
    table = summary_table(results.trials, results.curves, at=(200,), fraction=0.95).set_index("strategy")
    margin, random = table.loc["margin/top-k"], table.loc["random"]
    assert margin.n == 3 and margin.test_mean == pytest.approx(0.92) and margin.test_std == pytest.approx(0.02)
    assert random.test_mean == pytest.approx(0.82) and random.test_std == pytest.approx(math.sqrt(0.0003))
    # validation at 200 labels: mean of 0.7, 0.8, 0.8
    assert margin.val_at_200 == pytest.approx(0.7667, abs=1e-4)
    # AULC of seed 0 = ((0.5 + 0.7) / 2 + (0.7 + 0.9) / 2) / 2 = 0.7; seeds 1, 2: 0.75, 0.775
    assert margin.auc_mean == pytest.approx((0.7 + 0.75 + 0.775) / 3)
    low, high = stats.t.interval(0.95, 2, loc=np.mean([0.7, 0.75, 0.775]), scale=stats.sem([0.7, 0.75, 0.775]))
    assert margin.auc_ci_low == pytest.approx(low) and margin.auc_ci_high == pytest.approx(high)
    # best final validation 0.9 (margin); 95% = 0.855: margin's mean curve 0.533, 0.767, 0.9 reaches it at 300
    # labels; random's 0.533, 0.6, 0.767 never does
    assert margin.labels_to_95pct == 300 and math.isnan(random.labels_to_95pct)
    assert list(table.index) == ["margin/top-k", "random"]  # best first


def test_comparisons_by_hand(store):
    results = load_results(store.folder)
    table = comparisons_table(results.trials, baseline="random")
    assert list(zip(table.strategy, table.against, strict=True)) == [("margin/top-k", "random (baseline)")]
    row = table.iloc[0]
    margin, random = [0.90, 0.92, 0.94], [0.80, 0.83, 0.83]
    assert row.n == 3 and row.mean_difference == pytest.approx(0.1)
    assert row.t_p == pytest.approx(stats.ttest_rel(margin, random).pvalue)
    assert row.wilcoxon_p == pytest.approx(stats.wilcoxon(margin, random).pvalue)
    assert row.t_p_holm == pytest.approx(row.t_p)  # a family of one
    assert "cannot reach p < 0.05" in row.note


def test_a_family_is_holm_corrected(store):
    entropy = StrategySpec(uncertainty="entropy")
    for seed, test in enumerate([0.85, 0.86, 0.90]):
        store.write_trial(result(entropy, seed, [0.5, 0.7, 0.8], test))
    results = load_results(store.folder)
    table = comparisons_table(results.trials, baseline="random")
    pairs = list(zip(table.strategy, table.against, strict=True))
    assert ("entropy/top-k", "random (baseline)") in pairs and ("entropy/top-k", "margin/top-k (best)") in pairs
    for scope in ["random (baseline)"]:
        family = table[table.against == scope]
        assert (family.t_p_holm >= family.t_p - 1e-12).all()
    # the whole family of the representation: 3 tests, the smallest p multiplied by 3
    smallest = table.t_p.min()
    assert table.t_p_holm.min() == pytest.approx(min(1.0, 3 * smallest))
