import numpy as np
import torch

from latentsweep.models import MLPShape, StackedMLP
from latentsweep.models.counter_random import stream_key
from latentsweep.models.mlp import _views


def separable(n=300, seed=0, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g)
    return x.to(device), (x[:, 0] + x[:, 1] > 0).long().to(device)


def test_members_learn_and_report_finite_weights(device):
    x, y = separable(device=device)
    model = StackedMLP(MLPShape(5, (32,), 2, dropout=0.1), [stream_key(0), stream_key(1)], device)
    finite = model.fit(x.expand(2, -1, -1), y.expand(2, -1), epochs=15, batch_size=50)
    assert finite.tolist() == [True, True]
    assert (model.accuracy(x, y) > 0.9).all()
    probs = model.predict_proba(x[:7])
    assert probs.shape == (2, 7, 2)
    np.testing.assert_allclose(probs.sum(-1).cpu().numpy(), 1.0, rtol=1e-5)


def test_a_member_does_not_depend_on_its_pack(device):
    x, y = separable(device=device)
    shape = MLPShape(5, (16, 16), 2, dropout=0.2)
    alone = StackedMLP(shape, [stream_key(7)], device)
    alone.fit(x[None], y[None], epochs=3, batch_size=64)
    x2, y2 = separable(seed=1, device=device)
    packed = StackedMLP(shape, [stream_key(3), stream_key(7), stream_key(9)], device)
    packed.fit(torch.stack([x2, x, x2]), torch.stack([y2, y, y2]), epochs=3, batch_size=64)
    for a, b in zip(alone.weights, packed.weights, strict=True):
        torch.testing.assert_close(a[0], b[1], rtol=1e-5, atol=1e-6)


def test_glorot_initialisation_range(device):
    model = StackedMLP(MLPShape(30, (512,), 10), [stream_key(0)], device)
    limit = (6 / (30 + 512)) ** 0.5
    assert model.weights[0].abs().max() <= limit and model.weights[0].abs().max() > 0.9 * limit
    assert torch.count_nonzero(model.biases[0]) == 0


def test_subset_keeps_the_chosen_members(device):
    x, y = separable(device=device)
    model = StackedMLP(MLPShape(5, (8,), 2), [stream_key(s) for s in range(3)], device)
    model.fit(x.expand(3, -1, -1), y.expand(3, -1), epochs=2, batch_size=100)
    torch.testing.assert_close(model.subset([2, 0]).predict_proba(x), model.predict_proba(x)[[2, 0]])


def test_multiply_adds_count():
    assert MLPShape(30, (512, 512), 10).multiply_adds_per_example() == 30 * 512 + 512 * 512 + 512 * 10


def test_the_gradient_embedding_equals_autograds_last_layer_gradient(device):
    from torch.nn import functional as F

    x, y = separable(n=40, device=device)
    model = StackedMLP(MLPShape(5, (8, 6), 3, dropout=0.0), [stream_key(1), stream_key(2)], device)
    model.fit(x.expand(2, -1, -1), (y + (x[:, 2] > 1).long()).expand(2, -1), epochs=2, batch_size=20)
    batch = x[:7].expand(2, -1, -1)
    hidden, probs = model.embedding(batch)
    for member in range(2):
        for i in range(7):
            weights = model.weights[-1].detach()[member].clone().requires_grad_()
            logits = hidden[member, i] @ weights + model.biases[-1].detach()[member, 0]
            predicted = int(probs[member, i].argmax())
            F.cross_entropy(logits[None], torch.tensor([predicted], device=device)).backward()
            a = probs[member, i] - torch.nn.functional.one_hot(torch.tensor(predicted, device=device), 3)
            torch.testing.assert_close(weights.grad, torch.outer(hidden[member, i], a), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(probs, model.predict_proba(batch))


def test_mc_passes_use_dropout_and_do_not_depend_on_the_pack(device):
    x, y = separable(n=60, device=device)
    shape = MLPShape(5, (16,), 2, dropout=0.5)
    pack = StackedMLP(shape, [stream_key(3), stream_key(4)], device)
    pack.fit(x.expand(2, -1, -1), y.expand(2, -1), epochs=2, batch_size=30)
    samples = pack.mc_predict_proba(x[:10].expand(2, -1, -1), passes=5)
    assert samples.shape == (2, 5, 10, 2)
    assert not torch.allclose(samples[:, 0], samples[:, 1])  # the passes differ: dropout is on
    alone = pack.subset([1]).mc_predict_proba(x[:10].expand(1, -1, -1), passes=3)
    torch.testing.assert_close(alone[0], samples[1, :3])  # a member's first passes, whatever else runs


def test_hand_written_gradients_equal_autograds_with_dropout(device):
    from torch.nn import functional as F

    x, y = separable(n=24, device=device)
    k = 3
    shape = MLPShape(5, (16, 12), 4, dropout=0.3)
    model = StackedMLP(shape, [stream_key(s) for s in range(k)], device)
    model.biases[0].add_(0.05)  # nonzero biases, so their gradients are checked through a real path
    labels = torch.stack([y, (y + 1) % 4, (x[:, 2] > 0).long() * 3])
    inputs = torch.stack([x, x.flip(0), x * 0.5])
    gradient = torch.zeros_like(model._flat)
    views = _views(gradient, k, [(5, 16), (16, 12), (12, 4)])
    model._gradients(inputs, labels[..., None], torch.full((k, 24, 1), -1.0, device=device), 77, *views)

    leaves = [p.detach().clone().requires_grad_() for p in [*model.weights, *model.biases]]
    reference = StackedMLP(shape, [stream_key(s) for s in range(k)], device)
    reference.weights, reference.biases = leaves[:3], leaves[3:]
    logits = reference.logits(inputs, dropout_counter=77)
    loss = sum(F.cross_entropy(logits[m], labels[m]) for m in range(k))
    loss.backward()
    for computed, leaf in zip([*views[0], *views[1]], leaves, strict=True):
        torch.testing.assert_close(computed, leaf.grad, rtol=1e-5, atol=1e-7)
    assert any(g.abs().sum() > 0 for g in views[1])


def test_fit_matches_torch_rmsprop_on_autograds_gradients(device):
    """Two epochs by the hand-written step against torch.optim.RMSprop on autograd, same masks and order."""
    from torch.nn import functional as F

    from latentsweep.models import counter_random
    from latentsweep.models.mlp import _FIRST_STEP_COUNTER

    x, y = separable(n=60, device=device)
    shape = MLPShape(5, (16,), 2, dropout=0.2)
    keys = [stream_key(5), stream_key(6)]
    model = StackedMLP(shape, keys, device)
    leaves = [p.detach().clone().requires_grad_() for p in [*model.weights, *model.biases]]
    model.fit(x.expand(2, -1, -1), y.expand(2, -1), epochs=2, batch_size=25)

    reference = StackedMLP(shape, keys, device)
    reference.weights, reference.biases = leaves[:2], leaves[2:]
    optimiser = torch.optim.RMSprop(leaves, lr=1e-3, alpha=0.9, eps=1e-7)
    counter = _FIRST_STEP_COUNTER
    for _ in range(2):
        order = counter_random.permutations(reference.keys, counter, 60)
        counter += 1
        for start in range(0, 60, 25):
            index = order[:, start : start + 25]
            logits = reference.logits(x[index], dropout_counter=counter)
            counter += 2
            loss = sum(F.cross_entropy(logits[m], y[index[m]]) for m in range(2))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    for trained, leaf in zip([*model.weights, *model.biases], leaves, strict=True):
        torch.testing.assert_close(trained, leaf.detach(), rtol=1e-4, atol=1e-6)


def test_a_member_trains_alike_on_the_cpu_and_an_accelerator(accelerator):
    """Masks and minibatch orders are the same bits on every device, so the trained weights differ by
    float rounding only."""
    x, y = separable(n=120)
    shape = MLPShape(5, (16, 16), 3, dropout=0.2)
    models = []
    for where in (torch.device("cpu"), accelerator):
        model = StackedMLP(shape, [stream_key(4), stream_key(8)], where)
        model.fit(x.to(where).expand(2, -1, -1), y.to(where).expand(2, -1), epochs=3, batch_size=32)
        models.append(model)
    for on_cpu, on_device in zip(models[0].weights, models[1].weights, strict=True):
        torch.testing.assert_close(on_device.cpu(), on_cpu, rtol=1e-4, atol=1e-5)
