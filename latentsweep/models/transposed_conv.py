"""A transposed convolution computed as the backward pass of the convolution it transposes.

A transposed convolution's output is the input gradient of a convolution, and its input gradient is that
convolution's output. oneDNN's deconvolution forward on CPUs runs 2-3x slower than its convolution
backward-data primitive on the same shapes (64 -> 64 channels, 3 x 3, stride 2, 14 x 14 -> 29 x 29: 11 vs
4 ms for a batch of 100 on two threads), so the forward calls the backward-data kernel, and the backward
the forward convolution and the convolution's weight gradient. Same parameters, same initialisation and the
same numbers as nn.ConvTranspose2d up to float rounding, on every device.
"""

from __future__ import annotations

import torch
from torch import nn

_aten = torch.ops.aten


class _TransposedConv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, stride: list[int], padding: list[int], size: tuple[int, int]):
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding, ctx.has_bias = stride, padding, bias is not None
        layout = torch.channels_last if _channels_last(x) or _channels_last(weight) else torch.contiguous_format
        # the convolution's input: only its shape and layout are read
        shape = torch.empty((x.shape[0], weight.shape[1], *size), dtype=x.dtype, device=x.device, memory_format=layout)
        y = _aten.convolution_backward(
            x, shape, weight, None, stride, padding, [1, 1], False, [0, 0], 1, [True, False, False]
        )[0]
        return y.add_(bias.view(1, -1, 1, 1)) if bias is not None else y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x = _aten.convolution(grad, weight, None, ctx.stride, ctx.padding, [1, 1], False, [0, 0], 1)
        if ctx.needs_input_grad[1]:
            grad_weight = _aten.convolution_backward(
                x, grad, weight, None, ctx.stride, ctx.padding, [1, 1], False, [0, 0], 1, [False, True, False]
            )[1]
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_bias = grad.sum((0, 2, 3))
        return grad_x, grad_weight, grad_bias, None, None, None


def _channels_last(tensor: torch.Tensor) -> bool:
    return tensor.is_contiguous(memory_format=torch.channels_last) and not tensor.is_contiguous()


class TransposedConv2d(nn.ConvTranspose2d):
    """nn.ConvTranspose2d (no groups, dilation or output padding) through the convolution's backward
    kernels; input [B, C_in, H, W] -> [B, C_out, (H - 1) * stride - 2 * padding + kernel, ...]."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding)

    def forward(self, x: torch.Tensor, output_size=None) -> torch.Tensor:
        if output_size is not None or x.dim() != 4:
            return super().forward(x, output_size)
        assert not isinstance(self.padding, str)  # an int padding, made a pair by nn.ConvTranspose2d
        dims = zip(x.shape[2:], self.stride, self.padding, self.kernel_size, strict=True)
        size = tuple((n - 1) * s - 2 * p + k for n, s, p, k in dims)
        weight, bias = self.weight, self.bias
        if torch.is_autocast_enabled(x.device.type):  # as autocast treats a convolution: operands in its dtype
            dtype = torch.get_autocast_dtype(x.device.type)
            x, weight = x.to(dtype), weight.to(dtype)
            bias = None if bias is None else bias.to(dtype)
        return _TransposedConv.apply(x, weight, bias, list(self.stride), list(self.padding), size)
