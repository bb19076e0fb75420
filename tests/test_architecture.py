"""The layout's rules (docs/concepts/data-flow.md), read from the source: who may import which library."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "latentsweep"
ALLOWED = {
    "ray": {"workers", "orchestrator"},
    "optuna": {"orchestrator", "report"},
    "matplotlib": {"report"},
    "rich": {"orchestrator"},
    "torch": {
        "models",
        "classifiers",
        "compute",
        "engine",
        "workers",
        "orchestrator",
        "report",
        "results",
        "testing",
        "tracking",  # torch.utils.tensorboard's writer, imported inside the TensorBoard sink
    },
    "mlflow": {"tracking"},
    "tensorboard": {"tracking"},
}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("library", sorted(ALLOWED))
def test_only_the_allowed_packages_import(library):
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if library in imports(path) and path.relative_to(PACKAGE).parts[0] not in ALLOWED[library]
    ]
    assert not offenders, f"{library} imported outside {sorted(ALLOWED[library])}: {offenders}"


def test_rich_only_in_the_display():
    users = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if "rich" in imports(p)]
    assert users == ["orchestrator/progress.py"]


def test_workers_never_talk_to_trackers():
    """The driver alone writes results and talks to trackers: no worker module reaches tracking/."""
    for path in (PACKAGE / "workers").glob("*.py"):
        tree = ast.parse(path.read_text())
        relative = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 1}
        assert not any(m and m.split(".")[0] == "tracking" for m in relative), path.name


def test_strategies_import_nothing_of_the_rest_of_the_package_but_its_leaves():
    leaves = {"registry", "errors", "compute", None}  # the registry, the error types, the compute path
    for path in (PACKAGE / "strategies").glob("*.py"):
        tree = ast.parse(path.read_text())
        relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 1]
        assert all(n.module in leaves for n in relative), f"{path.name} imports from outside strategies/"


def test_the_registry_is_a_leaf():
    tree = ast.parse((PACKAGE / "registry.py").read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0}
    assert modules == {"errors"}


def test_results_files_is_a_leaf_and_the_store_does_not_import_compaction():
    def siblings(name):
        tree = ast.parse((PACKAGE / "results" / f"{name}.py").read_text())
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 1}

    assert siblings("files") == set()
    assert "compact" not in siblings("store") and "report" not in str(siblings("compact"))


def test_the_compute_path_imports_torch_only_when_work_runs():
    """Importing the strategies (and the config that reads them) loads no torch: compute imports it inside."""
    for path in (PACKAGE / "compute").glob("*.py"):
        tree = ast.parse(path.read_text())
        top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        assert not any("torch" in imports_of(n) for n in top), path.name


def imports_of(node) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name.split(".")[0] for alias in node.names}
    return {node.module.split(".")[0]} if node.module and node.level == 0 else set()
