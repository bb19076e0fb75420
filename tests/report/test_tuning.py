"""The study's figures on a real Optuna study: which files, and a contour only over varied parameters."""

import logging

import optuna

from latentsweep.report.tuning import study_figures


class Collect(logging.Handler):
    def __init__(self, level: int):
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def study_with(space: dict, values: list[float]) -> optuna.Study:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for value in values:
        trial = study.ask(space)
        study.tell(trial, value + trial.params.get("gamma", 0.0))
    return study


def test_a_one_choice_parameter_gets_no_contour_and_no_warning(tmp_path):
    space = {
        "uncertainty": optuna.distributions.CategoricalDistribution(["margin"]),
        "gamma": optuna.distributions.FloatDistribution(0.0, 1.0),
    }
    study = study_with(space, [0.1, 0.5, 0.2, 0.4])
    warnings = Collect(level=logging.WARNING)
    logging.getLogger("optuna").addHandler(warnings)
    try:
        paths = study_figures(study, tmp_path)
    finally:
        logging.getLogger("optuna").removeHandler(warnings)
    names = {path.name for path in paths}
    assert {"optimization_history.png", "slice.svg", "param_importances.png"} <= names
    assert not any(name.startswith("contour") for name in names)
    assert not warnings.messages  # Optuna warns of a contour over a parameter of one value


def test_two_varied_parameters_get_a_contour(tmp_path):
    space = {
        "alpha": optuna.distributions.FloatDistribution(0.0, 1.0),
        "gamma": optuna.distributions.FloatDistribution(0.0, 1.0),
    }
    paths = study_figures(study_with(space, [0.1, 0.5, 0.2, 0.4]), tmp_path)
    assert {"contour.png", "contour.svg"} <= {path.name for path in paths}
    assert all(path.stat().st_size > 1000 for path in paths)


def _enqueued(values_of) -> optuna.Study:
    study = optuna.create_study()
    for i in range(12):
        study.enqueue_trial({"x": i / 12, "y": (i * 7 % 12) / 12})
        study.optimize(lambda t: values_of(t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=1)
    return study


def test_importances_rank_what_matters_and_say_nothing_when_optuna_splits_them_equally(recwarn):
    import warnings

    from latentsweep.report.tuning import param_importances

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("always")
    ranked = param_importances(_enqueued(lambda x, y: 10 * x + 0.01 * y))
    assert list(ranked) == ["x", "y"] and ranked["x"] > 0.9
    two = optuna.create_study()
    for x, y in ((0.0, 0.0), (0.5, 0.5)):  # x and y moved together: no way to tell them apart
        two.enqueue_trial({"x": x, "y": y})
        two.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=1)
    assert param_importances(two) == {}  # Optuna gives 0.5 and 0.5 here: no information
    assert not [w for w in recwarn if "optuna" in (w.filename or "")]  # none of Optuna's warnings escape
