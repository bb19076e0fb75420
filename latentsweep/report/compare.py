"""Conclusions across sweeps (`latentsweep compare`): the pairwise penalty matrix of Ash et al. (2020,
section 4), mean ranks with the Friedman test and a critical-difference diagram (Demšar 2006), and one
table of every setting's final metric and area under the learning curve.

A setting is one (sweep folder, representation, classifier, budget); strategies match across settings by
their label. Only what the store holds is read; nothing is written into the folders read.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..results import atomic_write_bytes
from ..results.schema import FINAL_COMPARISON
from .data import ALL_LABELS, ReportError, load_results
from .statistics import confidence_interval
from .tables import markdown

METRICS = ("final_test_accuracy", "val_accuracy_auc")
FINAL_TAG = f"/{FINAL_COMPARISON}"  # a tuning study's final comparison, on seeds its search never saw
# Nemenyi's critical values q_0.05 for k = 2..10 methods (Demšar 2006, Table 5a)
NEMENYI_Q05 = {2: 1.960, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.850, 7: 2.949, 8: 3.031, 9: 3.102, 10: 3.164}


@dataclass
class Comparison:
    """What `compare` wrote and found: the matrix, the ranks, the per-setting table and notes."""

    folder: Path
    penalty: pd.DataFrame
    ranks: pd.DataFrame
    settings: pd.DataFrame
    friedman_p: float = math.nan
    critical_difference: float = math.nan
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def penalty_matrix(curves: pd.DataFrame, strategies: Sequence[str], alpha: float = 0.05) -> pd.DataFrame:
    """P[i, j]: over settings, the share of a setting's L learning-curve points (label counts) at which
    strategy i beats j, a paired two-sided t-test over their shared seeds with p < alpha and a positive mean
    difference, each point adding 1/L (Ash et al. 2020, section 4). curves: setting, row, seed, n_labeled,
    val_accuracy. The column sums say how often a strategy is beaten; the row sums how often it wins."""
    from scipy import stats

    matrix = pd.DataFrame(0.0, index=list(strategies), columns=list(strategies))
    for _, setting in curves.groupby("setting", sort=False):
        points = sorted(set(setting.n_labeled))
        by = setting.pivot_table(index=["n_labeled", "seed"], columns="row", values="val_accuracy")
        for n in points:
            at = by.loc[n]
            for i, j in itertools.permutations([s for s in strategies if s in at.columns], 2):
                pairs = at[[i, j]].dropna()
                if len(pairs) < 2:
                    continue
                difference = pairs[i] - pairs[j]
                if difference.std(ddof=1) == 0:
                    beats = difference.mean() > 0  # every seed the same margin: as certain as it gets
                else:
                    beats = difference.mean() > 0 and stats.ttest_rel(pairs[i], pairs[j]).pvalue < alpha
                if beats:
                    matrix.loc[i, j] += 1.0 / len(points)
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


def _settings(folders: Sequence[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every folder's ok trials and curves, with a `setting` column naming its setting."""
    trials, curves = [], []
    names = [Path(f).resolve().name for f in folders]
    for folder, name in zip(folders, names, strict=True):
        results = load_results(folder)
        ok = results.trials[(results.trials.status == "ok") & (results.trials.row != ALL_LABELS)].copy()
        if "study" in ok and ok["study"].astype(str).str.endswith(FINAL_TAG).any():
            ok = ok[ok["study"].astype(str).str.endswith(FINAL_TAG)]  # a study: its final comparison on fresh seeds
        if ok.empty:
            raise ReportError(f"{folder}: no finished trial to compare")
        shared = ok.groupby("row")["seed"].apply(set)
        if len(shared) > 1 and not set.intersection(*shared):
            raise ReportError(f"{folder}: its strategies share no seed (a paired comparison needs the same seeds)")
        budget = (
            ok.budget_initial.astype(str) + "+" + ok.budget_iterations.astype(str) + "x" + ok.budget_batch.astype(str)
        )
        paid = ok.budget_validation.fillna(0).astype(
            int
        )  # stores from before paid validation measured on the free part
        budget = budget.where(paid == 0, budget + " (" + paid.astype(str) + " paid validation)")
        several = names.count(name) > 1
        label = str(folder) if several else name
        ok["setting"] = label + " | " + ok.representation + " | " + ok.classifier + " | " + budget
        trials.append(ok)
        part = results.curves.merge(ok[["trial_id", "setting"]], on="trial_id", how="inner")
        curves.append(part)
    return pd.concat(trials, ignore_index=True), pd.concat(curves, ignore_index=True)


def compare(
    folders: Sequence[str | Path], out: str | Path, *, metric: str = "final_test_accuracy", alpha: float = 0.05
) -> Comparison:
    """Reads the sweep folders and writes compare.html, compare.md, CSVs and figures into `out`."""
    from . import figures
    from .build import write_documents

    folders = [Path(f) for f in folders]
    out = Path(out)
    for folder in folders:
        if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
            raise ReportError(f"--out {out}: inside {folder}; compare never writes into the folders it reads")
    trials, curves = _settings(folders)
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
    penalty = penalty_matrix(curves, strategies, alpha)
    ranks = mean_ranks(per_setting[shared])
    comparison = Comparison(
        folder=out,
        penalty=penalty,
        ranks=ranks.rename("mean rank").to_frame(),
        settings=_setting_table(trials, metric),
        friedman_p=friedman(per_setting[shared]),
        critical_difference=critical_difference(len(shared), len(per_setting.index)),
        notes=notes,
    )
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for name, table in (
        ("penalty_matrix", penalty),
        ("mean_ranks", comparison.ranks),
        ("settings", comparison.settings),
    ):
        path = out / f"{name}.csv"
        atomic_write_bytes(path, table.to_csv().encode())
        comparison.files.append(path)
    heat = figures.penalty_heatmap(penalty, out / "figures" / "penalty_matrix")
    diagram = figures.critical_difference_diagram(ranks, comparison.critical_difference, out / "figures" / "ranks")
    comparison.files += heat + diagram
    sections = _sections(comparison, metric, alpha, heat, diagram)
    intro = f"{len(folders)} result folders, {len(per_setting.index)} settings, {len(strategies)} strategies."
    comparison.files += write_documents(out, "latentsweep compare", intro, sections, stem="compare")
    return comparison


def _setting_table(trials: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = []
    for (setting, strategy), group in trials.groupby(["setting", "row"], sort=True):
        final = group["final_test_accuracy"]
        low, high = confidence_interval(final, bounds=(0.0, 1.0))
        auc_low, auc_high = confidence_interval(group["val_accuracy_auc"], bounds=(0.0, 1.0))
        rows.append({
            "setting": setting, "strategy": strategy, "n": len(group),
            "final test accuracy": float(final.mean()), "95% CI": f"[{low:.4f}, {high:.4f}]",
            "AUBC": float(group["val_accuracy_auc"].mean()), "AUBC 95% CI": f"[{auc_low:.4f}, {auc_high:.4f}]",
        })  # fmt: skip
    return pd.DataFrame(rows).set_index(["setting", "strategy"])


def _sections(comparison: Comparison, metric: str, alpha: float, heat: list[Path], diagram: list[Path]) -> list:
    penalty = comparison.penalty.copy()
    penalty.loc["times beaten (column sum)"] = penalty.sum(axis=0)
    friedman_text = (
        f"Friedman test over settings: p = {comparison.friedman_p:.4g}; Nemenyi critical difference of mean "
        f"ranks at 0.05: {comparison.critical_difference:.3f}."
        if np.isfinite(comparison.friedman_p)
        else "Friedman test: needs at least three shared strategies and two settings."
    )
    sections = [
        (
            "Pairwise penalty matrix (Ash et al. 2020)",
            markdown(penalty.reset_index(names="row beats column"), digits=3)
            + f"\n\nEntry (i, j): over the settings, the share of learning-curve points (label counts) where i "
            f"beats j in a paired two-sided t-test over shared seeds (p < {alpha:g}); each point adds 1/L of "
            "its setting's L points.",
            [p for p in heat if p.suffix == ".png"],
        ),
        (
            f"Mean ranks by {metric} (1 = best)",
            markdown(comparison.ranks.reset_index(names="strategy"), digits=3) + "\n\n" + friedman_text,
            [p for p in diagram if p.suffix == ".png"],
        ),
        ("Every setting", markdown(comparison.settings.reset_index(), digits=4), []),
    ]
    if comparison.notes:
        sections.append(("Notes", "\n".join(comparison.notes), []))
    return sections
