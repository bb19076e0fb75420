"""Saving figures: PNG and SVG side by side, atomically, with the non-interactive backend."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

from matplotlib import pyplot

from ..results import atomic_write


def save_figure(figure, stem: Path, dpi: int = 120) -> list[Path]:
    """Writes `stem`.png and `stem`.svg and closes the figure; returns both paths."""
    paths = []
    for suffix in (".png", ".svg"):
        path = stem.with_suffix(suffix)
        atomic_write(
            path, lambda temporary, fmt=suffix[1:]: figure.savefig(temporary, format=fmt, dpi=dpi, bbox_inches="tight")
        )
        paths.append(path)
    pyplot.close(figure)
    return paths


MAX_LINES = 12  # strategies per panel; more would be unreadable


def _panels(count: int, columns: int = 2):
    """A grid of `count` panels whose titles and axis labels never overlap (constrained layout)."""
    columns = min(columns, max(count, 1))
    rows = (count + columns - 1) // columns
    figure, axes = pyplot.subplots(
        rows, columns, figsize=(6.4 * columns, 4.2 * rows), squeeze=False, layout="constrained"
    )
    for extra in axes.flat[count:]:
        extra.set_visible(False)
    return figure, list(axes.flat[:count])


def axis_label(column: str) -> str:
    """A curves column as an axis names it: 'validation accuracy', 'held-out validation macro F1', ..."""
    for prefix, words in (("heldout_val_", "held-out validation "), ("val_", "validation "), ("train_", "training ")):
        if column.startswith(prefix):
            return words + column[len(prefix) :].replace("_", " ").replace("f1", "F1")
    return column


def _short(representation: str) -> str:
    return representation if len(representation) <= 40 else representation[:37] + "..."


def _series(part, strategies: list[str]):
    """(label, rows) per line of a panel: each strategy, and each classifier of it where a sweep has
    several (else their curves would be averaged into one line under one name)."""
    several = "classifier" in part and part["classifier"].nunique() > 1
    for strategy in [s for s in strategies if s in set(part.row)][:MAX_LINES]:
        rows = part[part.row == strategy]
        if not several:
            yield strategy, rows
            continue
        for classifier, group in rows.groupby("classifier", sort=True):
            yield f"{strategy} [{classifier}]", group


def learning_curves(curves, strategies: list[str], title: str, stem: Path, column: str = "val_accuracy") -> list[Path]:
    """Mean curves with +- corrected-std bands (thesis Figs 5.23/5.24), one panel per representation."""
    import numpy as np

    chosen = curves[curves.row.isin(strategies) & (curves.status == "ok")]
    representations = list(dict.fromkeys(chosen.representation))
    if not representations:
        return []
    figure, axes = _panels(len(representations))
    for axis, representation in zip(axes, representations, strict=True):
        part = chosen[chosen.representation == representation]
        for label, rows in _series(part, strategies):
            stats = rows.groupby("n_labeled")[column].agg(["mean", "std", "count"])
            std = np.where(stats["count"] > 1, stats["std"], 0.0)
            line = axis.plot(stats.index, stats["mean"], marker=".", label=f"{label} (n={stats['count'].max()})")
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
    chosen = curves[curves.row.isin(strategies) & (curves.status == "ok")]
    pairs = list(dict.fromkeys(zip(chosen.representation, chosen.row, strict=True)))[:16]
    if not pairs:
        return []
    figure, axes = _panels(len(pairs), columns=4 if len(pairs) > 6 else 2)
    seeds = sorted(set(chosen.seed))
    colours = pyplot.get_cmap("tab10" if len(seeds) <= 10 else "viridis")
    colour = {seed: colours(i if len(seeds) <= 10 else i / max(len(seeds) - 1, 1)) for i, seed in enumerate(seeds)}
    for axis, (representation, strategy) in zip(axes, pairs, strict=True):
        part = chosen[(chosen.representation == representation) & (chosen.row == strategy)]
        for _, rows in _series(part, [strategy]):
            for seed, run in rows.groupby("seed"):
                axis.plot(run.n_labeled, run[column], linewidth=0.8, alpha=0.8, color=colour[seed])
        axis.set_title(f"{strategy}\n{_short(representation)}", fontsize=8)
        axis.set_xlabel("labelled examples", fontsize=8)
        axis.set_ylabel(axis_label(column), fontsize=8)
        axis.grid(alpha=0.3)
    shown = seeds if len(seeds) <= 20 else [*seeds[:10], *seeds[-10:]]  # a legend of 20 entries at most
    handles = [pyplot.Line2D([], [], color=colour[seed], linewidth=1.5, label=f"seed {seed}") for seed in shown]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 10), fontsize=8)
    figure.suptitle(f"every seed's {axis_label(column)} (one colour per seed, the same in every panel)")
    return save_figure(figure, stem)


def train_and_validation(curves, strategies: list[str], stem: Path, column: str = "val_accuracy") -> list[Path]:
    """Validation (left, `column`) and training (right) accuracy per representation, as thesis Figs 5.9-5.21."""
    chosen = curves[curves.row.isin(strategies) & (curves.status == "ok")]
    representations = list(dict.fromkeys(chosen.representation))
    if not representations:
        return []
    figure, axes = pyplot.subplots(
        len(representations), 2, figsize=(12.8, 4.2 * len(representations)), squeeze=False, layout="constrained"
    )
    for row_axes, representation in zip(axes, representations, strict=True):
        part = chosen[chosen.representation == representation]
        for shown, axis in zip((column, "train_accuracy"), row_axes, strict=True):
            for label, rows in _series(part, strategies):
                mean = rows.groupby("n_labeled")[shown].mean()
                axis.plot(mean.index, mean.to_numpy(), marker=".", label=label)
            axis.set_title(f"{axis_label(shown)}: {_short(representation)}", fontsize=9)
            axis.set_xlabel("labelled examples")
            axis.grid(alpha=0.3)
        row_axes[0].legend(fontsize=7, loc="best")
    return save_figure(figure, stem)


def penalty_heatmap(matrix, stem: Path) -> list[Path]:
    """The pairwise penalty matrix as a heat map: row i beats column j in the cell's share of points."""
    labels = list(matrix.index)
    size = max(4.0, 0.7 * len(labels) + 2.5)
    figure, axis = pyplot.subplots(figsize=(size + 1.5, size), layout="constrained")
    values = matrix.to_numpy(dtype=float)
    image = axis.imshow(values, cmap="Reds", vmin=0, vmax=max(float(values.max(initial=0.0)), 1e-12))  # 0: white
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    axis.set_yticks(range(len(labels)), labels, fontsize=8)
    axis.set_xlabel("beaten (column)")
    axis.set_ylabel("beats (row)")
    top = max(float(values.max(initial=0.0)), 1e-12)
    for (i, j), value in np.ndenumerate(values):
        colour = "white" if value > top / 2 else "black"  # readable on dark cells
        axis.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour)
    figure.colorbar(image, ax=axis, label="share of learning-curve points won, summed over settings")
    figure.suptitle("pairwise penalty matrix (Ash et al. 2020)")
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
