"""Results on disk: the Parquet store of a sweep and the cache of trained representations.

Only this package writes result files.
"""

from .representation_cache import MODEL_CODE_VERSION, RepresentationCache, cache_key, state_dict_bytes
from .schema import CURVES, QUERIES, SCHEMA_VERSION, SCHEMAS, TRIALS, learning_curve_area, trial_tables
from .store import ResultStore, StoreError

__all__ = [
    "CURVES",
    "MODEL_CODE_VERSION",
    "QUERIES",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "TRIALS",
    "RepresentationCache",
    "ResultStore",
    "StoreError",
    "cache_key",
    "learning_curve_area",
    "state_dict_bytes",
    "trial_tables",
]
