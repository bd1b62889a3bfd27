"""Chat strategies: tool definitions, call arguments, images, and whole chat examples.

Builds valid OpenAI chat SFT data from the text strategies (``_text.py``): one entry of
``tools`` (:func:`tool_definitions`), a call's ``arguments`` (:func:`json_arguments`),
an ``image_url`` part (:func:`image_parts`), and from them whole examples
(:func:`chat_examples`) and datasets of distinct examples (:func:`chat_datasets`).
"""

from __future__ import annotations

import base64
import json
import string
from typing import Any

from hypothesis import strategies as st

from ..rules.replies import answer_keys
from ._text import _FUNCTION_NAMES, _ID_CHARS, _PARTICIPANT_NAMES, texts

Example = dict[str, Any]


def _choose(draw: st.DrawFn, items: list[Any]) -> Any:
    """One of ``items``; cheaper than ``draw(st.sampled_from(items))`` for a fresh list."""
    return items[draw(st.integers(0, len(items) - 1))]


_PARAM_TYPES = st.sampled_from(("string", "integer", "number", "boolean", "array"))
_PROPERTY_NAMES = st.tuples(
    st.sampled_from(string.ascii_lowercase),
    st.text(alphabet=string.ascii_lowercase + string.digits + "_", max_size=15),
).map("".join)
_SHORT_TEXTS = st.lists(texts(max_size=20), min_size=1, max_size=3, unique=True)


@st.composite
def _parameters(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(_PROPERTY_NAMES, max_size=4, unique=True))
    properties: dict[str, Any] = {}
    for name in names:
        kind = draw(_PARAM_TYPES)
        schema: dict[str, Any] = {"type": kind}
        if kind == "array":
            schema["items"] = {"type": "string"}
        if kind == "string" and draw(st.booleans()):
            schema["enum"] = draw(_SHORT_TEXTS)
        if draw(st.booleans()):
            schema["description"] = draw(texts(max_size=60))
        properties[name] = schema
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if draw(st.booleans()) and names:
        parameters["required"] = [name for name in names if draw(st.booleans())]
    if draw(st.booleans()):
        parameters["additionalProperties"] = False
    return parameters


@st.composite
def _tool_definition(draw: st.DrawFn) -> dict[str, Any]:
    function: dict[str, Any] = {"name": draw(_FUNCTION_NAMES)}
    if draw(st.booleans()):
        function["description"] = draw(texts(max_size=80))
    if draw(st.integers(0, 3)):
        function["parameters"] = draw(_PARAMETERS)
    if draw(st.integers(0, 4)) == 0:
        strict = draw(_STRICT)
        # Strict mode needs every property required and no additional properties.
        if strict and not _strict_ready(function.get("parameters")):
            strict = False
        function["strict"] = strict
    return {"type": "function", "function": function}


def _strict_ready(parameters: Any) -> bool:
    if parameters is None:
        return True
    return parameters.get("additionalProperties") is False and set(
        parameters.get("required", ())
    ) == set(parameters["properties"])


_PARAMETERS = _parameters()
_STRICT = st.sampled_from([True, False, None])
_TOOL_DEFINITION = _tool_definition()


def tool_definitions() -> st.SearchStrategy[dict[str, Any]]:
    """One valid entry of an example's ``tools``: ``{"type": "function", "function": {...}}``.

    ``function`` has a valid ``name`` and optionally ``description``, ``parameters``
    (a JSON Schema object) and ``strict``.
    """
    return _TOOL_DEFINITION


_VALUES: dict[Any, st.SearchStrategy[Any]] = {
    "integer": st.integers(-(10**6), 10**6),
    "number": st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
    "array": st.lists(texts(max_size=20), max_size=3),
    "string": texts(max_size=40),
}
_FREE_ARGUMENTS = st.dictionaries(_PROPERTY_NAMES, texts(max_size=30), max_size=3)


_FIXED_VALUES: dict[Any, Any] = {"integer": 0, "number": 0.5, "boolean": False, "array": []}


def _fixed_value(schema: Any, enum: Any) -> Any:
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = schema.get("type") if isinstance(schema, dict) else None
    return _FIXED_VALUES.get(kind, "x")


def _value_for(schema: Any) -> st.SearchStrategy[Any]:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return _VALUES.get(kind, _VALUES["string"])


@st.composite
def json_arguments(draw: st.DrawFn, definition: dict[str, Any] | None = None) -> str:
    """A tool call's ``arguments``: a JSON string holding an object.

    With a tool ``definition``, the object uses the definition's parameters.
    """
    return _arguments(draw, definition)


def _arguments(draw: st.DrawFn, definition: dict[str, Any] | None) -> str:
    function = (definition or {}).get("function")
    parameters = function.get("parameters") if isinstance(function, dict) else None
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    required = parameters.get("required", ()) if isinstance(parameters, dict) else ()
    arguments: dict[str, Any] = {}
    if isinstance(properties, dict) and properties:
        for name, schema in properties.items():
            enum = schema.get("enum") if isinstance(schema, dict) else None
            if not draw(st.booleans()):
                # A required argument is never left out (JG229); its fixed value draws
                # nothing, so every other example drawn stays the same.
                if name in required:
                    arguments[name] = _fixed_value(schema, enum)
                continue
            if isinstance(enum, list) and enum:
                arguments[name] = _choose(draw, enum)
            else:
                arguments[name] = draw(_value_for(schema))
    elif definition is None:
        arguments = draw(_FREE_ARGUMENTS)
    compact = draw(st.booleans())
    return json.dumps(
        arguments,
        ensure_ascii=draw(st.booleans()),
        separators=(",", ":") if compact else None,
    )


_URL_SEGMENT = st.text(
    alphabet=string.ascii_lowercase + string.digits + "_-", min_size=1, max_size=20
)
_HTTPS_URLS = st.builds(
    lambda host, path, ext: f"https://{host}/{'/'.join(path)}{ext}",
    st.sampled_from(["example.com", "cdn.example.org", "images.example.net"]),
    st.lists(_URL_SEGMENT, min_size=1, max_size=3),
    st.sampled_from([".png", ".jpg", ".jpeg", ".webp", ""]),
)
_DATA_URLS = st.builds(
    lambda kind, payload: f"data:image/{kind};base64,{base64.b64encode(payload).decode()}",
    st.sampled_from(["png", "jpeg", "jpg", "webp"]),
    st.binary(min_size=1, max_size=48),
)
_URLS = st.one_of(_HTTPS_URLS, _DATA_URLS)
_DETAILS = st.sampled_from(["low", "high", "auto"])


@st.composite
def _image_part(draw: st.DrawFn) -> dict[str, Any]:
    image: dict[str, Any] = {"url": draw(_URLS)}
    if draw(st.booleans()):
        image["detail"] = draw(_DETAILS)
    return {"type": "image_url", "image_url": image}


_IMAGE_PART = _image_part()


def image_parts() -> st.SearchStrategy[dict[str, Any]]:
    """A valid ``image_url`` content part (https URL or small base64 data URL)."""
    return _IMAGE_PART


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


_TEXT = texts()
_TEXT_PARTS = st.lists(_TEXT.map(_text_part), min_size=1, max_size=3)


def _text_content(*, parts: bool) -> st.SearchStrategy[Any]:
    """A string, or (with ``parts``) sometimes a non-empty list of text parts."""
    return st.one_of(_TEXT, _TEXT, _TEXT_PARTS) if parts else _TEXT


_MAX_IMAGES = 10


def _user_content(draw: st.DrawFn, *, images: bool, image_budget: int) -> tuple[Any, int]:
    if not images or draw(st.integers(0, 2)) == 0:
        return draw(_text_content(parts=images)), 0
    count = draw(st.integers(0, min(3, image_budget)))
    content: list[dict[str, Any]] = [draw(_IMAGE_PART) for _ in range(count)]
    for _ in range(draw(st.integers(0 if count else 1, 2))):
        position = draw(st.integers(0, len(content)))
        content.insert(position, _text_part(draw(_TEXT)))
    return content, count


_CALL_IDS = st.tuples(
    st.sampled_from(["call_", "call_", "toolu_", ""]),
    st.text(alphabet=_ID_CHARS, min_size=4, max_size=24),
).map("".join)
_CONTENT_STYLES = st.sampled_from(["absent", "null", "text"])
_WEIGHTS = st.sampled_from([None, 0, 1])


def _call_id(draw: st.DrawFn, used: set[str]) -> str:
    call_id = draw(_CALL_IDS)
    if call_id in used:  # a suffix nothing drawn carries ("_" is not in _ID_CHARS)
        call_id += f"_{len(used)}"
    used.add(call_id)
    return call_id


def _tool_round(
    draw: st.DrawFn, definitions: list[dict[str, Any]], used: set[str]
) -> list[dict[str, Any]]:
    """An assistant turn with tool calls, then one tool message per call (any order)."""
    calls = []
    for _ in range(draw(st.integers(1, 3))):
        definition = _choose(draw, definitions)
        calls.append(
            {
                "id": _call_id(draw, used),
                "type": "function",
                "function": {
                    "name": definition["function"]["name"],
                    "arguments": _arguments(draw, definition),
                },
            }
        )
    assistant: dict[str, Any] = {"role": "assistant"}
    style = draw(_CONTENT_STYLES)
    if style == "null":
        assistant["content"] = None
    elif style == "text":
        assistant["content"] = draw(texts(max_size=60))
    assistant["tool_calls"] = calls
    answers = [
        {"role": "tool", "tool_call_id": call["id"], "content": draw(texts(max_size=80))}
        for call in calls
    ]
    for i in range(len(answers) - 1, 0, -1):  # a drawn shuffle of the answers
        j = draw(st.integers(0, i))
        answers[i], answers[j] = answers[j], answers[i]
    return [assistant, *answers]


def _tool_name(tool: dict[str, Any]) -> str:
    return str(tool["function"]["name"])


@st.composite
def _chat_example(draw: st.DrawFn, tools: bool, images: bool) -> Example:
    definitions: list[dict[str, Any]] | None = None
    if tools and draw(st.booleans()):
        definitions = draw(
            st.lists(
                _TOOL_DEFINITION,
                min_size=1,
                max_size=3,
                unique_by=_tool_name,
            )
        )
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": draw(_text_content(parts=images))})
    image_budget = _MAX_IMAGES
    used_ids: set[str] = set()
    for _ in range(draw(st.integers(1, 3))):
        content, used_images = _user_content(draw, images=images, image_budget=image_budget)
        image_budget -= used_images
        user: dict[str, Any] = {"role": "user", "content": content}
        if draw(st.integers(0, 3)) == 0:
            user["name"] = draw(_PARTICIPANT_NAMES)
        messages.append(user)
        if definitions:
            for _ in range(draw(st.integers(0, 2))):
                messages.extend(_tool_round(draw, definitions, used_ids))
        messages.append({"role": "assistant", "content": draw(_text_content(parts=images))})
    _draw_weights(draw, messages)
    example: Example = {"messages": messages}
    if definitions is not None:
        example["tools"] = definitions
        if draw(st.integers(0, 3)) == 0:
            example["parallel_tool_calls"] = draw(st.booleans())
    return example


def _draw_weights(draw: st.DrawFn, messages: list[dict[str, Any]]) -> None:
    """Optional weight 0/1 on assistant messages, at least one of them trained."""
    if draw(st.booleans()):
        return
    assistants = [m for m in messages if m["role"] == "assistant"]
    for message in assistants:
        weight = draw(_WEIGHTS)
        if weight is not None:
            message["weight"] = weight
    if all(m.get("weight") == 0 for m in assistants):
        last = _choose(draw, assistants)
        if draw(st.booleans()):
            last["weight"] = 1
        else:
            del last["weight"]


def chat_examples(*, tools: bool = True, images: bool = False) -> st.SearchStrategy[Example]:
    """One valid OpenAI chat SFT example (a dict ready for ``json.dumps``).

    An optional system message, then 1-3 user turns each answered by the assistant;
    the example always ends with an assistant text message. User messages may carry
    a ``name``; assistant messages may carry ``weight`` 0 or 1 (never all 0).

    ``tools``: some examples define ``tools`` and make tool calls (ids unique in the
    example, ``arguments`` a JSON object string), each call answered by a ``tool``
    message before the conversation goes on. Without ``tools``, messages only have
    ``role``, ``content`` (a string) and, on user messages, ``name`` and, on
    assistant messages, ``weight``.

    ``images``: user messages may hold content parts with up to 10 images per
    example, and other messages may use the list-of-text-parts form of content.
    Check such data with a model that accepts images (e.g. ``gpt-4o-2024-08-06``).
    """
    return _chat_example(tools, images)


def _canonical(example: Any) -> str:
    return json.dumps(example, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def prompt_key(example: Any) -> Any:
    """Examples of a dataset ask different things: one prompt answered two ways is a
    conflict (JG311), so lists are unique by this too (an example without a prompt is
    unique by its text)."""
    keys = answer_keys(example) if isinstance(example, dict) else None
    return keys.prompt if keys is not None and keys.prompt else _canonical(example)


def chat_datasets(
    min_size: int = 10, max_size: int = 30, *, tools: bool = True, images: bool = False
) -> st.SearchStrategy[list[Example]]:
    """A list of distinct valid examples (no two equal, whatever their key order).

    The default ``min_size`` is OpenAI's minimum of 10 examples. Each example
    takes a few milliseconds to draw, so keep ``max_size`` modest in fast suites.
    """
    return st.lists(
        chat_examples(tools=tools, images=images),
        min_size=min_size,
        max_size=max_size,
        unique_by=(_canonical, prompt_key),
    )
