"""One suite every registered strategy must pass (`latentsweep.testing`): register a strategy and it is
tested here; the kit itself is tested against entries that break each property."""

import numpy as np
import pytest

from latentsweep.registry import Param
from latentsweep.strategies import BATCH_SELECTION, UNCERTAINTY
from latentsweep.testing import conformance_cases, run_cases


@pytest.mark.parametrize("case", conformance_cases(), ids=str)
def test_every_registered_entry_conforms(case):
    case.run()


def test_every_registry_and_entry_is_covered():
    cases = conformance_cases()
    assert {(c.registry, c.entry) for c in cases} >= {("batch", n) for n in BATCH_SELECTION}
    assert {(c.registry, c.entry) for c in cases} >= {("uncertainty", n) for n in UNCERTAINTY}


@pytest.fixture
def scratch_rule():
    added = []

    def register(name, function, **declared):
        BATCH_SELECTION.register(name, **declared)(function)
        added.append(name)

    yield register
    for name in added:
        del BATCH_SELECTION[name]


def failures(entry):
    return {case.check_name: message for case, message in run_cases(conformance_cases([("batch", entry)])) if message}


def test_the_kit_catches_repeated_indices(scratch_rule):
    scratch_rule("repeats", lambda c, k, rng, p: np.zeros(min(k, c.size), dtype=np.int64))
    found = failures("repeats")
    assert "indices repeat" in found["batch_distinct_indices_in_range"]
    assert "batch_small_pools" in found


def test_the_kit_catches_an_unseeded_rule(scratch_rule):
    fresh = np.random.default_rng()
    scratch_rule("unseeded", lambda c, k, rng, p: np.sort(fresh.choice(c.size, size=min(k, c.size), replace=False)))
    assert "the same Generator seed chose differently" in failures("unseeded")["batch_same_seed_same_output"]


def test_the_kit_calls_a_rule_at_values_inside_its_ranges(scratch_rule):
    seen = []

    def rule(candidates, k, rng, params):
        seen.append(params["tau"])
        return np.arange(min(k, candidates.size), dtype=np.int64)

    scratch_rule("records", rule, params={"tau": Param(0.5, 0.0, 3.0)})
    assert failures("records") == {}
    assert {0.5, 1.0} <= set(seen)  # the default and a third of the way into [0, 3]
