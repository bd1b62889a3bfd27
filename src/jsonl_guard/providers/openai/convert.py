"""The openai-chat and openai-dpo profiles' readers and writers for ``jsonl-guard convert``."""

from __future__ import annotations

from typing import Any

from ...conversion.changes import Changes
from ...conversion.chat import Dialect, read_messages, write_messages
from ...conversion.completion import read_pair, write_pair
from ...conversion.formats import converter
from ...conversion.neutral import Example, conversation_of
from ...conversion.preference import read_openai_pair, write_openai_pair

CHAT = Dialect("openai-chat", settings=True)


def read_chat(example: dict[str, Any], changes: Changes) -> Example:
    return read_messages(example, changes, CHAT)


def write_chat(example: Example, changes: Changes) -> dict[str, Any]:
    return write_messages(conversation_of(example, CHAT.name), changes, CHAT)


converter("openai-chat", read_chat, write_chat)


DPO = Dialect("openai-dpo", settings=True)


def read_dpo(example: dict[str, Any], changes: Changes) -> Example:
    return read_openai_pair(example, changes, DPO)


def write_dpo(example: Example, changes: Changes) -> dict[str, Any]:
    return write_openai_pair(example, changes, DPO)


converter("openai-dpo", read_dpo, write_dpo)


def read_completion(example: dict[str, Any], changes: Changes) -> Example:
    return read_pair(example, "openai-completion")


def write_completion(example: Example, changes: Changes) -> dict[str, Any]:
    return write_pair(example, changes, "openai-completion")


converter("openai-completion", read_completion, write_completion)
