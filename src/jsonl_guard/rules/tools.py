"""Tool-calling rules: every call well-formed, answered, and defined."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..engine.diagnostics import Severity
from ..engine.parse import json_problem
from .context import ExampleContext
from .helpers import A, JsonPath, U, listing, path_of, tool_calls
from .registry import example_rule
from .tool_forms import NOT_PARSED, parse_arguments

ERROR, WARNING = Severity.ERROR, Severity.WARNING


@example_rule(
    code="JG222",
    name="unmatched-tool-response",
    severity=ERROR,
    summary="A tool message does not answer a tool call of the preceding assistant turn.",
    hint="Set tool_call_id to the id of a call in the assistant message just before it.",
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "call_1", '
        '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, '
        '{"role": "tool", "tool_call_id": "call_9", "content": "shipped"}, ' + A + "]}"
    ),
    good=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "call_1", '
        '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, '
        '{"role": "tool", "tool_call_id": "call_1", "content": "shipped"}, ' + A + "]}"
    ),
    rule_sets=("openai-tools",),
    needs=("tools",),
)
def unmatched_tool_response(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    # Sets, and the listing built once per turn: linear in the number of calls.
    open_ids: set[str] = set()
    expected = "none"
    answered: set[str] = set()
    for i, message in ctx.messages:
        role = message.get("role")
        if role == "assistant":
            ids = [c["id"] for _, c in tool_calls(message) if isinstance(c.get("id"), str)]
            open_ids, expected, answered = set(ids), listing([repr(c) for c in ids]), set()
        elif role == "tool" and isinstance(message.get("tool_call_id"), str):
            call_id = message["tool_call_id"]
            where = path_of("messages", i, "tool_call_id")
            if call_id in answered:
                yield f"{where} {call_id!r} answers a tool call that was already answered"
            elif call_id not in open_ids:
                yield (
                    f"{where} {call_id!r} matches no tool call of the preceding assistant turn "
                    f"(its call ids: {expected})"
                )
            answered.add(call_id)


@example_rule(
    code="JG223",
    name="unanswered-tool-call",
    severity=ERROR,
    summary="A tool call is not answered by a tool message before the conversation goes on.",
    hint="Add a tool message with this tool_call_id right after the assistant turn that calls it.",
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "call_1", '
        '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, ' + A + "]}"
    ),
    good=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "call_1", '
        '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}]}'
    ),
    rule_sets=("openai-tools",),
    needs=("tools",),
)
def unanswered_tool_call(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    # An example may end on a tool call (the model learns to call it); what is
    # forbidden is moving on to another turn before every call has its answer.
    # The id -> (message, call) index of each open call; its path is only written
    # for a finding (100,000 answered calls write none).
    pending: dict[str, tuple[int, int]] = {}
    for i, message in ctx.messages:
        role = message.get("role")
        if role == "tool":
            pending.pop(str(message.get("tool_call_id")), None)
            continue
        for call_id, (k, j) in pending.items():
            where = path_of("messages", k, "tool_calls", j)
            yield (
                f"{where} (id {call_id!r}) is not answered before {path_of('messages', i)} ({role})"
            )
        pending = {}
        if role == "assistant":
            for j, call in tool_calls(message):
                if isinstance(call.get("id"), str):
                    pending[call["id"]] = (i, j)


@example_rule(
    code="JG225",
    name="duplicate-tool-call-id",
    severity=ERROR,
    summary="Two tool calls in one example share an id, so their answers cannot be told apart.",
    hint="Give every tool call in the example a unique id.",
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": ['
        '{"id": "c1", "type": "function", "function": {"name": "a", "arguments": "{}"}}, '
        '{"id": "c1", "type": "function", "function": {"name": "b", "arguments": "{}"}}]}]}'
    ),
    good=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": ['
        '{"id": "c1", "type": "function", "function": {"name": "a", "arguments": "{}"}}, '
        '{"id": "c2", "type": "function", "function": {"name": "b", "arguments": "{}"}}]}]}'
    ),
    rule_sets=("openai-tools",),
    needs=("tools",),
)
def duplicate_tool_call_id(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    seen: dict[str, tuple[int, int]] = {}  # id -> (message, call) of its first use
    for i, message in ctx.messages:
        for j, call in tool_calls(message):
            call_id = call.get("id")
            if not isinstance(call_id, str):
                continue
            if call_id in seen:
                where = path_of("messages", i, "tool_calls", j, "id")
                k, m = seen[call_id]
                first = path_of("messages", k, "tool_calls", m)
                yield f"{where} {call_id!r} repeats the id of {first}"
            else:
                seen[call_id] = (i, j)


def _function_calls(message: dict[str, Any]) -> list[tuple[JsonPath, Any]]:
    """The function objects a message calls (tool calls and legacy function_call), with paths."""
    calls: list[tuple[JsonPath, Any]] = [
        (("tool_calls", j, "function"), call.get("function")) for j, call in tool_calls(message)
    ]
    calls.append((("function_call",), message.get("function_call")))
    return calls


def _defined_names(definitions: Any, *, wrapped: bool) -> set[str] | None:
    if not isinstance(definitions, list):
        return None
    names: set[str] = set()
    for item in definitions:
        function = item.get("function") if wrapped and isinstance(item, dict) else item
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


@example_rule(
    code="JG224",
    name="unknown-function",
    severity=ERROR,
    summary="A tool call names a function that the example's tools (or functions) do not define.",
    hint="Add the function to the example's tools, or fix the name in the call.",
    bad=(
        '{"tools": [{"type": "function", "function": {"name": "track"}}], "messages": ['
        + U
        + ', {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "refund", "arguments": "{}"}}]}]}'
    ),
    good=(
        '{"tools": [{"type": "function", "function": {"name": "track"}}], "messages": ['
        + U
        + ', {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "track", "arguments": "{}"}}]}]}'
    ),
    rule_sets=("openai-tools",),
    needs=("tools",),
)
def unknown_function(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    tools = _defined_names(example.get("tools"), wrapped=True)
    functions = _defined_names(example.get("functions"), wrapped=False)
    listings: dict[bool, str] = {}  # built once per example, not once per call
    for i, message in ctx.messages:
        calls = _function_calls(message)
        for path, function in calls:
            legacy = path == ("function_call",)
            known = functions if legacy else tools
            if known is None or not isinstance(function, dict):
                continue
            name = function.get("name")
            if isinstance(name, str) and name not in known:
                if legacy not in listings:
                    listings[legacy] = listing(sorted(known))
                yield (
                    f"{path_of('messages', i, *path, 'name')} {name!r} is not among the "
                    f"example's defined functions ({listings[legacy]})"
                )


@example_rule(
    code="JG221",
    name="invalid-tool-arguments",
    severity=ERROR,
    summary="A tool call's arguments are not a string holding valid JSON.",
    hint='Serialise the arguments object to a JSON string: "arguments": "{\\"id\\": 42}".',
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
        '"type": "function", "function": {"name": "track", "arguments": "{id: 42}"}}]}]}'
    ),
    good=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
        '"type": "function", "function": {"name": "track", "arguments": "{\\"id\\": 42}"}}]}]}'
    ),
    rule_sets=("openai-tools",),
    needs=("tools",),
)
def invalid_tool_arguments(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        calls = _function_calls(message)
        for path, function in calls:
            if not isinstance(function, dict) or not isinstance(function.get("arguments"), str):
                continue
            arguments = function["arguments"]
            if parse_arguments(arguments) is not NOT_PARSED:  # parsed once with JG229's
                continue
            where = path_of("messages", i, *path, "arguments")
            try:  # again, for the error's words: only for arguments that are not JSON
                json.loads(arguments)
            except ValueError as error:
                reason = json_problem(error, arguments.encode("utf-8", "surrogatepass"))
                yield f"{where} is not valid JSON ({reason})"
            except RecursionError:
                yield f"{where} nests arrays or objects too deeply to read"


@example_rule(
    code="JG230",
    name="legacy-function-calling",
    severity=WARNING,
    summary="The example uses the deprecated function-calling form "
    "(functions, function_call, role function).",
    hint="Convert to tools / tool_calls / role tool; the legacy form is deprecated by OpenAI.",
    bad=(
        '{"functions": [{"name": "track"}], "messages": [' + U + ', {"role": "assistant", '
        '"function_call": {"name": "track", "arguments": "{}"}}]}'
    ),
    good=(
        '{"tools": [{"type": "function", "function": {"name": "track"}}], "messages": ['
        + U
        + ', {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "track", "arguments": "{}"}}]}]}'
    ),
    rule_sets=("openai-tools",),
    needs=("tools",),
)
def legacy_function_calling(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    used = ["functions"] if "functions" in example else []
    for i, message in ctx.messages:
        if "function_call" in message:
            used.append(path_of("messages", i, "function_call"))
        if message.get("role") == "function":
            used.append(f"{path_of('messages', i)} (role function)")
    if used:
        yield f"deprecated function-calling form used: {listing(used)}"
