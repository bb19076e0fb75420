"""Query by committee: uncertainty measures over the class probabilities of M committee members,
probs [M, n, C] (`needs = ("ensemble_probabilities",)`, given by an `ensemble` classifier). Each is in
[0, 1], 1 = most disagreement (Settles 2009, section 3.3; the measures of modAL and scikit-activeml).

- `vote-entropy` (Dagan & Engelson 1995): the entropy of the members' votes (each member's most probable
  class), V(c) / M, divided by its largest possible value log min(M, C).
- `consensus-entropy`: the entropy of the consensus, the mean of the members' probabilities, / log C.
- `max-disagreement` (McCallum & Nigam 1998, "KL divergence to the mean"): the mean over members of
  KL(p_m || consensus), divided by log min(M, C), its largest possible value. It equals the members' mutual
  information H(consensus) - mean_m H(p_m), the quantity `bald` computes when an ensemble's members stand
  in for MC-dropout passes (there divided by log C).
"""

from __future__ import annotations

import numpy as np

from .bayesian import _entropy
from .uncertainty import UNCERTAINTY
from .work import forward

COMMITTEE = ("ensemble_probabilities",)


def _members(probs: np.ndarray) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 3:
        raise ValueError(f"committee probabilities must be [M, n, C], got shape {probs.shape}")
    return probs


def _scaled(values: np.ndarray, largest: float) -> np.ndarray:
    return np.clip(values / largest, 0.0, 1.0) if largest > 0 else np.zeros_like(values)


@UNCERTAINTY.register("vote-entropy", needs=COMMITTEE, cost=lambda w: forward(w, w.passes))
def vote_entropy(probs: np.ndarray) -> np.ndarray:
    """Entropy of the votes / log min(M, C): [M, n, C] -> [n]; ties in a member's vote go to the lower class."""
    probs = _members(probs)
    members, n, classes = probs.shape
    if n == 0:
        return np.zeros(0)
    votes = probs.argmax(axis=2)  # [M, n]
    counts = np.zeros((n, classes))
    np.add.at(counts, (np.arange(n)[None, :].repeat(members, 0), votes), 1.0)
    return _scaled(_entropy(counts / members), float(np.log(min(members, classes))))


@UNCERTAINTY.register("consensus-entropy", needs=COMMITTEE, cost=lambda w: forward(w, w.passes))
def consensus_entropy(probs: np.ndarray) -> np.ndarray:
    """H(mean_m p_m) / log C: [M, n, C] -> [n]."""
    probs = _members(probs)
    if probs.shape[1] == 0:
        return np.zeros(0)
    return _scaled(_entropy(probs.mean(axis=0)), float(np.log(probs.shape[2])))


@UNCERTAINTY.register("max-disagreement", needs=COMMITTEE, cost=lambda w: forward(w, w.passes))
def max_disagreement(probs: np.ndarray) -> np.ndarray:
    """mean_m KL(p_m || mean p) / log min(M, C): [M, n, C] -> [n]."""
    probs = _members(probs)
    members, n, classes = probs.shape
    if n == 0:
        return np.zeros(0)
    consensus = probs.mean(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(probs > 0, probs * (np.log(probs) - np.log(consensus)), 0.0)
    divergence = np.maximum(terms.sum(axis=2).mean(axis=0), 0.0)
    return _scaled(divergence, float(np.log(min(members, classes))))
