"""Shared fixtures: one real local Ray instance for the whole session, small sweep configs."""

import contextlib
import os
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # as the product sets it: Ray stays on loopback


_TOKEN = None


# Idle workers the session's instance keeps (Ray's default: as many as CPUs, 2). A command's representation
# task runs on a task worker that sits idle while the command's two actors run; with the default, Ray kills
# it as one worker too many, and every command starts a new one and imports torch again (about 2 s a
# command, measured on 2 cores). What a command computes does not depend on which process runs it.
IDLE_WORKERS = 4


def start_local_ray():
    """The product's own local instance (loopback only, token authentication), once per session."""
    global _TOKEN
    from latentsweep.orchestrator import cluster

    ray = cluster.ray
    if not ray.is_initialized():
        _TOKEN = cluster.token_environment()
        _TOKEN.__enter__()
        ray.init(**cluster.local_options(2), _system_config={"num_workers_soft_limit": IDLE_WORKERS})
    return ray


# Test lanes: what a module's tests start (Ray, a cluster of several nodes, subprocesses, a browser). Every
# one of these is `slow`, as are the modules that train real models; `pytest -m "not slow"` is the inner loop.
LANES = {
    "classifiers/test_plugin.py": ("ray",),
    "models/test_allocator.py": ("subprocess",),
    "models/test_device.py": ("subprocess",),
    "models/test_representation_learning.py": (),
    "orchestrator/test_adaptive.py": ("ray",),
    "orchestrator/test_cluster.py": ("ray", "cluster", "subprocess"),
    "orchestrator/test_driver.py": ("ray", "subprocess"),
    "orchestrator/test_executor.py": ("ray",),
    "orchestrator/test_faults.py": ("ray", "cluster", "subprocess"),
    "orchestrator/test_initial_experiment.py": ("ray",),
    "orchestrator/test_resume.py": ("ray", "subprocess"),
    "orchestrator/test_signals.py": ("ray", "subprocess"),
    "orchestrator/test_tuner.py": ("ray", "subprocess"),
    "report/test_build.py": ("ray", "browser"),
    "report/test_compare.py": ("ray", "browser"),
    "report/test_recomputed.py": ("ray",),
    "test_bad_input.py": ("ray", "subprocess"),
    "test_cli.py": ("ray",),
    "test_cli_after_thesis.py": ("ray",),
    "test_cli_data.py": ("ray",),
    "test_cli_learners.py": ("ray",),
    "test_cli_messages.py": ("ray",),
    "test_cli_precision.py": ("ray",),
    "test_cli_scale.py": ("ray",),
    "test_cli_studies.py": ("ray",),
    "test_docs.py": ("subprocess", "browser"),
    "test_readme.py": ("ray",),
    "tracking/test_mlflow.py": ("ray", "subprocess"),
    "tracking/test_tensorboard.py": ("ray",),
}


def pytest_collection_modifyitems(config, items):
    root = Path(__file__).parent
    for item in items:
        module = Path(str(item.fspath)).relative_to(root).as_posix()
        for lane in LANES.get(module, ()):
            item.add_marker(lane)
        if module in LANES or "slow" in item.keywords:
            item.add_marker("slow")


@pytest.fixture(autouse=True)
def restored_registries(tmp_path_factory):
    """Every registry as it was before the test, and plugin modules a test loaded from its temporary files
    forgotten: a test that registers entries (a plugin, the kit's checks) leaves nothing behind. Only the
    tests' own temporary folder counts (a virtual environment under /tmp holds torch, which stays)."""
    import sys

    from latentsweep.registry import Registry

    snapshot, modules = Registry.snapshot(), set(sys.modules)
    yield
    Registry.restore(snapshot)
    temporary = tmp_path_factory.getbasetemp().resolve()
    for name in set(sys.modules) - modules:
        file = getattr(sys.modules.get(name), "__file__", None) or ""
        if file and Path(file).resolve().is_relative_to(temporary):
            del sys.modules[name]


@pytest.fixture
def ray_instance():
    """The session's local Ray instance (started on first use, about 5 s)."""
    return start_local_ray()


def pytest_sessionfinish(session, exitstatus):
    import sys

    if "ray" in sys.modules:
        sys.modules["ray"].shutdown()


@contextlib.contextmanager
def _cuda_without_tf32():
    """The CUDA device with TF32 off while it is used (results held to the CPU's float32 tolerances); the
    test is skipped on a machine without one."""
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield torch.device("cuda")
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    """Every torch path on each device the machine has: the CPU always, CUDA where there is one."""
    if request.param == "cpu":
        import torch

        yield torch.device("cpu")
        return
    with _cuda_without_tf32() as cuda:
        yield cuda


@pytest.fixture
def accelerator():
    """CUDA, for checks that compare an accelerator with the CPU (skipped where there is none)."""
    with _cuda_without_tf32() as cuda:
        yield cuda


SMALL_SWEEP = """
name = "{name}"
seeds = {seeds}

[data]
dataset = "digits"

[[representations]]
kind = "dense-vae"
latent_dim = 4
epochs = 2
hidden = [32, 16]

[classifier]
hidden = [32]
epochs = 3
batch_size = 20

[budget]
initial = 20
batch = 10
iterations = 3

{strategies}
"""

DEFAULT_STRATEGIES = """
[[strategies.list]]
uncertainty = "margin"

[[strategies.list]]
uncertainty = "random"
"""


def config_writer(folder: Path):
    """A function that writes a small digits sweep config into `folder` and returns its path."""

    def write(name="small", seeds=2, strategies=DEFAULT_STRATEGIES, extra=""):
        path = folder / f"{name}.toml"
        text = SMALL_SWEEP.format(name=name, seeds=seeds, strategies=textwrap.dedent(strategies))
        path.write_text(text + textwrap.dedent(extra))
        return path

    return write


@pytest.fixture
def write_config(tmp_path):
    """Writes a small digits sweep config; returns its path."""
    return config_writer(tmp_path)


def loaded_by(modules: str, libraries: tuple[str, ...] = ("ray", "torch", "optuna")) -> list[str]:
    """Which of `libraries` a fresh interpreter has loaded after importing `modules` ('a, b')."""
    import subprocess
    import sys

    code = f"import sys, {modules}; print(','.join(m for m in {libraries!r} if m in sys.modules))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in completed.stdout.strip().split(",") if m]


def run_once(tmp_path_factory, name: str, text: str) -> tuple[str, Path, Path]:
    """Runs a sweep config once (the session's Ray) for a module of tests: (printed output, config path,
    the sweep's results folder)."""
    import contextlib
    import io

    from latentsweep.cli import main

    start_local_ray()
    folder = tmp_path_factory.mktemp(name)
    config = folder / f"{name}.toml"
    config.write_text(textwrap.dedent(text))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["run", str(config), "--results", str(folder / "results")]) == 0
    return printed.getvalue(), config, folder / "results" / name
