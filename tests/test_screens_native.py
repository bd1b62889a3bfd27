"""The C accelerator of the content rules' byte loops (rules/_screens.c) against its
Python references: the secret/PII screen (rules/sensitive.py ``reference_screens``)
and the answer digest (rules/replies.py ``reference_digest``)."""

from __future__ import annotations

from types import ModuleType

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import native_twin, shipped_examples, skip_without_twin, vector_texts
from jsonl_guard.rules import refusals, replies, sensitive

skip_without_twin("jsonl_guard.rules._screens")  # no compiler: the reference runs alone
ENCODER = msgspec.json.Encoder()


def _native() -> ModuleType:
    return native_twin("jsonl_guard.rules._screens")


def _same_screens(data: bytes) -> None:
    found = _native().screens(data)
    assert (bool(found & 1), bool(found & 2), bool(found & 4)) == sensitive.reference_screens(
        data
    ), data[:200]


def _same_digest(text: str) -> None:
    assert replies.digest(text) == replies.reference_digest(text), text[:200]


def test_the_accelerator_is_the_one_in_use() -> None:
    module = _native()
    assert sensitive._native_screens is module.screens
    assert replies._native_digest is module.digest
    assert len(sensitive._TOKEN) == module.TOKEN_RUN
    assert module.MIN_DIGITS == sensitive._MIN_DIGITS


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"@",
        b"sk-proj-Zr7Gm2Qx9Lw4Tn8Vb1Hc6Jd3",
        b"a" * 18,
        b"a" * 19,
        b"a.b-c_d" * 3,
        b"call +1 (415) 555-0100 now",
        b"123456",
        b"1 2 3 4 5 6 7",
        b"1-2.3(4)5+6 7",
        b"123456x7",
        b"12345\n67",
        "ñandú 1234567 émigré".encode(),
        # The C screen reads two stretches, the second after a byte that ends both
        # runs: runs across the middle, and no such byte at all.
        b"a" * 10 + b'"' + b"b" * 18 + b'"' + b"c" * 10,
        b"x" * 30 + b'",' + b"y" * 19,
        b"12345" + b'"' + b"67" + b"," + b"1 2 3 4 5 6",
        b"a b c " * 50 + b"d" * 19,
        b"a" * 1000,
        b"1 " * 500,
        # The vector screen's 64-byte blocks: runs that end or reach a threshold at a
        # block's first or last byte, or go on through a whole block.
        b"#" * 45 + b"a" * 19,
        b"#" * 46 + b"a" * 18 + b"#",
        b"#" * 63 + b"a" * 19,
        b"#" * 64 + b"a" * 18 + b",",
        b"a" * 64 + b"#" * 64,
        b"#" * 60 + b"a" * 70 + b"#",
        b"#" * 62 + b"12" + b"34567",
        b"#" * 63 + b"1" + b"#" * 63 + b"234567",
        b"#" * 63 + b"1" + b"(2)" * 20,
        b"1 2 3" + b"-" * 120 + b"4 5 6 7",
        b"#" * 20 + b"1234567" + b"#" * 40,  # exactly the digits of a run in one block
        b"#" * 60 + b"1234" + b"567" + b"#" * 61,  # and across two
    ],
)
def test_the_same_screens_on_edge_bytes(data: bytes) -> None:
    _same_screens(data)


SCREEN_BYTES = st.sampled_from([*b'aZ_-.09 ()+@#\n"\\:,{}', 0xC3, 0xB1])


@settings(max_examples=400, deadline=None)
@given(st.lists(SCREEN_BYTES, max_size=300).map(bytes))
def test_the_same_screens_on_generated_bytes(data: bytes) -> None:
    _same_screens(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_the_same_screens_on_any_bytes(data: bytes) -> None:
    _same_screens(data)


# Runs of each class near the thresholds, so they end, continue or reach a threshold
# on every side of the vector screen's 64-byte blocks (and blocks with digits enough
# to go through the byte loop, carrying both runs in and out of it).
RUNS = st.tuples(
    st.sampled_from([b"a", b"Z", b"_", b"-", b".", b"7", b"1 ", b"2-", b"(3)", b"+4"]),
    st.integers(0, 24),
    st.sampled_from([b"", b",", b'"', b" ", b"x", b"\xc3\xb1", b"@"]),
).map(lambda run: run[0] * run[1] + run[2])


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 70), st.lists(RUNS, max_size=60).map(b"".join))
def test_the_same_screens_on_runs_across_blocks(offset: int, data: bytes) -> None:
    _same_screens(b"#" * offset + data)
    _same_screens(b"a" * offset + data)
    _same_screens(b"1 " * (offset // 2) + data)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " \t\n\r\x0b\x0c",
        "Hello World",
        "HELLO   world\n",
        "ñandú ÉMIGRÉ",
        "日本語 テキスト",
        "a lone surrogate \udc80",
        "x" * 6000,  # past Adler-32's deferred modulo
        "ÿ" * 20000,
        # The C digest normalises into a 2 kB buffer: characters of 1 to 4 UTF-8
        # bytes across its ends.
        "日本" * 3000,
        "x" * 2047 + "日本 🙂" * 900,
        "é" * 3000 + "\U0001f642",
    ],
)
def test_the_same_digest_on_edge_texts(text: str) -> None:
    _same_digest(text)


@settings(max_examples=400, deadline=None)
@given(st.text(st.characters(codec=None), max_size=300))
def test_the_same_digest_on_any_text(text: str) -> None:
    _same_digest(text)


@settings(max_examples=300, deadline=None)
@given(vector_texts())
def test_the_same_digest_on_vector_edge_texts(text: str) -> None:
    _same_digest(text)
    _same_digest(text.encode("ascii", "ignore").decode())  # an ASCII text of them


def test_the_same_on_every_shipped_example() -> None:
    lines = 0
    for raw, example in shipped_examples():
        _same_screens(ENCODER.encode(example))
        _same_digest(raw.decode("utf-8", "surrogatepass"))
        lines += 1
    assert lines > 500


# -- the refusal pre-screen (_c/refusal_screen.c), for replies outside the chat pass --


def test_the_refusal_screen_is_the_one_in_use() -> None:
    assert replies._may_refuse is _native().may_refuse


REFUSAL_WORDS = st.sampled_from(
    ["As", "an", "AI", "language", "model,", "I'm", "I", "am", "sorry,", "but", "can't",
     "can\u2019t", "cannot", "help", "with", "that", "fulfill", "comply", "my", "knowledge",
     "cutoff", "don't", "have", "personal", "opinions", "En", "tant", "que", "modèle", "de",
     "langage", "Als", "KI-Sprachmodell", "künstliche", "Intelligenz", "Como", "modelo",
     "lenguaje", "APOLOGIZE", "\n", "\t", "  ", "🙂", "Ünïcödé", "x" * 60]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(REFUSAL_WORDS, max_size=60).map(" ".join) | st.text(max_size=300))
def test_the_refusal_screen_never_hides_a_phrase(text: str) -> None:
    """Where the screen says no phrase can be there, ``refusal`` finds none; and the keys
    of a reply that is not plain chat (it runs through ``_refusal``) are the same."""
    found = refusals.refusal(text)
    if not _native().may_refuse(text):
        assert found == 0, text
    assert replies._refusal(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "As an AI language model, I cannot do that.",
        "I'm sorry, but I can't help with that.",
        "  i   APOLOGISE,   but i won't",
        "x" * 190 + " As an AI model",  # inside the window
        "x" * 200 + " As an AI model",  # past it
        "Als künstliche Intelligenz kann ich das nicht.",
        "Here is your answer.",
        "",
    ],
)
def test_refusals_are_read_the_same_through_the_screen(text: str) -> None:
    assert replies._refusal(text) == refusals.refusal(text)
    example = {
        "messages": [
            {"role": "user", "content": "Q"},
            {"role": "assistant", "content": text, "weight": 1},
        ]
    }
    keys = replies.answer_keys(example)
    assert keys is not None and keys.refusal == refusals.refusal(text)
