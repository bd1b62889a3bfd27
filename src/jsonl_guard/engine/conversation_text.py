"""The text of an example's conversation, as near-duplicate detection compares it.

Every profile's turns are strings somewhere in the example (``content``, ``text``,
``parts``, ``prompt``/``completion``, ``chosen``/``rejected``, tool-call arguments,
...), so the example is walked and its strings kept, in order, except what datasets
repeat on purpose or what is not text: system prompts (a message whose role is
``system`` or ``developer``, and ``system``/``systemInstruction`` fields), tool
definitions, and structural or media fields (roles, ids, weights, image and file
data). Two conversations that differ only there count as the same text.
"""

from __future__ import annotations

from typing import Any

SKIPPED_KEYS = frozenset(
    {
        # System prompts and tool definitions: the same in every example, by design.
        "system", "systemInstruction", "system_instruction", "tools", "functions",
        "toolConfig", "tool_config", "tool_choice", "parallel_tool_calls",
        # Structure, not text.
        "role", "type", "id", "tool_call_id", "toolUseId", "weight", "name", "label",
        "score", "schemaVersion", "detail", "format", "mime_type", "mimeType",
        # Media and files: data and addresses, not words.
        "image_url", "url", "uri", "fileUri", "file_uri", "fileData", "file_data",
        "inlineData", "inline_data", "data", "bytes", "source", "image", "images",
        "audio", "input_audio", "video", "document", "media", "bucketOwner",
    }
)  # fmt: skip
SKIPPED_ROLES = frozenset({"system", "developer"})
# A long string without a space is a blob (base64, a data URL, a hash), not prose.
BLOB_CHARS = 256


# A chat with tool calls (OpenAI's shape, and Together's and Fireworks'): the message
# keys and the keys of a call that ``_chat_with_calls`` reads without the walk.
_MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id"})
_CALL_KEYS = frozenset({"id", "type", "function"})
_FUNCTION_KEYS = frozenset({"name", "arguments"})


def conversation_text(example: Any) -> str:
    """The conversation's strings, in order, one per line ("" when it has none)."""
    if type(example) is dict:
        messages = example.get("messages")
        if type(messages) is list:
            text = None
            if len(example) == 1:
                text = _plain_chat(messages)
            if text is None and example.keys() - {"messages"} <= SKIPPED_KEYS:
                text = _chat_with_calls(messages)
            if text is not None:
                return text
    return walk(example)


def walk(example: Any) -> str:
    """``conversation_text`` by walking the whole example (any shape)."""
    parts: list[str] = []
    stack: list[Any] = [example]  # a stack, not recursion: nesting depth is the data's
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            _keep(parts, value)
        elif isinstance(value, dict):
            role = value.get("role")
            if isinstance(role, str) and role in SKIPPED_ROLES:
                continue
            stack.extend(v for k, v in reversed(value.items()) if k not in SKIPPED_KEYS)
        elif isinstance(value, list):
            stack.extend(reversed(value))
    return "\n".join(parts)


def _plain_chat(messages: list[Any]) -> str | None:
    """The text of a chat whose messages are all ``{"role": str, "content": str}`` (the
    common case, without the walk: the same result); ``None`` for any other shape."""
    parts: list[str] = []
    for message in messages:
        if type(message) is not dict or len(message) != 2:
            return None
        role, content = message.get("role"), message.get("content")
        if type(role) is not str or type(content) is not str:
            return None
        if role in SKIPPED_ROLES:
            continue
        _keep(parts, content)
    return "\n".join(parts)


def _chat_with_calls(messages: list[Any]) -> str | None:
    """The text of a chat whose messages hold a string (or null) content and maybe
    function calls with string arguments (the tools-heavy files' shape), read in the
    walk's order without its stack: the same result; ``None`` for any other shape."""
    parts: list[str] = []
    for message in messages:
        if type(message) is not dict or not message.keys() <= _MESSAGE_KEYS:
            return None
        role = message.get("role")
        if type(role) is not str:
            return None
        if role in SKIPPED_ROLES:
            continue
        for key, value in message.items():  # role, name and tool_call_id are skipped
            if key == "content":
                if type(value) is str:
                    _keep(parts, value)
                elif value is not None:
                    return None
            elif key == "tool_calls" and not _calls(value, parts):
                return None
    return "\n".join(parts)


def _calls(calls: Any, parts: list[str]) -> bool:
    """Appends each call's arguments (its one string the walk keeps); False for any
    other shape of calls."""
    if type(calls) is not list:
        return False
    for call in calls:
        if type(call) is not dict or not call.keys() <= _CALL_KEYS:
            return False
        function = call.get("function")  # "id" and "type" are skipped
        if function is None:
            continue
        if type(function) is not dict or not function.keys() <= _FUNCTION_KEYS:
            return False
        arguments = function.get("arguments")
        if type(arguments) is str:
            _keep(parts, arguments)
        elif arguments is not None:
            return False
    return True


def _keep(parts: list[str], text: str) -> None:
    """Appends ``text`` unless it is a blob (long, without a space, ASCII)."""
    if len(text) < BLOB_CHARS or " " in text or not text.isascii():
        parts.append(text)
