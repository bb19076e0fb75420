"""Each stopping criterion fires where a hand reading of a curve says it should."""

import numpy as np
import pytest

from latentsweep.stopping import STOPPING


def fire(name, **columns_and_params):
    declared = STOPPING.declared(name)
    curve = {k: np.asarray(v, dtype=float) for k, v in columns_and_params.items() if k in declared.uses}
    params = {**declared.defaults(), **{k: v for k, v in columns_and_params.items() if k not in declared.uses}}
    return STOPPING[name](curve, params)


def test_stabilizing_predictions_averages_kappa_over_its_window():
    agreement = [np.nan, 0.8, 0.99, 0.995, 0.99, 1.0]  # windows of 3 end at 3: (0.8+0.99+0.995)/3 < 0.99
    assert fire("stabilizing-predictions", stop_agreement=agreement) == 4  # (0.99 + 0.995 + 0.99) / 3
    assert fire("stabilizing-predictions", stop_agreement=agreement, window=1) == 2
    assert fire("stabilizing-predictions", stop_agreement=[np.nan, 0.5, 0.6]) is None


def test_uncertainty_and_change_thresholds():
    assert fire("overall-uncertainty", stop_uncertainty=[0.5, 0.2, 0.09, 0.2]) == 2
    assert fire("max-confidence", stop_max_uncertainty=[0.9, 0.31, 0.3]) == 2
    assert fire("classification-change", stop_changed=[np.nan, 0.1, 0.0]) == 2
    assert fire("classification-change", stop_changed=[np.nan, 0.1, 0.02], threshold=0.05) == 2
    assert fire("overall-uncertainty", stop_uncertainty=[0.5, 0.4]) is None


def test_validation_plateau_counts_iterations_without_a_gain():
    """Best 0.70 at position 1; 0.703 and 0.704 are within min_delta 0.005; position 4 is the third
    iteration without a gain."""
    curve = [0.6, 0.70, 0.703, 0.704, 0.702, 0.8]
    assert fire("validation-plateau", val_accuracy=curve) == 4
    assert fire("validation-plateau", val_accuracy=curve, patience=4) is None
    assert fire("validation-plateau", val_accuracy=[0.5, 0.6, 0.7, 0.8]) is None


@pytest.mark.parametrize("name", sorted(STOPPING))
def test_every_criterion_declares_what_it_reads_and_its_source(name):
    declared = STOPPING.declared(name)
    assert declared.uses and declared.source and STOPPING[name].__doc__
    empty = {column: np.zeros(0) for column in declared.uses}
    assert STOPPING[name](empty, declared.defaults()) is None  # no iteration yet: no stop
