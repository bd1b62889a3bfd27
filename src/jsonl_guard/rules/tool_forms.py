"""Where each provider's format keeps tool definitions and tool calls, read by shape.

One reader for every profile: the forms do not collide (an OpenAI tool holds
``function``, a Vertex tool ``functionDeclarations``, a Bedrock one ``toolSpec``), so a
definition or a call is found by its keys, wherever the profile puts the messages:

- OpenAI, Azure, Fireworks, Together, Mistral, TRL: ``tools[].function.parameters``
  (TRL may also list bare ``{"name", "parameters"}`` functions), calls
  ``tool_calls[].function.arguments`` (a JSON string, or an object in TRL files);
- legacy OpenAI: ``functions[].parameters``, calls ``function_call.arguments``;
- OpenAI/Together DPO: the same under ``input``, calls in either output;
- Vertex (Gemini): ``tools[].functionDeclarations[].parameters`` (an OpenAPI schema:
  upper-case types, ``nullable``) or ``parametersJsonSchema``, calls ``functionCall.args``
  in ``contents[].parts`` and in a preference example's ``completions``;
- Bedrock Nova/Converse: ``toolConfig.tools[].toolSpec.inputSchema.json``, calls
  ``toolUse.input`` content blocks; Anthropic-style ``tools[].input_schema`` and
  ``tool_use`` blocks.

Any value may be of any type: everything is checked with ``isinstance`` first.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

from .helpers import JsonPath

# A call whose arguments are not JSON (JG221 reports it) or not there has nothing to validate.
NOT_PARSED = object()


@dataclass(frozen=True, slots=True)
class Definition:
    path: JsonPath  # of the schema itself
    name: str
    schema: Any
    openapi: bool = False  # Vertex's OpenAPI dialect: upper-case types, nullable


@dataclass(frozen=True, slots=True)
class Call:
    path: JsonPath  # of the arguments
    name: str
    arguments: Any  # the parsed value, or NOT_PARSED


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _tool_list(tools: Any, base: JsonPath) -> Iterator[Definition]:
    for j, tool in enumerate(_list(tools)):
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        if isinstance(function, dict):
            yield from _function(function, (*base, j, "function"), "parameters")
        for k, declaration in enumerate(_list(tool.get("functionDeclarations"))):
            if isinstance(declaration, dict):
                where = (*base, j, "functionDeclarations", k)
                if "parametersJsonSchema" in declaration:
                    yield from _function(declaration, where, "parametersJsonSchema")
                else:
                    yield from _function(declaration, where, "parameters", openapi=True)
        spec = tool.get("toolSpec")
        if isinstance(spec, dict):
            schema = _dict(spec.get("inputSchema"))
            if "json" in schema and isinstance(spec.get("name"), str):
                path = (*base, j, "toolSpec", "inputSchema", "json")
                yield Definition(path, spec["name"], schema["json"])
        if "input_schema" in tool:
            yield from _function(tool, (*base, j), "input_schema")
        elif "parameters" in tool and "function" not in tool:
            yield from _function(tool, (*base, j), "parameters")


def _function(
    function: dict[str, Any], where: JsonPath, key: str, *, openapi: bool = False
) -> Iterator[Definition]:
    name = function.get("name")
    if isinstance(name, str) and key in function:
        yield Definition((*where, key), name, function[key], openapi)


def definitions(example: dict[str, Any]) -> Iterator[Definition]:
    """Every tool definition that carries a schema, in the order of the file."""
    yield from _tool_list(example.get("tools"), ("tools",))
    for j, function in enumerate(_list(example.get("functions"))):
        if isinstance(function, dict):
            yield from _function(function, ("functions", j), "parameters")
    config = _dict(example.get("toolConfig"))
    yield from _tool_list(config.get("tools"), ("toolConfig", "tools"))
    yield from _tool_list(_dict(example.get("input")).get("tools"), ("input", "tools"))


# Arguments with fewer brackets than this nest too little for json.loads to run out of
# stack wherever it is called: their parse does not depend on the caller's depth.
SHALLOW_BRACKETS = 200
# Only arguments this short are kept in the cache: its 64 entries then hold at most a
# few hundred KB, where 64 parsed multi-megabyte arguments would hold gigabytes.
CACHED_CHARS = 4096


def parse_arguments(text: str) -> Any:
    """A call's arguments string as JSON, or ``NOT_PARSED``. JG221 (is it JSON?) and
    JG229 (does it match the schema?) read every call's arguments, so a shallow one
    is parsed once for both (cached: for an equal string in a later line too; the
    value is only read, never changed). A deeply nested one is parsed by each caller
    where it stands, as before: whether it hits the recursion limit depends on the
    stack below it, which a cached answer would not know."""
    if len(text) > CACHED_CHARS or text.count("[") + text.count("{") >= SHALLOW_BRACKETS:
        return _parse(text)
    return _parse_shallow(text)


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return NOT_PARSED


# A few entries cover an example's calls.
_parse_shallow = functools.lru_cache(maxsize=64)(_parse)


def _arguments(value: Any) -> Any:
    return parse_arguments(value) if isinstance(value, str) else value


def _may_call(message: Any) -> TypeGuard[dict[str, Any]]:
    """False for what holds no call: not an object, or a plain text message (the most
    common one: nothing to look into)."""
    return isinstance(message, dict) and (
        "tool_calls" in message
        or "function_call" in message
        or "parts" in message
        or type(message.get("content")) is list
    )


def _message_calls(message: dict[str, Any], where: JsonPath) -> Iterator[Call]:
    """The calls of a message that ``_may_call`` let through."""
    for j, call in enumerate(_list(message.get("tool_calls"))):
        function = _dict(_dict(call).get("function"))
        if isinstance(function.get("name"), str) and "arguments" in function:
            path = (*where, "tool_calls", j, "function", "arguments")
            yield Call(path, function["name"], _arguments(function["arguments"]))
    legacy = _dict(message.get("function_call"))
    if isinstance(legacy.get("name"), str) and "arguments" in legacy:
        path = (*where, "function_call", "arguments")
        yield Call(path, legacy["name"], _arguments(legacy["arguments"]))
    for k, block in enumerate(_list(message.get("content"))):
        block = _dict(block)
        use = _dict(block.get("toolUse"))
        if isinstance(use.get("name"), str) and "input" in use:
            yield Call((*where, "content", k, "toolUse", "input"), use["name"], use["input"])
        named = isinstance(block.get("name"), str)
        if block.get("type") == "tool_use" and named and "input" in block:
            yield Call((*where, "content", k, "input"), block["name"], block["input"])
    for k, part in enumerate(_list(message.get("parts"))):
        call = _dict(_dict(part).get("functionCall"))
        if isinstance(call.get("name"), str) and "args" in call:
            yield Call((*where, "parts", k, "functionCall", "args"), call["name"], call["args"])


def _messages(value: Any, where: JsonPath) -> Iterator[Call]:
    for i, message in enumerate(_list(value)):
        if _may_call(message):  # no generator for the plain messages
            yield from _message_calls(message, (*where, i))


def calls(example: dict[str, Any]) -> Iterator[Call]:
    """Every tool call the model learns, with its arguments (parsed), in file order."""
    # Not the rejected side of a preference pair: a wrong call there is the lesson.
    for key in ("messages", "contents", "preferred_output", "prompt", "completion", "chosen"):
        yield from _messages(example.get(key), (key,))
    yield from _messages(_dict(example.get("input")).get("messages"), ("input", "messages"))
    for j, completion in enumerate(_list(example.get("completions"))):
        inner = _dict(completion).get("completion")
        if _may_call(inner):
            yield from _message_calls(inner, ("completions", j, "completion"))
