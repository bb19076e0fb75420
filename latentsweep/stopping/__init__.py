"""When to stop labelling: stopping criteria from the literature (`STOPPING`, a registry) over what the loop
measures after every fit (`measures`: predictions and uncertainty on a fixed stop set). A run's
`[stopping]` ends trials when its criterion fires; the report says where each criterion would have stopped."""

from .criteria import STOPPING, Criterion, Curve, StoppingCriterion
from .measures import STOP_COLUMNS, STOP_SET_SIZE, kappa, stop_scores, stop_set

__all__ = [
    "STOPPING",
    "STOP_COLUMNS",
    "STOP_SET_SIZE",
    "Criterion",
    "Curve",
    "StoppingCriterion",
    "kappa",
    "stop_scores",
    "stop_set",
]
