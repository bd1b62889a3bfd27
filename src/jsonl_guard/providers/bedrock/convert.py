"""The bedrock-llama-completion profile's reader and writer for ``jsonl-guard convert``
(the bedrock-conversation-2024 profiles, Nova and Llama 3.2, and Claude come next)."""

from __future__ import annotations

from typing import Any

from ...conversion.changes import Changes
from ...conversion.completion import read_pair, write_pair
from ...conversion.formats import converter
from ...conversion.neutral import Example


def read_llama_completion(example: dict[str, Any], changes: Changes) -> Example:
    return read_pair(example, "bedrock-llama-completion")


def write_llama_completion(example: Example, changes: Changes) -> dict[str, Any]:
    return write_pair(example, changes, "bedrock-llama-completion")


converter("bedrock-llama-completion", read_llama_completion, write_llama_completion)
