"""Prompt/completion examples (OpenAI legacy, Together instruction, Bedrock Llama 3.1,
TRL prompt-completion): shared here because providers never import each other.

A conversation becomes a prompt and a completion only when it is one user text turn
answered by one assistant text turn; a system text goes in front of the prompt (a
blank line between), and the change says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .changes import SYSTEM_MERGED, WEIGHT_DROPPED, Changes
from .dropped import note_settings, note_weight
from .neutral import Conversation, Example, NotConvertible, PromptCompletion, Text


def read_pair(example: Mapping[str, Any], profile: str) -> PromptCompletion:
    prompt, completion = example.get("prompt"), example.get("completion")
    if not isinstance(prompt, str) or not isinstance(completion, str):
        raise NotConvertible(
            f"{profile} needs string prompt and completion",
            "check the file with `jsonl-guard check` first",
        )
    return PromptCompletion(prompt, completion)


def as_pair(example: Example, changes: Changes, profile: str) -> PromptCompletion:
    if isinstance(example, PromptCompletion):
        return example
    if not isinstance(example, Conversation):
        raise NotConvertible(
            f"a preference pair cannot become a {profile} example",
            "convert preference data to a preference profile (e.g. trl-preference)",
        )
    turns = example.turns
    plain = all(isinstance(part, Text) for turn in turns for part in turn.parts)
    if len(turns) != 2 or (turns[0].role, turns[1].role) != ("user", "assistant") or not plain:
        raise NotConvertible(
            f"{profile} holds one prompt and one completion; this conversation has "
            f"{len(turns)} turn(s), tools or images",
            "convert multi-turn, tool or image data to a chat profile",
        )
    if turns[1].weight == 0:
        changes.record(WEIGHT_DROPPED, f"the answer had weight 0, {profile} trains on it")
    note_weight(turns[0].weight, "user", "the prompt", profile, changes)
    note_weight(example.system_weight, "system", "the system text", profile, changes)
    note_settings(example, profile, changes)
    prompt = turns[0].text()
    if example.system:
        changes.record(SYSTEM_MERGED, "the system text now opens the prompt")
        prompt = f"{example.system}\n\n{prompt}"
    if example.tools:
        raise NotConvertible(f"{profile} cannot carry tool definitions")
    return PromptCompletion(prompt, turns[1].text())


def write_pair(example: Example, changes: Changes, profile: str) -> dict[str, Any]:
    pair = as_pair(example, changes, profile)
    return {"prompt": pair.prompt, "completion": pair.completion}
