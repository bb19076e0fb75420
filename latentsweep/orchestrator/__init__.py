"""The driver side: plan, Ray connection, the command session (signals, display, status), the representation
stage, the executor and its clients (sweep, tuning study, initial experiment)."""

from .cluster import cluster_resources, ray_session, start_local
from .driver import RunOptions, SweepOutcome, plan_text, prepare, run_sweep
from .executor import Executor, ExecutorStatus, Job
from .ledger import TrialLedger
from .plan import SweepPlan, describe_plan, make_packs, make_plan, pack_cap
from .progress import Display, SweepStatus, make_display
from .representations import RepresentationJob, StageOutcome, representation_job, run_representation_stage
from .session import Session
from .signals import Stopped, stop_on_signals
from .status import RunStatus, Stage

__all__ = [
    "Display",
    "Executor",
    "ExecutorStatus",
    "Job",
    "RepresentationJob",
    "RunOptions",
    "RunStatus",
    "Session",
    "Stage",
    "StageOutcome",
    "Stopped",
    "SweepOutcome",
    "SweepPlan",
    "SweepStatus",
    "TrialLedger",
    "cluster_resources",
    "describe_plan",
    "make_display",
    "make_packs",
    "make_plan",
    "pack_cap",
    "plan_text",
    "prepare",
    "ray_session",
    "representation_job",
    "run_representation_stage",
    "run_sweep",
    "start_local",
    "stop_on_signals",
]
