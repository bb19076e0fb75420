"""The report's figures as a reader sees them: every figure says what its lines are (a legend), and no
title or axis label lies on another (the every-seed figure had neither)."""

import itertools

import numpy as np
import pandas as pd
import pytest

from latentsweep.report import figures


def curves(strategies=("margin/top-k", "random", "entropy/top-k"), seeds=3, classifiers=("MLP 32, dropout 0.2",)):
    rng = np.random.default_rng(0)
    rows = []
    for strategy, seed, classifier in itertools.product(strategies, range(seeds), classifiers):
        for n in (20, 30, 40, 50):
            accuracy = rng.uniform(0.1, 0.9)
            rows.append(dict(row=strategy, representation="pixels-1a2b3c4d", seed=seed, classifier=classifier,
                             status="ok", n_labeled=n, val_accuracy=accuracy, train_accuracy=accuracy))  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture
def drawn(monkeypatch, tmp_path):
    """The figures the report functions make, drawn, instead of written."""
    made = []

    def keep(figure, stem, dpi=120):
        figure.canvas.draw()
        made.append(figure)
        return [stem]

    monkeypatch.setattr(figures, "save_figure", keep)
    return made


def labels(figure):
    """Every title, axis label and the suptitle of a drawn figure, with its box on the canvas."""
    renderer = figure.canvas.get_renderer()
    texts = [figure._suptitle] if figure._suptitle is not None else []
    for axis in figure.axes:
        if axis.get_visible():
            texts += [axis.title, axis.xaxis.label, axis.yaxis.label]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]


MAKERS = {
    "learning_curves": lambda c, s, stem: figures.learning_curves(c, s, "validation accuracy", stem),
    "all_seeds": figures.all_seeds,
    "train_and_validation": figures.train_and_validation,
}


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("classifiers", [("MLP 32, dropout 0.2",), ("MLP 32, dropout 0.2", "MLP 16-16, dropout 0.2")])
def test_every_figure_has_a_legend_and_no_overlapping_labels(drawn, tmp_path, name, classifiers):
    frame = curves(classifiers=classifiers)
    MAKERS[name](frame, sorted(set(frame.row)), tmp_path / name)
    (figure,) = drawn
    legends = [axis.get_legend() for axis in figure.axes if axis.get_legend()] + figure.legends
    assert legends, f"{name}: no legend"
    entries = [text.get_text() for legend in legends for text in legend.get_texts()]
    if name == "all_seeds":
        assert entries == ["seed 0", "seed 1", "seed 2"]
    elif len(classifiers) > 1:  # each classifier's curve is its own line, named
        assert any("[MLP 16-16, dropout 0.2]" in entry for entry in entries), entries
    found = labels(figure)
    for (first, a), (second, b) in itertools.combinations(found, 2):
        assert not a.overlaps(b), f"{name}: {first!r} overlaps {second!r}"


def test_every_seed_panels_share_their_y_range(drawn, tmp_path):
    frame = curves()
    frame.loc[frame.row == "random", "val_accuracy"] *= 0.5  # one strategy far lower: its panel must not rescale
    figures.all_seeds(frame, sorted(set(frame.row)), tmp_path / "seeds")
    (figure,) = drawn
    limits = {axis.get_ylim() for axis in figure.axes if axis.get_visible()}
    assert len(limits) == 1


def test_a_strategy_keeps_its_colour_in_every_figure_of_a_report(drawn, tmp_path):
    """The committed store has seven strategies in four figure groups: each keeps one colour, all distinct."""
    import shutil
    from collections import defaultdict
    from pathlib import Path

    from matplotlib.colors import to_hex

    from latentsweep.report import write_report

    stored = Path(__file__).parent.parent / "stored" / "before-params" / "results" / "stored"
    shutil.copytree(stored, tmp_path / "stored")
    write_report(tmp_path / "stored", tmp_path / "report")
    colours = defaultdict(set)
    for figure in drawn:
        if figure._suptitle is not None and "every seed" in figure._suptitle.get_text():
            continue  # one colour per seed there, by design
        for axis in figure.axes:
            for line in axis.get_lines():
                if not line.get_label().startswith("_"):
                    colours[line.get_label().split(" (n=")[0]].add(to_hex(line.get_color()))
    assert len(colours) == 7 and all(len(found) == 1 for found in colours.values()), dict(colours)
    assert len({next(iter(found)) for found in colours.values()}) == 7
    assert len(drawn) >= 5


def test_every_latent_space_figure_names_its_axes_and_says_which_colour_is_which(monkeypatch, tmp_path):
    import numpy as np

    from latentsweep.engine import LatentSet
    from latentsweep.report import explore

    made = []
    monkeypatch.setattr(explore, "save_figure", lambda figure, stem: made.append(figure) or [stem])
    rng = np.random.default_rng(0)
    pool = rng.normal(size=(300, 5)).astype(np.float32)
    latent = LatentSet(
        "toy", "toy-rep", pool, rng.integers(0, 4, 300), pool[:50], rng.integers(0, 4, 50), pool[:60],
        rng.integers(0, 4, 60), n_classes=4, pool_logvar=np.zeros_like(pool),
    )  # fmt: skip
    explore._latent_figures(latent, tmp_path / "toy", explore.Exploration(tmp_path))
    assert len(made) == 4  # used dimensions, test and pool classes, representativeness
    for figure in made:
        figure.canvas.draw()
        plotted = [a for a in figure.axes if a.get_label() != "<colorbar>" and (a.collections or a.patches)]
        for axis in plotted:
            assert axis.get_xlabel() and axis.get_ylabel(), (figure._suptitle, axis.get_title())
        scatters = [c for a in plotted for c in a.collections if c.get_array() is not None]
        colorbars = [a for a in figure.axes if a.get_label() == "<colorbar>"]
        assert len(colorbars) >= len(scatters)
    classes = [a for f in made for a in f.axes if a.get_label() == "<colorbar>" and a.get_ylabel() == "class"]
    assert len(classes) == 2 and [t.get_text() for t in classes[0].get_yticklabels()] == ["0", "1", "2", "3"]
