import pytest
import torch
from torch import nn

from latentsweep.models.transposed_conv import TransposedConv2d


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
@pytest.mark.parametrize(
    ("channels", "kernel", "stride", "padding", "side"),
    [((6, 5), 3, 1, 1, 7), ((6, 5), 3, 2, 0, 7), ((4, 3), 2, 2, 0, 6), ((5, 1), 2, 1, 0, 9)],
)
def test_it_gives_what_conv_transpose_gives_forward_and_backward(
    channels, kernel, stride, padding, side, layout, device
):
    torch.manual_seed(0)
    fast = TransposedConv2d(*channels, kernel, stride=stride, padding=padding)
    reference = nn.ConvTranspose2d(*channels, kernel, stride=stride, padding=padding)
    reference.load_state_dict(fast.state_dict())  # the same parameters under the same names
    with torch.no_grad():
        fast.bias.normal_()  # a nonzero bias, whose gradient is checked too
        reference.bias.copy_(fast.bias)
    fast, reference = fast.to(device, memory_format=layout), reference.to(device, memory_format=layout)
    x = torch.randn(3, channels[0], side, side).to(device, memory_format=layout)
    expected_side = (side - 1) * stride - 2 * padding + kernel
    upstream = torch.randn(3, channels[1], expected_side, expected_side).to(device)
    outputs = []
    for module in (fast, reference):
        inputs = x.clone().requires_grad_()
        y = module(inputs)
        y.backward(upstream)
        outputs.append((y.detach(), inputs.grad, module.weight.grad, module.bias.grad))
    for ours, theirs in zip(*outputs, strict=True):
        assert ours.shape == theirs.shape
        # sums of hundreds of products in another order: float noise relative to the largest entry
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5 * float(theirs.abs().max()))
    assert outputs[0][0].shape == (3, channels[1], expected_side, expected_side)


def test_frozen_weights_and_inputs_without_gradient_are_left_alone(device):
    layer = TransposedConv2d(4, 2, 3, stride=2).to(device)
    layer.weight.requires_grad_(False)
    x = torch.randn(2, 4, 5, 5, device=device, requires_grad=True)
    layer(x).sum().backward()
    assert layer.weight.grad is None and layer.bias.grad is not None and x.grad.shape == x.shape
    expected = nn.functional.conv_transpose2d(x.detach(), layer.weight, layer.bias, stride=2)
    torch.testing.assert_close(layer(x.detach()), expected)
