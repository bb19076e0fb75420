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
