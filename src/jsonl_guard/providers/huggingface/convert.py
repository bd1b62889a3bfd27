"""The trl-messages profile's reader and writer for ``jsonl-guard convert``: OpenAI-style
messages whose tool-call arguments are objects (chat templates read them as dicts),
without per-message weights; images live in TRL's separate ``images`` column, which
convert does not write yet."""

from __future__ import annotations

from typing import Any

from ...conversion.changes import Changes
from ...conversion.chat import Dialect, read_messages, write_messages
from ...conversion.formats import converter
from ...conversion.neutral import Example, conversation_of

MESSAGES = Dialect(
    "trl-messages", arguments_as_object=True, weights=False, images=False, tool_names=True
)


def read_trl(example: dict[str, Any], changes: Changes) -> Example:
    return read_messages(example, changes, MESSAGES)


def write_trl(example: Example, changes: Changes) -> dict[str, Any]:
    return write_messages(conversation_of(example, MESSAGES.name), changes, MESSAGES)


converter("trl-messages", read_trl, write_trl)
