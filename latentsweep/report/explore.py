"""`latentsweep explore`: the latent-space figures of thesis chapter 5 from a sweep's cached representations.

Read from `RESULTS/.cache/representations` (latents, weights) and the sweep's own data: used-dimension
min/max histograms (Fig 5.1), the manifold of a 2-D VAE through the inverse normal CDF (5.2/5.3), class
scatter of the latents (5.4/5.5; PCA to 2-D when d > 2), reconstructions (5.6), interpolations (5.7/5.8),
representativeness histograms (5.13-5.16) and maps (5.12), a trial's queried points per iteration, and
the pool's latents (the second paper's Fig. 2a for an unbalanced pool).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..data import load_splits
from ..engine import LatentSet, RepresentationSpec
from ..results import RepresentationCache, ResultStore
from ..strategies import REPRESENTATIVENESS
from .data import ReportError, load_results
from .figures import pyplot, save_figure

SCATTER_POINTS = 5000  # points drawn in a scatter (a random subset of bigger pools)


@dataclass
class Exploration:
    folder: Path
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _entries(cache: RepresentationCache, ids: set[str]) -> dict[str, str]:
    """representation id -> cache key, for the ids this sweep used."""
    found: dict[str, str] = {}
    if not cache.folder.is_dir():
        return found
    for meta in cache.folder.glob("[!_]*/meta.json"):
        try:
            representation = json.loads(meta.read_text())["representation"]
        except (ValueError, KeyError, OSError):
            continue
        if representation in ids:
            found[representation] = meta.parent.name
    return found


def _two_dimensional(points: np.ndarray, projection: tuple | None = None) -> tuple[np.ndarray, tuple | None]:
    """Points [N, d] in 2-D: as they are for d <= 2, else through their first two principal components
    (or the `projection` (mean, basis) given); returns the points and the projection used."""
    if points.shape[1] <= 2:
        padded = points if points.shape[1] == 2 else np.column_stack([points[:, 0], np.zeros(len(points))])
        return padded, None
    if projection is None:
        mean = points.mean(axis=0)
        _, _, components = np.linalg.svd(points[:: max(1, len(points) // 5000)] - mean, full_matrices=False)
        projection = (mean, components[:2].T)
    mean, basis = projection
    return (points - mean) @ basis, projection


def _class_colours(n_classes: int):
    """A colour map of `n_classes` distinct colours and the norm that puts class c on colour c."""
    from matplotlib.colors import BoundaryNorm

    cmap = pyplot.get_cmap("tab10" if n_classes <= 10 else "tab20", max(n_classes, 1))
    return cmap, BoundaryNorm(np.arange(-0.5, n_classes + 0.5), cmap.N)


def _axis_names(axis, dimensions: int, fontsize: float | None = None) -> None:
    """Axis labels of a 2-D view of the latent space: its two dimensions, or its first two principal components."""
    what = "latent dimension" if dimensions <= 2 else "principal component"
    axis.set_xlabel(f"{what} 1", fontsize=fontsize)
    axis.set_ylabel(f"{what} 2" if dimensions != 1 else "(none)", fontsize=fontsize)


def _subset(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(n, size=min(n, SCATTER_POINTS), replace=False))


def write_explore(
    folder: str | Path, out: str | Path | None = None, representation: str | None = None, trial: str | None = None
) -> Exploration:
    """Writes every latent-space figure of the sweep's representations (or only `representation`)."""
    results = load_results(folder)
    if trial is not None:
        _check_trial(results, trial)
    frames = [f for f in (results.trials, results.search, results.query_sets) if not f.empty and "representation" in f]
    ids = {rid for frame in frames for rid in frame["representation"] if rid}
    cache = RepresentationCache(results.folder.parent / ".cache" / "representations")
    entries = _entries(cache, ids)
    if representation is not None:
        if representation not in entries:
            known = ", ".join(sorted(entries)) or "none cached"
            raise ReportError(f"--representation {representation}: not a cached representation of this sweep ({known})")
        entries = {representation: entries[representation]}
    if not entries:
        raise ReportError(f"{results.folder}: none of its representations is in the cache {cache.folder}")
    out = Path(out) if out is not None else results.folder / "explore"
    out.mkdir(parents=True, exist_ok=True)
    exploration = Exploration(out)
    splits = None
    for representation_id, key in sorted(entries.items()):
        latent = cache.load(key)
        assert latent is not None  # _entries lists entries with their meta.json (a damaged one: StoreError)
        stem = out / representation_id
        exploration.files += _latent_figures(latent, stem, exploration)
        spec_fields = cast("dict[str, Any] | None", latent.metadata.get("spec"))  # canonical_form(spec)
        if spec_fields and (cache.path(key) / "weights.pt").exists():
            if splits is None:
                splits = _sweep_data(results.info)
            if splits is not None:
                model = _model(RepresentationSpec(**spec_fields), cache.load_weights(key), splits.image_shape)
                exploration.files += _model_figures(model, latent, splits, stem, exploration)
        if trial is not None and representation_id == _trial_row(results, trial).representation:
            exploration.files += _trial_figure(results, latent, trial, stem)
    return exploration


def _trial_row(results, trial: str):
    trials = pd.concat([results.trials, results.search]) if not results.search.empty else results.trials
    return trials[trials.trial_id == trial].iloc[0]


def _check_trial(results, trial: str) -> None:
    """Refuses a --trial that is not a stored trial of this sweep, naming a few that are."""
    ids = set(results.trials.get("trial_id", [])) | set(results.search.get("trial_id", []))
    if trial not in ids:
        shown = ", ".join(sorted(ids)[:3]) + (" ..." if len(ids) > 3 else "")
        raise ReportError(
            f"--trial {trial}: not a stored trial of {results.folder} (its trials table has {len(ids)}, e.g. "
            f"{shown or 'none'})"
        )


def _sweep_data(info: dict):
    data = info.get("data") or {}
    if "dataset" not in data:
        return None
    return load_splits(
        data["dataset"],
        data.get("path"),
        validation_size=data.get("validation_size"),
        split=data.get("split"),
        seed=data.get("split_seed", 0),
        test_fraction=data.get("test_fraction", 0.2),
    )


def _model(spec: RepresentationSpec, state, image_shape):
    from ..engine import build_autoencoder

    model, _ = build_autoencoder(spec, image_shape)
    model.load_state_dict(state)
    return model.eval()


def _latent_figures(latent: LatentSet, stem: Path, exploration: Exploration) -> list[Path]:
    paths = []
    rng = np.random.default_rng(0)
    pool = np.asarray(latent.pool, dtype=np.float64)
    # Fig 5.1: the minimum and maximum of every dimension over the pool
    lows, highs = pool.min(axis=0), pool.max(axis=0)
    used = int(np.sum((np.abs(lows) > 0.1) | (np.abs(highs) > 0.1)))
    figure, axis = pyplot.subplots(figsize=(7, 4))
    bins = np.linspace(min(lows.min(), -0.5), max(highs.max(), 0.5), 40)
    axis.hist(lows, bins=bins, alpha=0.6, label="minimum per dimension")  # type: ignore[arg-type]  # stub: no array bins
    axis.hist(highs, bins=bins, alpha=0.6, label="maximum per dimension")  # type: ignore[arg-type]  # stub: no array bins
    axis.set_title(f"{latent.representation}: {used} of {pool.shape[1]} latent dimensions used")
    axis.set_xlabel("value over the pool")
    axis.set_ylabel("latent dimensions")
    axis.legend()
    paths += save_figure(figure, stem.with_name(f"{stem.name}_used_dimensions"))
    # Figs 5.4/5.5: test latents by class; the pool's latents (second paper, Fig. 2a)
    for part, points, labels in (("test", latent.test, latent.test_labels), ("pool", latent.pool, latent.pool_labels)):
        chosen = _subset(len(points), rng)
        flat, _ = _two_dimensional(np.asarray(points, dtype=np.float64)[chosen])
        figure, axis = pyplot.subplots(figsize=(6.5, 5.5))
        cmap, norm = _class_colours(latent.n_classes)
        scatter = axis.scatter(flat[:, 0], flat[:, 1], c=np.asarray(labels)[chosen], cmap=cmap, norm=norm, s=3)
        figure.colorbar(scatter, ax=axis, label="class", ticks=range(latent.n_classes))
        projection = "" if pool.shape[1] <= 2 else " (first two principal components)"
        axis.set_title(f"{part} latents by class{projection}")
        _axis_names(axis, pool.shape[1])
        paths += save_figure(figure, stem.with_name(f"{stem.name}_{part}_classes"))
    # Figs 5.12-5.16: representativeness histograms and maps over the 2-D scatter
    measures = [
        name
        for name in sorted(REPRESENTATIVENESS)
        if not (REPRESENTATIVENESS.declared(name).needs_posterior and latent.pool_logvar is None)
        and not name.startswith("pixel-")
    ]
    chosen = _subset(len(pool), rng)
    flat, _ = _two_dimensional(pool[chosen])
    scores = {name: REPRESENTATIVENESS[name](latent.pool, latent.pool_logvar) for name in measures}
    figure, axes = pyplot.subplots(
        2, len(measures), figsize=(3.8 * len(measures), 7.0), squeeze=False, layout="constrained"
    )
    for column, name in enumerate(measures):
        axes[0, column].hist(scores[name], bins=40)
        axes[0, column].set_title(name, fontsize=8)
        axes[0, column].set_xlabel("representativeness", fontsize=8)
        axes[0, column].set_ylabel("pool examples", fontsize=8)
        drawn = axes[1, column].scatter(
            flat[:, 0], flat[:, 1], c=scores[name][chosen], cmap="viridis", s=2, vmin=0.0, vmax=1.0
        )
        _axis_names(axes[1, column], pool.shape[1], fontsize=8)
        figure.colorbar(drawn, ax=axes[1, column], label="representativeness")
    figure.suptitle("representativeness: histograms over the pool (top) and over the latent scatter (bottom)")
    paths += save_figure(figure, stem.with_name(f"{stem.name}_representativeness"))
    return paths


def _model_figures(model, latent: LatentSet, splits, stem: Path, exploration: Exploration) -> list[Path]:
    import torch

    paths: list[Path] = []
    rng = np.random.default_rng(1)
    shape = splits.image_shape
    if len(shape) != 2:
        exploration.skipped.append(f"{latent.representation}: reconstructions need images")
        return paths

    def decode(codes: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.sigmoid(model.decode_logits(torch.as_tensor(codes, dtype=torch.float32))).numpy()

    # Fig 5.6: ten test images and their reconstructions
    chosen = rng.choice(len(splits.test), size=min(10, len(splits.test)), replace=False)
    reconstructions = decode(np.asarray(latent.test)[chosen])
    figure, axes = pyplot.subplots(2, len(chosen), figsize=(1.3 * len(chosen), 2.8), squeeze=False)
    for column, index in enumerate(chosen):
        for row, image in enumerate((splits.test[index], reconstructions[column])):
            axes[row, column].imshow(image, cmap="gray", vmin=0, vmax=1)
            axes[row, column].axis("off")
    figure.suptitle("test images (top) and their reconstructions (bottom)")
    paths += save_figure(figure, stem.with_name(f"{stem.name}_reconstructions"))
    # Figs 5.7/5.8: linear interpolations between pairs of test images in latent space
    pairs = rng.choice(len(splits.test), size=(3, 2), replace=False) if len(splits.test) >= 6 else np.array([[0, 0]])
    steps = np.linspace(0, 1, 10)
    figure, axes = pyplot.subplots(len(pairs), len(steps), figsize=(1.3 * len(steps), 1.4 * len(pairs)), squeeze=False)
    for row, (a, b) in enumerate(pairs):
        codes = np.outer(1 - steps, latent.test[a]) + np.outer(steps, latent.test[b])
        for column, image in enumerate(decode(codes)):
            axes[row, column].imshow(image, cmap="gray", vmin=0, vmax=1)
            axes[row, column].axis("off")
    figure.suptitle("linear interpolation in latent space")
    paths += save_figure(figure, stem.with_name(f"{stem.name}_interpolations"))
    # Figs 5.2/5.3: the manifold of a 2-D latent space, a grid through the inverse normal CDF
    if latent.pool.shape[1] == 2:
        from scipy.stats import norm

        side = 15
        grid = norm.ppf(np.linspace(0.05, 0.95, side))
        codes = np.array([[x, y] for y in grid[::-1] for x in grid])
        images = decode(codes)
        height, width = shape
        canvas = np.zeros((side * height, side * width))
        for index, image in enumerate(images):
            row, column = divmod(index, side)
            canvas[row * height : (row + 1) * height, column * width : (column + 1) * width] = image
        figure, axis = pyplot.subplots(figsize=(7, 7))
        axis.imshow(canvas, cmap="gray")
        axis.axis("off")
        axis.set_title("manifold: decoded grid of z through the inverse normal CDF")
        paths += save_figure(figure, stem.with_name(f"{stem.name}_manifold"))
    else:
        exploration.skipped.append(f"{latent.representation}: the manifold grid needs a 2-D latent space")
    return paths


def _trial_figure(results, latent: LatentSet, trial: str, stem: Path) -> list[Path]:
    """A trial's queried points, coloured by iteration, over the pool's latent scatter."""
    store = ResultStore(results.folder.parent, results.folder.name)
    rows = store.rows_of("queries", [trial]).to_pandas().sort_values("iteration")  # own file or a compacted part
    if rows.empty:
        return []
    rng = np.random.default_rng(2)
    pool = np.asarray(latent.pool, dtype=np.float64)
    flat, projection = _two_dimensional(pool[_subset(len(pool), rng)])
    figure, axis = pyplot.subplots(figsize=(7, 6), layout="constrained")
    axis.scatter(flat[:, 0], flat[:, 1], c="lightgrey", s=2, label="pool")
    last = max(int(rows.iteration.max()), 1)
    cmap = pyplot.get_cmap("viridis")
    for _, row in rows.iterrows():
        queried, _ = _two_dimensional(pool[np.asarray(row["indices"], dtype=np.int64)], projection)
        axis.scatter(queried[:, 0], queried[:, 1], color=cmap(row["iteration"] / last), s=8)
    mappable = pyplot.cm.ScalarMappable(norm=pyplot.Normalize(0, last), cmap=cmap)
    figure.colorbar(mappable, ax=axis, label="iteration that queried it (0: the initial batch)")
    axis.set_title(f"trial {trial}: queried points per iteration")
    _axis_names(axis, pool.shape[1])
    axis.legend(fontsize=7, loc="best")
    return save_figure(figure, stem.with_name(f"{stem.name}_trial_{trial}"))
