"""The layout's rules (DESIGN.md), read from the source: who may import ray, optuna, matplotlib, rich."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "latentsweep"
ALLOWED = {
    "ray": {"workers", "orchestrator"},
    "optuna": {"orchestrator", "report"},
    "matplotlib": {"report"},
    "rich": {"orchestrator"},
    "torch": {"models", "classifiers", "engine", "workers", "orchestrator", "report", "results", "testing"},
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


def test_strategies_import_nothing_of_the_rest_of_the_package_but_its_leaves():
    leaves = {"registry", "errors"}  # the registry with its parameter model, and the error types
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
