"""Give the allocator's free pages back to the system.

A vocab is ~200,000 small allocations among the rest of the heap. Freed, they stay in
glibc's free lists, still counted in the process's memory, until trimmed: quicktok's
65 MB go back this way before tiktoken loads (engine/spot_check.py), and the 20 MB of
the ranks dict tiktoken's Python side no longer holds (tokens/encodings.py).

And keep big allocations out of the heap: the per-example arrays of a big file grow to
tens of MB by ``realloc``. glibc gives a block of its own (``mmap``) only to requests
over its threshold, which it raises by itself, up to 32 MB, after the first big block
is freed; under it, a growing array is copied to a new place each time it cannot grow
where it is, briefly holding both copies and leaving the old place as a hole.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache

# glibc's mallopt parameter, and the threshold set (a fixed one also stops the raising).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 256 * 1024


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def keep_big_blocks_apart() -> None:
    """Blocks of ``MMAP_THRESHOLD`` bytes or more get pages of their own (glibc only):
    a growing array moves by ``mremap``, without a copy, and a freed one goes back at
    once. 823 MB file, quicktok on 2 workers: 196 -> 171 MB (docs/performance.md)."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    trim: Callable[[int], int] | None = getattr(_libc(), "malloc_trim", None)
    return trim


def trim_heap() -> None:
    """glibc's ``malloc_trim(0)``; elsewhere (musl, macOS, Windows) nothing is done."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
