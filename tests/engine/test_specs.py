import pytest

from latentsweep.engine import BudgetSpec, ClassifierSpec, RepresentationSpec, StrategySpec, TrialSpec
from latentsweep.errors import SpecError


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(gamma=1.5), r"gamma = 1.5: expected a number in \[0, 1\]"),
        (
            dict(batch="greedy", alpha=0.6, beta=0.5, representativeness="kl-to-prior"),
            "alpha \\+ beta = 1.1: expected at most 1",
        ),
        (dict(subsample=0.0), r"subsample = 0.0: expected a number in \(0, 1\]"),
        (
            dict(uncertainty="margn"),
            "uncertainty = 'margn': unknown name; known: bald, consensus-entropy, entropy, epig, least-confident",
        ),
        (dict(batch="best"), "batch = 'best': unknown name; known: badge, batchbald, greedy, k-center-greedy, random"),
        (dict(batch="greedy", beta=0.2), "beta = 0.2: a representativeness term needs a representativeness measure"),
    ],
)
def test_bad_strategies_name_the_field_and_value(fields, message):
    with pytest.raises(SpecError, match=message):
        StrategySpec.build(fields)


def test_other_specs_validate_too():
    with pytest.raises(SpecError, match="dropout = 1.0"):
        ClassifierSpec(dropout=1.0)
    with pytest.raises(SpecError, match="iterations = -1"):
        BudgetSpec(iterations=-1)
    with pytest.raises(SpecError, match="kind = 'gan'"):
        RepresentationSpec(kind="gan")


def test_trial_ids_are_stable_hashes_of_the_spec():
    a = TrialSpec("digits", "pixels", StrategySpec(uncertainty="margin"), seed=1)
    assert a.id == TrialSpec("digits", "pixels", StrategySpec(uncertainty="margin"), seed=1).id
    assert len(a.id) == 16 and int(a.id, 16) >= 0
    assert a.id != TrialSpec("digits", "pixels", StrategySpec(uncertainty="margin"), seed=2).id
    assert a.id != TrialSpec("digits", "pixels", StrategySpec(uncertainty="entropy"), seed=1).id


def test_budget_and_labels():
    assert BudgetSpec().final_labels == 3000
    assert StrategySpec(uncertainty="margin", batch="random-partitions", subsample=0.1).label() == (
        "margin/random-partitions@0.1"
    )
    assert RepresentationSpec(kind="pixels").key("abc").startswith("pixels-")
    conv = RepresentationSpec(kind="conv-vae", latent_dim=30, epochs=5)
    assert conv.key("abc").startswith("conv-vae-d30-e5-s0-")
    assert conv.key("abc") == RepresentationSpec(kind="conv-vae", latent_dim=30, epochs=5).key("abc")
    assert conv.key("abc") != conv.key("abd")


def test_init_defaults_per_kind_and_enters_the_id_only_off_its_neutral_value():
    from latentsweep.engine import canonical_form

    assert RepresentationSpec(kind="conv-vae").init == "keras"
    assert RepresentationSpec(kind="cae").init == "torch"  # Keras' init saturates the CAE (README)
    assert RepresentationSpec(kind="pixels").init is None  # trains nothing: no initialisation
    assert RepresentationSpec(kind="pixels", init="keras") == RepresentationSpec(kind="pixels")
    assert canonical_form(RepresentationSpec(kind="conv-vae"))["init"] == "keras"
    assert "init" not in canonical_form(RepresentationSpec(kind="conv-vae", init="torch"))  # as before the key
    assert "init" not in canonical_form(RepresentationSpec(kind="cae"))
    assert "init" not in canonical_form(ClassifierSpec())  # the MLP was glorot before the key
    assert canonical_form(ClassifierSpec(init="torch"))["init"] == "torch"
    with pytest.raises(SpecError, match="init = 'jax'"):
        RepresentationSpec(kind="dense-vae", init="jax")


def test_a_classifier_label_names_every_field_that_varies_in_its_sweep():
    from latentsweep.engine.specs import varying_fields

    grid = [ClassifierSpec(hidden=(32,), epochs=5), ClassifierSpec(hidden=(32,), epochs=9, learning_rate=0.01)]
    varying = varying_fields(grid)
    assert varying == {"epochs", "learning_rate"}
    assert [c.label(varying) for c in grid] == [
        "MLP 32, dropout 0.2, epochs 5, lr 0.001",
        "MLP 32, dropout 0.2, epochs 9, lr 0.01",
    ]
    assert ClassifierSpec().label() == "MLP 512-512, dropout 0.2" and varying_fields(grid[:1]) == set()


def test_only_declared_float_parameters_can_be_scheduled():
    spec = StrategySpec.build({"batch": "typiclust", "neighbours": 5}).canonical()
    assert spec.value("neighbours") == 5
    for flat, field in (({"subsample": 0.5, "subsample_end": 0.2}, "subsample_end"),
                        ({"batch": "typiclust", "neighbours_end": 9}, "neighbours_end")):  # fmt: skip
        with pytest.raises(SpecError, match=f"{field} = .*: '.*' is not a float parameter of this strategy") as raised:
            StrategySpec.build(flat)
        assert raised.value.field == field
    scheduled = StrategySpec.build({"batch": "batchbald", "mc_samples": 4}).canonical()
    assert scheduled.value("mc_samples") == 4 and scheduled.ends == ()
