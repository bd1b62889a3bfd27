"""The mistral profile's reader and writer for ``jsonl-guard convert``: OpenAI-style
messages where a tool-call id is exactly 9 letters and digits (mistral-common) and an
assistant message has content or tool calls, not both.

Ids that are not already 9 alphanumerics are remapped, consistently within the example
(a call and its answer keep matching), to ``[a-zA-Z0-9]{9}`` derived from the original
id; an assistant message with text and calls becomes two assistant messages in a row
(Mistral allows consecutive same-role messages), each with the turn's weight.
"""

from __future__ import annotations

import hashlib
import re
import string
from typing import Any

from ...conversion.changes import ID_REMAPPED, TURN_SPLIT, Changes
from ...conversion.chat import Dialect, read_messages, write_messages
from ...conversion.formats import converter
from ...conversion.neutral import Example, conversation_of

MESSAGES = Dialect("mistral", images=False)
_ID = re.compile(r"[a-zA-Z0-9]{9}")
_ALPHABET = string.ascii_letters + string.digits


def _short(original: str, taken: set[str]) -> str:
    """A 9-character alphanumeric id for ``original``, unique among ``taken``."""
    salt = 0
    while True:
        digest = hashlib.sha256(f"{original}\0{salt}".encode()).digest()
        made = "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in digest[:9])
        if made not in taken:
            return made
        salt += 1


def read_mistral(example: dict[str, Any], changes: Changes) -> Example:
    return read_messages(example, changes, MESSAGES)


def write_mistral(example: Example, changes: Changes) -> dict[str, Any]:
    written = write_messages(conversation_of(example, MESSAGES.name), changes, MESSAGES)
    messages: list[dict[str, Any]] = []
    for message in written["messages"]:
        if message.get("tool_calls") and message.get("content") is not None:
            text = {k: v for k, v in message.items() if k != "tool_calls"}
            calls = {k: v for k, v in message.items() if k != "content"}
            changes.record(TURN_SPLIT, "an assistant turn with text and tool calls: two messages")
            messages += [text, calls]
        else:
            messages.append(
                {k: v for k, v in message.items() if not (k == "content" and v is None)}
            )
    ids = [call["id"] for m in messages for call in m.get("tool_calls") or ()]
    taken = {i for i in ids if _ID.fullmatch(i)}
    remapped: dict[str, str] = {}
    for original in ids:
        if not _ID.fullmatch(original) and original not in remapped:
            remapped[original] = _short(original, taken)
            taken.add(remapped[original])
    if remapped:
        changes.record(ID_REMAPPED, ", ".join(f"{a} -> {b}" for a, b in remapped.items()))
        for message in messages:
            for call in message.get("tool_calls") or ():
                call["id"] = remapped.get(call["id"], call["id"])
            if "tool_call_id" in message:
                message["tool_call_id"] = remapped.get(
                    message["tool_call_id"], message["tool_call_id"]
                )
    written["messages"] = messages
    return written


converter("mistral", read_mistral, write_mistral)
