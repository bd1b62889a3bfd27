"""Conversation rules: something to learn from, in a sensible order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engine.diagnostics import Severity
from .context import ExampleContext
from .helpers import A, U, content_texts, path_of
from .registry import example_rule

ERROR, WARNING = Severity.ERROR, Severity.WARNING
OPENAI_CHAT = ("openai-chat",)


def _is_zero(weight: Any) -> bool:
    return isinstance(weight, (int, float)) and not isinstance(weight, bool) and weight == 0


@example_rule(
    code="JG202",
    name="no-assistant-message",
    severity=ERROR,
    summary="The example has no assistant message, so there is nothing to learn from.",
    hint="Add the assistant reply the model should learn, or drop the example.",
    bad=f'{{"messages": [{U}]}}',
    good=f'{{"messages": [{U}, {A}]}}',
    rule_sets=OPENAI_CHAT,
)
def no_assistant_message(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    if ctx.messages and "assistant" not in ctx.roles:
        yield "the example has no assistant message to learn from"


@example_rule(
    code="JG207",
    name="all-weights-zero",
    severity=ERROR,
    summary="Every assistant message has weight 0, so nothing in the example is trained.",
    hint="Set weight 1 (or drop the key) on the assistant reply the model should learn.",
    bad=f'{{"messages": [{U}, {A[:-1]}, "weight": 0}}]}}',
    good=f'{{"messages": [{U}, {A[:-1]}, "weight": 1}}]}}',
    rule_sets=OPENAI_CHAT,
    needs=("weights",),
)
def all_weights_zero(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    assistants = [m for _, m in ctx.messages if m.get("role") == "assistant"]
    if assistants and all(_is_zero(m.get("weight")) for m in assistants):
        yield f"all {len(assistants)} assistant message(s) have weight 0; nothing is trained"


@example_rule(
    code="JG203",
    name="late-system-message",
    severity=WARNING,
    summary="A system message appears after the conversation has started.",
    hint="Move system instructions to the start of the conversation (messages[0]).",
    bad=f'{{"messages": [{U}, {{"role": "system", "content": "Be brief."}}, {A}]}}',
    good=f'{{"messages": [{{"role": "system", "content": "Be brief."}}, {U}, {A}]}}',
    rule_sets=OPENAI_CHAT,
)
def late_system_message(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    if "system" not in ctx.roles[1:]:
        return
    started = False
    for i, message in ctx.messages:
        if message.get("role") == "system":
            if started:
                yield f"{path_of('messages', i)} is a system message after the conversation started"
        else:
            started = True


@example_rule(
    code="JG204",
    name="trailing-non-assistant",
    severity=WARNING,
    summary="The example ends with a message that is not from the assistant; nothing is learned "
    "from it.",
    hint="End the example with the assistant reply, or drop the trailing messages.",
    bad=f'{{"messages": [{U}, {A}, {U}]}}',
    good=f'{{"messages": [{U}, {A}]}}',
    rule_sets=OPENAI_CHAT,
)
def trailing_non_assistant(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    roles = ctx.roles
    if "assistant" in roles and roles[-1] != "assistant":
        index = ctx.messages[-1][0]
        yield (
            f"{path_of('messages', index)} ({roles[-1]}) comes after the last assistant "
            "message; nothing is learned from it"
        )


@example_rule(
    code="JG120",
    name="empty-content",
    severity=WARNING,
    summary="A message's content is empty or only whitespace.",
    hint="Fill in the text, or drop the message.",
    bad=f'{{"messages": [{{"role": "user", "content": "  "}}, {A}]}}',
    good=f'{{"messages": [{U}, {A}]}}',
    rule_sets=OPENAI_CHAT,
)
def empty_content(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        content = message.get("content")
        if isinstance(content, str) and content and not content[0].isspace():
            continue  # the common case, decided without stripping the text
        if message.get("role") == "assistant" and message.get("tool_calls"):
            continue
        for path, text in content_texts(message, i):
            if not text.strip():
                yield f"{path_of(*path)} is empty"
