"""The one C pass over a plain chat example (engine/_chat.c) against its Python
reference (engine/chat_pass.py ``reference_chat_pass``: the conversation text's
sketch and the answer keys): the same values on every conversation, so reports cannot
depend on whether a machine had a compiler, and ``None`` (the reference decides) for
every shape the pass does not read."""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import native_twin, shipped_examples, skip_without_twin, vector_texts
from jsonl_guard.engine import chat_pass, conversation_text
from jsonl_guard.rules import refusals, replies

skip_without_twin("jsonl_guard.engine._chat")  # no compiler: the reference runs alone

SWITCHES = [(True, True), (True, False), (False, True), (False, False)]


def _native() -> ModuleType:
    return native_twin("jsonl_guard.engine._chat")


PLAIN_KEYS = ({"role", "content"}, {"role", "content", "name"})


def _plain(messages: Any) -> bool:
    """The shape the C pass reads: role and content strings, maybe a name."""
    return type(messages) is list and all(
        type(m) is dict
        and set(m) in PLAIN_KEYS
        and type(m["role"]) is str
        and type(m["content"]) is str
        for m in messages
    )


def _same(messages: Any) -> None:
    handled = _plain(messages)
    for sketching, answers in SWITCHES:
        expected = chat_pass.reference_chat_pass(messages, sketching, answers)
        assert chat_pass.chat_pass(messages, sketching, answers) == expected
        found = _native().chat_pass(messages, sketching, answers)
        assert (found is not None) == handled, messages
        if found is None:
            continue
        packed, prompt, answer, phrase = found
        sketch, keys = expected
        assert packed == sketch, messages
        if keys is None:
            assert prompt is None
            continue
        assert (prompt, answer) == (keys.prompt, keys.answer), messages
        # 0 only where refusal finds nothing; else the text, for refusal to read.
        if phrase == 0:
            assert keys.refusal == 0
        else:
            assert (
                phrase == [m["content"] for m in messages if m["role"] in replies.REPLY_ROLES][-1]
            )


def _chat(*turns: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"role": role, "content": content} for role, content in turns]


def test_the_accelerator_is_the_one_in_use() -> None:
    module = _native()
    assert chat_pass._native is module.chat_pass


def test_its_constants_are_the_references() -> None:
    module = _native()
    assert tuple(anchor for _, anchor, _ in refusals.PHRASES) == module.ANCHORS
    assert module.WINDOW == refusals.WINDOW
    assert module.BLOB_CHARS == conversation_text.BLOB_CHARS
    assert module.MIN_TEMPLATE_WORDS == replies.MIN_TEMPLATE_WORDS
    assert module.UTF8_FLIP == replies._UTF8
    assert {"system", "developer"} == conversation_text.SKIPPED_ROLES  # as _chat.c reads them
    assert replies.REPLY_ROLES == ("assistant", "model")


LONG = "where is my order today, and when will it arrive at my door? " * 3
EDGE_CHATS = [
    [],
    _chat(("user", "")),
    _chat(("assistant", "")),
    _chat(("system", "You are terse."), ("user", ""), ("assistant", "")),
    _chat(("system", "You are a helpful assistant for the bike shop.")),
    _chat(("user", LONG), ("user", LONG)),  # no reply: no keys
    _chat(("assistant", LONG), ("user", "thanks, and what about tomorrow?")),  # reply first
    _chat(("user", LONG), ("assistant", "Ok"), ("user", "more?"), ("assistant", LONG)),
    _chat(("developer", LONG), ("user", LONG), ("model", LONG)),
    _chat(("tool", LONG), ("assistant", LONG)),
    _chat(("user", "Ünïcödé façade naïve mañana " * 8), ("assistant", "ÉMIGRÉ " * 30)),
    _chat(("user", "日本語のテキストです。" * 40), ("assistant", "привет мир " * 20)),
    _chat(("user", "mixed 日本 and é " * 20), ("assistant", "Latin-1 only: ñandú " * 10)),
    _chat(("user", "emoji 🙂 " * 40), ("assistant", "a lone surrogate \udc80 mmm eee " * 6)),
    _chat(("user", "x" * 300), ("assistant", "m" * 256 + "e")),  # blobs: no space, ASCII
    _chat(("user", "x" * 255), ("assistant", "y" * 300 + " z")),
    _chat(("user", "é" * 300), ("assistant", LONG)),  # long, no space, but not ASCII
    _chat(("user", "tabs\tand\nnew lines\r\n\x00 \x1e\x1f\x85\xa0 " * 10), ("assistant", LONG)),
    _chat(("user", LONG * 200), ("assistant", LONG * 300)),  # past every stack buffer
    _chat(*[("user" if i % 2 else "assistant", f"turn {i} {LONG}") for i in range(80)]),
    _chat(("user", "Hi"), ("assistant", "one two three")),  # short answer
    _chat(("user", "Hi"), ("assistant", "one two three four")),
    _chat(("user", "Hi"), ("assistant", "one\u2003two\u2003three\u2003four")),
    _chat(("user", "Hi"), ("assistant", "  one\x1ctwo\x1dthree\x1efour  ")),
    _chat(("user", "Hi"), ("assistant", "As an AI language model, I cannot do that.")),
    _chat(("user", "Hi"), ("assistant", "I'm sorry,   but\nI can't help.")),
    _chat(("user", "Hi"), ("assistant", "I'M  SORRY but i can't")),
    _chat(("user", "Hi"), ("assistant", "Als KÜNSTLICHE Intelligenz kann ich das nicht.")),
    _chat(("user", "Hi"), ("assistant", "En tant que modèle de langage, non.")),
    _chat(("user", "Hi"), ("assistant", "I\u2019m sorry, but I can\u2019t.")),
    _chat(("user", "Hi"), ("assistant", "We have the cut you want, with the parts.")),
    _chat(("user", "Hi"), ("assistant", "x" * 190 + " as an ai model")),  # past the window
    _chat(("user", "Hi"), ("assistant", "\xa0As\xa0an\xa0AI\xa0language model")),
    [{"role": "user", "content": LONG, "name": "lee"}, {"role": "assistant", "content": LONG}],
    [{"role": "system", "content": LONG, "name": "ops"}, {"role": "assistant", "content": LONG}],
]


@pytest.mark.parametrize("messages", EDGE_CHATS)
def test_the_same_on_edge_chats(messages: list[dict[str, Any]]) -> None:
    assert _plain(messages)
    _same(messages)


@pytest.mark.parametrize(
    "messages",
    [
        {"role": "user"},
        "hello",
        [None],
        [["user", "hello"]],
        [{"role": "user"}],
        [{"content": "hello"}],
        [{"role": "user", "content": None}],
        [{"role": 1, "content": "hello"}],
        [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
        [{"role": "user", "content": "hello", "weight": 1}],
        [{"role": "assistant", "content": "hi", "tool_calls": []}],
        [{"role": "user", "content": "hello", "name": "lee", "weight": 0}],
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hi", "x": 1}],
    ],
)
def test_other_shapes_are_left_to_the_reference(messages: Any) -> None:
    assert not _plain(messages)
    _same(messages)


ROLES = st.sampled_from(["system", "developer", "user", "assistant", "model", "tool", "Ü"])
WORDS = st.sampled_from(
    ["the", "my", "order", "me", "e", "memo", "ñandú", "ÉMIGRÉ", "привет", "日本", "42",
     "x-1", "don't", "As", "an", "AI", "sorry,", "but", "I", "can't", "\t", "\n", "🙂"]
)  # fmt: skip
TEXTS = st.one_of(
    st.lists(WORDS, max_size=80).map(" ".join),
    st.text(st.characters(codec=None), max_size=300),
    st.sampled_from(["", "x" * 256, "y" * 400 + "\u00e9"]),
)
MESSAGES = st.lists(
    st.builds(lambda role, content: {"role": role, "content": content}, ROLES, TEXTS)
    | st.builds(
        lambda role, content, name: {"role": role, "content": content, "name": name},
        ROLES,
        TEXTS,
        st.text(max_size=5),
    ),
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(MESSAGES)
def test_the_same_on_generated_chats(messages: list[dict[str, Any]]) -> None:
    _same(messages)


VECTOR_TEXTS = vector_texts() | vector_texts().map(lambda t: t.encode("ascii", "ignore").decode())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.builds(lambda r, c: {"role": r, "content": c}, ROLES, VECTOR_TEXTS), max_size=4))
def test_the_same_on_chats_of_vector_edge_texts(messages: list[dict[str, Any]]) -> None:
    _same(messages)


def test_the_same_on_every_shipped_example() -> None:
    handled = 0
    for _, example in shipped_examples():
        if isinstance(example, dict) and isinstance(example.get("messages"), list):
            _same(example["messages"])
            handled += _plain(example["messages"])
    assert handled > 300


def test_the_byte_loops_alone_give_what_the_vector_loops_give() -> None:
    """``_c/compact.h`` packs 16 bytes at a time where the CPU can; a CPU without SSSE3
    runs the byte loops alone (``JSONL_GUARD_NO_VECTOR`` forces them here)."""
    rng = random.Random(3)
    alphabet = "AZaz09 \t\n\r.,:@[`{/~ÉéñÀ\x7f\x85"
    texts = ["".join(rng.choices(alphabet, k=rng.randint(0, 3000))) for _ in range(40)]
    texts += [text.encode("ascii", "ignore").decode() for text in texts]
    plain = {k: v for k, v in os.environ.items() if k != "JSONL_GUARD_NO_VECTOR"}
    vector, loops = _passes(texts, plain), _passes(texts, {**plain, "JSONL_GUARD_NO_VECTOR": "1"})
    assert (vector["vector"], loops["vector"]) == (int(platform.machine() in X86), 0)
    assert vector["passes"] == loops["passes"]


X86 = ("x86_64", "AMD64", "i686")
_PASSES = """
import json, sys
from jsonl_guard.engine import _chat
def one(text):
    sketch, prompt, answer, _ = _chat.chat_pass(
        [{"role": "user", "content": text}, {"role": "assistant", "content": text}], True, True
    )
    return [None if sketch is None else sketch.hex(), prompt, answer]
print(json.dumps({"vector": _chat.VECTOR, "passes": [one(t) for t in json.load(sys.stdin)]}))
"""


def _passes(texts: list[str], env: dict[str, str]) -> Any:
    """The C pass of each text (a user turn and its reply) in a new process."""
    done = subprocess.run(
        [sys.executable, "-c", _PASSES], input=json.dumps(texts), env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)
