import numpy as np
import torch

from latentsweep.models import MLPShape, StackedMLP
from latentsweep.models.counter_random import stream_key

CPU = torch.device("cpu")


def separable(n=300, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g)
    return x, (x[:, 0] + x[:, 1] > 0).long()


def test_members_learn_and_report_finite_weights():
    x, y = separable()
    model = StackedMLP(MLPShape(5, (32,), 2, dropout=0.1), [stream_key(0), stream_key(1)], CPU)
    finite = model.fit(x.expand(2, -1, -1), y.expand(2, -1), epochs=15, batch_size=50)
    assert finite.tolist() == [True, True]
    assert (model.accuracy(x, y) > 0.9).all()
    probs = model.predict_proba(x[:7])
    assert probs.shape == (2, 7, 2)
    np.testing.assert_allclose(probs.sum(-1).numpy(), 1.0, rtol=1e-5)


def test_a_member_does_not_depend_on_its_pack():
    x, y = separable()
    shape = MLPShape(5, (16, 16), 2, dropout=0.2)
    alone = StackedMLP(shape, [stream_key(7)], CPU)
    alone.fit(x[None], y[None], epochs=3, batch_size=64)
    x2, y2 = separable(seed=1)
    packed = StackedMLP(shape, [stream_key(3), stream_key(7), stream_key(9)], CPU)
    packed.fit(torch.stack([x2, x, x2]), torch.stack([y2, y, y2]), epochs=3, batch_size=64)
    for a, b in zip(alone.weights, packed.weights, strict=True):
        torch.testing.assert_close(a[0], b[1], rtol=1e-5, atol=1e-6)


def test_glorot_initialisation_range():
    model = StackedMLP(MLPShape(30, (512,), 10), [stream_key(0)], CPU)
    limit = (6 / (30 + 512)) ** 0.5
    assert model.weights[0].abs().max() <= limit and model.weights[0].abs().max() > 0.9 * limit
    assert torch.count_nonzero(model.biases[0]) == 0


def test_subset_keeps_the_chosen_members():
    x, y = separable()
    model = StackedMLP(MLPShape(5, (8,), 2), [stream_key(s) for s in range(3)], CPU)
    model.fit(x.expand(3, -1, -1), y.expand(3, -1), epochs=2, batch_size=100)
    torch.testing.assert_close(model.subset([2, 0]).predict_proba(x), model.predict_proba(x)[[2, 0]])


def test_multiply_adds_count():
    assert MLPShape(30, (512, 512), 10).multiply_adds_per_example() == 30 * 512 + 512 * 512 + 512 * 10
