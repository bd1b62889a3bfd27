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
from functools import lru_cache
from itertools import pairwise
from typing import Any

import msgspec

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
    """Each message's role; a role that is not a string (the schema's JG201) reads as None."""
    return [(i, r if isinstance(r := m.get("role"), str) else None) for i, m in ctx.messages]


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
    if roles and roles[-1][1] not in ("assistant", None):  # None: the schema's JG201/JG115
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


def _turns(ctx: ExampleContext) -> list[tuple[int, dict[str, Any], list[int]]]:
    """Each assistant message and the tool messages right after it (answers to its calls).

    An assistant message without calls counts too: mistral-common expects no tool message
    after it, and one there is an extra response. One pass: four rules call this per line.
    """
    turns: list[tuple[int, dict[str, Any], list[int]]] = []
    answers: list[int] | None = None  # the open turn's answers, until a non-tool message
    for i, message in ctx.messages:
        role = message.get("role")
        if role == "assistant":
            answers = []
            turns.append((i, message, answers))
        elif role == "tool" and answers is not None:
            answers.append(i)
        else:
            answers = None
    return turns


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
        if not all(isinstance(ident, str) for ident in given):
            continue  # a missing id is JG673's, an id of another type the schema's (JG672)
        ids, calls = set(given), len(given)
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
        # mistral-common tests truthiness: a non-empty string or a non-empty list of text
        # parts is content; "" , [] and null are not.
        content = message.get("content")
        has_text = isinstance(content, (str, list)) and len(content) > 0
        has_calls = bool(message.get("tool_calls"))
        if has_text and has_calls:
            yield f"{path_of('messages', i)} has both content and tool_calls"
        elif not has_text and not has_calls:
            yield f"{path_of('messages', i)} has neither content nor tool_calls"


@example_rule(
    code="JG677",
    name="mistral-unanswered-tool-call",
    severity=ERROR,
    summary="An assistant turn's tool calls get fewer tool answers than calls before the next "
    "assistant message (mistral-common: 'Not the same number of function calls and responses').",
    hint="Answer every call with a tool message (its tool_call_id) before the assistant speaks "
    "again; only the final assistant message's calls may stay unanswered.",
    bad="(mistral: user, assistant with 1 tool call, assistant)",
    good="(mistral: user, assistant with 1 tool call, tool, assistant)",
    rule_sets=RULE_SETS,
)
def unanswered_tool_call(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    assistants = [i for i, m in ctx.messages if m.get("role") == "assistant"]
    for i, message, answers in _turns(ctx):
        calls = len(tool_calls(message))
        if answers[:calls] != answers or calls <= len(answers) or i == assistants[-1]:
            continue  # extra answers are JG674's; the final turn's calls need no answer
        yield (
            f"{path_of('messages', i)} makes {calls} tool call(s) but {len(answers)} tool "
            "message(s) answer it before the next assistant message"
        )


@example_rule(
    code="JG678",
    name="mistral-lone-assistant",
    severity=ERROR,
    summary="The conversation is one assistant message (mistral-common: 'Conversation must "
    "start with a user message or system message').",
    hint="Put the user message (or a system message) the reply answers before it.",
    bad="(mistral: a single assistant message)",
    good="(mistral: user, assistant)",
    rule_sets=RULE_SETS,
)
def lone_assistant(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    messages = example.get("messages")
    alone = isinstance(messages, list) and len(messages) == 1
    if alone and [role for _, role in _roles(ctx)] == ["assistant"]:
        yield "messages holds only an assistant message; a user or system message comes first"


@lru_cache(maxsize=256)
def _schema_error(encoded: bytes) -> str | None:
    """Why a tool's parameters are not a JSON Schema; cached: files repeat their tools."""
    # Imported here: jsonschema costs startup time that `rules` and valid files never pay.
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft7Validator.check_schema(msgspec.json.decode(encoded))
    except SchemaError as error:
        return str(error.message)
    return None


@example_rule(
    code="JG679",
    name="mistral-invalid-tool-schema",
    severity=ERROR,
    summary="A tool's `parameters` is not a valid JSON Schema (mistral-common checks it against "
    "the Draft 7 metaschema: 'Invalid tool schema').",
    hint='Fix the schema: types are JSON Schema names ("object", "string", ...), `required` '
    "is a list of property names, `properties` maps names to schemas.",
    bad='(mistral: "parameters": {"type": "objekt"})',
    good='(mistral: "parameters": {"type": "object", "properties": {}})',
    rule_sets=RULE_SETS,
)
def invalid_tool_schema(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    tools = example.get("tools")
    for j, tool in enumerate(tools if isinstance(tools, list) else []):
        function = tool.get("function") if isinstance(tool, dict) else None
        parameters = function.get("parameters") if isinstance(function, dict) else None
        if not isinstance(parameters, dict):
            continue  # a missing or non-object parameters is the schema's (JG226)
        reason = _schema_error(msgspec.json.encode(parameters))
        if reason is not None:
            where = path_of("tools", j, "function", "parameters")
            yield f"{where} is not a valid JSON Schema: {reason}"
