"""Query by committee, against values written out by hand."""

import math

import numpy as np
import pytest

from latentsweep.strategies import UNCERTAINTY, bald
from latentsweep.strategies.committee import consensus_entropy, max_disagreement, vote_entropy

# 3 members, 2 instances, 3 classes
MEMBERS = np.array(
    [
        [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]],
        [[0.2, 0.7, 0.1], [0.1, 0.8, 0.1]],
        [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1]],
    ]
)


def test_vote_entropy_by_hand():
    # instance 0: votes 0, 1, 0 -> (2/3, 1/3); instance 1: all vote 1 -> no disagreement
    expected = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)) / math.log(3)  # log min(M=3, C=3)
    np.testing.assert_allclose(vote_entropy(MEMBERS), [expected, 0.0], atol=1e-12)


def test_vote_entropy_of_two_members_who_disagree_is_one():
    two = np.array([[[0.9, 0.05, 0.05]], [[0.05, 0.9, 0.05]]])
    np.testing.assert_allclose(vote_entropy(two), [1.0])  # log 2 / log min(2, 3)


def test_consensus_entropy_by_hand():
    # consensus of instance 0: (0.5, 0.4, 0.1)
    expected = -(0.5 * math.log(0.5) + 0.4 * math.log(0.4) + 0.1 * math.log(0.1)) / math.log(3)
    consensus_1 = [0.4 / 3, 2.3 / 3, 0.1]
    expected_1 = -sum(p * math.log(p) for p in consensus_1) / math.log(3)
    np.testing.assert_allclose(consensus_entropy(MEMBERS), [expected, expected_1])


def test_max_disagreement_is_the_mean_kl_to_the_consensus_by_hand():
    consensus = [0.5, 0.4, 0.1]
    kls = [sum(p * math.log(p / q) for p, q in zip(member, consensus, strict=True)) for member in MEMBERS[:, 0]]
    # member 0: 0.7 ln 1.4 + 0.2 ln 0.5 + 0; member 1: 0.2 ln 0.4 + 0.7 ln 1.75; member 2: 0.6 ln 1.2 + 0.3 ln 0.75
    assert kls[0] == pytest.approx(0.7 * math.log(1.4) + 0.2 * math.log(0.5))
    np.testing.assert_allclose(max_disagreement(MEMBERS)[0], np.mean(kls) / math.log(3))


def test_the_mean_kl_to_the_consensus_is_balds_mutual_information_over_the_members():
    rng = np.random.default_rng(0)
    members = rng.dirichlet(np.ones(4), size=(5, 30))  # M = 5, C = 4
    np.testing.assert_allclose(max_disagreement(members) * math.log(4), bald(members) * math.log(4), atol=1e-12)


@pytest.mark.parametrize("name", ["vote-entropy", "consensus-entropy", "max-disagreement"])
def test_committee_measures_are_in_0_1_and_zero_when_the_members_agree(name):
    declared = UNCERTAINTY.declared(name)
    assert declared.needs == ("ensemble_probabilities",)
    rng = np.random.default_rng(1)
    members = rng.dirichlet(np.ones(10) * 0.3, size=(7, 50))
    scores = UNCERTAINTY[name](members)
    assert scores.shape == (50,) and scores.min() >= 0 and scores.max() <= 1
    same = np.repeat(np.eye(10)[[3]][None], 4, axis=0)  # every member sure of class 3
    assert UNCERTAINTY[name](same)[0] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="must be \\[M, n, C\\]"):
        UNCERTAINTY[name](members[0])
    assert UNCERTAINTY[name](np.zeros((3, 0, 4))).shape == (0,)
