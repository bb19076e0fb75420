import torch

from latentsweep.models.counter_random import permutations, stream_key, uniform


def keys(*values, device="cpu"):
    return torch.tensor([stream_key(v) for v in values], device=device)


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
    assert mask.dtype == torch.float32 and set(mask.unique().tolist()) == {0.0, 1.25}
    assert abs((mask == 0).float().mean().item() - 0.2) < 0.005
    alone = keep_mask(keys(2), counter=0, shape=(200, 500), drop=0.2)
    torch.testing.assert_close(alone[0], mask[1], rtol=0, atol=0)
    assert not torch.equal(mask[0], mask[1])


def test_keep_mask_of_odd_sizes_and_no_dropout():
    from latentsweep.models.counter_random import keep_mask

    mask = keep_mask(keys(3), counter=7, shape=(3, 5), drop=0.5)
    assert mask.shape == (1, 3, 5) and set(mask.unique().tolist()) <= {0.0, 2.0}
    assert torch.equal(keep_mask(keys(3), counter=7, shape=(99,), drop=0.0), torch.ones(1, 99))


def test_neighbouring_units_and_the_two_halves_of_a_hash_are_independent():
    """Units 2i and 2i+1 share one 32-bit hash (its two 16-bit halves): their drops must not correlate."""
    from latentsweep.models.counter_random import keep_mask

    kept = keep_mask(keys(11), counter=2, shape=(400_000,), drop=0.3)[0] > 0
    pairs = kept.float().reshape(-1, 2)
    assert abs(torch.corrcoef(pairs.T)[0, 1].item()) < 0.01
    assert abs(1 - kept.float().mean().item() - 0.3) < 0.003
    for drop in (0.05, 0.5, 0.9):  # the fraction at either end of the threshold's range
        kept = keep_mask(keys(5), counter=1, shape=(200_000,), drop=drop)[0] > 0
        assert abs(1 - kept.float().mean().item() - drop) < 0.005


def test_host_hash_of_a_key_equals_the_tensor_hash():
    """The CPU path hashes member keys as Python ints, an accelerator's on the device: the same bits."""
    from latentsweep.models.counter_random import _GOLDEN, _bases, _mix, _shift_right

    values = keys(1, 2, 3)
    for counter in (0, 5, 1 << 40):
        on_device = _shift_right(_mix(values * _GOLDEN + counter), 32).to(torch.int32)
        assert torch.equal(_bases(values, counter), on_device)


def test_an_accelerator_draws_the_cpus_bits(accelerator):
    """Weights, minibatch orders and dropout masks of a member are the same on every device."""
    from latentsweep.models.counter_random import keep_mask

    on_cpu, on_device = keys(1, 2, 3), keys(1, 2, 3, device=accelerator)
    assert torch.equal(uniform(on_device, 4, (7, 9)).cpu(), uniform(on_cpu, 4, (7, 9)))
    assert torch.equal(permutations(on_device, 1 << 20, 301).cpu(), permutations(on_cpu, 1 << 20, 301))
    for shape in ((100, 512), (3, 5)):
        assert torch.equal(keep_mask(on_device, 99, shape, 0.2).cpu(), keep_mask(on_cpu, 99, shape, 0.2))


def test_the_mask_hash_is_lowbias32_written_out():
    """keep_mask's bits against lowbias32 on plain Python ints (Chris Wellons' constants): unit 2i reads the
    low 16 bits of hash(base + i * golden) as a signed number, unit 2i + 1 the high 16 bits."""
    from latentsweep.models.counter_random import _GOLDEN_32, _bases, keep_mask

    def lowbias32(x):
        x ^= x >> 16
        x = (x * 0x7FEB352D) & 0xFFFFFFFF
        x ^= x >> 15
        x = (x * 0x846CA68B) & 0xFFFFFFFF
        return x ^ (x >> 16)

    def signed16(v):
        return v - (1 << 16) if v >= 1 << 15 else v

    drop = 0.3
    threshold = round(drop * (1 << 16)) - (1 << 15)
    member = keys(21)
    base = int(_bases(member, 9)[0]) & 0xFFFFFFFF
    mask = keep_mask(member, 9, (1001,), drop)[0]
    expected = []
    for i in range(501):
        h = lowbias32((base + i * (_GOLDEN_32 & 0xFFFFFFFF)) & 0xFFFFFFFF)
        expected += [signed16(h & 0xFFFF) >= threshold, signed16(h >> 16) >= threshold]
    assert (mask > 0).tolist() == expected[:1001]
