"""Saving figures: PNG and SVG side by side, atomically, with the non-interactive backend."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, cast

import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

from matplotlib import pyplot
from matplotlib.colors import ListedColormap

from ..protocols import TrialStatus
from ..results import atomic_write


def save_figure(figure, stem: Path, dpi: int = 120) -> list[Path]:
    """Writes `stem`.png and `stem`.svg and closes the figure; returns both paths."""
    paths = []
    for suffix in (".png", ".svg"):
        path = stem.with_suffix(suffix)
        atomic_write(path, functools.partial(figure.savefig, format=suffix[1:], dpi=dpi, bbox_inches="tight"))
        paths.append(path)
    pyplot.close(figure)
    return paths


MAX_LINES = 12  # strategies per panel; more would be unreadable
_LINE_STYLES = ("-", "--", ":", "-.")  # one per classifier where a sweep has several


def palette(strategies) -> dict[str, tuple]:
    """One colour per strategy, for every figure of a report or comparison: tab10's colours in the order
    given (tab20 beyond ten strategies, then evenly spaced viridis), so a strategy keeps its colour from
    figure to figure whichever of them a figure shows."""
    names = list(dict.fromkeys(strategies))
    colours: Any  # RGB tuples (ListedColormap.colors is typed ArrayLike)
    if len(names) <= 10:
        colours = cast(ListedColormap, pyplot.get_cmap("tab10")).colors
    elif len(names) <= 20:
        colours = cast(ListedColormap, pyplot.get_cmap("tab20")).colors
    else:
        colours = [pyplot.get_cmap("viridis")(i / (len(names) - 1)) for i in range(len(names))]
    return {name: tuple(colours[i]) for i, name in enumerate(names)}


def _panels(count: int, columns: int = 2, *, sharey: bool = True):
    """A grid of `count` panels whose titles and axis labels never overlap (constrained layout); panels of
    one quantity share their y-range (`sharey`), so they compare at a glance."""
    columns = min(columns, max(count, 1))
    rows = (count + columns - 1) // columns
    figure, axes = pyplot.subplots(
        rows, columns, figsize=(6.4 * columns, 4.2 * rows), squeeze=False, layout="constrained", sharey=sharey
    )
    for extra in axes.flat[count:]:
        extra.set_visible(False)
    for axis in axes.flat[:count]:
        axis.yaxis.set_tick_params(labelleft=True)  # every panel keeps its numbers
    return figure, list(axes.flat[:count])


def axis_label(column: str) -> str:
    """A curves column as an axis names it: 'validation accuracy', 'held-out validation macro F1', ..."""
    for prefix, words in (("heldout_val_", "held-out validation "), ("val_", "validation "), ("train_", "training ")):
        if column.startswith(prefix):
            return words + column[len(prefix) :].replace("_", " ").replace("f1", "F1")
    return column


def _short(representation: str) -> str:
    return representation if len(representation) <= 40 else representation[:37] + "..."


def _series(part, strategies: list[str], colours: dict | None = None):
    """(label, rows, style) per line of a panel: each strategy in its colour, and each classifier of it in
    a line style of its own where a sweep has several (else their curves would be averaged into one line
    under one name)."""
    colours = colours or palette(strategies)
    classifiers = sorted(set(part["classifier"])) if "classifier" in part else []
    several = len(classifiers) > 1
    for strategy in [s for s in strategies if s in set(part.row)][:MAX_LINES]:
        rows = part[part.row == strategy]
        colour = colours.get(strategy)
        if not several:
            yield strategy, rows, {"color": colour}
            continue
        for classifier, group in rows.groupby("classifier", sort=True):
            style = _LINE_STYLES[classifiers.index(classifier) % len(_LINE_STYLES)]
            yield f"{strategy} [{classifier}]", group, {"color": colour, "linestyle": style}


def learning_curves(
    curves, strategies: list[str], title: str, stem: Path, column: str = "val_accuracy", colours: dict | None = None
) -> list[Path]:
    """Mean curves with +- corrected-std bands (thesis Figs 5.23/5.24), one panel per representation."""
    chosen = curves[curves.row.isin(strategies) & (curves.status == TrialStatus.OK)]
    representations = list(dict.fromkeys(chosen.representation))
    if not representations:
        return []
    figure, axes = _panels(len(representations))
    for axis, representation in zip(axes, representations, strict=True):
        part = chosen[chosen.representation == representation]
        for label, rows, style in _series(part, strategies, colours):
            stats = rows.groupby("n_labeled")[column].agg(["mean", "std", "count"])
            std = np.where(stats["count"] > 1, stats["std"], 0.0)
            shown = f"{label} (n={stats['count'].max()})"
            line = axis.plot(stats.index, stats["mean"], marker=".", label=shown, **style)
            axis.fill_between(
                stats.index, stats["mean"] - std, stats["mean"] + std, alpha=0.18, color=line[0].get_color()
            )
        axis.set_title(_short(representation), fontsize=10)
        axis.set_xlabel("labelled examples")
        axis.set_ylabel(axis_label(column))
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7, loc="best")
    figure.suptitle(title)
    return save_figure(figure, stem)


def all_seeds(curves, strategies: list[str], stem: Path, column: str = "val_accuracy") -> list[Path]:
    """Every seed's validation curve as a thin line (thesis Fig 5.22), one panel per representation x strategy."""
    chosen = curves[curves.row.isin(strategies) & (curves.status == TrialStatus.OK)]
    pairs = list(dict.fromkeys(zip(chosen.representation, chosen.row, strict=True)))[:16]
    if not pairs:
        return []
    figure, axes = _panels(len(pairs), columns=4 if len(pairs) > 6 else 2)
    seeds = sorted(set(chosen.seed))
    colours = pyplot.get_cmap("tab10" if len(seeds) <= 10 else "viridis")
    colour = {seed: colours(i if len(seeds) <= 10 else i / max(len(seeds) - 1, 1)) for i, seed in enumerate(seeds)}
    for axis, (representation, strategy) in zip(axes, pairs, strict=True):
        part = chosen[(chosen.representation == representation) & (chosen.row == strategy)]
        for _, rows, style in _series(part, [strategy]):
            for seed, run in rows.groupby("seed"):
                axis.plot(run.n_labeled, run[column], linewidth=0.8, alpha=0.8, color=colour[seed],
                          linestyle=style.get("linestyle", "-"))  # fmt: skip
        axis.set_title(f"{strategy}\n{_short(representation)}", fontsize=8)
        axis.set_xlabel("labelled examples", fontsize=8)
        axis.set_ylabel(axis_label(column), fontsize=8)
        axis.grid(alpha=0.3)
    shown = seeds if len(seeds) <= 20 else [*seeds[:10], *seeds[-10:]]  # a legend of 20 entries at most
    handles = [pyplot.Line2D([], [], color=colour[seed], linewidth=1.5, label=f"seed {seed}") for seed in shown]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 10), fontsize=8)
    figure.suptitle(f"every seed's {axis_label(column)} (one colour per seed, the same in every panel)")
    return save_figure(figure, stem)


def train_and_validation(
    curves, strategies: list[str], stem: Path, column: str = "val_accuracy", colours: dict | None = None
) -> list[Path]:
    """Validation (left, `column`) and training (right) accuracy per representation, as thesis Figs 5.9-5.21;
    the panels of each quantity share their y-range."""
    chosen = curves[curves.row.isin(strategies) & (curves.status == TrialStatus.OK)]
    representations = list(dict.fromkeys(chosen.representation))
    if not representations:
        return []
    figure, axes = pyplot.subplots(
        len(representations), 2, figsize=(12.8, 4.2 * len(representations)), squeeze=False, layout="constrained",
        sharey="col",
    )  # fmt: skip
    for row_axes, representation in zip(axes, representations, strict=True):
        part = chosen[chosen.representation == representation]
        for shown, axis in zip((column, "train_accuracy"), row_axes, strict=True):
            for label, rows, style in _series(part, strategies, colours):
                mean = rows.groupby("n_labeled")[shown].mean()
                axis.plot(mean.index, mean.to_numpy(), marker=".", label=label, **style)
            axis.set_title(f"{axis_label(shown)}: {_short(representation)}", fontsize=9)
            axis.set_xlabel("labelled examples")
            axis.set_ylabel(axis_label(shown))
            axis.grid(alpha=0.3)
        row_axes[0].legend(fontsize=7, loc="best")
    return save_figure(figure, stem)


def penalty_heatmap(matrix, settings: int, stem: Path) -> list[Path]:
    """The pairwise penalty matrix as a heat map: row i beats column j at the cell's sum over settings of
    each setting's share of learning-curve points, so the colour scale runs from 0 to the number of
    settings (a strategy that beats another at every point of every setting)."""
    labels = list(matrix.index)
    size = max(4.0, 0.7 * len(labels) + 2.5)
    figure, axis = pyplot.subplots(figsize=(size + 1.5, size), layout="constrained")
    values = matrix.to_numpy(dtype=float)
    top = float(max(settings, 1))
    image = axis.imshow(values, cmap="Reds", vmin=0, vmax=top)  # 0: white
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    axis.set_yticks(range(len(labels)), labels, fontsize=8)
    axis.set_xlabel("beaten (column)")
    axis.set_ylabel("beats (row)")
    for (i, j), value in np.ndenumerate(values):
        colour = "white" if value > top / 2 else "black"  # readable on dark cells
        axis.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour)
    figure.colorbar(
        image, ax=axis, label=f"settings won: each setting's points add up to 1 (at most {settings:g})"
    )
    figure.suptitle(f"pairwise penalty matrix over {settings} settings (Ash et al. 2020)")
    return save_figure(figure, stem)


def critical_difference_diagram(ranks, critical: float, stem: Path) -> list[Path]:
    """Mean ranks on a line (1 = best, left), with the Nemenyi critical difference drawn above and a bar
    joining every group of strategies whose ranks differ by less than it (Demšar 2006, Fig. 1)."""
    names, values = list(ranks.index), list(ranks.to_numpy())
    k = len(names)
    figure, axis = pyplot.subplots(figsize=(8, 1.2 + 0.35 * k), layout="constrained")
    axis.set_xlim(0.5, max(k, 2) + 0.5)
    axis.set_ylim(-k - 1, 2)
    axis.axhline(0, color="black", linewidth=1)
    for position, (name, value) in enumerate(zip(names, values, strict=True)):
        axis.plot([value, value], [0, -position - 1], color="grey", linewidth=0.8)
        axis.text(value, -position - 1.1, f"{name} ({value:.2f})", ha="center", va="top", fontsize=8)
    if np.isfinite(critical):
        axis.plot([1, 1 + critical], [1.2, 1.2], color="black", linewidth=2)
        axis.text(1 + critical / 2, 1.35, f"CD = {critical:.2f}", ha="center", va="bottom", fontsize=8)
        start = 0
        for first in range(k):  # a bar for each maximal run of ranks closer than the critical difference
            last = max(i for i in range(k) if values[i] - values[first] < critical)
            if last > first and last >= start:
                axis.plot([values[first], values[last]], [0.4 + 0.15 * first, 0.4 + 0.15 * first], linewidth=3)
                start = last + 1
    axis.set_yticks([])
    axis.set_xlabel("mean rank (1 = best)")
    for side in ("left", "right", "top"):
        axis.spines[side].set_visible(False)
    figure.suptitle("mean ranks across settings, with the critical difference")
    return save_figure(figure, stem)
