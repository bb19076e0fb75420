"""Figures of a tuning study, through Optuna's own matplotlib visualisation: optimisation history,
parameter importances, slices of every parameter, and a contour of the two most important ones
(PNG and SVG each)."""

from __future__ import annotations

import warnings
from pathlib import Path

from .figures import save_figure


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
        try:
            importances = optuna.importance.get_param_importances(study)
        except (RuntimeError, ValueError, ZeroDivisionError):
            importances = {}
        if importances:
            axes = plots.plot_param_importances(study)
            paths += save_figure(axes.figure, folder / "param_importances")
        if names:
            axes = plots.plot_slice(study, params=names)
            figure = axes.flat[0].figure if hasattr(axes, "flat") else axes.figure
            paths += save_figure(figure, folder / "slice")
        ranked = [name for name in importances if name in names] or names
        if len(ranked) >= 2:
            axes = plots.plot_contour(study, params=ranked[:2])
            figure = axes.flat[0].figure if hasattr(axes, "flat") else axes.figure
            paths += save_figure(figure, folder / "contour")
    return paths
