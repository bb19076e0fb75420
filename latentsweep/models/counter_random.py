"""Counter-based random numbers: one independent stream per ensemble member, drawn in one vectorised op.

A value is a hash (splitmix64) of (member key, counter, position), so a member's draws do not depend on
which other members share its pack, and CPU and GPU give the same numbers. Keys come from seeds via
`stream_key`.
"""

from __future__ import annotations

import functools
import hashlib
import math

import torch

_GOLDEN = 0x9E3779B97F4A7C15 - (1 << 64)
_MIX_1 = 0xBF58476D1CE4E5B9 - (1 << 64)
_MIX_2 = 0x94D049BB133111EB - (1 << 64)


def stream_key(*parts: int | str) -> int:
    """A 63-bit key for one random stream, from seeds and purpose names."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _shift_right(z: torch.Tensor, bits: int) -> torch.Tensor:
    return (z >> bits) & ((1 << (64 - bits)) - 1)  # logical, not arithmetic, shift


def _mix(z: torch.Tensor) -> torch.Tensor:
    z = (z ^ _shift_right(z, 30)) * _MIX_1
    z = (z ^ _shift_right(z, 27)) * _MIX_2
    return z ^ _shift_right(z, 31)


def random_bits(keys: torch.Tensor, counter: int, shape: tuple[int, ...]) -> torch.Tensor:
    """[K, *shape] int64 hashes of (keys[k], counter, position)."""
    base = _mix(keys * _GOLDEN + counter)
    positions = torch.arange(math.prod(shape), device=keys.device, dtype=torch.int64).reshape(shape)
    return _mix(base.reshape((-1,) + (1,) * len(shape)) + positions * _GOLDEN)


def uniform(keys: torch.Tensor, counter: int, shape: tuple[int, ...]) -> torch.Tensor:
    """[K, *shape] float32 uniform in [0, 1) with 24 random bits each."""
    return _shift_right(random_bits(keys, counter, shape), 40).to(torch.float32) * (1.0 / (1 << 24))


_GOLDEN_32 = 0x9E3779B9 - (1 << 32)
_GOLDEN_32_INT = 0x9E3779B9  # the same odd constant, unsigned (for offsets computed as Python ints)
_LOWBIAS_1 = 0x7FEB352D
_LOWBIAS_2 = 0x846CA68B - (1 << 32)


def _mix_32_(z: torch.Tensor) -> torch.Tensor:
    """The 'lowbias32' integer hash on int32 lanes (twice as many per vector as int64), in place."""
    for shift, low_bits, multiplier in _LOWBIAS_ROUNDS:
        shifted = z >> shift
        shifted &= low_bits  # a logical, not arithmetic, shift
        z ^= shifted
        if multiplier is not None:
            z *= multiplier
    return z


def _int32(value: int) -> torch.Tensor:
    """A 0-d int32 tensor: an int32 op given a Python int first converts it to a tensor, a third of the
    hash's time on a CPU; a 0-d CPU tensor serves as a scalar on every device."""
    return torch.tensor(value, dtype=torch.int32)


# (shift, mask of the bits a logical shift keeps, multiplier) of each lowbias32 round
_LOWBIAS_ROUNDS = tuple(
    (_int32(bits), _int32((1 << (32 - bits)) - 1), None if multiplier is None else _int32(multiplier))
    for bits, multiplier in ((16, _LOWBIAS_1), (15, _LOWBIAS_2), (16, None))
)


@functools.lru_cache(maxsize=64)
def _offsets_32(count: int, device: str) -> torch.Tensor:
    """position * golden for positions 0..count-1 on int32 lanes, made once per size and device."""
    return torch.arange(count, device=device, dtype=torch.int32) * _GOLDEN_32


_MASK_64 = (1 << 64) - 1


def _bases(keys: torch.Tensor, counter: int) -> torch.Tensor:
    """[K] int32: the high 32 bits of _mix(key * golden + counter) per member. On a CPU the few keys are
    hashed as Python ints (a dozen tiny tensor ops cost more than the mask); on an accelerator on the
    device, so that no step waits for a host-to-device copy. Both give the same bits."""
    if keys.device.type != "cpu":
        return _shift_right(_mix(keys * _GOLDEN + counter), 32).to(torch.int32)
    bases = []
    for key in keys.tolist():
        base = _mix_int((key * (_GOLDEN & _MASK_64) + counter) & _MASK_64) >> 32
        bases.append(base - (1 << 32) if base >= 1 << 31 else base)
    return torch.tensor(bases, dtype=torch.int32)


def _mix_int(z: int) -> int:
    """`_mix` on one unsigned 64-bit Python int: a member's per-call value without tiny tensor ops."""
    z ^= z >> 30
    z = (z * (_MIX_1 & _MASK_64)) & _MASK_64
    z ^= z >> 27
    z = (z * (_MIX_2 & _MASK_64)) & _MASK_64
    return z ^ (z >> 31)


def keep_mask(
    keys: torch.Tensor,
    counter: int,
    shape: tuple[int, ...],
    drop: float,
    dtype: torch.dtype = torch.float32,
    *,
    first: int = 0,
) -> torch.Tensor:
    """[K, *shape] of `dtype`: 1 / (1 - drop) where a unit is kept, 0 where dropped (inverted dropout).

    The hot path of training. Each member's 32-bit base is its key and counter hashed (`_bases`);
    lowbias32 of base + position * golden (in place, on int32 lanes) gives 32 bits per pair of units,
    read as two signed 16-bit halves v: a unit is kept when v >= T = round(drop * 2^16) - 2^15, so
    P(drop) is within 2^-16 of `drop`. v clamped to [T - 1, T] minus (T - 1) is the 0/1 mask without a
    bool tensor (comparisons to bool are several times slower on a CPU), made in int16 (bfloat16 cannot
    tell T - 1 from T). A member's masks depend on its key alone, on every device. `first`: the flat position
    of the first unit, so that the masks of a tensor made in parts (rows in chunks) are those of the whole.
    """
    size = math.prod(shape)
    threshold = round(drop * (1 << 16)) - (1 << 15)
    if threshold <= -(1 << 15):
        return torch.ones((keys.shape[0], *shape), device=keys.device, dtype=dtype)
    skip = first % 2
    half = (size + skip + 1) // 2
    offsets = _offsets_32(half, str(keys.device))
    if first >= 2:
        shift = ((first // 2) * _GOLDEN_32_INT) & 0xFFFFFFFF
        offsets = offsets + (shift - (1 << 32) if shift >= 1 << 31 else shift)
    z = _mix_32_(_bases(keys, counter)[:, None] + offsets)
    halves = z.view(torch.int16).clamp_(threshold - 1, threshold).sub_(threshold - 1)  # 0 or 1, exact in any dtype
    mask = halves.to(dtype).mul_(1.0 / (1.0 - drop))
    return mask[:, skip : skip + size].reshape((-1, *shape))


def permutations(keys: torch.Tensor, counter: int, n: int) -> torch.Tensor:
    """[K, n] one random permutation of range(n) per key."""
    return torch.argsort(random_bits(keys, counter, (n,)), dim=1, stable=True)
