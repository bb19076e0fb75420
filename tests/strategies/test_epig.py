"""EPIG against a hand computation and a loop over its definition (Bickford Smith et al. 2023, eq. 2)."""

import math

import numpy as np
import pytest

from latentsweep.strategies import UNCERTAINTY, epig
from latentsweep.strategies.epig import epig_nats, target_rows


def test_two_candidates_by_hand():
    """x1: the two posterior samples disagree completely ((1, 0) and (0, 1)); x2: both say (1/2, 1/2).
    Targets: both. About x* = x1, y tells y* everything: joint [[1/2, 0], [0, 1/2]] against independent 1/4
    each, I = log 2; about x* = x2, nothing. EPIG(x1) = (log 2 + 0) / 2, over log 2: 1/2. EPIG(x2) = 0."""
    samples = np.array([[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]])  # [T=2, n=2, C=2]
    np.testing.assert_allclose(epig_nats(samples, samples), [math.log(2) / 2, 0.0], atol=1e-12)
    np.testing.assert_allclose(epig(samples, targets=2), [0.5, 0.0], atol=1e-12)


def _definition(samples, target):
    t, n, classes = samples.shape
    values = np.zeros(n)
    for i in range(n):
        for j in range(target.shape[1]):
            for y in range(classes):
                for z in range(classes):
                    joint = np.mean([samples[s, i, y] * target[s, j, z] for s in range(t)])
                    apart = samples[:, i, y].mean() * target[:, j, z].mean()
                    values[i] += joint * math.log(joint / apart) if joint > 0 else 0.0
    return values / target.shape[1]


def test_as_its_definition_reads_on_random_posteriors():
    rng = np.random.default_rng(3)
    samples = rng.dirichlet(np.ones(4), size=(6, 30))  # [T=6, n=30, C=4]
    rows = target_rows(30, 7)
    assert len(rows) == 7 and rows[0] == 0 and rows[-1] == 29
    np.testing.assert_allclose(epig_nats(samples, samples[:, rows]), _definition(samples, samples[:, rows]), rtol=1e-10)
    scores = epig(samples, targets=7)
    np.testing.assert_allclose(scores, _definition(samples, samples[:, rows]) / math.log(4), rtol=1e-10)
    assert np.all((scores >= 0) & (scores <= 1))


def test_agreeing_samples_gain_nothing_and_the_declaration():
    same = np.repeat(np.random.default_rng(0).dirichlet(np.ones(3), size=(1, 12)), 5, axis=0)
    np.testing.assert_allclose(epig(same), 0.0, atol=1e-12)
    declared = UNCERTAINTY.declared("epig")
    assert declared.needs == ("mc_probabilities",) and not declared.rowwise
    assert declared.params["targets"].default == 100 and declared.params["mc_samples"].default == 20
    assert epig(np.zeros((4, 0, 3))).shape == (0,)
    with pytest.raises(ValueError, match=r"\[T, n, C\]"):
        epig(np.zeros((4, 3)))
