"""The C accelerator of the repeat sieve (engine/_sieve.c) against its Python reference
(engine/sieve.py ``reference_counts``): the same counts for any keys, parts and sieve
size, so the dataset rules' reports cannot depend on whether a machine had a
compiler."""

from __future__ import annotations

from array import array
from collections import Counter
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import native_twin, skip_without_twin
from jsonl_guard.engine import sieve
from jsonl_guard.engine.columns import SPILL_ENV, Column

skip_without_twin("jsonl_guard.engine._sieve")  # no compiler: the reference runs alone


def _native_module() -> ModuleType:
    return native_twin("jsonl_guard.engine._sieve")


def test_the_accelerator_is_built_where_a_compiler_is() -> None:
    assert sieve._native_counts is _native_module().repeated_counts


# Keys that clash in their low bits, and the extremes of each width.
KEYS = st.integers(0, 2**64 - 1) | st.sampled_from([0, 7, 2**32 - 1, 2**32 + 7, 2**63, 2**64 - 1])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(KEYS, max_size=200).map(lambda keys: keys + keys[: len(keys) // 3]),
    st.integers(3, 26),
    st.sampled_from([(0, 1), (0, 3), (2, 3), (4, 7)]),
    st.sampled_from([None, 0, 7, 2**64 - 1]),
    st.sampled_from(["Q", "I"]),
)
def test_the_same_counts_as_the_reference(keys, bits, part, ignore, typecode) -> None:
    if typecode == "I":
        keys = [key & 0xFFFFFFFF for key in keys]
    values = array(typecode, keys)
    expected = sieve.reference_counts(values, bits, ignore, part)
    wanted = {
        key: n
        for key, n in Counter(keys).items()
        if n > 1 and key != ignore and key % part[1] == part[0]
    }
    assert expected == wanted
    assert _native_module().repeated_counts(lambda: (values,), bits, *part, ignore) == expected


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=120), st.sampled_from(["1", "8", "1048576"]))
def test_a_spilled_column_is_read_a_chunk_at_a_time(keys, budget) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(SPILL_ENV, budget)
        column = Column("Q", keys)
        expected = {key: n for key, n in Counter(keys).items() if n > 1}
        assert sieve.repeated_counts(column, 24) == expected
        assert sieve.repeated_in_parts(column, len(keys), 24, 7) == expected


def test_other_keys_are_left_to_the_reference() -> None:
    """A list has no buffer: the Python sieve reads it."""
    assert sieve.repeated_counts([3, 1, 3, 2**70, 2**70], 8) == {3: 2, 2**70: 2}


@pytest.mark.parametrize(
    ("chunks", "arguments", "error"),
    [
        (lambda: (array("d", [1.0]),), (24, 0, 1, None), "unsigned ints"),
        (lambda: (array("i", [1]),), (24, 0, 1, None), "unsigned ints"),
        (lambda: (object(),), (24, 0, 1, None), "bytes-like"),
        (lambda: (array("Q"),), (2, 0, 1, None), "out of range"),
        (lambda: (array("Q"),), (24, 3, 3, None), "out of range"),
        (lambda: (array("Q"),), (24, 0, 1, -1), "negative|convert"),
    ],
)
def test_bad_input_raises(chunks, arguments, error) -> None:
    with pytest.raises((TypeError, ValueError, OverflowError), match=error):
        _native_module().repeated_counts(chunks, *arguments)


def test_an_error_while_reading_stops_the_sieve() -> None:
    def chunks():
        yield array("Q", [1, 1])
        raise OSError("spill file ended")

    with pytest.raises(OSError, match="spill file ended"):
        _native_module().repeated_counts(chunks, 24, 0, 1, None)
