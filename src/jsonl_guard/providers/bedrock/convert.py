"""The bedrock-llama-completion and bedrock-claude profiles' readers and writers for
``jsonl-guard convert`` (the bedrock-conversation-2024 profiles, Nova and Llama 3.2,
come next).

Claude 3 Haiku takes an optional top-level ``system`` string and user/assistant
messages whose content is a string: no tools, images or weights (weight 0 is reported
as dropped; tools and images are not convertible)."""

from __future__ import annotations

from typing import Any

from ...conversion.changes import Changes
from ...conversion.chat import Dialect, read_messages, write_messages
from ...conversion.completion import read_pair, write_pair
from ...conversion.formats import converter
from ...conversion.neutral import Example, NotConvertible, conversation_of


def read_llama_completion(example: dict[str, Any], changes: Changes) -> Example:
    return read_pair(example, "bedrock-llama-completion")


def write_llama_completion(example: Example, changes: Changes) -> dict[str, Any]:
    return write_pair(example, changes, "bedrock-llama-completion")


converter("bedrock-llama-completion", read_llama_completion, write_llama_completion)


CLAUDE = Dialect("bedrock-claude", weights=False, images=False, tools=False)


def read_claude(example: dict[str, Any], changes: Changes) -> Example:
    messages = example.get("messages")
    system = example.get("system")
    if isinstance(system, str) and isinstance(messages, list):
        messages = [{"role": "system", "content": system}, *messages]
    return read_messages({"messages": messages}, changes, CLAUDE)


def write_claude(example: Example, changes: Changes) -> dict[str, Any]:
    conversation = conversation_of(example, CLAUDE.name)
    if conversation.tools:
        raise NotConvertible(
            "bedrock-claude examples carry no tool definitions",
            "convert tool data to a profile with tools (e.g. mistral or vertex-gemini)",
        )
    written = write_messages(conversation, changes, CLAUDE)["messages"]
    out: dict[str, Any] = {}
    if written and written[0]["role"] == "system":
        out["system"] = written.pop(0)["content"]
    for message in written:
        if isinstance(message["content"], list):  # several text parts: one string
            message["content"] = "".join(part["text"] for part in message["content"])
    out["messages"] = written
    return out


converter("bedrock-claude", read_claude, write_claude)
