"""Conclusions across sweeps (`latentsweep compare`): the pairwise penalty matrix of Ash et al. (2020,
section 4), mean ranks with the Friedman test and a critical-difference diagram (Demšar 2006), and one
table of every setting's final score and area under the learning curve.

A setting is one (sweep folder, representation, classifier, budget); strategies match across settings by
their label. A tuning study's folder contributes its final comparison (fresh seeds), never its search.
Only what the store holds is read; nothing is written into the folders read.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.metrics import METRICS
from ..protocols import TrialStatus
from ..results import atomic_write_bytes
from .data import ALL_LABELS, Metric, ReportError, load_results, with_metric
from .documents import markdown
from .statistics import confidence_interval

# what ranks the strategies: a metric's final test score or the area under its validation curve
COMPARE_METRICS = tuple(f"final_test_{m}" for m in METRICS) + tuple(f"val_{m}_auc" for m in METRICS)
SEPARATOR = " · "  # between the parts of a setting's name (never '|', which splits Markdown cells)
# Nemenyi's critical values q_0.05 for k = 2..10 methods (Demšar 2006, Table 5a)
NEMENYI_Q05 = {2: 1.960, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.850, 7: 2.949, 8: 3.031, 9: 3.102, 10: 3.164}


def metric_of(name: str) -> Metric:
    """The Metric a compare metric scores ('val_macro_f1_auc' -> macro_f1)."""
    if name not in COMPARE_METRICS:
        raise ReportError(f"--metric {name!r}: expected one of {', '.join(COMPARE_METRICS)}")
    return Metric(name.removeprefix("final_test_") if name.startswith("final_test_") else name[4:-4])


def describe_metric(name: str) -> str:
    """'final test accuracy', 'area under the validation macro F1 curve'."""
    metric = metric_of(name)
    if name.startswith("final_test_"):
        return f"final test {metric.label}"
    return f"area under the validation {metric.label} curve"


@dataclass
class Comparison:
    """What `compare` wrote and found: the penalty matrix and the points behind it, the ranks, the
    per-setting table and notes."""

    folder: Path
    penalty: pd.DataFrame
    wins: pd.DataFrame
    points: pd.DataFrame
    ranks: pd.DataFrame
    settings: pd.DataFrame
    n_settings: int = 0
    friedman_p: float = math.nan
    critical_difference: float = math.nan
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def pairwise_outcomes(
    curves: pd.DataFrame, strategies: Sequence[str], alpha: float = 0.05, column: str = "val_accuracy"
) -> pd.DataFrame:
    """One row per setting, learning-curve point (label count) and ordered pair (i, j) of strategies that
    both have at least two shared seeds there: whether i beats j (a paired two-sided t-test over the shared
    seeds with p < alpha and a positive mean difference; every seed the same positive margin counts as a
    win), and L, the setting's number of points. curves: setting, row, seed, n_labeled, `column`."""
    from scipy import stats

    rows = []
    for setting, part in curves.groupby("setting", sort=False):
        points = sorted(set(part.n_labeled))
        by = part.pivot_table(index=["n_labeled", "seed"], columns="row", values=column)
        for n in points:
            at = by.loc[n]
            for i, j in itertools.permutations([s for s in strategies if s in at.columns], 2):
                pairs = at[[i, j]].dropna()
                if len(pairs) < 2:
                    continue
                difference = pairs[i] - pairs[j]
                if difference.std(ddof=1) == 0:
                    beats = bool(difference.mean() > 0)  # every seed the same margin: as certain as it gets
                else:
                    beats = bool(difference.mean() > 0 and stats.ttest_rel(pairs[i], pairs[j]).pvalue < alpha)
                rows.append({"setting": setting, "n_labeled": n, "i": i, "j": j, "beats": beats, "L": len(points)})
    return pd.DataFrame(rows, columns=["setting", "n_labeled", "i", "j", "beats", "L"])


def penalty_matrix(
    curves: pd.DataFrame, strategies: Sequence[str], alpha: float = 0.05, column: str = "val_accuracy"
) -> pd.DataFrame:
    """P[i, j] = sum over settings of (points where i beats j) / L, L the setting's number of points (Ash et
    al. 2020, section 4): a setting's points add up to 1, so an entry lies in [0, number of settings]. The
    column sums say how often a strategy is beaten; the row sums how often it wins."""
    outcomes = pairwise_outcomes(curves, strategies, alpha, column)
    return _matrix(outcomes.assign(value=outcomes.beats / outcomes.L), strategies)


def points_won(
    curves: pd.DataFrame, strategies: Sequence[str], alpha: float = 0.05, column: str = "val_accuracy"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(W, P): W[i, j] the learning-curve points (over every setting) where i beats j, P[i, j] the points
    where the two were compared (both with at least two shared seeds)."""
    outcomes = pairwise_outcomes(curves, strategies, alpha, column)
    return (
        _matrix(outcomes.assign(value=outcomes.beats.astype(float)), strategies).astype(int),
        _matrix(outcomes.assign(value=1.0), strategies).astype(int),
    )


def _matrix(outcomes: pd.DataFrame, strategies: Sequence[str]) -> pd.DataFrame:
    matrix = pd.DataFrame(0.0, index=list(strategies), columns=list(strategies))
    for (i, j), value in outcomes.groupby(["i", "j"])["value"].sum().items():
        matrix.loc[i, j] = value
    return matrix


def mean_ranks(table: pd.DataFrame) -> pd.Series:
    """Rank of each strategy (columns) in each setting (rows) by the metric, 1 = best, ties averaged; the
    mean over settings."""
    return table.rank(axis=1, ascending=False, method="average").mean(axis=0).sort_values()


def friedman(table: pd.DataFrame) -> float:
    """Friedman's test p over the settings (rows) of k >= 3 strategies (columns); NaN when it cannot run."""
    from scipy import stats

    complete = table.dropna()
    if complete.shape[1] < 3 or complete.shape[0] < 2:
        return math.nan
    return float(stats.friedmanchisquare(*[complete[c] for c in complete.columns]).pvalue)


def critical_difference(k: int, n: int) -> float:
    """Nemenyi's critical difference of mean ranks at alpha 0.05: q sqrt(k (k + 1) / (6 N)) (Demšar 2006)."""
    if k not in NEMENYI_Q05 or n < 1:
        return math.nan
    return NEMENYI_Q05[k] * math.sqrt(k * (k + 1) / (6.0 * n))


def _budget_label(trials: pd.DataFrame) -> pd.Series:
    """'100+6x50', and ' (100 paid validation)' where the budget pays for validation labels."""
    budget = trials.budget_initial.astype(str) + "+" + trials.budget_iterations.astype(str)
    budget = budget + "x" + trials.budget_batch.astype(str)
    paid = trials.budget_validation.fillna(0).astype(int)  # stores from before paid validation: 0
    return budget.where(paid == 0, budget + " (" + paid.astype(str) + " paid validation)")


def _settings(folders: Sequence[Path], metric: Metric) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every folder's ok trials and curves, with the parts of their setting (sweep, representation,
    classifier, budget) and its name (`setting`)."""
    trials, curves = [], []
    names = [Path(f).resolve().name for f in folders]
    for folder, name in zip(folders, names, strict=True):
        results = load_results(folder)
        with_metric(results, metric.name)
        ok = results.trials[(results.trials.status == TrialStatus.OK) & (results.trials.row != ALL_LABELS)].copy()
        if ok.empty:
            raise ReportError(f"{folder}: no finished trial to compare")
        shared = ok.groupby("row")["seed"].apply(set)
        if len(shared) > 1 and not set.intersection(*shared):
            raise ReportError(f"{folder}: its strategies share no seed (a paired comparison needs the same seeds)")
        ok["sweep"] = str(folder) if names.count(name) > 1 else name
        ok["budget_label"] = _budget_label(ok)
        parts = ["sweep", "representation", "classifier", "budget_label"]
        ok["setting"] = ok[parts].astype(str).agg(SEPARATOR.join, axis=1)
        trials.append(ok)
        curves.append(results.curves.merge(ok[["trial_id", "setting"]], on="trial_id", how="inner"))
    return pd.concat(trials, ignore_index=True), pd.concat(curves, ignore_index=True)


def compare(
    folders: Sequence[str | Path], out: str | Path, *, metric: str = "final_test_accuracy", alpha: float = 0.05
) -> Comparison:
    """Reads the sweep folders and writes compare.html, compare.md, CSVs and figures into `out`."""
    from . import figures
    from .documents import write_documents

    sweeps = [Path(f) for f in folders]
    out = Path(out)
    scored = metric_of(metric)
    for folder in sweeps:
        if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
            raise ReportError(f"--out {out}: inside {folder}; compare never writes into the folders it reads")
    trials, curves = _settings(sweeps, scored)
    per_setting = trials.groupby(["setting", "row"])[metric].mean().unstack("row")
    strategies = [s for s in per_setting.columns if per_setting[s].notna().sum() >= 1]
    shared = [s for s in strategies if per_setting[s].notna().all()]
    if len(per_setting.index) > 1 and len(shared) < 2:
        raise ReportError(f"compare: the folders share fewer than two strategies ({', '.join(shared) or 'none'})")
    notes = [
        f"{s} is missing from {', '.join(per_setting.index[per_setting[s].isna()])}"
        for s in strategies
        if s not in shared
    ]
    if len(per_setting.index) == 1:
        notes.append(
            f"one setting ({per_setting.index[0]}): its ranks are this setting's order and the Friedman test needs "
            "two or more; compare sweep folders of other data sets, representations, classifiers or budgets"
        )
    outcomes = pairwise_outcomes(curves, strategies, alpha, scored.curve)
    wins = _matrix(outcomes.assign(value=outcomes.beats.astype(float)), strategies).astype(int)
    points = _matrix(outcomes.assign(value=1.0), strategies).astype(int)
    ranks = mean_ranks(per_setting[shared])
    comparison = Comparison(
        folder=out,
        penalty=_matrix(outcomes.assign(value=outcomes.beats / outcomes.L), strategies),
        wins=wins,
        points=points,
        ranks=ranks.rename("mean rank").to_frame(),
        settings=_setting_table(trials, scored),
        n_settings=len(per_setting.index),
        friedman_p=friedman(per_setting[shared]),
        critical_difference=critical_difference(len(shared), len(per_setting.index)),
        notes=notes,
    )
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for name, table in (
        ("penalty_matrix", comparison.penalty),
        ("points_won", comparison.wins),
        ("points_compared", comparison.points),
        ("mean_ranks", comparison.ranks),
    ):
        path = out / f"{name}.csv"
        atomic_write_bytes(path, table.to_csv().encode())
        comparison.files.append(path)
    path = out / "settings.csv"
    atomic_write_bytes(path, comparison.settings.to_csv(index=False).encode())
    comparison.files.append(path)
    heat = figures.penalty_heatmap(comparison.penalty, comparison.n_settings, out / "figures" / "penalty_matrix")
    diagram = figures.critical_difference_diagram(ranks, comparison.critical_difference, out / "figures" / "ranks")
    comparison.files += heat + diagram
    sections = _sections(comparison, metric, alpha, heat, diagram)
    intro = f"{len(folders)} result folders, {comparison.n_settings} settings, {len(strategies)} strategies."
    comparison.files += write_documents(out, "latentsweep compare", intro, sections, stem="compare")
    return comparison


def _setting_table(trials: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """Every setting and strategy: n seeds, the final test score and the area under the validation curve,
    each with its 95% t interval."""
    rows = []
    keys = ["sweep", "representation", "classifier", "budget_label", "row"]
    for (sweep, representation, classifier, budget, strategy), group in trials.groupby(keys, sort=True):
        final, area = group[metric.test], group[metric.auc]
        low, high = confidence_interval(final, bounds=(0.0, 1.0))
        auc_low, auc_high = confidence_interval(area, bounds=(0.0, 1.0))
        rows.append({
            "sweep": sweep, "representation": representation, "classifier": classifier, "budget": budget,
            "strategy": strategy, "n": len(group),
            f"final test {metric.label}": float(final.mean()), "95% CI": f"[{low:.4f}, {high:.4f}]",
            "AUBC": float(area.mean()), "AUBC 95% CI": f"[{auc_low:.4f}, {auc_high:.4f}]",
        })  # fmt: skip
    return pd.DataFrame(rows)


def won_lines(comparison: Comparison) -> list[str]:
    """Per strategy, where it beat the others: 'margin/top-k beats entropy/top-k at 7 of 14 points, ...'."""
    lines = []
    for strategy in comparison.wins.index:
        beaten = [
            f"{other} at {comparison.wins.loc[strategy, other]} of {comparison.points.loc[strategy, other]} points"
            for other in comparison.wins.columns
            if other != strategy and comparison.points.loc[strategy, other] > 0
        ]
        if beaten:
            lines.append(f"{strategy} beats " + ", ".join(beaten))
    return lines


def _sections(comparison: Comparison, metric: str, alpha: float, heat: list[Path], diagram: list[Path]) -> list:
    penalty = comparison.penalty.copy()
    penalty.loc["times beaten (column sum)"] = penalty.sum(axis=0)
    friedman_text = (
        f"Friedman test over settings: p = {comparison.friedman_p:.4g}; Nemenyi critical difference of mean "
        f"ranks at 0.05: {comparison.critical_difference:.3f}."
        if np.isfinite(comparison.friedman_p)
        else "Friedman test: needs at least three shared strategies and two settings."
    )
    won = comparison.wins.astype(str) + " of " + comparison.points.astype(str)
    for strategy in won.index:
        won.loc[strategy, strategy] = "-"
    curve = metric_of(metric).curve
    sections = [
        (
            "Pairwise penalty matrix (Ash et al. 2020)",
            markdown(penalty.reset_index(names="row beats column"), digits=3)
            + f"\n\nEntry (i, j): the sum over the {comparison.n_settings} settings of the share of each setting's "
            f"learning-curve points (label counts, `{curve}`) where i beats j in a paired two-sided t-test over "
            f"shared seeds (p < {alpha:g}): each point adds 1/L of its setting's L points, so an entry lies between "
            f"0 and {comparison.n_settings}, the number of settings.",
            [p for p in heat if p.suffix == ".png"],
        ),
        (
            "Learning-curve points won (row beats column)",
            markdown(won.reset_index(names="row beats column"))
            + "\n\nOf the points where both were compared (at least two shared seeds), over every setting.",
            [],
        ),
        (
            f"Mean ranks by {describe_metric(metric)} (1 = best)",
            markdown(comparison.ranks.reset_index(names="strategy"), digits=3) + "\n\n" + friedman_text,
            [p for p in diagram if p.suffix == ".png"],
        ),
        ("Every setting", markdown(comparison.settings, digits=4), []),
    ]
    if comparison.notes:
        sections.append(("Notes", "\n".join(comparison.notes), []))
    return sections
