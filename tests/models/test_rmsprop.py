import pytest
import torch

from latentsweep.models import FusedRMSprop, rmsprop


@pytest.fixture(autouse=True)
def fresh_probe():
    """The kernel probe is cached per device type: each test probes under its own patches, and the
    tests after these see the real kernel again."""
    rmsprop._fused_kernel_runs.cache_clear()
    yield
    rmsprop._fused_kernel_runs.cache_clear()


@pytest.mark.parametrize("fused", [True, False], ids=["fused-adam-kernel", "five-passes"])
def test_fused_rmsprop_equals_torch_rmsprop(fused, monkeypatch, device):
    """Keras' RMSprop (rho 0.9, eps 1e-7) on a flat vector, a channels-last conv weight and a parameter
    without a gradient, 50 steps, against torch.optim.RMSprop given the same gradients."""
    if not fused:
        monkeypatch.delattr(torch, "_fused_adam_")
    assert rmsprop._fused_kernel_runs(device.type) is fused
    g = torch.Generator().manual_seed(0)
    starts = [
        torch.randn(1000, generator=g).to(device),
        torch.randn(8, 4, 3, 3, generator=g).to(device, memory_format=torch.channels_last),
        torch.randn(5, generator=g).to(device),
    ]
    ours = [s.clone(memory_format=torch.preserve_format) for s in starts]
    optimiser = FusedRMSprop(ours, 1e-3)
    leaves = [s.clone(memory_format=torch.preserve_format).requires_grad_() for s in starts]
    reference = torch.optim.RMSprop(leaves, lr=1e-3, alpha=0.9, eps=1e-7)
    for _ in range(50):
        gradients = [torch.randn(s.shape, generator=g).to(device) * 1e-2 for s in starts[:2]]
        gradients[0][:100] = 0.0  # dead units: no gradient, no move
        gradients[1] = gradients[1].contiguous(memory_format=torch.channels_last)
        for leaf, gradient in zip(leaves, [*gradients, None], strict=True):
            leaf.grad = None if gradient is None else gradient.clone(memory_format=torch.preserve_format)
        reference.step()
        optimiser.step([*gradients, None])
    for mine, leaf in zip(ours, leaves, strict=True):
        torch.testing.assert_close(mine, leaf.detach(), rtol=1e-5, atol=1e-7)
    assert torch.equal(ours[0][:100], starts[0][:100]) and torch.equal(ours[2], starts[2])
    assert (ours[0][100:] - starts[0][100:]).abs().min() > 0


def test_a_fused_kernel_that_refuses_the_device_falls_back(monkeypatch):
    """torch 2.1-2.3 have the fused Adam kernel for CUDA only: calling it on a CPU raises."""

    def refuses(*args, **kwargs):
        raise NotImplementedError("Could not run 'aten::_fused_adam_' with arguments from the 'CPU' backend")

    monkeypatch.setattr(torch, "_fused_adam_", refuses)
    weights = torch.ones(3)
    optimiser = FusedRMSprop([weights], 1e-3)
    assert not optimiser._fused
    optimiser.step([torch.ones(3)])
    expected = 1 - 1e-3 / (0.1**0.5 + 1e-7)  # v = 0.1 g^2 after one step from zero
    torch.testing.assert_close(weights, torch.full((3,), expected))


@pytest.mark.parametrize("error", [RuntimeError, NotImplementedError, TypeError])
def test_a_kernel_that_refuses_the_call_means_the_five_passes(error, monkeypatch):
    """A torch whose fused kernel exists but fails or takes other arguments (TypeError) falls back."""

    def refuses(*args, **kwargs):
        raise error("not here")

    monkeypatch.setattr(torch, "_fused_adam_", refuses)
    assert rmsprop._fused_kernel_runs("cpu") is False
    parameter = torch.ones(3)
    FusedRMSprop([parameter], 0.1).step([torch.ones(3)])
    assert torch.all(parameter < 1.0)
