import pytest

from latentsweep.config import Choice, ConfigError, Range, parse_tune_config

BASE = {
    "name": "t",
    "seeds": 2,
    "data": {"dataset": "digits"},
    "representations": [{"kind": "dense-vae"}],
    "budget": {"initial": 20, "batch": 10, "iterations": 4},
}


def config(space=None, fixed=None, **tune):
    document = {
        **BASE,
        "tune": {
            "fixed": fixed or {"batch": "greedy", "representativeness": "density-cosine"},
            "space": space or {"gamma": [0.0, 1.0]},
            **tune,
        },
    }
    return parse_tune_config(document)


def test_ranges_choices_and_settings():
    parsed = config(
        {
            "uncertainty": ["margin", "entropy"],
            "gamma": [0.0, 1.0],
            "subsample": {"low": 0.05, "high": 0.5, "log": True},
        },
        trials=12,
        sampler="random",
        objective="at",
        objective_labels=40,
    )
    assert parsed.space["uncertainty"] == Choice(("margin", "entropy"))
    assert parsed.space["gamma"] == Range(0.0, 1.0)
    assert parsed.space["subsample"] == Range(0.05, 0.5, log=True)
    assert parsed.settings.trials == 12 and parsed.settings.objective_labels == 40
    assert parsed.final_seeds() == (2, 3, 4, 5, 6)  # after the search seeds 0, 1: never seen by the search
    assert parsed.reference.label() == "margin/top-k"


@pytest.mark.parametrize(
    ("space", "fixed", "tune", "message"),
    [
        ({"gamma": [0.0, 2.0]}, None, {}, r"tune.space.gamma = \[0.0, 2.0\]: expected a range within \[0, 1\]"),
        ({"gamma": [0.8, 0.2]}, None, {}, "low <= high"),
        ({"uncertainty": ["margin", "margn"]}, None, {}, r"tune.space.uncertainty\[1\] = 'margn': unknown name"),
        ({"uncertainty": [0.0, 1.0]}, None, {}, "tune.space.uncertainty = .*: expected names to choose from"),
        ({"alpha": [0.0, 0.5], "beta": [0.0, 1.0]}, None, {}, "cover the triangle alpha \\+ beta <= 1"),
        ({"beta": [0.0, 1.0]}, {"batch": "greedy"}, {}, "beta weighs a representativeness measure"),
        ({"gamma": [0.0, 1.0]}, {"batch": "greedy", "colour": "red"}, {}, "tune.fixed.colour: unknown key"),
        ({"gamma": [0.0, 1.0]}, None, {"objective": "at"}, "tune.objective_labels: missing"),
        ({"gamma": [0.0, 1.0]}, None, {"objective": "at", "objective_labels": 45}, "a label count of the budget"),
        ({"gamma": [0.0, 1.0]}, None, {"sampler": "bayes"}, "tune.sampler = 'bayes': expected one of tpe, gp"),
        ({"uncertainty": ["margin", "entropy"]}, None, {"sampler": "cmaes"}, "CMA-ES searches numbers only"),
        ({"gamma": [0.0, 1.0]}, None, {"storage": "study.db"}, "tune.storage = 'study.db': expected a database URL"),
    ],
)
def test_bad_tune_tables_name_their_key(space, fixed, tune, message):
    with pytest.raises(ConfigError, match=message):
        config(space, fixed, **tune)


def test_an_integer_parameter_is_searched_as_integers():
    parsed = config({"mc_samples": [5, 20]}, fixed={"uncertainty": "bald"})
    assert parsed.space["mc_samples"] == Range(5, 20, integer=True)
    with pytest.raises(ConfigError, match=r"tune.space.mc_samples = \[5.5, 20.0\]: expected a range of integers"):
        config({"mc_samples": [5.5, 20]}, fixed={"uncertainty": "bald"})


def classifier_config(classifier, searched, space=None):
    document = {**BASE, "classifier": classifier, "tune": {"space": {**(space or {}), "classifier": searched}}}
    return parse_tune_config(document)


def test_the_classifiers_fields_parameters_and_estimator_arguments_are_searched():
    parsed = classifier_config(
        {"kind": "ensemble"},
        {
            "members": [2, 6],
            "learning_rate": {"low": 1e-4, "high": 1e-2, "log": True},
            "hidden": {"choices": [[64], [128, 128]]},
        },
        space={"gamma": [0.0, 1.0]},
    )
    assert parsed.classifier_space == {
        "classifier.members": Range(2, 6, integer=True),
        "classifier.learning_rate": Range(1e-4, 1e-2, log=True),
        "classifier.hidden": Choice(((64,), (128, 128))),
    }
    svc = {"kind": "sklearn", "estimator": "sklearn.svm.SVC", "params": {"probability": True}}
    searched = {"params": {"C": {"low": 0.1, "high": 10.0, "log": True}, "kernel": ["rbf", "poly"]}}
    parsed = classifier_config(svc, searched)
    assert parsed.space == {} and parsed.classifier_space == {
        "classifier.params.C": Range(0.1, 10.0, log=True),
        "classifier.params.kernel": Choice(("rbf", "poly")),
    }
    from latentsweep.config.tune import searched_classifier

    chosen = searched_classifier(parsed.classifier, {"classifier.params.C": 2.5, "classifier.params.kernel": "poly"})
    assert dict(chosen.estimator_params) == {"C": 2.5, "kernel": "poly", "probability": True}


SVC = {"kind": "sklearn", "estimator": "sklearn.svm.SVC", "params": {"probability": True}}


@pytest.mark.parametrize(
    ("classifier", "searched", "message"),
    [
        ({}, {"members": [2, 4]}, "tune.space.classifier.members: unknown key"),
        ({"kind": "logistic"}, {"hidden": {"choices": [[8]]}}, "tune.space.classifier.hidden: unknown key"),
        ({}, {"dropout": [0.0, 1.5]}, r"tune.space.classifier.dropout = \[0.0, 1.5\]: expected a range within"),
        ({}, {"hidden": [16, 64]}, "tune.space.classifier.hidden = .*: expected choices of layer sizes"),
        ({}, {"hidden": {"choices": [[0]]}}, r"tune.space.classifier.hidden\[0\].hidden = \[0\]"),
        (SVC, {"params": {"C": [-1.0, 1.0]}}, r"tune.space.classifier.params.C = \[-1.0, 1.0\]: The 'C' parameter"),
        (SVC, {"params": {"gammma": [0.1, 1.0]}}, r"tune.space.classifier.params.gammma = \[0.1, 1.0\]: sklearn"),
    ],
)  # fmt: skip
def test_a_bad_classifier_space_names_its_key(classifier, searched, message):
    with pytest.raises(ConfigError, match=message):
        classifier_config(classifier, searched, space={"gamma": [0.0, 1.0]})
