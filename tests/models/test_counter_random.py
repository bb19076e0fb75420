import torch

from latentsweep.models.counter_random import permutations, stream_key, uniform


def keys(*values):
    return torch.tensor([stream_key(v) for v in values])


def test_uniform_is_in_range_and_roughly_flat():
    u = uniform(keys(1, 2), counter=5, shape=(100, 100))
    assert u.shape == (2, 100, 100) and u.min() >= 0 and u.max() < 1
    assert abs(u.mean().item() - 0.5) < 0.01
    histogram = torch.histc(u, bins=10, min=0, max=1) / u.numel()
    assert torch.all((histogram - 0.1).abs() < 0.01)


def test_a_key_gives_the_same_draws_whatever_the_other_keys():
    alone = uniform(keys(9), counter=3, shape=(50,))
    together = uniform(keys(4, 9, 5), counter=3, shape=(50,))
    torch.testing.assert_close(alone[0], together[1], rtol=0, atol=0)
    assert not torch.equal(together[0], together[1])
    assert not torch.equal(uniform(keys(9), counter=4, shape=(50,)), alone)


def test_permutations_are_permutations():
    orders = permutations(keys(1, 2, 3), counter=0, n=257)
    for order in orders:
        assert sorted(order.tolist()) == list(range(257))
    assert not torch.equal(orders[0], orders[1])


def test_stream_keys_are_63_bit_and_distinct():
    values = {stream_key(s, "mlp", i) for s in range(20) for i in range(20)}
    assert len(values) == 400 and all(0 <= v < 2**63 for v in values)


def test_keep_mask_drops_the_asked_fraction_and_rescales():
    from latentsweep.models.counter_random import keep_mask

    mask = keep_mask(keys(1, 2), counter=0, shape=(200, 500), drop=0.2)
    assert set(mask.unique().tolist()) == {0.0, 1.25}
    assert abs((mask == 0).float().mean().item() - 0.2) < 0.005
    alone = keep_mask(keys(2), counter=0, shape=(200, 500), drop=0.2)
    torch.testing.assert_close(alone[0], mask[1], rtol=0, atol=0)
    assert not torch.equal(mask[0], mask[1])
