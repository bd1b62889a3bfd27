"""Shared test data builders (imported by tests as ``helpers``)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def example(i: int = 0, **extra: object) -> dict[str, object]:
    """A small valid example; ``i`` makes it distinct from its neighbours."""
    return {
        "messages": [
            {"role": "system", "content": "You are Spokewise's support assistant."},
            {"role": "user", "content": f"Where is my order SW-{100000 + i}?"},
            {"role": "assistant", "content": f"Order SW-{100000 + i} ships today."},
        ],
        **extra,
    }


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
