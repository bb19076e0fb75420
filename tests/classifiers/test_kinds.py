"""The classifier registry: every entry's declarations, specs built from them, ids, labels."""

import pytest

from latentsweep.classifiers import CLASSIFIERS, COMMON_FIELDS
from latentsweep.engine import ClassifierSpec, TrialSpec, canonical_form
from latentsweep.errors import SpecError
from latentsweep.registry import DeclarationError
from latentsweep.strategies.needs import LEARNER_SPECIFIC

from ..conftest import loaded_by

ESTIMATOR = {"estimator": "sklearn.linear_model.LogisticRegression"}


def spec_of(kind: str, **fields) -> ClassifierSpec:
    extra = ESTIMATOR if CLASSIFIERS.declared(kind).estimator else {}
    return ClassifierSpec(kind=kind, **extra, **fields)


@pytest.mark.parametrize("kind", sorted(CLASSIFIERS))
def test_every_kind_builds_a_spec_with_only_the_fields_it_uses(kind):
    declared = CLASSIFIERS.declared(kind)
    spec = spec_of(kind)
    for name in COMMON_FIELDS:
        assert (getattr(spec, name) is None) == (name not in declared.uses), name
    assert dict(spec.params) == declared.defaults()
    assert set(declared.provides) <= set(LEARNER_SPECIFIC)
    assert spec.label() and spec.cost(30, 10) >= 0
    unused = [name for name in ("dropout", "epochs") if name not in declared.uses]
    for name in unused:  # a field it does not use never changes its id
        assert TrialSpec("d", "r", classifier=spec_of(kind, **{name: 0.5 if name == "dropout" else 3})).id == (
            TrialSpec("d", "r", classifier=spec).id
        )


def test_the_mlp_spec_and_its_ids_are_as_before_the_registry():
    assert canonical_form(ClassifierSpec()) == {
        "batch_size": 100, "dropout": 0.2, "epochs": 20, "hidden": [512, 512], "learning_rate": 0.001,
    }  # fmt: skip
    assert ClassifierSpec(kind="mlp", params=()) == ClassifierSpec()
    assert ClassifierSpec().label() == "MLP 512-512, dropout 0.2"
    assert ClassifierSpec().packs and ClassifierSpec().lacks(["mc_probabilities", "gradient_embedding"]) == []


def test_min_steps_at_its_default_keeps_every_id_and_column():
    """min_steps arrived after stores were written: at 0 the mlp's and ensemble's ids are today's."""
    assert TrialSpec("d", "r").id == "11da101cd63a5f32"  # the id of the thesis' MLP, as stored before
    for kind in ("mlp", "ensemble"):
        spec = ClassifierSpec(kind=kind)
        assert "min_steps" in dict(spec.params) and "min_steps" not in dict(spec.stored_params())
        assert ClassifierSpec(kind=kind, params=(("min_steps", 0),)) == spec
        assert TrialSpec("d", "r", classifier=ClassifierSpec(kind=kind, params=(("min_steps", 200),))).id != (
            TrialSpec("d", "r", classifier=spec).id
        )
    assert canonical_form(ClassifierSpec(kind="ensemble"))["params"] == [["members", 5]]


def test_labels_name_each_learner():
    assert ClassifierSpec(kind="logistic").label() == "logistic"
    assert ClassifierSpec(kind="logistic", params=(("C", 0.5),)).label() == "logistic, C 0.5"
    assert ClassifierSpec(params=(("min_steps", 300),)).label() == "MLP 512-512, dropout 0.2, at least 300 steps"
    assert ClassifierSpec(kind="ensemble", hidden=(32,)).label() == "ensemble of 5 MLP 32, dropout 0.2"
    arguments = (("probability", True), ("C", 2))
    svc = ClassifierSpec(kind="sklearn", estimator="sklearn.svm.SVC", estimator_params=arguments)
    assert svc.label() == "SVC(C=2, probability=True)"  # arguments sorted
    assert not svc.packs


def test_what_each_learner_lacks_for_a_strategy():
    svc = ClassifierSpec(kind="sklearn", estimator="sklearn.svm.SVC")
    assert svc.lacks(["probabilities", "gradient_embedding"]) == ["gradient_embedding"]
    assert ClassifierSpec().lacks(["ensemble_probabilities"]) == ["ensemble_probabilities"]
    assert ClassifierSpec(kind="ensemble").lacks(["ensemble_probabilities", "mc_probabilities"]) == []
    assert ClassifierSpec(kind="logistic").lacks(["mc_probabilities"]) == ["mc_probabilities"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "svm"}, "kind = 'svm': unknown name; known: ensemble, logistic, mlp, self-training, sklearn"),
        ({"kind": "ensemble", "params": (("members", 1),)}, "members = 1: expected an integer in [2, 100]"),
        ({"params": (("members", 3),)}, "members = 3: not a parameter of classifier kind 'mlp'"),
        ({"kind": "sklearn"}, "estimator: missing; classifier kind 'sklearn' needs an import path"),
        ({"estimator": "sklearn.svm.SVC"}, "estimator: not used by classifier kind 'mlp'"),
        ({"kind": "logistic", "params": (("C", 0.0),)}, "C = 0.0: expected a number in"),
        ({"params": (("min_steps", -1),)}, "min_steps = -1: expected an integer in"),
    ],
)
def test_bad_specs_name_the_field(fields, message):
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        ClassifierSpec(**fields)


def test_a_typo_in_a_classifier_declaration_fails_at_registration():
    with pytest.raises(DeclarationError, match="classifier kind 'x': uses"):
        CLASSIFIERS.register("x", uses=("hiden",))(lambda spec, **kw: None)
    with pytest.raises(DeclarationError, match="needs 'probs'"):
        CLASSIFIERS.register("x", provides=("probs",))(lambda spec, **kw: None)
    assert "x" not in CLASSIFIERS


def test_importing_the_registry_loads_neither_torch_nor_scikit_learn():
    assert loaded_by("latentsweep.classifiers, latentsweep.config", ("ray", "torch", "sklearn", "optuna")) == []
