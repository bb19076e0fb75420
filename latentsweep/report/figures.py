"""Saving figures: PNG and SVG side by side, atomically, with the non-interactive backend."""

from __future__ import annotations

from pathlib import Path

import matplotlib

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
