"""The defects: one factory per kind of corruption, each naming the rule it triggers.

Each factory takes what varies (a role, a weight, which message to ``pick``, ...) and
returns a :class:`Corruption` whose ``mutate`` breaks a copy of an example: roles,
weights and JSON, tool calls and definitions, content and special tokens, the example's
structure, images, and (last) the defects that only warn. ``_corruptions.py`` draws them.
"""

from __future__ import annotations

from typing import Any

from ._chat import _MAX_IMAGES, Example, _text_part
from ._corruption import (
    Corruption,
    _all_ids,
    _dump,
    _fresh,
    _messages,
    _pick,
    _tool_calls,
    _tool_messages,
)


def _bad_role(role: str, pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        _pick(_messages(example), pick)["role"] = role
        return example

    return Corruption("bad-role", "JG201", mutate, detail=repr(role))


def _no_assistant() -> Corruption:
    def mutate(example: Example) -> Example:
        example["messages"] = [m for m in _messages(example) if m["role"] != "assistant"]
        return example

    return Corruption("no-assistant", "JG202", mutate)


def _broken_json(pick: int) -> Corruption:
    def mutate(example: Example) -> str:
        line = _dump(example)
        return line[: 1 + pick % (len(line) - 1)]

    return Corruption("broken-json", "JG110", mutate, detail=f"cut {pick}")


def _bad_weight(weight: Any, pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        assistants = [m for m in _messages(example) if m["role"] == "assistant"]
        _pick(assistants, pick)["weight"] = weight
        return example

    return Corruption("bad-weight", "JG205", mutate, detail=_dump(weight))


def _weight_on_other(weight: int, pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        others = [m for m in _messages(example) if m["role"] != "assistant"]
        _pick(others, pick)["weight"] = weight
        return example

    return Corruption("weight-not-on-assistant", "JG206", mutate, detail=str(weight))


def _all_weights_zero() -> Corruption:
    def mutate(example: Example) -> Example:
        for message in _messages(example):
            if message["role"] == "assistant":
                message["weight"] = 0
        return example

    return Corruption("all-weights-zero", "JG207", mutate)


def _mismatched_tool_id(pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        message = _pick(_tool_messages(example), pick)
        message["tool_call_id"] = _fresh("call_mismatch", _all_ids(example))
        return example

    return Corruption("mismatched-tool-id", "JG222", mutate, lambda e: bool(_tool_messages(e)))


def _unanswered_tool_call(pick: int) -> Corruption:
    # Drop one answer: the example always goes on after the tool messages.
    def mutate(example: Example) -> Example:
        dropped = _pick(_tool_messages(example), pick)
        example["messages"] = [m for m in _messages(example) if m is not dropped]
        return example

    return Corruption("unanswered-tool-call", "JG223", mutate, lambda e: bool(_tool_messages(e)))


def _missing_tool_call_id(pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        del _pick(_tool_messages(example), pick)["tool_call_id"]
        return example

    return Corruption("missing-tool-call-id", "JG227", mutate, lambda e: bool(_tool_messages(e)))


def _duplicate_tool_call_id(pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        calls = _tool_calls(example)
        first = pick % len(calls)
        second = (first + 1 + pick // len(calls) % (len(calls) - 1)) % len(calls)
        calls[second]["id"] = calls[first]["id"]
        return example

    return Corruption("duplicate-tool-call-id", "JG225", mutate, lambda e: len(_tool_calls(e)) >= 2)


def _unknown_function(pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        defined = [t["function"]["name"] for t in example["tools"]]
        _pick(_tool_calls(example), pick)["function"]["name"] = _fresh("undefined_fn", defined)
        return example

    # Without a `tools` list there is nothing a name could be missing from.
    return Corruption(
        "unknown-function",
        "JG224",
        mutate,
        lambda e: bool(_tool_calls(e)) and isinstance(e.get("tools"), list),
    )


def _bad_arguments(arguments: str, pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        _pick(_tool_calls(example), pick)["function"]["arguments"] = arguments
        return example

    return Corruption(
        "invalid-tool-arguments",
        "JG221",
        mutate,
        lambda e: bool(_tool_calls(e)),
        detail=repr(arguments),
    )


def _bad_tool_call(how: str, pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        call = _pick(_tool_calls(example), pick)
        if how == "no-type":
            del call["type"]
        elif how == "wrong-type":
            call["type"] = "tool"
        elif how == "no-id":
            del call["id"]
        else:  # "empty-id"
            call["id"] = ""
        return example

    return Corruption(
        "invalid-tool-call", "JG220", mutate, lambda e: bool(_tool_calls(e)), detail=how
    )


def _bad_tool_definition(name: str, pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        _pick(example["tools"], pick)["function"]["name"] = name
        return example

    return Corruption(
        "invalid-tool-definition",
        "JG226",
        mutate,
        lambda e: bool(e.get("tools")),
        detail=repr(name),
    )


def _wrong_content_type(value: Any, pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        message = _pick(_messages(example), pick)
        # null is the one non-string content a tool-calling assistant turn may have.
        message["content"] = 42 if value is None and message.get("tool_calls") else value
        return example

    return Corruption("wrong-content-type", "JG116", mutate, detail=_dump(value))


def _missing_content(pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        candidates = [m for m in _messages(example) if not m.get("tool_calls")]
        _pick(candidates, pick).pop("content", None)
        return example

    return Corruption("missing-content", "JG116", mutate)


def _text_slots(example: Example) -> list[tuple[dict[str, Any], str]]:
    """(container, key) of every string the model reads, tool descriptions included."""
    slots: list[tuple[dict[str, Any], str]] = []
    for message in _messages(example):
        content = message.get("content")
        if isinstance(content, str):
            slots.append((message, "content"))
        elif isinstance(content, list):
            slots.extend((part, "text") for part in content if part.get("type") == "text")
        if "name" in message:
            slots.append((message, "name"))
    for tool in example.get("tools") or ():
        if "description" in tool["function"]:
            slots.append((tool["function"], "description"))
    return slots


def _special_token(token: str, pick: int, position: int) -> Corruption:
    def mutate(example: Example) -> Example:
        container, key = _pick(_text_slots(example), pick)
        text = container[key]
        at = position % (len(text) + 1)
        container[key] = text[:at] + token + text[at:]
        return example

    return Corruption(
        "special-token", "JG250", mutate, lambda e: bool(_text_slots(e)), detail=token
    )


def _not_an_object(kind: str) -> Corruption:
    def mutate(example: Example) -> Any:
        return {
            "list": [example],
            "messages": example["messages"],
            "string": _dump(_dump(example)),
        }[kind]

    return Corruption("not-an-object", "JG111", mutate, detail=kind)


def _missing_messages() -> Corruption:
    def mutate(example: Example) -> Example:
        example.pop("messages")
        return example

    return Corruption("missing-messages", "JG113", mutate)


def _invalid_messages(value: Any) -> Corruption:
    def mutate(example: Example) -> Example:
        example["messages"] = value
        return example

    return Corruption("invalid-messages", "JG114", mutate, detail=_dump(value))


def _invalid_message(pick: int, how: str) -> Corruption:
    def mutate(example: Example) -> Example:
        messages: list[Any] = example["messages"]
        index = pick % len(messages)
        if how == "no-role":
            del messages[index]["role"]
        else:
            messages[index] = messages[index].get("content") or "text"
        return example

    return Corruption("invalid-message", "JG115", mutate, detail=how)


def _image_in(role: str, pick: int, url: str) -> Corruption:
    image = {"type": "image_url", "image_url": {"url": url}}

    def mutate(example: Example) -> Example:
        message = _pick([m for m in _messages(example) if m["role"] == role], pick)
        content = message.get("content")
        if isinstance(content, list):
            content.append(image)
        elif isinstance(content, str):
            message["content"] = [_text_part(content), image]
        else:
            message["content"] = [image]
        return example

    def applicable(example: Example) -> bool:
        return any(m["role"] == role for m in _messages(example))

    if role == "user":
        return Corruption("invalid-image-url", "JG242", mutate, applicable, detail=url)
    return Corruption("image-outside-user-message", "JG240", mutate, applicable, detail=role)


def _too_many_images(pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        users = [m for m in _messages(example) if m["role"] == "user"]
        extra = [
            {"type": "image_url", "image_url": {"url": f"https://example.com/{i}.png"}}
            for i in range(_MAX_IMAGES + 1)
        ]
        _pick(users, pick)["content"] = extra
        return example

    return Corruption("too-many-images", "JG241", mutate)


# Defects that only warn: the example is still accepted by the API.
def _unknown_key(key: str) -> Corruption:
    def mutate(example: Example) -> Example:
        example[key] = {"source": "export"}
        return example

    return Corruption("unknown-key", "JG112", mutate, detail=key)


def _unknown_message_key(key: str, pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        _pick(_messages(example), pick)[key] = "2024-01-01T00:00:00Z"
        return example

    return Corruption("unknown-message-key", "JG117", mutate, detail=key)


def _empty_content(blank: str, pick: int) -> Corruption:
    def mutate(example: Example) -> Example:
        candidates = [m for m in _messages(example) if not m.get("tool_calls")]
        _pick(candidates, pick)["content"] = blank
        return example

    return Corruption("empty-content", "JG120", mutate, detail=repr(blank))


def _late_system() -> Corruption:
    def mutate(example: Example) -> Example:
        messages = _messages(example)
        first_user = next(i for i, m in enumerate(messages) if m["role"] == "user")
        messages.insert(first_user + 1, {"role": "system", "content": "Be brief."})
        return example

    return Corruption("late-system-message", "JG203", mutate)


def _trailing_user() -> Corruption:
    def mutate(example: Example) -> Example:
        _messages(example).append({"role": "user", "content": "Thanks!"})
        return example

    return Corruption("trailing-non-assistant", "JG204", mutate)
