"""Reading and writing OpenAI-style ``messages`` (OpenAI chat, TRL messages, and the
other OpenAI-compatible formats): shared here because providers never import each
other. Each profile's ``convert.py`` calls these with its own dialect."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .changes import ID_REMAPPED, NAME_DROPPED, TOOLS_DROPPED, Changes
from .dropped import note_settings, note_weight
from .neutral import (
    Conversation,
    Image,
    NotConvertible,
    Part,
    Text,
    Tool,
    ToolCall,
    ToolResult,
    Turn,
)


@dataclass(frozen=True)
class Dialect:
    name: str
    arguments_as_object: bool = False  # TRL: a dict; OpenAI: a JSON string
    weights: bool = True
    images: bool = True
    tool_names: bool = False  # tool messages carry the function's name
    tools: bool = True  # Together conversations have no tool role nor tool definitions
    one_content_form: bool = False  # Together: all strings, or all lists of parts
    weights_on_every_role: bool = False  # Together: on system and user messages too
    settings: bool = False  # OpenAI: the per-example parallel_tool_calls


def _texts(content: Any, where: str) -> list[Part]:
    if content is None:
        return []
    if isinstance(content, str):
        return [Text(content)]
    if not isinstance(content, list):
        raise NotConvertible(f"{where}: content is neither a string nor a list of parts")
    parts: list[Part] = []
    for item in content:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "text" and isinstance(item.get("text"), str):
            parts.append(Text(item["text"]))
        elif kind == "image_url" and isinstance(item.get("image_url"), dict):
            parts.append(Image(str(item["image_url"].get("url", ""))))
        else:
            raise NotConvertible(f"{where}: a content part of type {kind!r} has no neutral form")
    return parts


def _arguments(value: Any, where: str) -> Mapping[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise NotConvertible(
                f"{where}: tool call arguments are not JSON", "fix the data, then convert"
            ) from None
    if not isinstance(value, dict):
        raise NotConvertible(f"{where}: tool call arguments are not a JSON object")
    return value


def _tools(example: Mapping[str, Any]) -> tuple[Tool, ...]:
    tools: list[Tool] = []
    for tool in example.get("tools") or ():
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise NotConvertible("a tool definition is not a function with a name")
        tools.append(
            Tool(function["name"], str(function.get("description", "")), function.get("parameters"))
        )
    return tuple(tools)


def _weight(message: Mapping[str, Any], where: str) -> int | None:
    """A message's weight: 0, 1 or none. Any other value is refused rather than dropped
    or rounded, which would change what trains without a word."""
    if "weight" not in message:
        return None
    weight = message["weight"]
    if isinstance(weight, int) and not isinstance(weight, bool) and weight in (0, 1):
        return weight
    raise NotConvertible(
        f"{where}: weight {weight!r} is not the integer 0 or 1",
        "fix the weight (`jsonl-guard check` lists each one), then convert",
    )


def _has_content(message: Mapping[str, Any], where: str) -> None:
    # A missing content would come out as "" in the target: a silent repair.
    if message.get("content") is None and not message.get("tool_calls"):
        raise NotConvertible(
            f"{where}: a {message.get('role')} message without content",
            'give it content ("" if it is empty on purpose), then convert',
        )


def read_messages(example: Mapping[str, Any], changes: Changes, dialect: Dialect) -> Conversation:
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        raise NotConvertible("no messages list", "check the file with `jsonl-guard check` first")
    system: list[str] = []
    system_weight: int | None = None
    turns: list[Turn] = []
    names: dict[str, str] = {}  # call id -> function name, for the tool messages
    for number, message in enumerate(messages, 1):
        where = f"message {number}"
        role = message.get("role") if isinstance(message, dict) else None
        if role == "system":
            if turns:
                raise NotConvertible(f"{where}: a system message after the conversation started")
            _has_content(message, where)
            system_weight = _weight(message, where) if "weight" in message else system_weight
            system.append(
                "".join(
                    p.text for p in _texts(message.get("content"), where) if isinstance(p, Text)
                )
            )
            continue
        if not isinstance(message, dict) or role not in ("user", "assistant", "tool"):
            raise NotConvertible(f"{where}: role {role!r} has no neutral form")
        _has_content(message, where)
        if "name" in message and role != "tool":
            changes.record(NAME_DROPPED, f"{where}: participant name {message['name']!r}")
        if role == "tool":
            call_id = str(message.get("tool_call_id", ""))
            name = names.get(call_id) or str(message.get("name", ""))
            content = message.get("content")
            text = (
                content
                if isinstance(content, str)
                else "".join(p.text for p in _texts(content, where) if isinstance(p, Text))
            )
            turns.append(Turn("tool", (ToolResult(call_id, name, text),)))
            continue
        parts = _texts(message.get("content"), where)
        for call in message.get("tool_calls") or ():
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict):
                raise NotConvertible(f"{where}: a tool call without a function")
            call_id, name = str(call.get("id", "")), str(function.get("name", ""))
            names[call_id] = name
            parts.append(ToolCall(call_id, name, _arguments(function.get("arguments"), where)))
        turns.append(Turn(role, tuple(parts), _weight(message, where)))
    parallel = example.get("parallel_tool_calls")
    return Conversation(
        tuple(turns),
        "\n".join(system) if system else None,
        _tools(example),
        system_weight,
        parallel if isinstance(parallel, bool) else None,
    )


def _content(parts: Sequence[Part], dialect: Dialect, where: str) -> Any:
    if not any(isinstance(p, Image) for p in parts):
        texts = [p.text for p in parts if isinstance(p, Text)]
        return texts[0] if len(texts) == 1 else [{"type": "text", "text": t} for t in texts]
    if not dialect.images:
        raise NotConvertible(
            f"{where}: holds an image, which {dialect.name} messages do not carry",
            "convert text-only data, or drop the images from the source first",
        )
    content: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, Text):
            content.append({"type": "text", "text": part.text})
        elif isinstance(part, Image):
            if not part.url.startswith(("https://", "http://", "data:")):
                raise NotConvertible(
                    f"{where}: image {part.url!r} is not an https or data URL",
                    "host the image at an https URL (or inline it as a data URL)",
                )
            content.append({"type": "image_url", "image_url": {"url": part.url}})
    return content


def write_messages(
    conversation: Conversation, changes: Changes, dialect: Dialect
) -> dict[str, Any]:
    if not dialect.tools:
        conversation = _without_tools(conversation, changes, dialect)
    conversation = _with_call_ids(conversation, changes)
    messages: list[dict[str, Any]] = []
    if conversation.system is not None:
        messages.append({"role": "system", "content": conversation.system})
        _weigh(messages[-1], conversation.system_weight, dialect, "the system message", changes)
    for number, turn in enumerate(conversation.turns, 1):
        where = f"turn {number}"
        if turn.role == "tool":
            for result in turn.parts:
                if isinstance(result, ToolResult):
                    answer: dict[str, Any] = {
                        "role": "tool",
                        "tool_call_id": result.call_id,
                        "content": result.content,
                    }
                    if dialect.tool_names:
                        answer["name"] = result.name
                    messages.append(answer)
            continue
        plain = [p for p in turn.parts if isinstance(p, (Text, Image))]
        calls = [p for p in turn.parts if isinstance(p, ToolCall)]
        message: dict[str, Any] = {"role": turn.role}
        if plain or not calls:
            message["content"] = _content(plain, dialect, where) if plain else ""
        elif calls:
            message["content"] = None
        if calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {
                        "name": call.name,
                        "arguments": dict(call.arguments)
                        if dialect.arguments_as_object
                        else json.dumps(call.arguments, ensure_ascii=False),
                    },
                }
                for call in calls
            ]
        _weigh(message, turn.weight, dialect, where, changes)
        messages.append(message)
    if dialect.one_content_form and any(isinstance(m.get("content"), list) for m in messages):
        for message in messages:
            if isinstance(message.get("content"), str):
                message["content"] = [{"type": "text", "text": message["content"]}]
    example: dict[str, Any] = {"messages": messages}
    if dialect.settings and conversation.parallel_tool_calls is not None:
        example["parallel_tool_calls"] = conversation.parallel_tool_calls
    elif not dialect.settings:
        note_settings(conversation, dialect.name, changes)
    if conversation.tools:
        example["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    **({"description": tool.description} if tool.description else {}),
                    **(
                        {"parameters": dict(tool.parameters)} if tool.parameters is not None else {}
                    ),
                },
            }
            for tool in conversation.tools
        ]
    return example


def _weigh(
    message: dict[str, Any], weight: int | None, dialect: Dialect, where: str, changes: Changes
) -> None:
    """Put a message's weight where the dialect takes it; say so where dropping it
    changes what trains."""
    if weight is None:
        return
    role = message["role"]
    if dialect.weights and (role == "assistant" or dialect.weights_on_every_role):
        message["weight"] = weight
    else:
        note_weight(weight, role, where, dialect.name, changes)


def _with_call_ids(conversation: Conversation, changes: Changes) -> Conversation:
    """Give each call without an id (Mistral allows one as the last message) an unused
    ``call_N``: OpenAI-style messages need one. A result without an id answers the
    call named last."""
    calls = [p for t in conversation.turns for p in t.parts if isinstance(p, ToolCall)]
    if all(call.id for call in calls):
        return conversation
    taken, last, number = {call.id for call in calls}, "", 0
    turns: list[Turn] = []
    for turn in conversation.turns:
        parts: list[Part] = []
        for part in turn.parts:
            if isinstance(part, ToolCall) and not part.id:
                while f"call_{number}" in taken or not number:
                    number += 1
                last = f"call_{number}"
                taken.add(last)
                changes.record(ID_REMAPPED, f"a call to {part.name} without an id -> {last}")
                part = replace(part, id=last)
            elif isinstance(part, ToolResult) and not part.call_id and last:
                part = replace(part, call_id=last)
            parts.append(part)
        turns.append(replace(turn, parts=tuple(parts)))
    return replace(conversation, turns=tuple(turns))


def _without_tools(conversation: Conversation, changes: Changes, dialect: Dialect) -> Conversation:
    """A conversation for a format without tools: definitions alone are dropped (and
    said so); calls and results cannot be carried."""
    for turn in conversation.turns:
        if any(isinstance(part, (ToolCall, ToolResult)) for part in turn.parts):
            raise NotConvertible(
                f"the example calls tools, which {dialect.name} cannot carry",
                "convert tool-calling data to a profile with tools (e.g. fireworks-chat, "
                "vertex-gemini)",
            )
    if conversation.tools:
        names = ", ".join(tool.name for tool in conversation.tools)
        changes.record(TOOLS_DROPPED, f"tool definitions ({names}) no call uses")
        return replace(conversation, tools=())
    return conversation
