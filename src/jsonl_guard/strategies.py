"""Hypothesis strategies for OpenAI chat fine-tuning data: valid examples and ways to break them.

For property-based tests of your own data pipeline (and of jsonl-guard itself)::

    from hypothesis import given
    from jsonl_guard import check_examples
    from jsonl_guard.strategies import chat_datasets

    @given(chat_datasets(min_size=50, max_size=60))
    def test_my_exporter_keeps_data_valid(dataset):
        assert check_examples(my_exporter(dataset)).ok

Everything :func:`chat_examples` and :func:`chat_datasets` generate is valid for
supervised (SFT) chat fine-tuning: jsonl-guard reports no error and no warning on
any of its lines (file-level rules aside: fewer than 50 examples still warn JG302,
and examples with tools or images get the JG402 note that their counts are
estimates). :func:`corruptions` generates named, deterministic defects, each of which turns
a valid example into a line that must raise one known rule code.

This module needs ``hypothesis`` (a dev dependency); ``import jsonl_guard`` never
imports it.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from ._provider_strategies import profile_corruptions, profile_datasets, profile_examples

__all__ = [
    "CORRUPTION_CODES",
    "SPECIAL_TOKEN_TEXTS",
    "Corruption",
    "chat_datasets",
    "chat_examples",
    "corruptions",
    "function_names",
    "image_parts",
    "json_arguments",
    "participant_names",
    "profile_corruptions",
    "profile_datasets",
    "profile_examples",
    "texts",
    "tool_definitions",
]

Example = dict[str, Any]

#: Literal special-token strings that must never appear in training text. The
#: list is written out here (not imported from the checker) so tests built on
#: it check the checker's own list independently.
SPECIAL_TOKEN_TEXTS: tuple[str, ...] = (
    "<|endoftext|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|endofprompt|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|im_sep|>",
)

_WORDS = (
    # English support-desk vocabulary ...
    "hello", "order", "refund", "shipping", "please", "thanks", "the", "a", "is", "my",
    "where", "when", "can", "you", "help", "with", "account", "password", "today", "invoice",
    "Yes.", "No.", "OK", "Sure!", "Why?", "e-mail", "don't", "it's", "#4521", "$19.99", "100%",
    # ... other scripts, accents, emoji, maths ...
    "café", "naïve", "Grüße", "Straße", "façade", "año", "日本語", "東京", "こんにちは",
    "你好", "世界", "Привет", "мир", "مرحبا", "שלום", "नमस्ते", "안녕하세요", "Ελληνικά",
    "🙂", "🚀", "👍🏽", "🇫🇷", "∑", "π≈3.14", "x²", "½", "→", "…", "—", "€", "™",
    # ... code and markup that must not confuse anything ...
    "`print(1)`", '{"a": 1}', "[1, 2]", "<b>", "</b>", "\\n", "C:\\path", "a\\b", '"quoted"',
    "'single'", "http://example.com", "<tag/>", "&amp;", "%s", "{0}", "${x}", "null", "true",
    # ... and pieces of special tokens, which are harmless on their own.
    "<|", "|>", "endoftext", "<|im", "im_end", "|", "<", ">",
)  # fmt: skip
_SEPARATORS = (" ", " ", " ", " ", "\n", ", ", "  ", "\t", " - ", "\n\n")
_ID_CHARS = string.ascii_letters + string.digits


def _choose(draw: st.DrawFn, items: list[Any]) -> Any:
    """One of ``items``; cheaper than ``draw(st.sampled_from(items))`` for a fresh list."""
    return items[draw(st.integers(0, len(items) - 1))]


def _is_clean(text: str) -> bool:
    return bool(text.strip()) and not any(token in text for token in SPECIAL_TOKEN_TEXTS)


_WORD = st.sampled_from(_WORDS)
_SEPARATOR = st.sampled_from(_SEPARATORS)


def _join(pairs: list[tuple[str, str]]) -> str:
    return pairs[0][0] + "".join(separator + word for word, separator in pairs[1:])


def _sentences(max_words: int) -> st.SearchStrategy[str]:
    return st.lists(st.tuples(_WORD, _SEPARATOR), min_size=1, max_size=max_words).map(_join)


_ARBITRARY = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30)


@functools.cache
def _texts(max_size: int) -> st.SearchStrategy[str]:
    sentences = _sentences(max(1, max_size // 15))
    strategy = st.one_of(
        sentences,
        sentences,
        _ARBITRARY,
        st.tuples(_sentences(4), _ARBITRARY).map(" ".join),
    )
    return strategy.map(lambda text: text[:max_size]).filter(_is_clean)


def texts(*, max_size: int = 120) -> st.SearchStrategy[str]:
    """Non-blank message text: words in many scripts, emoji, code, and arbitrary unicode.

    Never empty or whitespace only, and never contains a special-token string
    such as ``<|endoftext|>`` (see :data:`SPECIAL_TOKEN_TEXTS`). Lone surrogates,
    which cannot be encoded as UTF-8, are never generated.
    """
    return _texts(max_size)


_NAME_CHARS = _ID_CHARS + "_-"
_PARTICIPANT_NAMES = st.one_of(
    st.sampled_from(["alice", "Bob", "agent_7", "customer-42", "example_user", "X"]),
    st.text(alphabet=_NAME_CHARS, min_size=1, max_size=64),
)
_FUNCTION_NAMES = st.one_of(
    st.sampled_from(
        ["get_weather", "track_order", "refund", "lookupUser", "send-email", "search_docs"]
    ),
    st.text(alphabet=_NAME_CHARS, min_size=1, max_size=64),
)


def participant_names() -> st.SearchStrategy[str]:
    """A message ``name``: 1-64 characters of ``[a-zA-Z0-9_-]``, as the API requires."""
    return _PARTICIPANT_NAMES


def function_names() -> st.SearchStrategy[str]:
    """A function name matching ``^[a-zA-Z0-9_-]{1,64}$``."""
    return _FUNCTION_NAMES


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
    arguments: dict[str, Any] = {}
    if isinstance(properties, dict) and properties:
        for name, schema in properties.items():
            if not draw(st.booleans()):
                continue
            enum = schema.get("enum") if isinstance(schema, dict) else None
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
        unique_by=_canonical,
    )


# --------------------------------------------------------------------------- corruptions


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _messages(example: Example) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = example["messages"]
    return messages


def _pick(items: list[Any], pick: int) -> Any:
    return items[pick % len(items)]


def _tool_calls(example: Example) -> list[dict[str, Any]]:
    return [c for m in _messages(example) for c in m.get("tool_calls") or ()]


def _tool_messages(example: Example) -> list[dict[str, Any]]:
    return [m for m in _messages(example) if m["role"] == "tool"]


def _all_ids(example: Example) -> set[str]:
    ids = {str(c.get("id")) for c in _tool_calls(example)}
    return ids | {str(m.get("tool_call_id")) for m in _tool_messages(example)}


def _fresh(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    while base in taken:
        base += "_x"
    return base


def _always(example: Example) -> bool:
    return True


@dataclass(frozen=True)
class Corruption:
    """A named, deterministic defect: ``corruption(example) -> (line, code)``.

    ``line`` is the corrupted example as one JSONL line (no newline) and ``code``
    the rule it must trigger. Call :meth:`applies_to` first: some defects need
    something to break (a tool call, a second call, ...).
    """

    name: str
    code: str
    mutate: Callable[[Example], Any] = field(repr=False)
    applicable: Callable[[Example], bool] = field(default=_always, repr=False)
    detail: str = ""

    def applies_to(self, example: Example) -> bool:
        return self.applicable(example)

    def __call__(self, example: Example) -> tuple[str, str]:
        if not self.applies_to(example):
            raise ValueError(f"corruption {self.name!r} does not apply to this example")
        result = self.mutate(copy.deepcopy(example))
        line = result if isinstance(result, str) else _dump(result)
        return line, self.code

    def __str__(self) -> str:
        return f"{self.name}[{self.detail}] -> {self.code}" if self.detail else self.name


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


_picks = st.integers(0, 2**16)
# (rule code, whether the rule is only a warning, strategy) for every defect.
_POOL: tuple[tuple[str, bool, st.SearchStrategy[Corruption]], ...] = (
    (
        "JG201",
        False,
        st.builds(
            _bad_role,
            st.sampled_from(
                [
                    "developer",
                    "bot",
                    "human",
                    "model",
                    "User",
                    "ASSISTANT",
                    "",
                    " user",
                    "tool_call",
                ]
            ),
            _picks,
        ),
    ),
    ("JG202", False, st.just(_no_assistant())),
    ("JG110", False, st.builds(_broken_json, _picks)),
    (
        "JG205",
        False,
        st.builds(
            _bad_weight, st.sampled_from([2, 0.5, -1, "1", None, True, [1], {"w": 1}]), _picks
        ),
    ),
    ("JG206", False, st.builds(_weight_on_other, st.sampled_from([0, 1]), _picks)),
    ("JG207", False, st.just(_all_weights_zero())),
    ("JG222", False, st.builds(_mismatched_tool_id, _picks)),
    ("JG223", False, st.builds(_unanswered_tool_call, _picks)),
    ("JG227", False, st.builds(_missing_tool_call_id, _picks)),
    ("JG225", False, st.builds(_duplicate_tool_call_id, _picks)),
    ("JG224", False, st.builds(_unknown_function, _picks)),
    (
        "JG221",
        False,
        st.builds(
            _bad_arguments,
            st.sampled_from(["", "{", "{id: 42}", "{'a': 1}", '{"a": 1', "undefined"]),
            _picks,
        ),
    ),
    (
        "JG220",
        False,
        st.builds(
            _bad_tool_call, st.sampled_from(["no-type", "wrong-type", "no-id", "empty-id"]), _picks
        ),
    ),
    (
        "JG226",
        False,
        st.builds(
            _bad_tool_definition, st.sampled_from(["has space", "", "a" * 65, "naïve"]), _picks
        ),
    ),
    (
        "JG116",
        False,
        st.one_of(
            st.builds(
                _wrong_content_type,
                st.sampled_from([42, 3.5, True, False, {"text": "hello"}, None, 0]),
                _picks,
            ),
            st.builds(_missing_content, _picks),
        ),
    ),
    (
        "JG250",
        False,
        st.builds(_special_token, st.sampled_from(SPECIAL_TOKEN_TEXTS), _picks, _picks),
    ),
    ("JG111", False, st.builds(_not_an_object, st.sampled_from(["list", "messages", "string"]))),
    ("JG113", False, st.just(_missing_messages())),
    ("JG114", False, st.builds(_invalid_messages, st.sampled_from([[], {}, "hi", None, 3]))),
    (
        "JG115",
        False,
        st.builds(_invalid_message, _picks, st.sampled_from(["no-role", "not-an-object"])),
    ),
    (
        "JG242",
        False,
        st.builds(
            _image_in,
            st.just("user"),
            _picks,
            st.sampled_from(
                [
                    "http://example.com/a.png",
                    "ftp://example.com/a.png",
                    "example.com/a.png",
                    "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
                    "data:image/png,rawbytes",
                    "https://",
                ]
            ),
        ),
    ),
    (
        "JG240",
        False,
        st.builds(
            _image_in,
            st.sampled_from(["assistant", "system"]),
            _picks,
            st.just("https://example.com/a.png"),
        ),
    ),
    ("JG241", False, st.builds(_too_many_images, _picks)),
    # Defects that only warn: the API still accepts the example.
    ("JG112", True, st.builds(_unknown_key, st.sampled_from(["metadata", "id", "Messages"]))),
    (
        "JG117",
        True,
        st.builds(_unknown_message_key, st.sampled_from(["timestamp", "Content", "meta"]), _picks),
    ),
    (
        "JG120",
        True,
        st.builds(_empty_content, st.sampled_from(["", " ", "\n\t", "\u3000"]), _picks),
    ),
    ("JG203", True, st.just(_late_system())),
    ("JG204", True, st.just(_trailing_user())),
)

#: Every rule code some corruption triggers.
CORRUPTION_CODES: frozenset[str] = frozenset(code for code, _, _ in _POOL)


def corruptions(
    *, codes: Iterable[str] | None = None, warnings: bool = True
) -> st.SearchStrategy[Corruption]:
    """Named defects that turn a valid example into a line raising a known rule code.

    ``codes`` keeps only corruptions for those rule codes (see
    :data:`CORRUPTION_CODES`); ``warnings=False`` keeps only defects whose rule is an
    error by default. A corruption never changes whether a line counts as an
    example (it never makes a blank line), so it cannot affect file-level rules
    such as the example-count minimum.

    A corruption may raise other codes on the same line too; for instance, images
    make a model without vision fine-tuning raise JG244.
    """
    wanted = None if codes is None else frozenset(codes)
    if wanted is not None and wanted - CORRUPTION_CODES:
        raise ValueError(f"no corruption triggers {', '.join(sorted(wanted - CORRUPTION_CODES))}")
    pool = [
        strategy
        for code, warns, strategy in _POOL
        if (wanted is None or code in wanted) and (warnings or not warns)
    ]
    if not pool:
        raise ValueError("no corruption matches both codes and warnings=False")
    return st.one_of(pool)
