"""Mixed precision (bf16 products, float32 masters): the stacked MLP and the autoencoders, against float32
and against themselves."""

import numpy as np
import pytest
import torch

from latentsweep.models import MLPShape, StackedMLP
from latentsweep.models.counter_random import keep_mask, stream_key
from latentsweep.models.mlp import _views
from latentsweep.models.precision import MixedPrecision, compute_dtype, device_problem, for_training

from .test_mlp import separable


def test_precision_names():
    assert compute_dtype("fp32") == torch.float32 and compute_dtype("bf16") == torch.bfloat16
    with pytest.raises(ValueError, match="precision = 'fp16': expected one of fp32, bf16"):
        compute_dtype("fp16")
    assert device_problem("bf16", torch.device("cpu")) is None and device_problem("fp32", torch.device("cuda")) is None


@pytest.mark.parametrize("drop", [0.2, 0.5])
def test_a_bf16_mask_is_the_float32_mask(drop):
    keys = torch.tensor([stream_key(1), stream_key(2)])
    low = keep_mask(keys, 7, (64, 33), drop, torch.bfloat16)
    assert low.dtype == torch.bfloat16
    torch.testing.assert_close(low.float(), keep_mask(keys, 7, (64, 33), drop), rtol=0, atol=0)


def test_bf16_gradients_are_float32_gradients_to_bf16_accuracy():
    x, y = separable(n=64)
    shape = MLPShape(5, (64, 32), 2, dropout=0.2)
    found = []
    for precision in ("fp32", "bf16"):
        model = StackedMLP(shape, [stream_key(4)], torch.device("cpu"), precision=precision)
        gradient = torch.empty_like(model._flat)
        model._gradients(
            x[None], y[None, :, None], torch.full((1, 64, 1), -1.0), 99, *_views(gradient, 1, shape.layers)
        )
        assert gradient.dtype == torch.float32
        found.append(gradient)
    relative = ((found[1] - found[0]).norm() / found[0].norm()).item()
    assert 0 < relative < 0.05, relative  # bf16 keeps 8 bits of mantissa: a few percent at most


def test_a_bf16_member_is_the_same_alone_and_in_a_pack_bit_for_bit_run_after_run():
    x, y = separable(n=400)
    x2, y2 = separable(n=400, seed=1)
    shape = MLPShape(5, (64, 64), 2, dropout=0.2)
    weights = []
    for _ in range(2):
        alone = StackedMLP(shape, [stream_key(7)], torch.device("cpu"), precision="bf16")
        alone.fit(x[None], y[None], epochs=3, batch_size=50)
        packed = StackedMLP(shape, [stream_key(s) for s in (3, 7, 9)], torch.device("cpu"), precision="bf16")
        packed.fit(torch.stack([x2, x, x2]), torch.stack([y2, y, y2]), epochs=3, batch_size=50)
        for a, b in zip(alone.weights, packed.weights, strict=True):
            assert torch.equal(a[0], b[1])
        weights.append(alone._flat.clone())
        assert torch.equal(alone.predict_proba(x[:50]), packed.subset([1]).predict_proba(x[:50]))
    assert torch.equal(weights[0], weights[1])


def test_bf16_trains_as_well_as_float32_and_keeps_float32_masters_and_scores():
    x, y = separable(n=600)
    test_x, test_y = separable(n=500, seed=5)
    accuracy = {}
    for precision in ("fp32", "bf16"):
        model = StackedMLP(MLPShape(5, (64, 64), 2, 0.2), [stream_key(s) for s in range(4)], torch.device("cpu"),
                           precision=precision)  # fmt: skip
        assert model.fit(x.expand(4, -1, -1), y.expand(4, -1), epochs=10, batch_size=50).all()
        assert model._flat.dtype == torch.float32 and model.predict_proba(test_x).dtype == torch.float32
        accuracy[precision] = model.accuracy(test_x, test_y)
    assert (accuracy["bf16"] > 0.93).all() and (accuracy["bf16"] - accuracy["fp32"]).abs().max() < 0.02, accuracy


def test_mixed_precision_autoencoders_hand_the_loss_float32_and_train_the_float32_masters():
    from latentsweep.models import DenseVAE, vae_loss

    model = DenseVAE((8, 8), 3, (32,))
    wrapped = for_training(model, "bf16")
    assert isinstance(wrapped, MixedPrecision) and for_training(model, "fp32") is model
    images = torch.rand(16, 8, 8)
    loss, _ = vae_loss(wrapped, images, torch.Generator().manual_seed(0))
    assert loss.dtype == torch.float32
    loss.backward()
    assert all(
        p.dtype == torch.float32 and p.grad is not None and p.grad.dtype == torch.float32 for p in model.parameters()
    )
    mu_mixed, _ = wrapped.encode(images)
    mu, _ = model.encode(images)
    assert mu_mixed.dtype == torch.float32 and not torch.equal(mu_mixed, mu)  # products in bf16
    torch.testing.assert_close(mu_mixed, mu, rtol=0.05, atol=0.05)
    np.testing.assert_array_equal(mu_mixed.shape, mu.shape)
