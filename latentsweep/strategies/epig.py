"""EPIG (Bickford Smith, Kirsch, Farquhar, Gal, Foster & Rainforth 2023, eq. 2): the expected predictive
information gain of labelling x about the predictions on target inputs x* drawn from the pool,

    EPIG(x) = E_{x*} [ sum_{y, y*} p(y, y* | x, x*) log( p(y, y* | x, x*) / (p(y | x) p(y* | x*)) ) ],

p(y, y* | x, x*) = mean_t p_t(y | x) p_t(y* | x*) over posterior samples t (MC-dropout passes or an
ensemble's members), divided by log C as BALD is. Where BALD asks what a label says about the weights, EPIG
asks what it says about predictions the model will be used for, and so avoids querying outliers.

The targets are `targets` candidates spread evenly over the candidate list (the unlabelled pool in pool
order, or its subsample): a fixed sample of the pool, so that a trial's scores need no generator.
"""

from __future__ import annotations

import numpy as np

from ..registry import Param
from .bayesian import MC, _check, xlogx_
from .uncertainty import UNCERTAINTY
from .work import Work, forward, logs


def target_rows(n: int, targets: int) -> np.ndarray:
    """The candidate positions used as targets: min(targets, n) spread evenly over [0, n)."""
    return np.unique(np.linspace(0, n - 1, num=min(targets, n)).round().astype(np.int64)) if n else np.zeros(0, int)


def epig_nats(samples: np.ndarray, target: np.ndarray) -> np.ndarray:
    """EPIG in nats of every candidate [T, n, C] about target predictions [T, m, C]: [n] (>= 0).

    The joint of a block of candidates with every target is one matrix product ([b C, T] @ [T, m C]), and
    log(p(y|x) p(y*|x*)) is a sum of logs made once per row: one logarithm per joint entry, not three."""
    t, n, classes = samples.shape
    m = target.shape[1]
    targets = np.ascontiguousarray(target.transpose(1, 2, 0)).reshape(m * classes, t)  # [m C, T]
    marginal, marginal_target = samples.mean(axis=0), target.mean(axis=0)  # p(y | x) [n, C], p(y* | x*) [m, C]
    # where a marginal is 0 every joint entry it bounds is 0: its log never counts
    log_marginal = np.log(np.where(marginal > 0, marginal, 1.0))
    log_target = np.log(np.where(marginal_target > 0, marginal_target, 1.0))[None, None]  # [1, 1, m, C]
    result = np.empty(n)
    step = max(1, (1 << 22) // max(1, m * classes * classes))  # candidates per ~32 MB block
    for start in range(0, n, step):
        block = samples[:, start : start + step]
        b = block.shape[1]
        rows = np.ascontiguousarray(block.transpose(1, 2, 0)).reshape(b * classes, t)  # [b C, T]
        joint = (rows @ targets.T / t).reshape(b, classes, m, classes)  # p(y, y* | x, x*)
        cross = joint * (log_marginal[start : start + b, :, None, None] + log_target)
        terms = xlogx_(joint) - cross
        result[start : start + b] = terms.sum(axis=(1, 3)).mean(axis=1)
    return np.maximum(result, 0.0)


def _cost(work: Work) -> float:
    """The passes, and the joint of every candidate with the default 100 targets: its product and its logs."""
    joint = work.n * 100 * work.classes**2
    return forward(work, work.passes) + 2.0 * joint * work.passes + logs(joint)


@UNCERTAINTY.register(
    "epig",
    needs=("mc_probabilities",),
    params={**MC, "targets": Param(100, 1, 100_000, doc="target inputs x* drawn from the pool")},
    rowwise=False,
    cost=_cost,
)
def epig(samples: np.ndarray, mc_samples: int = 20, targets: int = 100) -> np.ndarray:
    """EPIG / log C over posterior samples [T, n, C] -> [n] in [0, 1], targets spread over the candidates."""
    samples = _check(samples)
    _, n, classes = samples.shape
    if n == 0 or classes < 2:
        return np.zeros(n)
    target = samples[:, target_rows(n, int(targets))]
    return np.clip(epig_nats(samples, target) / np.log(classes), 0.0, 1.0)
