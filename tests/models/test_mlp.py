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


def test_the_gradient_embedding_equals_autograds_last_layer_gradient():
    from torch.nn import functional as F

    x, y = separable(n=40)
    model = StackedMLP(MLPShape(5, (8, 6), 3, dropout=0.0), [stream_key(1), stream_key(2)], CPU)
    model.fit(x.expand(2, -1, -1), (y + (x[:, 2] > 1).long()).expand(2, -1), epochs=2, batch_size=20)
    batch = x[:7].expand(2, -1, -1)
    hidden, probs = model.embedding(batch)
    for member in range(2):
        for i in range(7):
            weights = model.weights[-1].detach()[member].clone().requires_grad_()
            logits = hidden[member, i] @ weights + model.biases[-1].detach()[member, 0]
            predicted = int(probs[member, i].argmax())
            F.cross_entropy(logits[None], torch.tensor([predicted])).backward()
            a = probs[member, i] - torch.nn.functional.one_hot(torch.tensor(predicted), 3)
            torch.testing.assert_close(weights.grad, torch.outer(hidden[member, i], a), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(probs, model.predict_proba(batch))


def test_mc_passes_use_dropout_and_do_not_depend_on_the_pack():
    x, y = separable(n=60)
    shape = MLPShape(5, (16,), 2, dropout=0.5)
    pack = StackedMLP(shape, [stream_key(3), stream_key(4)], CPU)
    pack.fit(x.expand(2, -1, -1), y.expand(2, -1), epochs=2, batch_size=30)
    samples = pack.mc_predict_proba(x[:10].expand(2, -1, -1), passes=5)
    assert samples.shape == (2, 5, 10, 2)
    assert not torch.allclose(samples[:, 0], samples[:, 1])  # the passes differ: dropout is on
    alone = pack.subset([1]).mc_predict_proba(x[:10].expand(1, -1, -1), passes=3)
    torch.testing.assert_close(alone[0], samples[1, :3])  # a member's first passes, whatever else runs
