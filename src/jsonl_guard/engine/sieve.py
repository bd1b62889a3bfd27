"""Which keys of a long sequence repeat, without a set or a sorted copy of them all."""

from __future__ import annotations

from collections.abc import Sequence

_MIN_BITS = 6


def repeated_counts(keys: Sequence[int], bits: int, ignore: int | None = None) -> dict[int, int]:
    """The keys that occur more than once (except ``ignore``), with their counts.

    A bit per ``key & (2**bits - 1)`` lets through the keys whose bit was already set
    (every repeat, and a few that only share low bits); their first occurrence set the
    bit, so one more pass counts them exactly. Memory: 2**bits bits at most (about eight
    a key) and the candidates.
    """
    # No more bits than about eight per key: a small file's sieve is then bytes, not the
    # megabytes a big file's needs (zeroing those cost more than checking the file). The
    # bits only decide which keys are counted again, never the result.
    bits = min(bits, max(_MIN_BITS, (len(keys) * 8).bit_length()))
    mask, seen = (1 << bits) - 1, bytearray(1 << (bits - 3))
    candidates: set[int] = set()
    for key in keys:
        bit = key & mask
        if seen[bit >> 3] & (1 << (bit & 7)):
            candidates.add(key)
        else:
            seen[bit >> 3] |= 1 << (bit & 7)
    if ignore is not None:
        candidates.discard(ignore)
    counts = dict.fromkeys(candidates, 0)
    if counts:
        for key in keys:
            if key in counts:
                counts[key] += 1
    return {key: count for key, count in counts.items() if count > 1}
