# The optional C accelerator of engine/minhash.py and engine/near_pairs.py (engine/_minhash.c).
from collections.abc import Callable, Iterable

from typing_extensions import Buffer

K: int
MIN_SHINGLES: int
WINDOW_BYTES: int
HEAD_BYTES: int
HEAD_WINDOW_BYTES: int
MAX_E_GAP: int
INDEX_KEYS: int
MAX_LEADERS: int

def sketch(text: str, /) -> bytes | None: ...
def similarity(one: Buffer, other: Buffer, /) -> float | None: ...
def sources(
    chunks: Callable[[], Iterable[Buffer]],
    repeats: dict[int, int],
    leaders: int,
    max_comparisons: int,
    ranked: bool,
    sink: Callable[[bytes], object],
    /,
) -> None: ...
