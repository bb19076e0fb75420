"""Did the learners fit their labelled sets? A learner trained for a set number of optimiser steps
(`ClassifierKind.steps`) whose loss on its own labels at the end has not moved far from what knowing only
the labels' class frequencies scores underfit: every comparison of strategies built on it compares
undertrained models (committees of undertrained MLPs make committee measures look bad, and a strategy's
gain may only be a longer fit). Read from the trials' stored final training loss, label entropy and
accuracy.

Training accuracy alone cannot say it: the labels a strategy like margin picks are the hard ones, and the
thesis' MLP, well trained (its test accuracy above its training accuracy), ends at 0.71 on them."""

from __future__ import annotations

import math

import pandas as pd

from ..classifiers import CLASSIFIERS
from ..protocols import TrialStatus

# A learner whose mean training loss is above this share of its labels' entropy (the loss of predicting the
# class frequencies alone: log C for balanced labels) has hardly learnt its labels: it underfit.
UNDERFIT_SHARE = 0.5


def _steps(kind) -> bool:
    kind = kind if isinstance(kind, str) and kind in CLASSIFIERS else "mlp"  # stores from before the registry
    return bool(CLASSIFIERS.declared(kind).steps)


def fit_table(trials: pd.DataFrame) -> pd.DataFrame:
    """Per classifier and budget: finished trials, mean and lowest final training accuracy, mean final
    training loss, the mean share of their labels' entropy it is, and whether the learner underfit (trained by
    steps, mean share above UNDERFIT_SHARE). Empty for stores from before these columns."""
    needed = ("final_train_accuracy", "final_train_loss", "final_label_entropy")
    if any(c not in trials for c in needed) or trials.final_train_loss.isna().all():
        return pd.DataFrame()
    done = trials[(trials.status == TrialStatus.OK) & trials.final_train_loss.notna()]
    if done.empty:
        return pd.DataFrame()
    kinds = done.get("classifier_kind", pd.Series("mlp", index=done.index))
    done = done.assign(by_steps=kinds.map(_steps), share=done.final_train_loss / done.final_label_entropy)
    grouped = done.groupby(["classifier", "budget"], sort=False)
    table = grouped.agg(
        trials=("trial_id", "size"),
        train_accuracy=("final_train_accuracy", "mean"),
        lowest=("final_train_accuracy", "min"),
        train_loss=("final_train_loss", "mean"),
        label_entropy=("final_label_entropy", "mean"),
        loss_share=("share", "mean"),
        by_steps=("by_steps", "first"),
        labels=("n_labeled", "max"),
        validation=("budget_validation", "max"),
        epochs=("classifier_epochs", "max"),
        batch_size=("classifier_batch_size", "max"),
    ).reset_index()
    table["underfit"] = table.by_steps & (table.loss_share > UNDERFIT_SHARE)
    return table


def underfit_lines(table: pd.DataFrame) -> list[str]:
    """One line per underfit learner: what it reached and the fix, naming the key."""
    lines = []
    for row in table[table.underfit].itertuples() if not table.empty else []:
        trained = int(row.labels) - int(row.validation if not pd.isna(row.validation) else 0)
        steps = int(row.epochs) * math.ceil(trained / int(row.batch_size))
        suggest = max(500, int(math.ceil(5 * steps / 100.0) * 100))
        where = f" (budget {row.budget})" if table.budget.nunique() > 1 else ""
        lines.append(
            f"the learner {row.classifier}{where} underfit: its loss on its own {trained} labels at the end is "
            f"{row.loss_share:.0%} of what knowing only their class frequencies scores ({row.train_loss:.2f} "
            f"against {row.label_entropy:.2f} nats; training accuracy {row.train_accuracy:.2f}; mean of {row.trials} "
            f"trials) after {steps} optimiser steps; train it longer: min_steps = {suggest} (or more epochs) in "
            "[classifier]"
        )
    return lines


def fit_section(table: pd.DataFrame) -> str:
    """The report's text: the table and, for each underfit learner, its line."""
    from .documents import markdown

    columns = ["classifier", "budget", "trials", "train_accuracy", "lowest", "train_loss", "loss_share", "underfit"]
    shown = table[columns]
    if shown.budget.nunique() == 1:
        shown = shown.drop(columns="budget")
    names = {"train_accuracy": "final train accuracy", "lowest": "lowest", "train_loss": "final train loss",
             "loss_share": "loss / label entropy"}  # fmt: skip
    text = markdown(shown.rename(columns=names), digits=3)
    text += (
        "\n\nEach finished trial's last model on its own labelled set: accuracy, mean cross-entropy, and that loss "
        "as a share of the entropy of the labels' class frequencies (what predicting the frequencies alone "
        f"scores). A learner trained for a set number of steps whose mean share is above {UNDERFIT_SHARE:g} "
        "underfit. Training accuracy alone does not say it: the labels margin picks are the hard ones."
    )
    return text + "".join(f"\n\nUnderfit: {line}" for line in underfit_lines(table))


def underfit_in(folder) -> list[str]:
    """`underfit_lines` of a sweep folder, from its trials table alone (what `run` prints at its end)."""
    from pathlib import Path

    from ..results import ResultStore
    from .data import classifier_labels

    folder = Path(folder)
    trials = ResultStore(folder.parent, folder.name).table("trials").to_pandas()
    if trials.empty:
        return []
    trials["classifier"] = classifier_labels(trials)
    trials["budget"] = trials.budget_name.fillna("default")
    return underfit_lines(fit_table(trials))
