"""Run a function in a forked child and return its JSON-able result.

The benchmarks that compare this checkout with another import each checkout's
``jsonl_guard`` in a child of its own (two versions of one package cannot share a
process), and measure CPU time there, away from what the parent has loaded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any


def in_child(function: Callable[..., Any], *args: Any, name: str = "the child") -> Any:
    """``function(*args)`` run in a forked child; its result comes back as JSON over a
    pipe. ``SystemExit`` naming ``name`` when the child fails (its traceback is printed)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        status = 0
        try:
            with os.fdopen(write, "w", encoding="utf-8") as pipe:
                json.dump(function(*args), pipe)
        except BaseException:
            import traceback

            traceback.print_exc()
            status = 1
        os._exit(status)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status:
        raise SystemExit(f"{name} failed")
    return json.loads(data)
