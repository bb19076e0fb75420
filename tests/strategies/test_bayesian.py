"""BALD, max-entropy over MC dropout and BatchBALD, against values computed by hand."""

import math

import numpy as np
import pytest

from latentsweep.strategies import BATCH_SELECTION, UNCERTAINTY, BatchParams, Candidates, mutual_information


def test_bald_is_zero_when_every_pass_agrees():
    samples = np.repeat(np.array([[[0.7, 0.3], [0.5, 0.5]]]), 6, axis=0)  # T = 6 identical passes
    np.testing.assert_allclose(UNCERTAINTY["bald"](samples), [0.0, 0.0], atol=1e-12)
    # ... while the entropy of the predictive is not
    assert UNCERTAINTY["max-entropy-mc"](samples)[1] == pytest.approx(1.0)


def test_bald_and_max_entropy_by_hand():
    # two passes that disagree completely on one example: mean (0.5, 0.5), H = log 2; each pass H = 0
    samples = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    assert mutual_information(samples)[0] == pytest.approx(math.log(2))
    assert UNCERTAINTY["bald"](samples)[0] == pytest.approx(1.0)  # / log C
    # passes (0.8, 0.2) and (0.4, 0.6): mean (0.6, 0.4)
    samples = np.array([[[0.8, 0.2]], [[0.4, 0.6]]])
    h = lambda p: -sum(x * math.log(x) for x in p)  # noqa: E731
    expected = h([0.6, 0.4]) - (h([0.8, 0.2]) + h([0.4, 0.6])) / 2
    assert mutual_information(samples)[0] == pytest.approx(expected)
    assert UNCERTAINTY["max-entropy-mc"](samples)[0] == pytest.approx(h([0.6, 0.4]) / math.log(2))


def candidates(samples):
    n = samples.shape[1]
    return Candidates(uncertainty=np.zeros(n), features=np.zeros((n, 2)), mc_probabilities=samples)


def test_batchbald_first_pick_is_balds_and_it_skips_a_duplicate():
    rng = np.random.default_rng(0)
    samples = rng.dirichlet(np.ones(3), size=(8, 6))  # T = 8 passes, 6 candidates, 3 classes
    samples[:, 5] = samples[:, 4]  # candidate 5 duplicates candidate 4
    best = int(np.argmax(mutual_information(samples)))
    samples[:, [best, 4]] = samples[:, [4, best]]  # make the most informative candidate the duplicated one
    samples[:, 5] = samples[:, 4]
    chosen = BATCH_SELECTION["batchbald"](candidates(samples), 2, rng, BatchParams())
    assert chosen[0] in (4, 5)  # the first pick is BALD's (one of the twins; the lower index wins ties)
    assert chosen[1] not in (4, 5)  # the twin adds no information: BatchBALD takes another candidate
    top_k_bald = np.argsort(-mutual_information(samples), kind="stable")[:2]
    assert set(top_k_bald) == {4, 5}  # top-k BALD takes both twins


def test_batchbald_joint_mutual_information_by_hand():
    # two candidates, two passes, two classes: the greedy pick maximises I(y1, y2; w) exactly
    samples = np.array([[[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]], [[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]]])

    def joint_mi(indices):
        configurations = np.array(np.meshgrid(*[[0, 1]] * len(indices))).T.reshape(-1, len(indices))
        per_pass = np.array(
            [
                [np.prod([samples[t, i, c] for i, c in zip(indices, conf, strict=True)]) for t in range(2)]
                for conf in configurations
            ]
        )
        joint = per_pass.mean(axis=1)
        entropy = -(joint * np.log(joint)).sum()
        conditional = sum(-(samples[:, i] * np.log(samples[:, i])).sum(axis=1).mean() for i in indices)
        return entropy - conditional

    chosen = BATCH_SELECTION["batchbald"](candidates(samples), 2, np.random.default_rng(0), BatchParams())
    assert chosen[0] == int(np.argmax([joint_mi([i]) for i in range(3)]))
    second = max((i for i in range(3) if i != chosen[0]), key=lambda i: (joint_mi([chosen[0], i]), -i))
    assert chosen[1] == second


def test_sampled_configurations_estimate_the_exact_choice():
    rng = np.random.default_rng(3)
    samples = rng.dirichlet(np.ones(4) * 0.5, size=(30, 40))
    exact = BATCH_SELECTION["batchbald"](
        candidates(samples), 4, np.random.default_rng(1), BatchParams(values={"configurations": 10**6})
    )
    sampled = BATCH_SELECTION["batchbald"](
        candidates(samples), 4, np.random.default_rng(1), BatchParams(values={"configurations": 2000})
    )
    assert exact[:2].tolist() == sampled[:2].tolist()  # 4^2 = 16 configurations: still exact
    assert len(set(exact) & set(sampled)) >= 3  # beyond, the estimate picks (nearly) the same batch
