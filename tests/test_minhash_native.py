"""The C accelerator of the near-duplicate sketch (engine/_minhash.c) against its
Python reference (engine/minhash.py ``reference_sketch``): the same values on every
text, so reports cannot depend on whether a machine had a compiler."""

from __future__ import annotations

import random
from array import array
from collections import Counter
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import native_twin, shipped_examples, skip_without_twin, vector_texts
from jsonl_guard.engine import minhash, near_pairs
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
        "e" * 5000 + " m",  # more "e"s in a row than a byte counter holds: summed in time
        "Me, me " * 2000,
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


@settings(max_examples=300, deadline=None)
@given(vector_texts())
def test_the_same_sketch_on_vector_edge_texts(text: str) -> None:
    _same(text)
    _same(text.encode("ascii", "ignore").decode())  # an ASCII text of them


def test_a_long_run_of_es_is_counted_in_full() -> None:
    """The vector count of "e"s (``count_byte``) sums its byte counters before they
    wrap: 4,100 "e"s in a row, then words, is just "e"-rich enough for the anchored
    windows; an undercount would shingle it by word pairs instead."""
    rng = random.Random(5)
    words = " ".join(
        "".join(rng.choices("abcdfgmnoprstuvx", k=rng.randint(2, 8))) for _ in range(30_000)
    )
    text = "e" * 4100 + words
    squeezed = minhash.squeeze(text)
    assert squeezed.count(b"e") * minhash.MAX_E_GAP >= len(squeezed)
    assert (squeezed.count(b"e") - 4096) * minhash.MAX_E_GAP < len(squeezed)
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
    assert minhash.similarity(one.tobytes(), other.tobytes()) == expected
    with pytest.MonkeyPatch.context() as monkeypatch:  # a build without the twin
        monkeypatch.setattr(minhash, "_native_similarity", None)
        assert minhash.similarity(one.tobytes(), other) == expected


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


# -- the pair search's candidate sources (near_pairs._native_sources) ----------------


def _sketches_of(rows: list[list[int]]) -> near_pairs.Sketches:
    """Sketches whose index keys are ``rows`` (each padded to K with larger values)."""
    sketches = near_pairs.Sketches()
    for line, keys in enumerate(rows):
        tail = [minhash.EMPTY - 1] * (minhash.K - len(keys))
        sketches.add(array("I", keys + tail), line)
    return sketches


def _native_listed(
    sketches: near_pairs.Sketches,
    part: tuple[int, int],
    *,
    ranked: bool,
    repeats: dict[int, int] | None = None,
) -> list[int]:
    """The C listing of ``part``, from the sieve's repeated keys (or ``repeats``)."""
    listed: list[int] = []
    _native_module().sources(
        lambda: sketches.values.chunks(minhash.K),
        near_pairs._repeated_keys(sketches, part) if repeats is None else repeats,
        near_pairs.LEADERS,
        near_pairs.MAX_COMPARISONS,
        ranked,
        lambda chunk: listed.extend(memoryview(chunk).cast("I")),
    )
    return listed


def _counted_keys(rows: list[list[int]], part: tuple[int, int]) -> dict[int, int]:
    """The repeated index keys of ``part``, counted without a sieve."""
    keys = [key for row in rows for key in row if key != minhash.EMPTY and key % part[1] == part[0]]
    return {key: n for key, n in Counter(keys).items() if n > 1}


def _reference_listed(
    sketches: near_pairs.Sketches, part: tuple[int, int], *, ranked: bool
) -> list[int]:
    listed: list[int] = []
    for index, sources in near_pairs._sources(sketches, part):
        if not ranked:
            listed += [value for source in sources for value in (index, source)]
        elif chosen := near_pairs.reference_ranked(sources):
            listed += [index, len(chosen), *chosen]
    return listed


# Index keys from a few values, so keys repeat once, twice and past LEADERS; EMPTY pads
# a short sketch (never a key). Sorted and distinct within a row, as a sketch's are.
KEY_ROWS = st.lists(
    st.lists(st.sampled_from([*range(1, 13), minhash.EMPTY]), min_size=4, max_size=4).map(
        lambda keys: sorted(set(keys)) + [minhash.EMPTY] * (4 - len(set(keys)))
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(KEY_ROWS, st.sampled_from([(0, 1), (0, 3), (1, 3), (2, 3)]), st.booleans())
def test_the_same_sources_as_the_reference(rows, part, ranked) -> None:
    sketches = _sketches_of(rows)
    expected = _reference_listed(sketches, part, ranked=ranked)
    assert _native_listed(sketches, part, ranked=ranked) == expected
    # The sieve's keys are the keys that repeat: the same from a plain count.
    counted = _counted_keys(rows, part)
    assert _native_listed(sketches, part, ranked=ranked, repeats=counted) == expected


def test_its_search_constants_hold_the_references() -> None:
    module = _native_module()
    assert module.INDEX_KEYS == minhash.INDEX_KEYS
    assert near_pairs.LEADERS <= module.MAX_LEADERS
    assert near_pairs._native_sources is module.sources


def test_the_search_reads_chunks_as_they_come_and_hands_each_on() -> None:
    """Sketches spilled in chunks of a few: one hand-off a chunk with lines to list."""
    rows = [[1, 2, 3, 4]] * 9
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("JSONL_GUARD_SPILL_BYTES", str(3 * 4 * minhash.K))
        sketches = _sketches_of(rows)
        handed: list[bytes] = []
        _native_module().sources(
            lambda: sketches.values.chunks(minhash.K), {1: 9, 2: 9, 3: 9, 4: 9}, 4, 8, False,
            handed.append,
        )  # fmt: skip
    assert len(handed) == 3  # the first chunk's first line has no source: still listed
    listed = [value for chunk in handed for value in memoryview(chunk).cast("I")]
    assert listed == _reference_listed(sketches, (0, 1), ranked=False)


@pytest.mark.parametrize(
    ("chunks", "arguments", "error"),
    [
        (lambda: [b"\0" * 12], ({1: 2}, 4, 8, True), "not whole sketches"),
        (lambda: [b"\0" * 128], ({1: 2}, 5, 8, True), "out of range"),
        (lambda: [b"\0" * 128], ({1: 2}, 4, -1, True), "out of range"),
        (lambda: [b"\0" * 128], ({minhash.EMPTY: 2}, 4, 8, True), "out of range"),
        (lambda: [b"\0" * 128], ({2**40: 2}, 4, 8, True), "out of range|too large"),
        (lambda: [b"\0" * 128], ([1, 2], 4, 8, True), "dict"),
        (lambda: [object()], ({1: 2}, 4, 8, True), "bytes-like"),
    ],
)
def test_bad_input_to_the_search_raises(chunks, arguments, error) -> None:
    with pytest.raises((ValueError, TypeError, OverflowError), match=error):
        _native_module().sources(chunks, *arguments, lambda _: None)


def test_an_error_in_the_sink_stops_the_search() -> None:
    sketches = _sketches_of([[1, 2, 3, 4]] * 3)

    def sink(_: bytes) -> None:
        raise KeyError("stop")

    with pytest.raises(KeyError, match="stop"):
        _native_module().sources(
            lambda: sketches.values.chunks(minhash.K), {1: 3}, 4, 8, False, sink
        )
