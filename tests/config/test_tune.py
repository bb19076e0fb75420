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
