"""Results on disk: the Parquet store of a sweep, the checkpoints of running trials and the cache of
trained representations. Only this package writes result files.
"""

from .checkpoints import Checkpoint, CheckpointStore
from .compact import CompactOutcome, compact
from .files import StoreError, atomic_write, atomic_write_bytes, check_sweep_folder, finish_interrupted
from .representation_cache import MODEL_CODE_VERSION, RepresentationCache, cache_key
from .schema import (
    CURVES,
    QUERIES,
    QUERY_SETS,
    SCHEMA_VERSION,
    SCHEMAS,
    TRIALS,
    learning_curve_area,
    representation_kind,
    trial_tables,
)
from .store import ResultStore

__all__ = [
    "CURVES",
    "MODEL_CODE_VERSION",
    "QUERIES",
    "QUERY_SETS",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "TRIALS",
    "Checkpoint",
    "CheckpointStore",
    "CompactOutcome",
    "RepresentationCache",
    "ResultStore",
    "StoreError",
    "atomic_write",
    "atomic_write_bytes",
    "cache_key",
    "check_sweep_folder",
    "compact",
    "finish_interrupted",
    "learning_curve_area",
    "representation_kind",
    "trial_tables",
]
