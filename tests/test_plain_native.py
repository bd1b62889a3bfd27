"""The C read of a plain chat line (engine/_plain.c) against its definition
(engine/typed.py ``parse_plain``): on any line, either ``None`` (the definition
decides) or the definition's answer exactly (the same dicts with their keys in the
same order, the same canonical bytes); and it must read every line ``json.dumps``
writes for a plain example, so a twin that gave up on everything would fail."""

from __future__ import annotations

import json
import random
from types import ModuleType
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import native_twin, shipped_examples, skip_without_twin, vector_texts
from jsonl_guard.engine.typed import (
    SHAPES,
    names_messages,
    parse_plain,
    plain_parser,
    typed_decoder,
)

skip_without_twin("jsonl_guard.engine._plain")  # no compiler: parse_plain runs alone

FORMATS = sorted(SHAPES)
ROLES = ["system", "user", "assistant"]


def _native() -> ModuleType:
    return native_twin("jsonl_guard.engine._plain")


def _agrees(raw: bytes, format_name: str) -> tuple[Any, Any]:
    """(the twin's answer, the definition's), asserting the twin's is None or equal."""
    found = _native().parse(raw, names_messages(format_name))
    expected = parse_plain(raw, typed_decoder(format_name))
    if found is not None:
        assert expected is not None, raw
        value, canonical = found
        assert value == expected.value, raw
        assert [list(m) for m in value["messages"]] == [
            list(m) for m in expected.value["messages"]
        ], raw
        assert canonical == expected.canonical, raw
    return found, expected


# --- spelling a line in every way JSON allows -------------------------------------

SPACE = st.sampled_from(["", "", "", " ", "  ", "\t", "\n", "\r\n"])
SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}  # fmt: skip


def _spell_char(c: str, how: int) -> str:
    """``c`` inside a JSON string: raw (when JSON allows), short-escaped or \\u-escaped."""
    code = ord(c)
    if how == 1 and c in SHORT:
        return SHORT[c]
    if how == 2 or code < 0x20 or c in '"\\':
        if code > 0xFFFF:  # a surrogate pair
            code -= 0x10000
            high, low = 0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)
            return f"\\u{high:04x}\\u{low:04X}"
        return f"\\u{code:04x}" if how == 2 else SHORT.get(c, f"\\u{code:04X}")
    return c


@st.composite
def spelled(draw: st.DrawFn, text: str) -> str:
    ways = draw(st.lists(st.integers(0, 2), min_size=len(text), max_size=len(text)))
    plain = draw(st.booleans())  # most strings: every character as it is
    return (
        '"'
        + "".join(_spell_char(c, 0 if plain else w) for c, w in zip(text, ways, strict=True))
        + '"'
    )


TEXT = st.one_of(
    st.text(max_size=30),
    st.text(st.sampled_from(list('a:"\\/\x00\x01\x1f\x7f\u00e9\u2028\U0001f600 \n')), max_size=30),
)
# Keys and roles as the twin reads them, and the spellings it leaves to the definition.
KEY = st.sampled_from(["role", "content", "name", "weight", "Role", "content"])
ROLE = st.sampled_from([*ROLES, *ROLES, "tool", "User", ""])


@st.composite
def value_spelling(draw: st.DrawFn, key: str) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(["null", "1", "true", "[]", "{}", '["a"]']))
    return draw(spelled(draw(ROLE) if key == "role" else draw(TEXT)))


@st.composite
def message_spelling(draw: st.DrawFn) -> str:
    keys = draw(st.one_of(st.permutations(["role", "content"]), st.permutations(["role", "content", "name"]), st.lists(KEY, max_size=4)))  # fmt: skip
    pairs = []
    for key in keys:
        spelled_key = draw(spelled(key)) if draw(st.integers(0, 9)) == 0 else f'"{key}"'
        pairs.append(f"{draw(SPACE)}{spelled_key}{draw(SPACE)}:{draw(SPACE)}{draw(value_spelling(key))}{draw(SPACE)}")  # fmt: skip
    return "{" + ",".join(pairs) + "}"


@st.composite
def line_spelling(draw: st.DrawFn) -> bytes:
    messages = draw(st.lists(message_spelling(), max_size=4))
    if draw(st.integers(0, 9)) == 0:  # past the twin's 16 messages on the stack
        messages *= draw(st.integers(4, 12))
    top = f'{draw(SPACE)}"messages"{draw(SPACE)}:{draw(SPACE)}[{",".join(messages)}]{draw(SPACE)}'
    if draw(st.integers(0, 9)) == 0:
        top += f',"{draw(st.sampled_from(["messages", "tools", "x"]))}":[]'
    return f"{draw(SPACE)}{{{top}}}{draw(SPACE)}".encode("utf-8", "surrogatepass")


@settings(max_examples=800, deadline=None)
@given(line_spelling(), st.sampled_from(FORMATS))
@example(b'{"messages":[{"role":"user","content":"a\\u003Ab"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"\\ud800"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"\\udc00\\ud800"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"\xed\xa0\x80"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"\xc0\xaf"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"a\\"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"a\\u00"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"\\ud800\\ud800"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"\\ud800\\u0041"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"a\x01b"}]}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"a"}]}}', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"a"}]} x', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"a"}]', "openai-chat")
@example(b'{"messages":[{"role":"user","content":"a","name":"b"}]}', "mistral")
def test_any_spelling_gets_the_definitions_answer_or_none(raw: bytes, format_name: str) -> None:
    _agrees(raw, format_name)


# Short texts, and long runs past the twin's 16-byte blocks (``vector_texts``).
PLAIN_TEXT = st.one_of(st.text(max_size=60), st.text(max_size=60), vector_texts())


@st.composite
def plain_example(draw: st.DrawFn, named: bool) -> dict[str, Any]:
    messages = []
    for _ in range(draw(st.integers(1, 20))):
        message = {"role": draw(st.sampled_from(ROLES)), "content": draw(PLAIN_TEXT)}
        if named and draw(st.booleans()):
            message["name"] = draw(PLAIN_TEXT)
        keys = draw(st.permutations(list(message)))
        messages.append({key: message[key] for key in keys})
    return {"messages": messages}


@settings(max_examples=300, deadline=None)
@given(st.data(), st.sampled_from(FORMATS), st.randoms(use_true_random=False))
def test_any_corrupted_line_gets_the_definitions_answer_or_none(
    data: st.DataObject, format_name: str, rng: random.Random
) -> None:
    """A byte replaced, inserted or dropped anywhere in a line the definition reads: a
    truncated escape, a stray quote or control byte, bytes that are not UTF-8, a
    structure cut short or run on."""
    named = names_messages(format_name)
    value = data.draw(plain_example(named))
    raw = json.dumps(value, ensure_ascii=data.draw(st.booleans())).encode()
    for _ in range(20):
        at = rng.randrange(len(raw) + 1)
        byte = bytes([rng.choice(b'"\\{}[],: u0\x00\x1f\x80\xc3\xed\xff')])
        mutated = [raw[:at] + byte + raw[at + 1 :], raw[:at] + byte + raw[at:], raw[:at] + raw[at + 1 :]]  # fmt: skip
        for line in mutated:
            _agrees(line, format_name)


@settings(max_examples=500, deadline=None)
@given(st.data(), st.sampled_from(FORMATS), st.booleans(), st.sampled_from([None, (",", ":")]))
def test_the_twin_reads_every_line_json_dumps_writes(
    data: st.DataObject, format_name: str, ascii_only: bool, separators: Any
) -> None:
    """Without this, a twin that returned None for every line would pass the rest."""
    example_value = data.draw(plain_example(names_messages(format_name)))
    raw = json.dumps(example_value, ensure_ascii=ascii_only, separators=separators).encode()
    found, expected = _agrees(raw, format_name)
    assert expected is not None and found is not None, raw


def test_the_shipped_plain_lines_take_the_twin() -> None:
    """The shipped examples and fixtures, in every format: the twin agrees on each
    line, and reads every plain line the definition reads but one with an escaped
    colon or an escaped key or role (which it hands back)."""
    read = 0
    for raw, _ in shipped_examples():
        for format_name in FORMATS:
            found, expected = _agrees(raw, format_name)
            if expected is not None and b"\\u" not in raw:
                assert found is not None, raw
                read += 1
    assert read > 100


def test_the_parser_tries_the_twin_then_the_definition() -> None:
    parse = plain_parser("openai-chat")
    reference = plain_parser("openai-chat", native=False)
    assert parse is not None and reference is not None
    handed_back = b'{"messages":[{"role":"user","content":"a\\u003ab"}]}'
    assert _native().parse(handed_back, True) is None
    for raw in (handed_back, b'{"messages":[{"role":"user","content":"hi"}]}', b"[1]"):
        ours, theirs = parse(raw), reference(raw)
        assert (ours is None) == (theirs is None)
        if ours is not None and theirs is not None:
            assert (ours.value, ours.canonical, ours.plain) == (
                theirs.value,
                theirs.canonical,
                True,
            )
    assert plain_parser("prompt-completion") is None


@pytest.mark.parametrize("bad", ["text", None, 1, ["a"]])
def test_input_that_is_not_bytes_is_a_type_error(bad: Any) -> None:
    with pytest.raises(TypeError):
        _native().parse(bad, True)
