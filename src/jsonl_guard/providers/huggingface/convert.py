"""The trl-messages profile's reader and writer for ``jsonl-guard convert``: OpenAI-style
messages whose tool-call arguments are objects (chat templates read them as dicts),
without per-message weights; images live in TRL's separate ``images`` column, which
convert does not write yet."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...conversion.changes import Changes
from ...conversion.chat import Dialect, read_messages, write_messages
from ...conversion.completion import read_pair, write_pair
from ...conversion.formats import converter
from ...conversion.neutral import Example, PromptCompletion, conversation_of
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


def read_prompt_completion(example: dict[str, Any], changes: Changes) -> Example:
    """Strings are a prompt and a completion; messages are a conversation (the prompt's
    turns, then the completion's)."""
    if isinstance(example.get("prompt"), str):
        return read_pair(example, "trl-prompt-completion")
    prompt = read_messages({"messages": example.get("prompt")}, changes, MESSAGES)
    answer = read_messages({"messages": example.get("completion")}, changes, MESSAGES)
    return replace(prompt, turns=prompt.turns + answer.turns)


def write_prompt_completion(example: Example, changes: Changes) -> dict[str, Any]:
    """A prompt and completion stay strings; a conversation is split before its last
    turn (which must be the assistant's)."""
    if isinstance(example, PromptCompletion):
        return write_pair(example, changes, "trl-prompt-completion")
    conversation = conversation_of(example, "trl-prompt-completion")
    if not conversation.turns or conversation.turns[-1].role != "assistant":
        return write_pair(example, changes, "trl-prompt-completion")  # says why not
    written = write_messages(conversation, changes, MESSAGES)
    messages = written["messages"]
    out: dict[str, Any] = {"prompt": messages[:-1], "completion": messages[-1:]}
    if "tools" in written:
        out["tools"] = written["tools"]
    return out


converter("trl-prompt-completion", read_prompt_completion, write_prompt_completion)
