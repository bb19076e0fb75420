"""Query-set evaluation as a plain function for a Ray task: torch pinned to the task's CPUs."""

from __future__ import annotations

import numpy as np

from ..data import Splits
from ..engine import QuerySetEvaluation, evaluate_query_set
from ..models import set_torch_threads


def evaluate_query_set_task(splits: Splits, indices: np.ndarray, threads: int, **settings) -> QuerySetEvaluation:
    set_torch_threads(max(1, threads))
    return evaluate_query_set(splits, indices, **settings)
