"""The fireworks-chat profile's reader and writer for ``jsonl-guard convert``: OpenAI's
chat format (messages, tools, per-message weights), as Fireworks documents it."""

from __future__ import annotations

from typing import Any

from ...conversion.changes import Changes
from ...conversion.chat import Dialect, read_messages, write_messages
from ...conversion.formats import converter
from ...conversion.neutral import Example, conversation_of

CHAT = Dialect("fireworks-chat")


def read_chat(example: dict[str, Any], changes: Changes) -> Example:
    return read_messages(example, changes, CHAT)


def write_chat(example: Example, changes: Changes) -> dict[str, Any]:
    return write_messages(conversation_of(example, CHAT.name), changes, CHAT)


converter("fireworks-chat", read_chat, write_chat)
