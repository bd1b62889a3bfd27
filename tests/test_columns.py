"""``engine/columns.py``: a ``Column`` is an ``array`` that spills past its budget.

Every operation gives what the same operations give on a plain ``array``, whatever the
budget (a tiny one spills every few values), and a spilled column pickles: inline, or
by path into the hand-off directory of ``--jobs`` workers, whose file the receiver
unlinks.
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jsonl_guard.engine import columns
from jsonl_guard.engine.columns import SPILL_ENV, Column, hand_off_to, spill_bytes


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A budget of 8 bytes: two 4-byte values in memory, the rest in the file."""
    monkeypatch.setenv(SPILL_ENV, "8")
    yield


def test_the_budget_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SPILL_ENV, raising=False)
    assert spill_bytes() == columns.DEFAULT_SPILL_BYTES
    for wrong in ("", "0", "-5", "lots", "1.5"):
        monkeypatch.setenv(SPILL_ENV, wrong)
        assert spill_bytes() == columns.DEFAULT_SPILL_BYTES
    monkeypatch.setenv(SPILL_ENV, "4096")
    assert spill_bytes() == 4096


def test_a_small_column_stays_in_memory() -> None:
    column = Column("I", [3, 1, 2])
    column.append(7)
    assert not column.spilled
    assert column == array("I", [3, 1, 2, 7]) and column == [3, 1, 2, 7]
    assert (len(column), column[0], column[-1], column.slice(1, 3)) == (4, 3, 7, array("I", [1, 2]))
    assert 7 in column and 8 not in column and column and not Column("Q")
    assert pickle.loads(pickle.dumps(column)) == column
    assert repr(column) == "Column('I', 4 values)"


def test_a_spilled_column_reads_back_what_was_appended(tiny: None) -> None:
    column = Column("I")
    for value in range(11):
        column.append(value)
    assert column.spilled and "spilled" in repr(column)
    assert list(column) == list(range(11)) and len(column) == 11
    assert [column[i] for i in range(-11, 11)] == [*range(11), *range(11)]
    assert column.slice(1, 9) == array("I", range(1, 9))
    assert column.slice(9, 20) == array("I", [9, 10])
    assert column.packed(2, 5) == array("I", range(2, 5)).tobytes()  # from the file
    assert column.packed(7, 11) == array("I", range(7, 11)).tobytes()  # file, then tail
    with pytest.raises(IndexError):
        column[11]
    # Chunks hold whole groups of ``multiple`` values, but for the last one.
    chunks = list(column.chunks(3))
    assert [len(c) % 3 for c in chunks[:-1]] == [0] * (len(chunks) - 1)
    assert [v for c in chunks for v in c] == list(range(11))
    column.close()
    assert len(column) == 0 and not column.spilled


def test_extend_moves_values_by_the_offset_from_a_spilled_column(tiny: None) -> None:
    earlier, later = Column("I", range(5)), Column("I", range(100, 107))
    earlier.extend(later, 1000)
    earlier.extend(array("I", [1, 2]))
    earlier.extend([3], 10)
    assert list(earlier) == [*range(5), *range(1100, 1107), 1, 2, 13]
    assert list(later) == list(range(100, 107))  # unchanged


def test_a_spilled_column_pickles_inline_without_a_hand_off(tiny: None) -> None:
    column = Column("Q", [2**64 - 1, 0, 5, 6, 7])
    assert column.spilled
    copy = pickle.loads(pickle.dumps(column))
    assert copy == column and copy.typecode == "Q"


def test_a_hand_off_pickles_the_path_and_the_receiver_unlinks_it(tiny: None, tmp_path) -> None:
    hand_off_to(str(tmp_path))
    try:
        column = Column("I", range(9))  # spilled into a named file there
        assert len(list(tmp_path.iterdir())) == 1
        data = pickle.dumps(column)
    finally:
        hand_off_to(None)
    assert len(data) < 200  # the path, not the values
    received = pickle.loads(data)
    assert list(tmp_path.iterdir()) == []  # open, unlinked: it goes when the column does
    assert list(received) == list(range(9))
    received.extend(range(9, 12))
    assert list(received) == list(range(12))
    del column, received


def test_anonymous_spill_files_leave_nothing_in_the_temp_dir(
    tiny: None, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    column = Column("I", range(100))
    assert column.spilled and list(tmp_path.iterdir()) == []


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(0, 2**20)),
        st.tuples(
            st.sampled_from(["extend", "extend column", "frombytes"]),
            st.lists(st.integers(0, 2**20), max_size=12),
            st.sampled_from([0, 0, 7, 2**20]),
        ),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(_OPS, st.sampled_from(["1", "4", "12", "40", "1048576"]), st.data())
def test_any_appends_and_extends_equal_the_same_on_an_array(ops, budget, data) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(SPILL_ENV, budget)
        column, plain = Column("I"), array("I")
        for op in ops:
            if op[0] == "append":
                column.append(op[1])
                plain.append(op[1])
            else:
                _, values, offset = op
                if op[0] == "frombytes":  # a line's sketch comes as native bytes
                    column.frombytes(array("I", values).tobytes())
                    plain.extend(values)
                    continue
                source = Column("I", values) if op[0] == "extend column" else values
                column.extend(source, offset)
                plain.extend(v + offset for v in values)
    assert len(column) == len(plain) and list(column) == plain.tolist()
    start = data.draw(st.integers(0, len(plain)))
    stop = data.draw(st.integers(start, len(plain) + 2))
    assert column.slice(start, stop) == plain[start:stop]
    assert column.packed(start, stop) == plain[start:stop].tobytes()
    if plain:
        index = data.draw(st.integers(-len(plain), len(plain) - 1))
        assert column[index] == plain[index]
    multiple = data.draw(st.integers(1, 5))
    chunks = list(column.chunks(multiple))
    assert all(len(c) % multiple == 0 for c in chunks[:-1])
    assert [v for c in chunks for v in c] == plain.tolist()
    assert pickle.loads(pickle.dumps(column)) == plain
