"""What a tuning study reports: the final comparison's table (test accuracy of the best strategy, random
and the reference on fresh seeds, with paired tests), and figures through Optuna's own matplotlib
visualisation: optimisation history, parameter importances, slices of every parameter, and a contour of
the two most important ones (PNG and SVG each)."""

from __future__ import annotations

import warnings
from pathlib import Path

from ..protocols import TrialStatus
from .figures import save_figure


def param_importances(study) -> dict[str, float]:
    """Optuna's parameter importances, {} when they say nothing: too few or too alike trials, where Optuna
    returns equal shares (and warns into the user's terminal) or fails. Optuna's warnings stay here."""
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            importances = optuna.importance.get_param_importances(study)
        except (RuntimeError, ValueError, ZeroDivisionError):  # e.g. every trial with the same value
            return {}
    if len(importances) > 1 and len({round(v, 12) for v in importances.values()}) == 1:
        return {}
    return dict(importances)


def study_figures(study, folder: Path) -> list[Path]:
    """Writes the study's figures into `folder`; returns their paths (none before two finished trials)."""
    import optuna
    from optuna.visualization import matplotlib as plots

    finished = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE]
    if len(finished) < 2:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna's matplotlib module is marked experimental
        axes = plots.plot_optimization_history(study)
        paths += save_figure(axes.figure, folder / "optimization_history")
        names = sorted({name for t in finished for name in t.params})
        importances = param_importances(study)
        if importances:
            axes = plots.plot_param_importances(study)
            paths += save_figure(axes.figure, folder / "param_importances")
        if names:
            grid = plots.plot_slice(study, params=names)  # an Axes, or an array of them
            figure = grid.flat[0].figure if hasattr(grid, "flat") else grid.figure
            paths += save_figure(figure, folder / "slice")
        # a contour over a parameter that never changed is empty (and Optuna warns): rank the varied ones
        varied = [name for name in names if len({repr(t.params.get(name)) for t in finished}) >= 2]
        ranked = [name for name in importances if name in varied] or varied
        if len(ranked) >= 2:
            grid = plots.plot_contour(study, params=ranked[:2])
            figure = grid.flat[0].figure if hasattr(grid, "flat") else grid.figure
            paths += save_figure(figure, folder / "contour")
    return paths


def final_table(
    store, specs: dict, strategies: dict, seeds, *, metric: str = "accuracy", classifier: str | None = None
) -> str:
    """The test score (`metric`) of best, random and reference on the fresh seeds (with the best trial's
    `classifier` when the search chose it), and paired tests against the best."""
    from .statistics import mean_std, paired_comparison

    column = f"final_test_{metric}"
    trials = store.table("trials", ["trial_id", column, "status"]).to_pandas().set_index("trial_id")
    accuracy = {
        name: [float(trials.loc[s.id, column]) if s.id in trials.index else float("nan") for s in group]
        for name, group in specs.items()
    }
    shown = metric.replace("_", " ")
    learner = f", all with {classifier}" if classifier else ""
    lines = [f"final comparison on {len(seeds)} fresh seeds ({seeds[0]}..{seeds[-1]}){learner}, test {shown}:"]
    for name, values in accuracy.items():
        mean, std = mean_std(values)
        line = f"  {name:9s} {mean:.4f} +- {std:.4f}  {strategies[name].label()}"
        if name != "best":
            test = paired_comparison(accuracy["best"], values)
            line += (
                f"; best - {name} = {test.mean_difference:+.4f}, Wilcoxon p = {test.wilcoxon_p:.3g}, "
                f"paired t p = {test.t_p:.3g}"
            )
            if test.note:
                line += f" ({test.note})"
        lines.append(line)
    return "\n".join(lines)


SEARCH_ROWS = 10  # strategies the report lists from a study's search


def search_section(search, metric) -> tuple[str, str, list]:
    """The report's section on a study's search: how many Optuna trials and seeds it ran and the best
    strategies by their mean area under the validation curve over the search seeds (what the search saw;
    its test scores are not shown here: the final comparison's tables give the honest number)."""

    from .documents import markdown

    ok = search[search.status == TrialStatus.OK]
    by_trial = search.groupby("optuna_trial", dropna=True)["status"].agg(
        lambda s: TrialStatus.PRUNED if (s == TrialStatus.PRUNED).any()
        else (TrialStatus.FAILED if (s == TrialStatus.FAILED).any() else TrialStatus.OK)
    )
    counts = by_trial.value_counts()
    keys = ["row", "classifier"] if search["classifier"].nunique() > 1 else ["row"]
    table = ok.groupby(keys).agg(
        optuna_trials=("optuna_trial", lambda t: ", ".join(str(int(v)) for v in sorted(set(t.dropna())))),
        seeds=("seed", "nunique"),
        auc=(metric.auc, "mean"),
    )
    table = table.sort_values("auc", ascending=False).head(SEARCH_ROWS).reset_index()
    names = {"row": "strategy", "optuna_trials": "Optuna trials", "auc": f"val {metric.label} AULC"}
    table = table.rename(columns=names)
    text = (
        f"{len(by_trial)} Optuna trials ({counts.get(TrialStatus.OK, 0)} complete, "
        f"{counts.get(TrialStatus.PRUNED, 0)} pruned, {counts.get(TrialStatus.FAILED, 0)} failed) on "
        f"{search.seed.nunique()} search seeds, {len(search)} active-learning trials. The "
        f"{min(SEARCH_ROWS, len(table))} best strategies by their mean area under the validation curve over the "
        "search seeds (the quantity the search saw; a strategy asked for twice is run once):"
    )
    body = text + "\n\n" + (markdown(table) if not table.empty else "(no search trial finished)")
    return ("Search (the study's own seeds, not the honest number)", body, [])
