"""The C accelerator of the near-duplicate sketch (engine/_minhash.c) against its
Python reference (engine/minhash.py ``reference_sketch``): the same values on every
text, so reports cannot depend on whether a machine had a compiler."""

from __future__ import annotations

from array import array
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import native_twin, shipped_examples, skip_without_twin
from jsonl_guard.engine import minhash
from jsonl_guard.engine.conversation_text import conversation_text

skip_without_twin("jsonl_guard.engine._minhash")  # no compiler: the reference runs alone


def _native_module() -> ModuleType:
    return native_twin("jsonl_guard.engine._minhash")


def _same(text: str) -> None:
    expected = minhash.reference_sketch(text)
    packed = _native_module().sketch(text)
    got = None if packed is None else list(memoryview(packed).cast("I"))
    assert got == (None if expected is None else list(expected)), text[:200]
    assert minhash.sketch(text) == expected


def test_the_accelerator_is_built_where_a_compiler_is() -> None:
    module = _native_module()
    assert minhash._native_sketch is module.sketch


def test_its_constants_are_the_references() -> None:
    module = _native_module()
    for name in ("K", "MIN_SHINGLES", "WINDOW_BYTES", "HEAD_BYTES", "HEAD_WINDOW_BYTES"):
        assert getattr(module, name) == getattr(minhash, name), name
    assert module.MAX_E_GAP == minhash.MAX_E_GAP


@pytest.mark.parametrize(
    "text",
    [
        "",
        "m",
        "e",
        "mmmm eeee mmmm",
        "Hi! Hello!",
        "where is my order today, and when will it arrive at my door",
        "The same sentence, said again and again. " * 40,
        "привет мир как дела сегодня хорошо спасибо погода город река лес дом окно " * 3,
        "日本語のテキストです。" * 50,
        "a lone surrogate \udc80 in some mmm text with eee " * 6,
        "tabs\tand\nnew lines\r\nand \x00 controls \x1f between words " * 5,
        "ÀÉÎÕÜ ñandú façade naïve mañana émigré " * 10,
        "x" * 5000 + " m " + "e" * 100,
    ],
)
def test_the_same_sketch_on_edge_texts(text: str) -> None:
    _same(text)


WORDS = st.sampled_from(
    [
        "the",
        "my",
        "order",
        "me",
        "mm",
        "e",
        "em",
        "me",
        "memo",
        "time",
        "ñandú",
        "émigré",
        "привет",
        "日本",
        "42",
        "x-1",
        "don't",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=400).map(" ".join))
def test_the_same_sketch_on_generated_prose(text: str) -> None:
    _same(text)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec=None), max_size=600))
def test_the_same_sketch_on_any_text(text: str) -> None:
    _same(text)


def test_the_same_sketch_on_every_shipped_example() -> None:
    texts = 0
    for _, example in shipped_examples():
        if isinstance(example, dict):
            _same(conversation_text(example))
            texts += 1
    assert texts > 500


def _same_similarity(one: array[int], other: array[int]) -> None:
    expected = minhash.reference_similarity(one, other)
    assert _native_module().similarity(one, other) == expected, (list(one), list(other))
    assert _native_module().similarity(one.tobytes(), other.tobytes()) == expected
    assert minhash.similarity(one, other) == expected


def _padded(values: list[int]) -> array[int]:
    return array("I", sorted(set(values))[: minhash.K] + [minhash.EMPTY] * minhash.K)[: minhash.K]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ([], []),
        ([], [1, 2, 3]),
        ([1, 2, 3], [1, 2, 3]),
        ([1, 2, 3], [4, 5, 6]),
        (list(range(32)), list(range(16, 48))),
        (list(range(0, 64, 2)), list(range(1, 65, 2))),
        ([0, minhash.EMPTY - 1], [minhash.EMPTY - 1]),
    ],
)
def test_the_same_similarity_on_edge_sketches(one: list[int], other: list[int]) -> None:
    _same_similarity(_padded(one), _padded(other))


def test_other_sizes_are_left_to_the_reference() -> None:
    short = array("I", [1, 2, 3])
    assert _native_module().similarity(short, _padded([1])) is None
    assert minhash.similarity(short, _padded([1, 2])) == minhash.reference_similarity(
        short, _padded([1, 2])
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 80), max_size=40),
    st.lists(st.integers(0, 80), max_size=40),
)
def test_the_same_similarity_on_generated_sketches(one: list[int], other: list[int]) -> None:
    _same_similarity(_padded(one), _padded(other))


def test_the_same_similarity_on_shipped_examples() -> None:
    sketches = [
        values
        for _, example in shipped_examples()
        if isinstance(example, dict)
        and (values := minhash.sketch(conversation_text(example))) is not None
    ]
    assert len(sketches) > 300
    for one, other in zip(sketches, sketches[1:] + sketches[:1], strict=True):
        _same_similarity(one, other)
    _same_similarity(sketches[0], sketches[0])
