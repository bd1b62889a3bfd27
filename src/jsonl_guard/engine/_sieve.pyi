# The optional C accelerator of engine/sieve.py (engine/_sieve.c).
from collections.abc import Callable, Iterable

from typing_extensions import Buffer

def repeated_counts(
    chunks: Callable[[], Iterable[Buffer]],
    bits: int,
    part: int,
    parts: int,
    ignore: int | None,
    /,
) -> dict[int, int]: ...
