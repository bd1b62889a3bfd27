"""The :class:`Corruption` type, and helpers that find what a corruption breaks.

A corruption is a named, deterministic defect that turns a valid chat example into a
JSONL line raising one known rule code. The helpers here find an example's messages,
tool calls and tool messages, pick one of them, and dump a value as JSON; the defects
themselves are in ``_defects.py``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ._chat import Example


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _messages(example: Example) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = example["messages"]
    return messages


def _pick(items: list[Any], pick: int) -> Any:
    return items[pick % len(items)]


def _tool_calls(example: Example) -> list[dict[str, Any]]:
    return [c for m in _messages(example) for c in m.get("tool_calls") or ()]


def _tool_messages(example: Example) -> list[dict[str, Any]]:
    return [m for m in _messages(example) if m["role"] == "tool"]


def _all_ids(example: Example) -> set[str]:
    ids = {str(c.get("id")) for c in _tool_calls(example)}
    return ids | {str(m.get("tool_call_id")) for m in _tool_messages(example)}


def _fresh(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    while base in taken:
        base += "_x"
    return base


def _always(example: Example) -> bool:
    return True


@dataclass(frozen=True)
class Corruption:
    """A named, deterministic defect: ``corruption(example) -> (line, code)``.

    ``line`` is the corrupted example as one JSONL line (no newline) and ``code``
    the rule it must trigger. Call :meth:`applies_to` first: some defects need
    something to break (a tool call, a second call, ...).

    ``mutate`` gets a deep copy of the example and returns the corrupted value (it
    may edit the copy in place and return it), or the raw line itself (``str`` or
    ``bytes``) for damage that is not JSON. The chat corruptions (:func:`corruptions`)
    and every profile's (:func:`profile_corruptions`) are of this one type.
    """

    name: str
    code: str
    mutate: Callable[[Example], Any] = field(repr=False)
    applicable: Callable[[Example], bool] = field(default=_always, repr=False)
    detail: str = ""

    def applies_to(self, example: Example) -> bool:
        return self.applicable(example)

    def applies(self, example: Example) -> bool:
        """Same as :meth:`applies_to`."""
        return self.applies_to(example)

    def apply(self, example: Example) -> Any:
        """The corrupted example (a changed copy), or the raw line for non-JSON damage."""
        if not self.applies_to(example):
            raise ValueError(f"corruption {self.name!r} does not apply to this example")
        return self.mutate(copy.deepcopy(example))

    def __call__(self, example: Example) -> tuple[str, str]:
        result = self.apply(example)
        if isinstance(result, bytes):
            line = result.decode("utf-8")
        else:
            line = result if isinstance(result, str) else _dump(result)
        return line, self.code

    def __str__(self) -> str:
        return f"{self.name}[{self.detail}] -> {self.code}" if self.detail else self.name
