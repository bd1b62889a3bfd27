"""Give the allocator's free pages back to the system.

A vocab is ~200,000 small allocations among the rest of the heap. Freed, they stay in
glibc's free lists, still counted in the process's memory, until trimmed: quicktok's
65 MB go back this way before tiktoken loads (engine/spot_check.py), and the 20 MB of
the ranks dict tiktoken's Python side no longer holds (tokens/encodings.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        trim: Callable[[int], int] | None = getattr(ctypes.CDLL(name), "malloc_trim", None)
    except OSError:
        return None
    return trim


def trim_heap() -> None:
    """glibc's ``malloc_trim(0)``; elsewhere (musl, macOS, Windows) nothing is done."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
