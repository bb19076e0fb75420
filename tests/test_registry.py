import numpy as np
import pytest

from latentsweep.engine import REPRESENTATION_KINDS
from latentsweep.errors import SpecError
from latentsweep.registry import DeclarationError, Param, declared_params
from latentsweep.strategies import BATCH_SELECTION, UNCERTAINTY, Registry, UnknownNameError

from .conftest import loaded_by


def test_registering_a_name_twice_raises():
    registry = Registry("thing")
    registry["a"] = len
    with pytest.raises(ValueError, match="already registered"):
        registry["a"] = len
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a")(abs)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(
        UnknownNameError, match="unknown uncertainty measure 'margn'; known: bald, consensus-entropy, entropy, "
    ):
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
    assert loaded_by("latentsweep.strategies") == []


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        (Param(0.0, 0.0, 1.0), 1.5, "w = 1.5: expected a number in [0, 1]"),
        (Param(1.0, 0.0, 1.0, open_low=True), 0, "w = 0.0: expected a number in (0, 1]"),
        (Param(20, 1, 100), 0, "w = 0: expected an integer in [1, 100]"),
        (Param(20, 1, 100), 2.5, "w = 2.5: expected an integer in [1, 100]"),
        (Param(20, 1), True, "w = True: expected an integer >= 1"),
        (Param(0.5), float("inf"), "w = inf: expected a number"),
        (Param("a", choices=("a", "b")), "c", "w = 'c': expected one of a, b"),
        (Param(True), 1, "w = 1: expected true or false"),
    ],
)
def test_a_param_refuses_what_its_declaration_does_not_admit(param, value, message):
    with pytest.raises(SpecError) as raised:
        param.check("w", value)
    assert str(raised.value) == message and raised.value.field == "w"


def test_a_param_takes_ints_for_floats_and_knows_what_can_be_scheduled():
    assert Param(0.0, 0.0, 1.0).check("w", 1) == 1.0 and isinstance(Param(0.0).check("w", 1), float)
    assert Param(0.5).schedulable and not Param(3).schedulable and not Param("x").schedulable
    registry = Registry("colour")
    registry["red"] = len
    named = Param("red", choices=registry)
    assert named.options() == ("red",)
    with pytest.raises(SpecError, match="w = 'blue': unknown name; known: red"):
        named.check("w", "blue")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Param([1]), r"default \[1\]: expected a bool, int, float or str"),
        (lambda: Param("a", 0, 1), "low/high need a number default"),
        (lambda: Param(1.0, 2.0, 0.5), r"range \[2.0, 0.5\]: low > high"),
        (lambda: Param(5, 0, 3), r"default 5 is not an integer in \[0, 3\]"),
        (lambda: declared_params({"t_end": 1.0}), "names ending in _end are the ends of schedules"),
        (lambda: declared_params({"t": None}), "parameter 't': default None: expected a bool"),
    ],
)
def test_a_bad_declaration_is_refused_with_one_line(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_registration_names_the_entry_whose_declaration_is_wrong():
    with pytest.raises(DeclarationError, match="uncertainty measure 'x': needs 'probs': unknown; known: "):
        UNCERTAINTY.register("x", needs=("probs",))
    with pytest.raises(DeclarationError, match="batch selection 'x': 'gamma' is not a float parameter it declares"):
        BATCH_SELECTION.register("x", representativeness_weight="gamma")
    with pytest.raises(DeclarationError, match="representation kind 'x': holds 'vector': expected one of images"):
        REPRESENTATION_KINDS.register("x", holds="vector")
    assert "x" not in UNCERTAINTY and "x" not in BATCH_SELECTION and "x" not in REPRESENTATION_KINDS
