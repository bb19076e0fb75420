"""Every number a reader of `report` and `compare` sees, recomputed here from the Parquet tables alone with a
few lines of pandas and scipy (never through latentsweep.report): the CSV tables to 1e-9, the Markdown tables
to the digits they print, and every Markdown table well formed (one cell per header). Real sweeps on digits:
three strategies, three seeds, two budget regimes, a classifier grid; a second sweep for compare; and a
tuning study, whose report shows its final comparison on fresh seeds only."""

import itertools
import math
import re
import textwrap

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from latentsweep.cli import main
from latentsweep.report.documents import parse_tables

from ..conftest import start_local_ray

SWEEP_A = """
name = "recompute-a"
seeds = 3

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
epochs = 3
batch_size = 20

[classifier.grid]
hidden = [[32], [16, 16]]

[[budgets]]
name = "small"
initial = 20
batch = 10
iterations = 3

[[budgets]]
name = "large"
initial = 40
batch = 20
iterations = 3

[strategies.grid]
uncertainty = ["margin", "entropy", "random"]
"""

SWEEP_B = """
name = "recompute-b"
seeds = 3

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
hidden = [32]
epochs = 3
batch_size = 20

[budget]
initial = 20
batch = 10
iterations = 3

[strategies.grid]
uncertainty = ["margin", "entropy", "random"]
"""

CLASSES = 10  # digits


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    start_local_ray()
    folder = tmp_path_factory.mktemp("recomputed")
    for name, text in (("a", SWEEP_A), ("b", SWEEP_B)):
        config = folder / f"{name}.toml"
        config.write_text(textwrap.dedent(text))
        assert main(["run", str(config), "--results", str(folder / "results"), "--quiet"]) == 0
    report = folder / "report"
    assert main(["report", str(folder / "results" / "recompute-a"), "--out", str(report), "--at", "40,60"]) == 0
    compared = folder / "compared"
    assert main(["compare", str(folder / "results" / "recompute-a"), str(folder / "results" / "recompute-b"),
                 "--out", str(compared)]) == 0  # fmt: skip
    return folder / "results", report, compared


# -- the independent path: the Parquet tables, pandas and scipy ---------------------------------------------


def stored(folder) -> tuple[pd.DataFrame, pd.DataFrame]:
    trials = pd.read_parquet(folder / "trials")
    trials = trials[trials.status == "ok"].copy()
    layers = zip(trials.classifier_hidden, trials.classifier_dropout, strict=True)
    trials["classifier"] = [f"MLP {'-'.join(map(str, h))}, dropout {d:g}" for h, d in layers]
    curves = pd.read_parquet(folder / "curves").merge(trials, on="trial_id", suffixes=("", "_trial"))
    return trials, curves.sort_values(["trial_id", "n_labeled"])


def area(group: pd.DataFrame) -> float:
    x, y = group.n_labeled.to_numpy(float), group.val_accuracy.to_numpy(float)
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2 / (x[-1] - x[0]))


def t_interval(values) -> tuple[float, float]:
    values = np.asarray(values, float)
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    return max(low, 0.0), min(high, 1.0)


def holm(p_values) -> list[float]:
    order = np.argsort(p_values)
    adjusted, running = np.empty(len(p_values)), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted.tolist()


def expected_summary(trials: pd.DataFrame, curves: pd.DataFrame, at=(), fraction=0.95) -> pd.DataFrame:
    areas = curves.groupby("trial_id").apply(area, include_groups=False)
    rows = []
    for (budget, classifier, strategy), group in trials.groupby(["budget_name", "classifier", "strategy"]):
        mine = curves[curves.trial_id.isin(group.trial_id)]
        mean_curve = mine.groupby("n_labeled").val_accuracy.mean()
        low, high = t_interval(areas[group.trial_id])
        row = dict(budget=budget, classifier=classifier, strategy=strategy, n=len(group),
                   test_mean=group.final_test_accuracy.mean(), test_std=group.final_test_accuracy.std(ddof=1),
                   labels_per_class=(group.budget_initial.iloc[0] + group.budget_iterations.iloc[0]
                                     * group.budget_batch.iloc[0]) / CLASSES,
                   auc_mean=areas[group.trial_id].mean(), auc_ci_low=low, auc_ci_high=high,
                   final_val=mean_curve.iloc[-1], curve=mean_curve)  # fmt: skip
        for labels in at:
            row[f"val_at_{labels}"] = mean_curve.get(labels, math.nan)
        rows.append(row)
    table = pd.DataFrame(rows)
    best = table.groupby(["budget", "classifier"]).final_val.max()
    table["labels_to_95pct"] = [
        next((n for n, v in row.curve.items() if v >= fraction * best[(row.budget, row.classifier)]), math.nan)
        for row in table.itertuples()
    ]
    return table.drop(columns=["curve", "final_val"])


def expected_comparisons(trials: pd.DataFrame, baseline="random") -> pd.DataFrame:
    rows = []
    for (budget, classifier), group in trials.groupby(["budget_name", "classifier"]):
        by_seed = group.pivot_table(index="seed", columns="strategy", values="final_test_accuracy")
        best = by_seed.mean().idxmax()
        family = [(s, baseline) for s in by_seed.columns if s != baseline]
        family += [(s, best) for s in by_seed.columns if s != best and (s, best) not in family
                   and (best, s) not in family]  # fmt: skip  (each pair once)
        start = len(rows)
        for strategy, against in family:
            a, b = by_seed[strategy], by_seed[against]
            difference = a - b
            rows.append(dict(budget=budget, classifier=classifier, strategy=strategy, against=against,
                             n=len(difference), mean_difference=difference.mean(),
                             wilcoxon_p=stats.wilcoxon(a, b).pvalue, t_p=stats.ttest_rel(a, b).pvalue,
                             effect_size_dz=difference.mean() / difference.std(ddof=1)))  # fmt: skip
        for column in ("wilcoxon_p", "t_p"):
            for row, value in zip(rows[start:], holm([r[column] for r in rows[start:]]), strict=True):
                row[f"{column}_holm"] = value
    return pd.DataFrame(rows)


def numbers(cell: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", cell)]


def assert_well_formed(text: str) -> list[list[list[str]]]:
    tables = parse_tables(text)
    assert tables
    for table in tables:
        header, *rows = table
        assert all(cell for cell in header), header
        assert all(len(row) == len(header) for row in rows), (header, [r for r in rows if len(r) != len(header)])
    return tables


def close(shown: str, value: float, digits: int = 4) -> bool:
    """A printed number against the value it stands for, to the significant digits it was printed with."""
    if shown == "-":
        return math.isnan(value)
    return float(shown) == pytest.approx(value, rel=0.6 * 10 ** (1 - digits), abs=1e-12)


# -- report ---------------------------------------------------------------------------------------------------


def test_the_summary_csv_is_recomputed_from_the_parquet_tables(sweeps):
    results, report, _ = sweeps
    trials, curves = stored(results / "recompute-a")
    expected = expected_summary(trials, curves, at=(40, 60)).set_index(["budget", "classifier", "strategy"])
    written = pd.read_csv(report / "summary.csv").set_index(["budget", "classifier", "strategy"])
    assert sorted(written.index) == sorted(expected.index) and len(written) == 2 * 2 * 3
    for column in ("n", "test_mean", "test_std", "labels_per_class", "auc_mean", "auc_ci_low", "auc_ci_high",
                   "val_at_40", "val_at_60", "labels_to_95pct"):  # fmt: skip
        for key in expected.index:
            mine, theirs = expected.loc[key, column], written.loc[key, column]
            assert (math.isnan(mine) and math.isnan(theirs)) or theirs == pytest.approx(mine, abs=1e-9), (key, column)


def test_the_paired_comparisons_csv_is_recomputed(sweeps):
    results, report, _ = sweeps
    trials, _ = stored(results / "recompute-a")
    expected = expected_comparisons(trials)
    written = pd.read_csv(report / "comparisons.csv")
    written["against"] = written.against.str.replace(r" \((baseline|best)\)$", "", regex=True)
    keys = ["budget", "classifier", "strategy", "against"]
    merged = expected.merge(written, on=keys, suffixes=("", "_written"))
    assert len(merged) == len(expected) == len(written)
    for column in ("n", "mean_difference", "wilcoxon_p", "t_p", "effect_size_dz", "wilcoxon_p_holm", "t_p_holm"):
        assert np.allclose(merged[column], merged[f"{column}_written"], atol=1e-9), column


def test_the_learning_curve_csv_is_recomputed(sweeps):
    results, report, _ = sweeps
    _, curves = stored(results / "recompute-a")
    expected = curves.groupby(["budget_name", "classifier", "strategy", "n_labeled"]).val_accuracy.agg(
        ["mean", "std", "count"]
    )
    written = pd.read_csv(report / "curves.csv")
    assert len(written) == len(expected) == 2 * 2 * 3 * 4  # budgets x classifiers x strategies x points
    for row in written.itertuples():
        mine = expected.loc[(row.budget, row.classifier, row.strategy, row.n_labeled)]
        assert row.val_mean == pytest.approx(mine["mean"]) and row.val_n == mine["count"] == 3
        assert row.val_std == pytest.approx(mine["std"])


def test_every_table_of_report_md_is_well_formed_and_its_numbers_are_the_recomputed_ones(sweeps):
    results, report, _ = sweeps
    trials, curves = stored(results / "recompute-a")
    expected = expected_summary(trials, curves, at=(40, 60)).set_index(["budget", "classifier", "strategy"])
    text = (report / "report.md").read_text()
    assert_well_formed(text)
    html = (report / "report.html").read_text()
    assert html.count("<table>") == len(parse_tables(text))
    checked = 0
    for section in text.split("\n## ")[1:]:
        heading, _, body = section.partition("\n")
        found = re.fullmatch(r"Test accuracy and learning curves: (\S+) \(budget (\w+): .*\)", heading)
        if not found:
            continue
        budget = found.group(2)
        (table,) = parse_tables(body)
        header, *rows = table
        assert header[:5] == ["classifier", "strategy", "n", "labels/class", "test accuracy"]
        for cells in rows:
            row = dict(zip(header, cells, strict=True))
            mine = expected.loc[(budget, row["classifier"], row["strategy"])]
            mean, std = numbers(row["test accuracy"])
            assert mean == pytest.approx(mine.test_mean, abs=5e-5) and std == pytest.approx(mine.test_std, abs=5e-5)
            assert int(row["n"]) == mine.n and float(row["labels/class"]) == pytest.approx(mine.labels_per_class)
            auc, low, high = numbers(row["val AULC [95% CI]"])
            assert (auc, low, high) == pytest.approx((mine.auc_mean, mine.auc_ci_low, mine.auc_ci_high), abs=5e-5)
            assert close(row["val_at_40"], mine.val_at_40) and close(row["labels_to_95pct"], mine.labels_to_95pct)
            checked += 1
    assert checked == 12


# -- compare --------------------------------------------------------------------------------------------------


def settings(results) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = [stored(results / name) for name in ("recompute-a", "recompute-b")]
    trials = pd.concat([t for t, _ in frames], ignore_index=True)
    curves = pd.concat([c for _, c in frames], ignore_index=True)
    for frame in (trials, curves):
        frame["setting"] = frame.sweep + "/" + frame.classifier + "/" + frame.budget_initial.astype(str)
    return trials, curves


def test_the_penalty_matrix_points_and_ranks_are_recomputed(sweeps):
    results, _, compared = sweeps
    trials, curves = settings(results)
    strategies = sorted(set(trials.strategy))
    beats = {pair: 0.0 for pair in itertools.permutations(strategies, 2)}
    won = dict.fromkeys(beats, 0)
    compared_points = dict.fromkeys(beats, 0)
    for _, setting in curves.groupby("setting"):
        points = sorted(set(setting.n_labeled))
        for n in points:
            at = setting[setting.n_labeled == n].pivot_table(index="seed", columns="strategy", values="val_accuracy")
            for i, j in beats:
                pairs = at[[i, j]].dropna()
                compared_points[i, j] += 1
                difference = pairs[i] - pairs[j]
                if difference.std(ddof=1) == 0:
                    win = difference.mean() > 0
                else:
                    win = difference.mean() > 0 and stats.ttest_rel(pairs[i], pairs[j]).pvalue < 0.05
                beats[i, j] += win / len(points)
                won[i, j] += int(win)
    penalty = pd.read_csv(compared / "penalty_matrix.csv", index_col=0)
    wins = pd.read_csv(compared / "points_won.csv", index_col=0)
    points = pd.read_csv(compared / "points_compared.csv", index_col=0)
    assert trials.setting.nunique() == 5  # a: 2 classifiers x 2 budgets; b: 1
    for i, j in beats:
        assert penalty.loc[i, j] == pytest.approx(beats[i, j], abs=1e-12)
        assert wins.loc[i, j] == won[i, j] and points.loc[i, j] == compared_points[i, j]
    finals = trials.groupby(["setting", "strategy"]).final_test_accuracy.mean().unstack()
    ranks = finals.rank(axis=1, ascending=False).mean()
    written = pd.read_csv(compared / "mean_ranks.csv", index_col=0)["mean rank"]
    assert written.to_dict() == pytest.approx(ranks.to_dict())
    text = (compared / "compare.md").read_text()
    friedman = stats.friedmanchisquare(*[finals[s] for s in finals.columns]).pvalue
    critical = 2.343 * math.sqrt(3 * 4 / (6 * 5))  # Demšar 2006, Table 5a: q_0.05 for k = 3
    assert f"p = {friedman:.4g}" in text and f"at 0.05: {critical:.3f}" in text


def test_every_table_of_compare_md_is_well_formed_and_holds_the_recomputed_settings(sweeps):
    results, _, compared = sweeps
    trials, _ = settings(results)
    text = (compared / "compare.md").read_text()
    tables = assert_well_formed(text)
    every = next(t for t in tables if t[0][:5] == ["sweep", "representation", "classifier", "budget", "strategy"])
    header, *rows = every
    assert len(rows) == 5 * 3
    for cells in rows:
        row = dict(zip(header, cells, strict=True))
        budget = int(row["budget"].split("+")[0])
        group = trials[(trials.sweep == row["sweep"]) & (trials.classifier == row["classifier"])
                       & (trials.budget_initial == budget) & (trials.strategy == row["strategy"])]  # fmt: skip
        assert int(row["n"]) == len(group) == 3
        assert close(row["final test accuracy"], group.final_test_accuracy.mean())
        low, high = t_interval(group.final_test_accuracy)
        assert numbers(row["95% CI"]) == pytest.approx([low, high], abs=5e-5)
    html = (compared / "compare.html").read_text()
    assert re.findall(r"<th>(.*?)</th>", html)[: len(header)] != header  # the penalty table comes first ...
    assert all(f"<th>{name}</th>" in html for name in header)  # ... and every column of this one has its header


# -- a tuning study's folder ----------------------------------------------------------------------------------

TUNE = """
name = "recompute-tune"
seeds = 2

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
hidden = [32]
epochs = 3
batch_size = 20

[budget]
initial = 20
batch = 10
iterations = 3

[tune]
trials = 4
pruner = "none"
final_seeds = 3
startup_trials = 2

[tune.space]
uncertainty = ["margin", "entropy"]
"""


def test_a_tuning_studys_report_shows_its_final_comparison_on_fresh_seeds_only(tmp_path):
    start_local_ray()
    config = tmp_path / "tune.toml"
    config.write_text(textwrap.dedent(TUNE))
    results = tmp_path / "results"
    assert main(["tune", str(config), "--results", str(results), "--quiet"]) == 0
    assert main(["report", str(results / "recompute-tune"), "--out", str(tmp_path / "report")]) == 0
    trials = pd.read_parquet(results / "recompute-tune" / "trials")
    final = trials[trials.study.str.endswith("/final") & (trials.status == "ok")]
    assert set(final.seed) == {2, 3, 4} and set(trials.seed) == {0, 1, 2, 3, 4}
    summary = pd.read_csv(tmp_path / "report" / "summary.csv").set_index("strategy")
    expected = final.groupby("strategy").final_test_accuracy.agg(["mean", "count"])
    assert sorted(summary.index) == sorted(expected.index)
    for strategy, row in expected.iterrows():
        assert summary.loc[strategy, "n"] == row["count"] == 3
        assert summary.loc[strategy, "test_mean"] == pytest.approx(row["mean"], abs=1e-12)
    text = (tmp_path / "report" / "report.md").read_text()
    assert_well_formed(text)
    assert "| labels/class |" in text  # the tune folder's sweep.json has its class counts
    search = trials[~trials.study.str.endswith("/final")]
    assert f"{search.optuna_trial.nunique()} Optuna trials" in text and "## Search" in text
