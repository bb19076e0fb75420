"""The oracle: the only way the active-learning loop sees pool labels, and a record of every query."""

from __future__ import annotations

import numpy as np


class Oracle:
    """Reveals pool labels on request and records each query batch; querying a label twice is an error."""

    def __init__(self, labels: np.ndarray):
        self._labels = labels
        self._revealed = np.zeros(labels.shape[0], dtype=bool)
        self.queries: list[np.ndarray] = []

    def query(self, indices: np.ndarray) -> np.ndarray:
        """Labels [k] of pool indices [k]."""
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= self._labels.shape[0]):
            raise IndexError(f"query outside the pool of {self._labels.shape[0]}: {indices}")
        if np.unique(indices).size != indices.size or self._revealed[indices].any():
            raise ValueError("the oracle was asked for a label twice")
        self._revealed[indices] = True
        self.queries.append(indices.copy())
        return self._labels[indices]

    @property
    def n_queried(self) -> int:
        return int(self._revealed.sum())

    def unlabelled(self) -> np.ndarray:
        """Pool indices not yet queried, ascending."""
        return np.flatnonzero(~self._revealed)
