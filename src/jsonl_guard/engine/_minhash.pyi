# The optional C accelerator of engine/minhash.py (engine/_minhash.c).
from typing_extensions import Buffer

K: int
MIN_SHINGLES: int
WINDOW_BYTES: int
HEAD_BYTES: int
HEAD_WINDOW_BYTES: int
MAX_E_GAP: int

def sketch(text: str, /) -> bytes | None: ...
def similarity(one: Buffer, other: Buffer, /) -> float | None: ...
