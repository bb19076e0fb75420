"""RMSprop as the thesis trains with it (Keras defaults: rho 0.9, eps 1e-7, no momentum), one pass a step.

RMSprop is Adam with beta1 = 0 and no bias correction. With Adam's step count held at 2^30 (float32
cannot count past it) both bias corrections are exactly 1, so torch's fused Adam kernel makes RMSprop's
update (v = rho v + (1 - rho) g^2; w -= lr g / (sqrt(v) + eps)) in one pass over memory instead of
torch.optim.RMSprop's five element-wise passes per tensor; equal to it within float rounding.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch


@functools.cache
def _fused_kernel_runs(device_type: str) -> bool:
    """Whether torch's fused Adam kernel exists for this device type (CPUs have it from torch 2.4 on)."""
    if not hasattr(torch, "_fused_adam_"):
        return False
    try:
        tensors = [[torch.zeros(2, device=device_type)] for _ in range(4)]
        count = [torch.tensor(1.0, device=device_type)]
        # ignored: the stub of torch's private kernel has no overload for the unpacked list of lists
        torch._fused_adam_(*tensors, [], count, lr=0.1, beta1=0.0, beta2=0.9, weight_decay=0.0, eps=1e-7,  # type: ignore[call-overload]
                           amsgrad=False, maximize=False)  # fmt: skip
    except (RuntimeError, NotImplementedError, TypeError):  # TypeError: a torch whose kernel takes other arguments
        return False
    return True


class FusedRMSprop:
    """RMSprop over `parameters`, updated in place by `step(gradients)`; None gradients are skipped (as
    torch.optim.RMSprop skips parameters without a gradient)."""

    def __init__(self, parameters: Sequence[torch.Tensor], learning_rate: float, rho: float = 0.9, eps: float = 1e-7):
        self.parameters = list(parameters)
        self.learning_rate, self.rho, self.eps = learning_rate, rho, eps
        self.square_averages = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.parameters]
        self._fused = all(_fused_kernel_runs(p.device.type) for p in self.parameters)
        if self._fused:
            self._last_gradients = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.parameters]
            self._counts = [torch.tensor(float(1 << 30), device=p.device) for p in self.parameters]

    @torch.no_grad()
    def step(self, gradients: Sequence[torch.Tensor | None]) -> None:
        """One update of every parameter whose gradient (same shape and layout) is not None."""
        chosen = [i for i, g in enumerate(gradients) if g is not None]
        if not self._fused:
            for i in chosen:  # torch.optim.RMSprop's update, op for op
                grad, average = gradients[i], self.square_averages[i]
                assert grad is not None  # chosen holds the indices of the given gradients
                average.mul_(self.rho).addcmul_(grad, grad, value=1 - self.rho)
                self.parameters[i].addcdiv_(grad, average.sqrt().add_(self.eps), value=-self.learning_rate)
            return
        torch._fused_adam_(
            [self.parameters[i] for i in chosen],
            [g for g in gradients if g is not None],  # the gradients at chosen, in order
            [self._last_gradients[i] for i in chosen],
            [self.square_averages[i] for i in chosen],
            [],
            [self._counts[i] for i in chosen],
            lr=self.learning_rate,
            beta1=0.0,
            beta2=self.rho,
            weight_decay=0.0,
            eps=self.eps,
            amsgrad=False,
            maximize=False,
        )
