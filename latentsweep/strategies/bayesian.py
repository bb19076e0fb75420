"""Bayesian strategies from Monte-Carlo dropout: T stochastic forward passes of the trained MLP with
dropout on, probs [T, n, C] (`needs = ("mc_probabilities",)`, T = the `mc_samples` parameter).

- `max-entropy-mc`: H[mean_t p_t] / log C, the entropy of the MC predictive.
- `bald` (Gal, Islam & Ghahramani 2017): the mutual information between the label and the weights,
  I = H[mean_t p_t] - mean_t H[p_t], divided by log C (0 when every pass agrees).
- `batchbald` (Kirsch, van Amersfoort & Gal 2019), a batch rule: greedily add the candidate that
  maximises the joint mutual information of the batch, H(y_1..n) - sum_i E_w H(y_i | w). The joint entropy
  is exact over all C^n label configurations while there are at most `configurations` of them, then
  estimated from that many configurations sampled from the MC joint (the paper's importance estimate).
"""

from __future__ import annotations

import numpy as np

from ..registry import Param
from .batch_selection import BATCH_SELECTION, BatchParams, Candidates
from .uncertainty import UNCERTAINTY
from .work import forward, logs

MC = {"mc_samples": Param(20, 1, 10_000, doc="stochastic forward passes (posterior samples) per prediction")}


def _entropy(probs: np.ndarray, axis: int = -1) -> np.ndarray:
    p = np.clip(probs, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=axis)


def _check(samples: np.ndarray | None) -> np.ndarray:
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 3:
        raise ValueError(f"MC probabilities must be [T, n, C], got shape {samples.shape}")
    return samples


def _per_log_classes(samples: np.ndarray, measure) -> np.ndarray:
    """measure(samples) in nats / log C, clipped to [0, 1]; [T, n, C] -> [n], zeros for one class."""
    samples = _check(samples)
    classes = samples.shape[2]
    if samples.shape[1] == 0 or classes < 2:
        return np.zeros(samples.shape[1])
    return np.clip(measure(samples) / np.log(classes), 0.0, 1.0)


@UNCERTAINTY.register("max-entropy-mc", needs=("mc_probabilities",), params=MC, cost=lambda w: forward(w, w.passes))
def max_entropy_mc(samples: np.ndarray, mc_samples: int = 20) -> np.ndarray:
    """H(mean_t p_t) / log C over MC-dropout samples [T, n, C] -> [n] in [0, 1]."""
    return _per_log_classes(samples, lambda s: _entropy(s.mean(axis=0)))


def mutual_information(samples: np.ndarray) -> np.ndarray:
    """I(y; w | x) = H[mean_t p_t] - mean_t H[p_t] in nats, [T, n, C] -> [n] (>= 0)."""
    samples = _check(samples)
    return np.maximum(_entropy(samples.mean(axis=0)) - _entropy(samples).mean(axis=0), 0.0)


@UNCERTAINTY.register("bald", needs=("mc_probabilities",), params=MC, cost=lambda w: forward(w, w.passes))
def bald(samples: np.ndarray, mc_samples: int = 20) -> np.ndarray:
    """BALD: the mutual information between label and weights / log C, [T, n, C] -> [n] in [0, 1]."""
    return _per_log_classes(samples, mutual_information)


def xlogx_(p: np.ndarray) -> np.ndarray:
    """p log p element-wise, in place (0 log 0 = 0) for p >= 0: a float64 log per entry is what joint
    entropies cost, and numpy's in-place log runs it several times faster than scipy's xlogy."""
    logs = np.maximum(p, np.finfo(p.dtype).tiny)
    np.log(logs, out=logs)
    p *= logs
    return p


def _joint_entropy_with(joint: np.ndarray, weights: np.ndarray | None, samples: np.ndarray) -> np.ndarray:
    """H(y_batch, y_x) for every candidate x. joint [M, T]: P(configuration m of the batch | w_t);
    weights [M]: importance weights 1 / (M p(m)) of sampled configurations (None: exact, every
    configuration); samples [T, n, C]. Returns [n]."""
    t, n, classes = samples.shape
    result = np.empty(n)
    step = max(1, (1 << 22) // (joint.shape[0] * classes))  # candidates per block: about 32 MB of p(m, y)
    for start in range(0, n, step):
        block = samples[:, start : start + step]
        b = block.shape[1]
        together = joint @ block.reshape(t, b * classes) / t  # p(m, y) [M, b C]: one matrix product
        terms = xlogx_(together)
        if weights is not None:
            terms = weights @ terms
        result[start : start + b] = -terms.reshape(-1, b, classes).sum(axis=(0, 2))
    return result


def _sample_configurations(
    samples: np.ndarray, chosen: list[int], count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`count` label configurations of the chosen candidates drawn from the MC joint (a pass t, then each
    label from p_t): returns joint [count, T] and importance weights [count]."""
    t = samples.shape[0]
    passes = rng.integers(t, size=count)
    labels = np.empty((count, len(chosen)), dtype=np.int64)
    for column, index in enumerate(chosen):
        cumulative = np.cumsum(samples[passes, index], axis=1)
        labels[:, column] = np.minimum((rng.random((count, 1)) > cumulative).sum(axis=1), samples.shape[2] - 1)
    joint = np.ones((count, t))
    for column, index in enumerate(chosen):
        joint *= samples[:, index, labels[:, column]].T
    marginal = joint.mean(axis=1)
    return joint, 1.0 / (count * np.maximum(marginal, 1e-300))


@BATCH_SELECTION.register(
    "batchbald",
    params={**MC, "configurations": Param(1000, 1, 10**9, doc="label configurations of the exact joint entropy")},
    needs=("mc_probabilities",),
    uses_scores=False,
    uses_features=False,
    cost=lambda w: (
        forward(w, w.passes)
        + w.k * min(1000, w.classes**w.k) * w.n * w.classes * 2.0 * w.passes
        + logs(w.k * min(1000, w.classes**w.k) * w.n * w.classes)
    ),
)
def batchbald(candidates: Candidates, k: int, rng: np.random.Generator, params: BatchParams) -> np.ndarray:
    """Greedy BatchBALD over MC-dropout samples: exact joint entropies up to `configurations` label
    configurations, sampled ones beyond. Ties go to the lower index."""
    samples = _check(candidates.mc_probabilities)
    t, n, classes = samples.shape
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    limit = int(params.get("configurations", 1000))
    conditional = _entropy(samples).mean(axis=0)  # E_w H(y_i | w), additive over the batch
    chosen: list[int] = []
    joint, weights = np.ones((1, t)), None  # the empty batch: one configuration of probability 1
    taken = np.zeros(n, dtype=bool)
    for _ in range(k):
        scores = _joint_entropy_with(joint, weights, samples) - conditional - conditional[chosen].sum()
        scores[taken] = -np.inf
        best = int(np.argmax(scores))
        chosen.append(best)
        taken[best] = True
        if weights is None and joint.shape[0] * classes <= limit:  # exact: every configuration, extended
            joint = (joint[:, None, :] * samples[:, best, :].T[None, :, :]).reshape(-1, t)
        else:
            joint, weights = _sample_configurations(samples, chosen, limit, rng)
    return np.array(chosen, dtype=np.int64)
