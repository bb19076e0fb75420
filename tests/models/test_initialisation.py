import math

import pytest
import torch
from torch import nn

from latentsweep.engine import RepresentationSpec, build_autoencoder
from latentsweep.models import MLPShape, StackedMLP, initialise
from latentsweep.models.counter_random import stream_key


def test_keras_init_is_glorot_uniform_with_zero_biases():
    torch.manual_seed(0)
    model = initialise(nn.Sequential(nn.Linear(300, 100), nn.Conv2d(4, 8, 3), nn.ConvTranspose2d(8, 2, 2)), "keras")
    dense, conv, transposed = model
    # glorot limit sqrt(6 / (fan_in + fan_out)), fans over the receptive field: 300 + 100; 9 * (4 + 8); 4 * (8 + 2)
    for layer, limit in ((dense, math.sqrt(6 / 400)), (conv, math.sqrt(6 / 108)), (transposed, math.sqrt(6 / 40))):
        assert float(layer.weight.detach().abs().max()) <= limit
        assert float(layer.weight.detach().abs().max()) > 0.9 * limit  # uniform over the whole interval
        assert torch.count_nonzero(layer.bias) == 0
    assert float(dense.weight.detach().std()) == pytest.approx(math.sqrt(6 / 400) / math.sqrt(3), rel=0.02)


def test_torch_init_leaves_pytorch_defaults_and_bad_names_are_refused():
    torch.manual_seed(0)
    layer = nn.Linear(300, 100)
    before = layer.weight.detach().clone()
    assert torch.equal(initialise(layer, "torch").weight, before)
    assert torch.count_nonzero(layer.bias) > 0
    with pytest.raises(ValueError, match="init = 'xavier'"):
        initialise(layer, "xavier")


def test_the_autoencoders_initialise_as_their_spec_says():
    keras, _ = build_autoencoder(RepresentationSpec(kind="conv-vae", latent_dim=4), (8, 8))
    torch_init, _ = build_autoencoder(RepresentationSpec(kind="conv-vae", latent_dim=4, init="torch"), (8, 8))
    assert all(torch.count_nonzero(m.bias) == 0 for m in keras.modules() if isinstance(m, nn.Conv2d | nn.Linear))
    assert all(torch.count_nonzero(m.bias) > 0 for m in torch_init.modules() if isinstance(m, nn.Conv2d | nn.Linear))
    again, _ = build_autoencoder(RepresentationSpec(kind="conv-vae", latent_dim=4), (8, 8))
    assert all(torch.equal(a, b) for a, b in zip(keras.parameters(), again.parameters(), strict=True))


@pytest.mark.parametrize("init", ["keras", "torch"])
def test_mlp_init_bounds_and_pack_independence(init):
    shape = MLPShape(30, (512,), 10)
    pack = StackedMLP(shape, [stream_key(s) for s in (1, 2, 3)], torch.device("cpu"), init=init)
    alone = StackedMLP(shape, [stream_key(2)], torch.device("cpu"), init=init)
    for weight, bias, (fan_in, fan_out) in zip(pack.weights, pack.biases, shape.layers, strict=True):
        limit = math.sqrt(6 / (fan_in + fan_out)) if init == "keras" else 1 / math.sqrt(fan_in)
        assert float(weight.abs().max()) <= limit and float(weight.abs().max()) > 0.95 * limit
        assert (torch.count_nonzero(bias) == 0) == (init == "keras")
        if init == "torch":
            assert float(bias.abs().max()) <= limit
    for packed, single in zip(pack.weights + pack.biases, alone.weights + alone.biases, strict=True):
        assert torch.equal(packed[1], single[0])


def test_the_config_layer_and_the_models_name_the_same_initialisations():
    from latentsweep.engine.specs import INITIALISATIONS as CONFIGURED
    from latentsweep.models.initialisation import INITIALISATIONS

    assert CONFIGURED == INITIALISATIONS  # the specs keep their copy so that the config loads no torch
