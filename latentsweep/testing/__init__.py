"""The conformance kit: the checks every registered strategy entry must pass, shipped with the package so
that a plugin author can run them on their own entries (as `optuna.testing` ships Optuna's sampler suite).

    from latentsweep.testing import conformance_cases
    @pytest.mark.parametrize("case", conformance_cases(), ids=str)
    def test_conformance(case):
        case.run()

`latentsweep check CONFIG` runs them on the entries a config's plugins register (strategy entries and
classifier kinds). The strategy checks need numpy only, the classifier checks build the learner (torch);
none needs pytest or ray. A failure raises AssertionError with what was wrong.
"""

from .cases import CHECKED_REGISTRIES, Case, conformance_cases, run_cases

__all__ = ["CHECKED_REGISTRIES", "Case", "conformance_cases", "run_cases"]
