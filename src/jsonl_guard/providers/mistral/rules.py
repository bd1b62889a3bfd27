"""Mistral: mistral-common's finetuning checks that a schema cannot say.

Source: mistralai/mistral-common ``protocol/instruct/validator.py``
(``MistralRequestValidatorV3`` in finetuning mode), which mistral-finetune's
``utils/validate_data.py`` runs on every line (peers.md section 2). Unlike OpenAI
and Together, Mistral allows consecutive messages with the same role. Structure,
weights, tool-call id format and function names are in ``providers/mistral/schemas/mistral.json``.

Every documented example is a description: a literal ``messages`` line is detected
as OpenAI chat unless a Mistral model (or ``--profile mistral``) is chosen.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from ...engine.diagnostics import Severity
from ...rules.context import ExampleContext
from ...rules.helpers import path_of, tool_calls
from ...rules.registry import example_rule, schema_rule

ERROR = Severity.ERROR
RULE_SETS = ("mistral",)
# mistral-common's allowed transitions (finetuning mode): role -> roles that may follow.
NEXT_ROLES = {
    "system": {"system", "user", "assistant"},
    "user": {"user", "assistant", "system"},
    "assistant": {"assistant", "user", "tool"},
    "tool": {"tool", "assistant"},
}

schema_rule(
    code="JG672",
    name="mistral-invalid-tool-call-id",
    severity=ERROR,
    summary="A tool call `id` or a tool message's `tool_call_id` is not exactly 9 letters and "
    "digits.",
    hint="Use 9-character alphanumeric ids (e.g. TX92Jm8Zi), the same on the call and its answer; "
    "mistral-finetune's utils/reformat_data.py generates them.",
    bad='(mistral: "tool_calls": [{"id": "call_1", ...}])',
    good='(mistral: "tool_calls": [{"id": "TX92Jm8Zi", ...}])',
)


def _roles(ctx: ExampleContext) -> list[tuple[int, Any]]:
    return [(i, m.get("role")) for i, m in ctx.messages]


@example_rule(
    code="JG670",
    name="mistral-last-not-assistant",
    severity=ERROR,
    summary="The conversation does not end with an assistant message (mistral-common: "
    "'Expected last role Assistant for finetuning').",
    hint="End the example with the assistant reply (or tool call) to learn; drop trailing turns.",
    bad="(mistral: user, assistant, user)",
    good="(mistral: user, assistant)",
    rule_sets=RULE_SETS,
)
def last_not_assistant(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    roles = _roles(ctx)
    if roles and roles[-1][1] != "assistant":
        i, role = roles[-1]
        yield f"{path_of('messages', i)} is a {role} message; the last message must be assistant"


@example_rule(
    code="JG671",
    name="mistral-role-order",
    severity=ERROR,
    summary="A message follows one it may not follow in Mistral's role order (e.g. a tool "
    "answer right after a user message, or a user message right after a tool answer).",
    hint="A tool message answers an assistant tool call; after tool answers comes the "
    "assistant; system messages come before the assistant speaks.",
    bad="(mistral: user, tool, assistant)",
    good="(mistral: user, assistant with tool_calls, tool, assistant)",
    rule_sets=RULE_SETS,
)
def role_order(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    roles = _roles(ctx)
    for (_, before), (i, role) in pairwise(roles):
        allowed = NEXT_ROLES.get(before) if isinstance(before, str) else None
        # A role that is not a string is the schema's to report (and cannot be hashed).
        if (
            allowed is not None
            and isinstance(role, str)
            and role in NEXT_ROLES
            and role not in allowed
        ):
            yield f"{path_of('messages', i)} is a {role} message right after a {before} message"


@example_rule(
    code="JG673",
    name="mistral-tool-call-without-id",
    severity=ERROR,
    summary="A tool call before the last message has no `id`; only the final assistant "
    "message's calls may omit it.",
    hint="Give the call a 9-character id and put the same id in its tool answer's tool_call_id.",
    bad="(mistral: an answered tool call without id)",
    good='(mistral: "id": "TX92Jm8Zi" on the call and "tool_call_id": "TX92Jm8Zi")',
    rule_sets=RULE_SETS,
)
def tool_call_without_id(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    last = ctx.messages[-1][0] if ctx.messages else -1
    for i, message in ctx.messages:
        if i != last and message.get("role") == "assistant":
            for j, call in tool_calls(message):
                if "id" not in call:
                    yield f"{path_of('messages', i, 'tool_calls', j)} has no id"


def _turns(ctx: ExampleContext) -> Iterator[tuple[int, dict[str, Any], list[int]]]:
    """Each assistant message with tool calls, and the tool messages that follow it."""
    messages = ctx.messages
    for n, (i, message) in enumerate(messages):
        if message.get("role") != "assistant" or not tool_calls(message):
            continue
        answers = []
        for k, later in messages[n + 1 :]:
            if later.get("role") != "tool":
                break
            answers.append(k)
        yield i, message, answers


@example_rule(
    code="JG674",
    name="mistral-extra-tool-response",
    severity=ERROR,
    summary="More tool messages follow an assistant turn than it made tool calls.",
    hint="Keep one tool message per call; drop the extra answer.",
    bad="(mistral: two tool calls answered by three tool messages)",
    good="(mistral: two tool calls, two tool messages)",
    rule_sets=RULE_SETS,
)
def extra_tool_response(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message, answers in _turns(ctx):
        calls = len(tool_calls(message))
        if len(answers) > calls:
            where = path_of("messages", answers[calls])
            yield f"{where} is answer {calls + 1} to the {calls} tool call(s) of messages[{i}]"


@example_rule(
    code="JG675",
    name="mistral-unknown-tool-call-id",
    severity=ERROR,
    summary="A tool message's `tool_call_id` names no call of the assistant turn it answers.",
    hint="Copy the id of the call this message answers (answers may come in any order).",
    bad='(mistral: a call with id "TX92Jm8Zi" answered with tool_call_id "AB12cd34E")',
    good='(mistral: the answer carries tool_call_id "TX92Jm8Zi")',
    rule_sets=RULE_SETS,
)
def unknown_tool_call_id(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    messages = dict(ctx.messages)
    for _, message, answers in _turns(ctx):
        given = [call.get("id") for _, call in tool_calls(message)]
        if None in given:
            continue  # a call without an id is JG673's; its answers cannot be matched
        # Only string ids can match an answer; another type (an object: unhashable) is JG672's.
        ids = {i for i in given if isinstance(i, str)}
        calls = len(tool_calls(message))
        for k in answers[:calls]:  # extra answers are JG674's
            answer = messages[k].get("tool_call_id")
            if isinstance(answer, str) and answer not in ids:
                yield f"{path_of('messages', k, 'tool_call_id')} {answer!r} names no call above"


@example_rule(
    code="JG676",
    name="mistral-content-or-tool-calls",
    severity=ERROR,
    summary="An assistant message has both `content` and `tool_calls`, or neither.",
    hint="Split text and tool calls into two assistant messages, or add the missing reply.",
    bad='(mistral: {"role": "assistant", "content": "Let me check.", "tool_calls": [...]})',
    good='(mistral: {"role": "assistant", "tool_calls": [...]})',
    rule_sets=RULE_SETS,
)
def content_or_tool_calls(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        if message.get("role") != "assistant":
            continue
        has_text = isinstance(message.get("content"), str) and message["content"] != ""
        has_calls = bool(message.get("tool_calls"))
        if has_text and has_calls:
            yield f"{path_of('messages', i)} has both content and tool_calls"
        elif not has_text and not has_calls:
            yield f"{path_of('messages', i)} has neither content nor tool_calls"
