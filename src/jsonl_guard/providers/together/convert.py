"""The together-conversation profile's reader and writer for ``jsonl-guard convert``:
system/user/assistant messages with per-message weights and data-URL images, no tools
(together-python rejects a tool role, so tool-calling examples are not convertible)."""

from __future__ import annotations

from typing import Any

from ...conversion.changes import Changes
from ...conversion.chat import Dialect, read_messages, write_messages
from ...conversion.completion import read_pair, write_pair
from ...conversion.formats import converter
from ...conversion.neutral import Example, conversation_of
from ...conversion.preference import read_openai_pair, write_openai_pair

CONVERSATION = Dialect(
    "together-conversation", tools=False, one_content_form=True, weights_on_every_role=True
)


def read_conversation(example: dict[str, Any], changes: Changes) -> Example:
    return read_messages(example, changes, CONVERSATION)


def write_conversation(example: Example, changes: Changes) -> dict[str, Any]:
    return write_messages(conversation_of(example, CONVERSATION.name), changes, CONVERSATION)


converter("together-conversation", read_conversation, write_conversation)


PREFERENCE = Dialect("together-preference", tools=False, weights_on_every_role=True)


def read_preference(example: dict[str, Any], changes: Changes) -> Example:
    return read_openai_pair(example, changes, PREFERENCE)


def write_preference(example: Example, changes: Changes) -> dict[str, Any]:
    return write_openai_pair(example, changes, PREFERENCE)


converter("together-preference", read_preference, write_preference)


def read_instruction(example: dict[str, Any], changes: Changes) -> Example:
    return read_pair(example, "together-instruction")


def write_instruction(example: Example, changes: Changes) -> dict[str, Any]:
    return write_pair(example, changes, "together-instruction")


converter("together-instruction", read_instruction, write_instruction)
