"""Plugin files: each loads once per process, and two files of the same name in different folders both load."""

import textwrap

import pytest

from latentsweep.plugins import load_plugins
from latentsweep.strategies import UNCERTAINTY

PLUGIN = """
import numpy as np
from latentsweep.strategies import UNCERTAINTY

@UNCERTAINTY.register("{name}")
def score(probs):
    return np.clip(1.0 - probs.max(axis=1), 0.0, 1.0) if probs.shape[0] else np.zeros(0)
"""


def test_two_plugin_files_of_one_name_in_two_folders_both_load(tmp_path):
    paths = []
    for folder, name in (("first", "same-name-first"), ("second", "same-name-second")):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "strategies.py"
        path.write_text(textwrap.dedent(PLUGIN.format(name=name)))
        paths.append(str(path))
    load_plugins(paths)
    assert "same-name-first" in UNCERTAINTY and "same-name-second" in UNCERTAINTY
    load_plugins(paths)  # once per process: loading again registers nothing twice


@pytest.mark.parametrize(
    ("plugin", "content", "message"),
    [
        ("missing.py", None, "missing.py: file not found"),
        ("broken.py", "def f(:\n", "broken.py: does not compile (line 1: "),
        (".relative", None, "plugins: '.relative': expected a module name (a.b.c) or a path ending in .py"),
        ("no_such_package_here.sub", None, "plugins: no_such_package_here.sub: no module 'no_such_package_here'"),
    ],
)
def test_plan_names_a_plugin_it_cannot_use_without_running_it(write_config, tmp_path, capsys, plugin, content, message):
    from latentsweep.cli import main

    if content is not None:
        (tmp_path / plugin).write_text(content)
    path = write_config(seeds=1)
    path.write_text(f'plugins = ["{plugin}"]\n' + path.read_text())
    assert main(["plan", str(path), "--results", str(tmp_path / "results")]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1, error


def test_plan_takes_no_address_it_would_not_use(write_config, capsys):
    from latentsweep.cli import main

    assert main(["plan", str(write_config(seeds=1)), "--address", "127.0.0.1:6379"]) == 2
    assert "unrecognized arguments: --address" in capsys.readouterr().err
