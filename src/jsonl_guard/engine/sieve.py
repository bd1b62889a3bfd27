"""Which keys of a long sequence repeat, without a set or a sorted copy of them all."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sized
from typing import Protocol

_MIN_BITS = 6

_native_counts: Callable[..., dict[int, int]] | None
try:  # the optional C accelerator (setup.py): absent, the Python reference runs
    from ._sieve import repeated_counts as _native_counts
except ImportError:  # pragma: no cover - a build without a C compiler
    _native_counts = None


def repeated_counts(
    keys: Iterable[int] | Chunked,
    bits: int,
    ignore: int | None = None,
    part: tuple[int, int] = (0, 1),
    count: int | None = None,
) -> dict[int, int]:
    """The keys that occur more than once (except ``ignore``), with their counts; only
    those of ``part`` (p, n): whose remainder by n is p, when n > 1. ``count``: how many
    keys there are (default: ``len(keys)`` when they have one), which sizes the sieve.

    A bit per ``key & (2**bits - 1)`` lets through the keys whose bit was already set
    (every repeat, and a few that only share low bits); their first occurrence set the
    bit, so one more pass counts them exactly. Memory: 2**bits bits at most and the candidates,
    whose false ones grow with the square of the keys sifted: a caller with many keys
    sifts them in parts (``parts``), each a pass over them. ``keys`` is read twice: a
    sequence, or a ``Column`` (its chunks read from its file each time).

    In C (``_sieve.c``) for arrays and columns of unsigned ints when it was built, else
    ``reference_counts``; tests hold the two equal.
    """
    if count is None and isinstance(keys, Sized):
        count = len(keys)
    if count is not None:
        bits = sieve_bits(bits, count, part[1])
    if _native_counts is not None:
        if isinstance(keys, array) and keys.typecode in "ILQ":
            return _native_counts(lambda: (keys,), bits, *part, ignore)
        if hasattr(keys, "chunks") and getattr(keys, "typecode", "I") in "ILQ":
            return _native_counts(keys.chunks, bits, *part, ignore)
    return reference_counts(keys, bits, ignore, part)


def reference_counts(
    keys: Iterable[int] | Chunked, bits: int, ignore: int | None, part: tuple[int, int]
) -> dict[int, int]:
    """``repeated_counts`` in Python with a sieve of ``bits`` bits, the definition the C
    accelerator is held to."""
    p, n = part
    mask, seen = (1 << bits) - 1, bytearray(1 << (bits - 3))
    candidates: set[int] = set()
    for piece in _pieces(keys):
        for key in piece:
            if n > 1 and key % n != p:
                continue
            bit = key & mask
            if seen[bit >> 3] & (1 << (bit & 7)):
                candidates.add(key)
            else:
                seen[bit >> 3] |= 1 << (bit & 7)
    if ignore is not None:
        candidates.discard(ignore)
    counts = dict.fromkeys(candidates, 0)
    if counts:
        for piece in _pieces(keys):
            for key in piece:
                if key in counts:
                    counts[key] += 1
    return {key: count for key, count in counts.items() if count > 1}


def sieve_bits(bits: int, count: int, parts: int) -> int:
    """The bits of a sieve for ``count`` keys sifted in ``parts``: no more than ``bits``
    nor than about eight a key sifted. A small file's sieve is then bytes, not the
    megabytes a big file's needs (zeroing those cost more than checking the file). The
    bits only decide which keys are counted again, never the counts."""
    return min(bits, max(_MIN_BITS, (count // parts * 8).bit_length()))


class Chunked(Protocol):
    """Keys read a chunk at a time (a ``Column``): a loop over each chunk's array runs
    in C, where a generator over every key would cost a resume per key."""

    def chunks(self) -> Iterable[Iterable[int]]: ...


def _pieces(keys: Iterable[int] | Chunked) -> Iterable[Iterable[int]]:
    return keys.chunks() if hasattr(keys, "chunks") else (keys,)


def parts(keys: int, per_part: int) -> int:
    """How many parts ``keys`` keys are sifted in, at most ``per_part`` a part on average
    (odd, so a key's remainder says nothing of its low bits, which the sieve reads)."""
    n = max(1, -(-keys // per_part))
    return n if n % 2 else n + 1


def repeated_in_parts(
    keys: Iterable[int] | Chunked, count: int, bits: int, per_part: int
) -> dict[int, int]:
    """``repeated_counts`` of ``count`` keys, sifted ``per_part`` at a time."""
    n = parts(count, per_part)
    if n == 1:
        return repeated_counts(keys, bits, count=count)
    found: dict[int, int] = {}
    for p in range(n):
        found.update(repeated_counts(keys, bits, part=(p, n), count=count))
    return found
