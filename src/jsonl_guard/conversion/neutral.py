"""The neutral model every profile's reader produces and every writer consumes.

One reader and one writer per profile, not one function per pair of profiles: a
new profile adds two functions and converts to and from every other one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import JsonlGuardError

Role = Literal["user", "assistant", "tool"]


class ConvertError(JsonlGuardError):
    """convert cannot run: a bad output path, an existing output, an unreadable input, a
    media prefix that does not fit the target (exit 2)."""


class NotConvertible(JsonlGuardError):
    """One example cannot be carried into (or read from) a profile: why, and what to do."""

    def __init__(self, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Image:
    """An image by reference: an https URL, a data URL or a bucket URI, as the source had it."""

    url: str
    mime_type: str = ""
    bucket_owner: str = ""  # Bedrock's s3Location.bucketOwner: the account that owns the bucket


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: Mapping[str, Any]  # a JSON object, never the string some formats carry


@dataclass(frozen=True)
class ToolResult:
    call_id: str
    name: str
    content: str


Part = Text | Image | ToolCall | ToolResult


@dataclass(frozen=True)
class Turn:
    role: Role
    parts: tuple[Part, ...]
    weight: int | None = None  # per-turn training weight; None: the format's default

    def text(self) -> str:
        return "".join(part.text for part in self.parts if isinstance(part, Text))


@dataclass(frozen=True)
class Tool:
    name: str
    description: str = ""
    parameters: Mapping[str, Any] | None = None  # a JSON Schema object


@dataclass(frozen=True)
class Conversation:
    turns: tuple[Turn, ...]
    system: str | None = None
    tools: tuple[Tool, ...] = field(default=())
    system_weight: int | None = None  # Together weighs system messages too
    parallel_tool_calls: bool | None = None  # OpenAI's per-example setting; None: not given


@dataclass(frozen=True)
class Preference:
    """A prompt conversation and two assistant answers to it, the better one first."""

    prompt: Conversation
    chosen: Turn
    rejected: Turn


@dataclass(frozen=True)
class PromptCompletion:
    prompt: str
    completion: str


Example = Conversation | Preference | PromptCompletion


def conversation_of(example: Example, target: str) -> Conversation:
    """The example as a conversation, for a writer of conversations (a prompt and
    completion become one user and one assistant turn)."""
    if isinstance(example, Conversation):
        return example
    if isinstance(example, PromptCompletion):
        return Conversation(
            (Turn("user", (Text(example.prompt),)), Turn("assistant", (Text(example.completion),)))
        )
    raise NotConvertible(
        f"a preference pair cannot become a {target} example",
        "convert preference data to a preference profile (e.g. trl-preference)",
    )
