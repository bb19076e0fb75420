"""The conformance kit: the checks every registered strategy entry must pass, shipped with the package so
that a plugin author can run them on their own entries (as `optuna.testing` ships Optuna's sampler suite).

    from latentsweep.testing import conformance_cases
    @pytest.mark.parametrize("case", conformance_cases(), ids=str)
    def test_conformance(case):
        case.run()

`latentsweep check CONFIG` runs them on the entries a config's plugins register. The checks need numpy
only (no pytest, torch or ray); a failure raises AssertionError with what was wrong.
"""

from .strategies import CHECKED_REGISTRIES, Case, conformance_cases, run_cases

__all__ = ["CHECKED_REGISTRIES", "Case", "conformance_cases", "run_cases"]
