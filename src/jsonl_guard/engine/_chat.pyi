# The optional C accelerator of engine/chat_pass.py (engine/_chat.c).
from typing import Any

ANCHORS: tuple[str, ...]
BLOB_CHARS: int
MIN_TEMPLATE_WORDS: int
WINDOW: int
VECTOR: int  # 1: 16 bytes at a time (_c/compact.h); 0: the byte loops
UTF8_FLIP: int

def chat_pass(
    messages: Any, sketching: bool, answers: bool, /
) -> tuple[bytes | None, int | None, int, int | str] | None: ...
