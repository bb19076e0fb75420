"""The representation-kind registry's declarations, checked for every entry."""

import pytest

from latentsweep.engine import REPRESENTATION_KINDS, RepresentationSpec, pool_advice
from latentsweep.engine.specs import INITIALISATIONS

TRAINED = [kind for kind in REPRESENTATION_KINDS if REPRESENTATION_KINDS.declared(kind).trained]


@pytest.mark.parametrize("kind", TRAINED)
def test_every_trained_kind_declares_an_init_and_stays_quiet_at_thesis_scale(kind):
    declared = REPRESENTATION_KINDS.declared(kind)
    assert "init" in declared.uses and declared.init_default in INITIALISATIONS
    assert pool_advice(RepresentationSpec(kind=kind), 55_000) is None  # the defaults on the thesis' pool


@pytest.mark.parametrize("kind", TRAINED)
def test_pool_advice_is_one_line_naming_the_pool_when_it_speaks(kind):
    for n_pool, epochs in ((100, 1), (1_000, 2), (7_200, 10)):
        advice = pool_advice(RepresentationSpec(kind=kind, epochs=epochs), n_pool)
        assert advice is None or ("\n" not in advice and str(n_pool) in advice)


def test_the_measured_pool_limits():
    # conv VAE: 1,000 x 5 did not learn, 2,400 x 3 did; PyTorch's init stayed collapsed on 7,200 MNIST digits
    assert "too little" in pool_advice(RepresentationSpec(kind="conv-vae", epochs=5), 1_000)
    assert pool_advice(RepresentationSpec(kind="conv-vae", epochs=3), 2_400) is None
    assert 'init = "torch"' in pool_advice(RepresentationSpec(kind="conv-vae", init="torch"), 7_200)
    assert pool_advice(RepresentationSpec(kind="dense-vae", epochs=1), 100) is None  # nothing known
    assert pool_advice(RepresentationSpec(kind="pixels"), 10) is None
