import pytest

from latentsweep.config import ConfigError, load_config, parse_config
from latentsweep.engine import StrategySpec
from latentsweep.errors import SpecError

BASE = {"name": "t", "data": {"dataset": "digits"}, "representations": [{"kind": "dense-vae"}]}


def config(**changes):
    document = {**BASE, "strategies": {"list": [{"uncertainty": "margin"}]}, **changes}
    return parse_config(document)


def test_grid_expands_and_plans_equivalent_combinations_once():
    grid = {
        "uncertainty": ["margin", "random"],
        "representativeness": ["none", "density-cosine"],
        "gamma": [0.5, 1.0],
        "batch": ["top-k", "greedy"],
        "alpha": [0.0, 0.5],
    }
    strategies = config(strategies={"grid": grid}).strategies
    labels = [s.label() for s in strategies]
    assert len(labels) == len(set(labels))
    # margin: no measure (gamma unused) -> top-k, greedy a=0, greedy a=0.5; with the measure at gamma 0.5 the
    # same three; gamma 1 without beta drops the measure (already planned). random: once.
    assert len(strategies) == 7
    assert labels.count("random") == 1
    assert "margin+density-cosine(g=0.5)/greedy[euclidean a=0.5 b=0]" in labels


def test_canonical_strategy_resets_unused_settings():
    build = StrategySpec.build
    assert build({"alpha": 0.3}, drop_unused=True).canonical() == StrategySpec(uncertainty="margin")
    with pytest.raises(SpecError, match="alpha = 0.3: not a parameter of 'margin' or 'top-k'"):
        build({"alpha": 0.3})  # outside a grid, a parameter the chosen entries lack is a mistake
    passive = build({"uncertainty": "random", "batch": "greedy", "subsample": 0.2}).canonical()
    assert passive == StrategySpec(uncertainty="random")
    kept = build(dict(representativeness="kl-to-prior", batch="greedy", beta=0.2)).canonical()
    assert kept.canonical() == kept and kept.value("beta") == 0.2
    # a schedule whose end equals its start is no schedule; one that ends elsewhere keeps the measure in use
    assert build({"gamma_end": 1.0}).canonical() == StrategySpec(uncertainty="margin")
    moving = build(dict(representativeness="density-cosine", gamma=1.0, gamma_end=0.5)).canonical()
    assert moving.canonical() == moving and moving.end("gamma") == 0.5


def test_grid_and_list_combine_without_duplicates():
    strategies = config(
        strategies={"grid": {"uncertainty": ["margin", "entropy"]}, "list": [{"uncertainty": "margin"}]}
    ).strategies
    assert [s.uncertainty for s in strategies] == ["margin", "entropy"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, "colour: unknown key"),
        ({"seeds": "three"}, r"seeds = 'three': expected a count >= 1 \(3 = seeds 0, 1, 2\) or a list of integers"),
        ({"seeds": [1, 1]}, "expected distinct seeds"),
        (
            {"data": {"dataset": "digits", "validation_size": "10"}},
            r"data.validation_size = '10': expected a count >= 1 or a fraction in \(0, 1\)",
        ),
        ({"data": {"dataset": "mnist"}}, "data.path: missing"),
        ({"data": {"dataset": "mnist", "path": "/no/such/dir"}}, "data.path = '/no/such/dir': no such file"),
        ({"data": {"dataset": "cifar"}}, "data.dataset = 'cifar': expected one of"),
        ({"representations": [{"kind": "dense-vae", "latnt_dim": 3}]}, r"representations\[0\].latnt_dim: unknown key"),
        ({"representations": [{"kind": "gan"}]}, r"representations\[0\].kind = 'gan'"),
        ({"classifier": {"hidden": [512, "x"]}}, r"classifier.hidden\[1\] = 'x': expected an integer"),
        ({"budget": {"iterations": 2.5}}, "budget.iterations = 2.5: expected an integer"),
        ({"ray": {"pack_size": 0}}, r"ray.pack_size = 0: expected 'auto' or an integer in \[1, 100000\]"),
        ({"ray": {"gpus": 1}}, "ray.gpus: unknown key"),
        (
            {
                "strategies": {
                    "list": [
                        {
                            "uncertainty": "margin",
                            "batch": "greedy",
                            "alpha": 0.7,
                            "beta": 0.5,
                            "representativeness": "kl-to-prior",
                        }
                    ]
                }
            },
            r"strategies.list\[0\].alpha \+ beta = 1.2: expected at most 1",
        ),
        ({"strategies": {"list": [{"uncertainty": "margin", "gamma": 2}]}}, r"strategies.list\[0\].gamma = 2.0"),
        ({"strategies": {"grid": {"uncertainty": ["margn"]}}}, "strategies.grid.uncertainty = 'margn': unknown name"),
        (
            {"strategies": {"grid": {"subsample": [0.1, 1.5]}}},
            r"strategies.grid.subsample\[1\] = 1.5: expected a number in \(0, 1\]",
        ),
        ({"name": "../elsewhere"}, r"name = '../elsewhere': expected"),
        ({"name": "/tmp/abs"}, r"name = '/tmp/abs': expected"),
        ({"seeds": [-5]}, r"seeds\[0\] = -5: expected an integer in 0..9223372036854775807"),
        ({"seeds": [2**70]}, r"seeds\[0\] = 1180591620717411303424: expected an integer in"),
        ({"representations": [{"kind": "dense-vae", "latent_dim": 10**12}]}, r"latent_dim = 1000000000000: expected"),
        ({"classifier": {"learning_rate": float("inf")}}, r"classifier.learning_rate = inf: expected a finite number"),
        (
            {"data": {"dataset": "digits", "validation_size": 0}},
            r"data.validation_size = 0: expected a count >= 1 or a fraction in \(0, 1\)",
        ),
        (
            {"data": {"dataset": "digits", "split": "random"}},
            r"data.split = 'random': expected one of first, last, stratified",
        ),
        ({"ray": {"address": "garbage"}}, r"ray.address = 'garbage': expected 'auto', HOST:PORT"),
        ({"ray": {"workers": 0}}, r"ray.workers = 0: expected an integer in \[1, 100000\]"),
        ({"stopping": {"threshold": 0.9}}, "stopping.criterion: missing"),
        ({"stopping": {"criterion": "patience"}}, "stopping.criterion = 'patience': expected one of classification"),
        (
            {"stopping": {"criterion": "max-confidence", "window": 3}},
            r"stopping.window: not a parameter of criterion 'max-confidence' \(its parameters: threshold\)",
        ),
        ({"stopping": {"criterion": "max-confidence", "threshold": 2}}, r"stopping.threshold = 2.0: expected a"),
        ({"classifier": {"kind": "logistic", "epochs": 5}}, "classifier.epochs: not used by classifier kind"),
        ({"classifier": {"min_steps": -3}}, r"classifier.min_steps = -3: expected an integer in \[0, "),
        ({"strategies": {}}, "strategies: expected"),
        ({"name": "a b"}, "name = 'a b': expected 1-100 letters"),
    ],
)
def test_bad_values_name_their_key_path(changes, message):
    with pytest.raises(ConfigError, match=message):
        config(**changes)


def test_missing_required_key():
    with pytest.raises(ConfigError, match="strategies: missing"):
        parse_config(BASE)


def test_files(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "none.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = ")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load_config(broken)


def test_seeds_as_count_and_paths_relative_to_the_config(tmp_path):
    (tmp_path / "data").mkdir()
    path = tmp_path / "c.toml"
    path.write_text(
        'name = "n"\nseeds = 3\n[data]\ndataset = "mnist"\npath = "data"\n'
        '[[representations]]\nkind = "pixels"\n[strategies.grid]\nuncertainty = "margin"\n'
    )
    loaded = load_config(path)
    assert loaded.seeds == (0, 1, 2) and loaded.data.path == tmp_path / "data"


def test_a_classifier_grid_over_kinds_applies_each_key_to_the_kinds_that_use_it():
    from latentsweep.engine import ClassifierSpec

    grid = {"kind": ["mlp", "ensemble", "logistic"], "members": [3, 5], "hidden": [[32], [64]], "epochs": 5}
    classifiers = config(classifier={"learning_rate": 0.01, "grid": grid}).classifiers
    expected = [
        ClassifierSpec(hidden=(32,), epochs=5, learning_rate=0.01),
        ClassifierSpec(hidden=(64,), epochs=5, learning_rate=0.01),
        *(
            ClassifierSpec(kind="ensemble", hidden=h, epochs=5, learning_rate=0.01, params=(("members", m),))
            for m in (3, 5)
            for h in ((32,), (64,))
        ),
        ClassifierSpec(kind="logistic", epochs=5, learning_rate=0.01),  # members and hidden are not its own
    ]
    assert sorted(classifiers, key=repr) == sorted(expected, key=repr) and len(classifiers) == 7
    with pytest.raises(ConfigError, match="classifier.grid.members: used by none of the kinds mlp, logistic"):
        config(classifier={"grid": {"kind": ["mlp", "logistic"], "members": [3, 5]}})
    with pytest.raises(ConfigError, match="classifier.members: not used by classifier kind 'mlp'"):
        config(classifier={"members": 3})
