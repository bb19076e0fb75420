"""Multinomial logistic regression solved to a tolerance, as its users expect of a convex problem.

Each trial of a pack solves its own problem on its own labelled set: full-batch L-BFGS (scipy's L-BFGS-B,
scikit-learn's default solver for `LogisticRegression`, with its options) on scikit-learn's objective,

    mean_i CE(softmax(x_i W + b), y_i) + ||W||^2 / (2 C n),

the intercept unpenalised, all C classes parameterised, starting from zero: the same labelled set gives
scikit-learn's coefficients to the solver's tolerance, whatever the seed (the problem is convex). Members
stop at their own iteration. The solve runs in float64 on the CPU (a few hundred small products per member,
milliseconds); predictions run on the pack's device in float32.
"""

from __future__ import annotations

import numpy as np
import torch


def objective(w: np.ndarray, x: np.ndarray, onehot: np.ndarray, c: float) -> tuple[float, np.ndarray]:
    """The loss above and its gradient at w = [W (d x C) row-major, b (C)]; x [n, d], onehot [n, C]."""
    n, d = x.shape
    classes = onehot.shape[1]
    weights, bias = w[: d * classes].reshape(d, classes), w[d * classes :]
    logits = x @ weights + bias
    top = logits.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    loss = (log_norm - (logits * onehot).sum(axis=1)).mean() + (weights * weights).sum() / (2.0 * c * n)
    residual = (np.exp(logits - log_norm[:, None]) - onehot) / n
    gradient = np.concatenate([(x.T @ residual + weights / (c * n)).reshape(-1), residual.sum(axis=0)])
    return float(loss), gradient


def solve(x: np.ndarray, y: np.ndarray, n_classes: int, *, c: float, max_iter: int, tol: float) -> np.ndarray:
    """w = [W, b] minimising `objective` for x [n, d] float64, y [n] int: scikit-learn's L-BFGS-B options."""
    n, d = x.shape
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0
    from scipy.optimize import minimize  # imported where used: workers start without it

    found = minimize(
        objective,
        np.zeros(d * n_classes + n_classes),
        args=(x, onehot, c),
        method="L-BFGS-B",
        jac=True,
        options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 64 * np.finfo(float).eps},
    )
    return found.x


class LogisticModel:
    """K trials' logistic regressions: weights [K, d, C] and biases [K, C] on the pack's device."""

    def __init__(self, n_features: int, n_classes: int, size: int, *, c: float, max_iter: int, tol: float, device):
        self.n_features, self.n_classes = n_features, n_classes
        self.c, self.max_iter, self.tol = c, max_iter, tol
        self.device = torch.device(device)
        self.weights = torch.zeros(size, n_features, n_classes, device=self.device)
        self.bias = torch.zeros(size, n_classes, device=self.device)

    @property
    def size(self) -> int:
        return int(self.weights.shape[0])

    def fit(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Solves each trial's problem on x [K, n, d], y [K, n]; [K] bool: which solutions are finite."""
        d, classes = self.n_features, self.n_classes
        xs, ys = x.detach().double().cpu().numpy(), y.detach().cpu().numpy()
        for member in range(self.size):
            w = solve(xs[member], ys[member], classes, c=self.c, max_iter=self.max_iter, tol=self.tol)
            self.weights[member] = torch.as_tensor(w[: d * classes].reshape(d, classes), dtype=torch.float32)
            self.bias[member] = torch.as_tensor(w[d * classes :], dtype=torch.float32)
        finite = torch.isfinite(self.weights).flatten(1).all(dim=1) & torch.isfinite(self.bias).all(dim=1)
        return finite

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """[K, m, C] for x [K, m, d] or shared [m, d]."""
        return torch.matmul(x.to(self.weights.dtype), self.weights) + self.bias[:, None, :]

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=-1)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(x).argmax(dim=-1)

    @torch.no_grad()
    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] == 0:
            return torch.full((self.size,), float("nan"), device=self.device)
        return (self.predict(x) == y).to(torch.float32).mean(dim=-1)

    @torch.no_grad()
    def embedding(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(the inputs [K, m, d], class probabilities [K, m, C]): BADGE's gradient embedding of a linear model
        is (p - onehot(argmax p)) (x) x."""
        inputs = x.to(torch.float32)
        inputs = inputs.expand(self.size, *inputs.shape) if inputs.dim() == 2 else inputs
        return inputs, self.predict_proba(x)

    def subset(self, members: list[int]) -> LogisticModel:
        chosen = LogisticModel(
            self.n_features, self.n_classes, len(members), c=self.c, max_iter=self.max_iter, tol=self.tol,
            device=self.device,
        )  # fmt: skip
        chosen.weights, chosen.bias = self.weights[members].clone(), self.bias[members].clone()
        return chosen
