"""Plugin files: each loads once per process, and two files of the same name in different folders both load."""

import textwrap

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
