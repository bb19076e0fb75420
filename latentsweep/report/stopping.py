"""When each stopping criterion would have stopped labelling (`stopping.STOPPING`, at its declared
defaults): per criterion, strategy and budget, the labels at the stop against at the end, the labels saved,
and test accuracy there against at the end, read from every finished trial's stored curve."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..protocols import TrialStatus
from ..stopping import STOP_COLUMNS, STOPPING


def stop_points(curves: pd.DataFrame) -> pd.DataFrame:
    """One row per (finished trial, criterion): the label count and test accuracy where the criterion first
    fires (at the end when it never does) and at the end. Empty for stores from before the stop columns."""
    if curves.empty or not all(c in curves for c in (*STOP_COLUMNS, "test_accuracy")):
        return pd.DataFrame()
    measured = curves.groupby("trial_id").stop_uncertainty.transform(lambda v: v.notna().any())
    done = curves[(curves.status == TrialStatus.OK) & measured]  # trials from before the stop columns: none
    rows = []
    for trial_id, curve in done.sort_values("iteration").groupby("trial_id", sort=False):
        columns = {name: curve[name].to_numpy(dtype=np.float64) for name in curve.columns if name in _READ}
        first = curve.iloc[0]
        end = len(curve) - 1
        for name in STOPPING:
            declared = STOPPING.declared(name)
            position = STOPPING[name]({c: columns[c] for c in declared.uses}, declared.defaults())
            at = end if position is None else position
            rows.append({
                "trial_id": trial_id, "criterion": name, "strategy": first.row, "budget": first.budget,
                "representation": first.representation, "classifier": first.classifier, "seed": first.seed,
                "fired": position is not None, "labels_at_stop": int(curve.n_labeled.iloc[at]),
                "labels_at_end": int(curve.n_labeled.iloc[end]), "test_at_stop": float(curve.test_accuracy.iloc[at]),
                "test_at_end": float(curve.test_accuracy.iloc[end]),
            })  # fmt: skip
    return pd.DataFrame(rows)


_READ = {*STOP_COLUMNS, "val_accuracy", "test_accuracy", "n_labeled"}


def stopping_table(points: pd.DataFrame) -> pd.DataFrame:
    """Means over seeds per criterion, strategy and budget (and representation and classifier)."""
    if points.empty:
        return pd.DataFrame()
    points = points.assign(
        saved=points.labels_at_end - points.labels_at_stop, change=points.test_at_stop - points.test_at_end
    )
    keys = ["criterion", "representation", "classifier", "budget", "strategy"]
    table = points.groupby(keys, sort=False).agg(
        trials=("trial_id", "size"),
        fired=("fired", "sum"),
        labels_at_stop=("labels_at_stop", "mean"),
        labels_at_end=("labels_at_end", "mean"),
        labels_saved=("saved", "mean"),
        test_at_stop=("test_at_stop", "mean"),
        test_at_end=("test_at_end", "mean"),
        test_change=("change", "mean"),
    )
    return table.reset_index()


def stopping_section(table: pd.DataFrame) -> str:
    from .documents import markdown

    shown = table.copy()
    for key in ("representation", "classifier", "budget"):
        if shown[key].nunique() == 1:
            shown = shown.drop(columns=key)
    sources = "; ".join(f"{name}: {STOPPING.declared(name).source}" for name in STOPPING)
    return markdown(shown, digits=4) + (
        "\n\nEach criterion at its defaults, read from every finished trial's curve: the label count where it first "
        "fires (the end when it never does; `fired` counts the trials where it did), test accuracy there and at the "
        f"end, their difference, and the labels it would have saved. Sources: {sources}. A run's [stopping] ends "
        "trials at its criterion: their 'end' is that stop."
    )
