"""The sweep driver and what it needs: plan, Ray connection, progress display."""

from .driver import RunOptions, SweepOutcome, plan_text, prepare, run_sweep
from .plan import RepresentationJob, SweepPlan, describe_plan, make_plan
from .progress import Display, SweepStatus, make_display

__all__ = [
    "Display",
    "RepresentationJob",
    "RunOptions",
    "SweepOutcome",
    "SweepPlan",
    "SweepStatus",
    "describe_plan",
    "make_display",
    "make_plan",
    "plan_text",
    "prepare",
    "run_sweep",
]
