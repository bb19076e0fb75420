"""The papers' tables from the stored rows: per-representation summaries in the layout of thesis Tables
5.4/5.5 (with validation accuracy at label counts, the area under the validation curve with its 95%
interval and the labels needed to reach a fraction of the best), paired comparisons over shared seeds,
the classifier x representation grid of Tables 5.2/5.3, and the second paper's Table 1."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..protocols import TrialStatus
from .data import ACCURACY, ALL_LABELS, Metric
from .statistics import confidence_interval, holm, mean_std, paired_comparison


def _groups(by_classifier: bool) -> list[str]:
    return ["representation", "classifier", "row"] if by_classifier else ["representation", "row"]


def summary_table(
    trials: pd.DataFrame,
    curves: pd.DataFrame,
    at: Sequence[int] = (),
    fraction: float = 0.95,
    *,
    metric: Metric = ACCURACY,
    n_classes: int | None = None,
) -> pd.DataFrame:
    """One row per representation (x classifier) x strategy: n seeds, the final test score (`metric`) mean
    and corrected std, the mean validation score at each label count in `at`, the area under the validation
    curve (mean, 95% CI), and the labels at which the mean validation curve first reaches `fraction` of
    the best final validation score among the strategies of its representation; with `n_classes`, the
    trained labels per class at the end (`labels_per_class`)."""
    ok = trials[trials.status == TrialStatus.OK]
    if ok.empty:
        return pd.DataFrame()
    by_classifier = ok["classifier"].nunique() > 1
    keys = _groups(by_classifier)
    ok_curves = curves[curves.trial_id.isin(ok.trial_id)]
    mean_curves = ok_curves.groupby([*keys, "n_labeled"])[metric.curve].mean()
    rows = []
    for key, group in ok.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        test_mean, test_std = mean_std(group[metric.test])
        auc_mean, _ = mean_std(group[metric.auc])
        low, high = confidence_interval(group[metric.auc], bounds=(0.0, 1.0))  # a score's area
        row = dict(zip(keys, key, strict=True))
        row["strategy"] = row.pop("row")
        row.update(n=len(group), test_mean=test_mean, test_std=test_std)
        if n_classes:
            first = group.iloc[0]
            trained = first.budget_initial + first.budget_iterations * first.budget_batch
            row["labels_per_class"] = float(trained) / n_classes
        curve = mean_curves.loc[key] if key in mean_curves.index.droplevel(-1) else pd.Series(dtype=float)
        for labels in at:
            row[f"val_at_{labels}"] = float(curve.get(labels, math.nan))
        row.update(auc_mean=auc_mean, auc_ci_low=low, auc_ci_high=high, final_val=float(group[metric.final_val].mean()))
        row["_curve"] = curve
        rows.append(row)
    table = pd.DataFrame(rows)
    scope = ["representation", "classifier"] if by_classifier else ["representation"]
    learners = table[table.strategy != ALL_LABELS]
    best = learners.groupby(scope)["final_val"].max()
    reached = []
    for _, row in table.iterrows():
        target = fraction * best.get(tuple(row[s] for s in scope) if len(scope) > 1 else row[scope[0]], math.nan)
        curve = row["_curve"]
        hits = curve.index[curve.to_numpy() >= target] if row.strategy != ALL_LABELS and len(curve) else []
        reached.append(float(hits[0]) if len(hits) else math.nan)
    table[f"labels_to_{round(100 * fraction)}pct"] = reached
    table = table.drop(columns=["_curve", "final_val"])
    order = [table.strategy != ALL_LABELS, -table.test_mean]
    table = table.assign(_all=order[0], _score=order[1]).sort_values([*scope, "_all", "_score"])
    return table.drop(columns=["_all", "_score"]).reset_index(drop=True)


def comparisons_table(trials: pd.DataFrame, baseline: str = "random", *, metric: Metric = ACCURACY) -> pd.DataFrame:
    """Paired comparisons of the final test score over shared seeds, per representation (x classifier):
    each strategy against the baseline and against the best (by mean), Wilcoxon signed-rank and paired
    t p-values, each Holm-corrected over its representation's family, and Cohen's d_z."""
    ok = trials[(trials.status == TrialStatus.OK) & (trials.row != ALL_LABELS)]
    if ok.empty:
        return pd.DataFrame()
    by_classifier = ok["classifier"].nunique() > 1
    scope = ["representation", "classifier"] if by_classifier else ["representation"]
    rows: list[dict[str, Any]] = []
    for scope_key, group in ok.groupby(scope, sort=False):
        scope_key = scope_key if isinstance(scope_key, tuple) else (scope_key,)
        by_seed = group.pivot_table(index="seed", columns="row", values=metric.test, aggfunc="mean")
        means = by_seed.mean().sort_values(ascending=False)
        best = means.index[0]
        family = []
        for against in dict.fromkeys([baseline, best]):
            if against not in by_seed.columns:
                continue
            for strategy in means.index:
                if strategy != against and (against, strategy) not in family:  # each pair once
                    family.append((strategy, against))
        start = len(rows)
        for strategy, against in family:
            test = paired_comparison(by_seed[strategy].to_numpy(), by_seed[against].to_numpy())
            rows.append(
                {
                    **dict(zip(scope, scope_key, strict=True)),
                    "strategy": strategy,
                    "against": against + (" (baseline)" if against == baseline else " (best)"),
                    "n": test.n,
                    "mean_difference": test.mean_difference,
                    "wilcoxon_p": test.wilcoxon_p,
                    "t_p": test.t_p,
                    "effect_size_dz": test.effect_size,
                    "note": test.note,
                }
            )
        for column in ("wilcoxon_p", "t_p"):
            adjusted = holm([row[column] for row in rows[start:]])
            for row, value in zip(rows[start:], adjusted, strict=True):
                row[f"{column}_holm"] = value
    columns = [*scope, "strategy", "against", "n", "mean_difference", "wilcoxon_p", "wilcoxon_p_holm", "t_p",
               "t_p_holm", "effect_size_dz", "note"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def classifier_table(trials: pd.DataFrame, *, metric: Metric = ACCURACY) -> pd.DataFrame:
    """Tables 5.2/5.3: the mean test score of each classifier (rows) trained on every pool label of each
    representation (columns); empty when no full-data rows are stored."""
    full = trials[(trials.status == TrialStatus.OK) & (trials.row == ALL_LABELS)]
    if full.empty:
        return pd.DataFrame()
    table = full.pivot_table(index="classifier", columns="representation", values=metric.test, aggfunc="mean")
    return table.sort_index()


def table_one(
    query_sets: pd.DataFrame, variants: Sequence[str], sizes: Sequence[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The second paper's Table 1: rows autoencoder x sampler (random first), columns variant x size;
    test accuracy in % as 'mean +- corrected std', and a second table of the mean class entropy (nats)."""
    columns = [(variant, size) for variant in variants for size in sizes]
    order = query_sets.drop_duplicates(["autoencoder", "sampler"])[["autoencoder", "sampler"]]
    order = order.assign(_first=order.sampler != "random").sort_values(["_first", "autoencoder"], kind="stable")
    accuracy, entropy = [], []
    for _, key in order.iterrows():
        cells = query_sets[(query_sets.autoencoder == key.autoencoder) & (query_sets.sampler == key.sampler)]
        row_a = {"autoencoder": key.autoencoder, "sampler": key.sampler}
        row_e = dict(row_a)
        for variant, size in columns:
            chosen = cells[(cells.variant == variant) & (cells["size"] == size)]
            name = f"{variant} {size}"
            if chosen.empty:
                row_a[name] = row_e[name] = ""
                continue
            mean, std = mean_std(100 * chosen.test_accuracy)
            row_a[name] = f"{mean:.1f}" + (f" +- {std:.1f}" if np.isfinite(std) else "")
            row_e[name] = f"{chosen.class_entropy.mean():.2f}"
        accuracy.append(row_a)
        entropy.append(row_e)
    return pd.DataFrame(accuracy), pd.DataFrame(entropy)


def readable_summary(table: pd.DataFrame, metric: Metric = ACCURACY) -> pd.DataFrame:
    """The summary with 'mean +- std' and '[low, high]' cells, as a paper prints it."""
    if table.empty:
        return table
    shown = table.copy()
    test = f"test {metric.label}"
    shown[test] = [
        f"{m:.4f} +- {s:.4f}" if math.isfinite(s) else f"{m:.4f}"
        for m, s in zip(table.test_mean, table.test_std, strict=True)
    ]
    shown["val AULC [95% CI]"] = [
        f"{m:.4f} [{lo:.4f}, {hi:.4f}]" if math.isfinite(lo) else f"{m:.4f}"
        for m, lo, hi in zip(table.auc_mean, table.auc_ci_low, table.auc_ci_high, strict=True)
    ]
    drop = ["test_mean", "test_std", "auc_mean", "auc_ci_low", "auc_ci_high"]
    shown = shown.drop(columns=drop)
    shown = shown.rename(columns={"labels_per_class": "labels/class"})
    first = [c for c in ("representation", "classifier", "strategy", "n", "labels/class", test) if c in shown]
    middle = [c for c in shown.columns if c.startswith("val_at_")]
    return shown[[*first, *middle, "val AULC [95% CI]", *[c for c in shown.columns if c.startswith("labels_to_")]]]
