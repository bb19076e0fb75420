import subprocess
import sys

import numpy as np
import pytest

from latentsweep.strategies import UNCERTAINTY, Registry, UnknownNameError


def test_registering_a_name_twice_raises():
    registry = Registry("thing")
    registry["a"] = len
    with pytest.raises(ValueError, match="already registered"):
        registry["a"] = len
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a")(abs)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="unknown uncertainty measure 'margn'; known: bald, entropy, "):
        UNCERTAINTY["margn"]


def test_a_user_strategy_is_one_function_and_one_line():
    @UNCERTAINTY.register("test-second-class")
    def second_class(probs):
        return np.asarray(probs)[:, 1]

    try:
        assert UNCERTAINTY["test-second-class"](np.array([[0.2, 0.8]]))[0] == 0.8
    finally:
        del UNCERTAINTY["test-second-class"]


def test_importing_strategies_loads_neither_ray_torch_nor_optuna():
    code = (
        "import sys, latentsweep.strategies; "
        "bad = [m for m in ('ray', 'torch', 'optuna') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
