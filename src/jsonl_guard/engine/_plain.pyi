# The optional C accelerator of engine/typed.py's parse_plain (engine/_plain.c).
from typing import Any

def parse(raw: bytes, named: bool, /) -> tuple[dict[str, Any], bytes] | None: ...
