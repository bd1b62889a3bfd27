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
from ...conversion.preference import read_trl_pair, write_trl_pair

MESSAGES = Dialect(
    "trl-messages", arguments_as_object=True, weights=False, images=False, tool_names=True
)


def read_trl(example: dict[str, Any], changes: Changes) -> Example:
    return read_messages(example, changes, MESSAGES)


def write_trl(example: Example, changes: Changes) -> dict[str, Any]:
    return write_messages(conversation_of(example, MESSAGES.name), changes, MESSAGES)


converter("trl-messages", read_trl, write_trl)


PREFERENCE = Dialect(
    "trl-preference", arguments_as_object=True, weights=False, images=False, tool_names=True
)


def read_preference(example: dict[str, Any], changes: Changes) -> Example:
    return read_trl_pair(example, changes, PREFERENCE)


def write_preference(example: Example, changes: Changes) -> dict[str, Any]:
    return write_trl_pair(example, changes, PREFERENCE)


converter("trl-preference", read_preference, write_preference)
