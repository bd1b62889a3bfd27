"""Preference pairs in OpenAI-style messages: OpenAI DPO and Together preference
(``input`` / ``preferred_output`` / ``non_preferred_output``) and TRL preference
(``prompt`` / ``chosen`` / ``rejected``, strings or messages). Shared here because
providers never import each other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .changes import Changes
from .chat import Dialect, read_messages, write_messages
from .neutral import Conversation, Example, NotConvertible, Preference, Text, Turn


def _answer(value: Any, key: str, changes: Changes, dialect: Dialect) -> Turn:
    if isinstance(value, str):  # TRL's standard (string) form
        return Turn("assistant", (Text(value),))
    turns = read_messages({"messages": value}, changes, dialect).turns
    if len(turns) != 1 or turns[0].role != "assistant":
        raise NotConvertible(
            f"{key} is not one assistant message", "a preference pair compares two single answers"
        )
    return turns[0]


def _prompt(value: Any, changes: Changes, dialect: Dialect) -> Conversation:
    if isinstance(value, str):
        return Conversation((Turn("user", (Text(value),)),))
    if isinstance(value, Mapping):  # OpenAI's input: {messages, tools}
        return read_messages(value, changes, dialect)
    return read_messages({"messages": value}, changes, dialect)


def _preference(example: Example, target: str) -> Preference:
    if not isinstance(example, Preference):
        raise NotConvertible(
            f"only a preference pair can become a {target} example",
            "convert conversations to a chat profile; preference data to a preference one",
        )
    return example


def _one(turn: Turn, changes: Changes, dialect: Dialect) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = write_messages(Conversation((turn,)), changes, dialect)[
        "messages"
    ]
    return messages


def read_openai_pair(example: Mapping[str, Any], changes: Changes, dialect: Dialect) -> Example:
    # TRL's string forms are not OpenAI's: reading them here would repair a bad line.
    if not isinstance(example.get("input"), Mapping):
        raise NotConvertible("input is not an object with messages", "run `jsonl-guard check`")
    for key in ("preferred_output", "non_preferred_output"):
        if not isinstance(example.get(key), list):
            raise NotConvertible(f"{key} is not a list of messages", "run `jsonl-guard check`")
    return Preference(
        _prompt(example.get("input"), changes, dialect),
        _answer(example.get("preferred_output"), "preferred_output", changes, dialect),
        _answer(example.get("non_preferred_output"), "non_preferred_output", changes, dialect),
    )


def write_openai_pair(example: Example, changes: Changes, dialect: Dialect) -> dict[str, Any]:
    pair = _preference(example, dialect.name)
    return {
        "input": write_messages(pair.prompt, changes, dialect),
        "preferred_output": _one(pair.chosen, changes, dialect),
        "non_preferred_output": _one(pair.rejected, changes, dialect),
    }


def read_trl_pair(example: Mapping[str, Any], changes: Changes, dialect: Dialect) -> Example:
    return Preference(
        _prompt(example.get("prompt"), changes, dialect),
        _answer(example.get("chosen"), "chosen", changes, dialect),
        _answer(example.get("rejected"), "rejected", changes, dialect),
    )


def write_trl_pair(example: Example, changes: Changes, dialect: Dialect) -> dict[str, Any]:
    pair = _preference(example, dialect.name)
    prompt = write_messages(pair.prompt, changes, dialect)
    out: dict[str, Any] = {
        "prompt": prompt["messages"],
        "chosen": _one(pair.chosen, changes, dialect),
        "rejected": _one(pair.rejected, changes, dialect),
    }
    if "tools" in prompt:
        out["tools"] = prompt["tools"]
    return out
