"""A file checked in parts and merged gives the same report as the file checked whole."""

from __future__ import annotations

import json
from array import array
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES, example
from jsonl_guard import Checker, CheckOptions, Shard
from jsonl_guard.engine.sieve import repeated_counts
from jsonl_guard.engine.stats import (
    EXCERPT_CHARS,
    EXCERPTS,
    LONGEST,
    DatasetStats,
    percentiles,
)

LINES = (EXAMPLES / "support-bad.jsonl").read_bytes().splitlines(keepends=True)
# Duplicates across the cut: the same examples appear before and after it.
DUPLICATED = LINES + [json.dumps(example(1)).encode() + b"\n"] * 3 + LINES[:4]
CHECKER = Checker(CheckOptions(max_cost=0.01))


def whole_and_merged(lines: list[bytes], cuts: list[int]):
    whole = CHECKER.check_lines(lines, path="f")
    run, merged, start = CHECKER.open(), Shard(), 0
    for end in [*sorted(cuts), len(lines)]:
        # Numbered from their place in the file: appended with no offset.
        part = run.feed(lines[start:end], first_line=start + 1)
        merged.stats.extend(part.stats)
        merged.findings.extend(part.findings)
        start = end
    return whole, run.finish("f", merged)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, len(DUPLICATED)), max_size=4))
def test_merged_parts_equal_the_whole(cuts):
    whole, merged = whole_and_merged(DUPLICATED, cuts)
    assert merged == whole


def test_duplicates_across_parts_point_at_the_first_occurrence():
    whole, merged = whole_and_merged(DUPLICATED, [len(LINES) + 1])
    repeats = [(d.line, d.message) for d in whole.diagnostics if d.code == "JG303"]
    assert repeats[:2] == [
        (len(LINES) + 2, f"the example repeats line {len(LINES) + 1}"),
        (len(LINES) + 3, f"the example repeats line {len(LINES) + 1}"),
    ]
    assert merged == whole


def _reference_percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 300) | st.integers(0, 2**40), min_size=1, max_size=60),
    st.lists(st.floats(0, 1), min_size=1, max_size=3),
)
def test_percentiles_from_value_counts_equal_those_of_the_sorted_values(values, qs):
    got = percentiles(array("q", values), tuple(qs))
    assert got == [_reference_percentile(values, q) for q in qs]


def _reference_duplicates(digests: list[int]) -> list[tuple[int, int]]:
    first: dict[int, int] = {}
    repeats = []
    for line, digest in enumerate(digests, 1):
        if digest in first:
            repeats.append((line, first[digest]))
        else:
            first[digest] = line
    return repeats


# Digests that share their low bits (the sieve's slot) but are different examples.
_CLASHING = st.integers(0, 3).map(lambda high: (high << 40) | 12345)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1) | _CLASHING | st.sampled_from([7, 2**63]), max_size=40))
def test_duplicates_are_exactly_the_repeated_digests_at_their_first_line(digests):
    stats = DatasetStats()
    for line, digest in enumerate(digests, 1):
        stats.add_digest(digest.to_bytes(8, "little"), line)
    assert stats.duplicates == _reference_duplicates(digests)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 40), max_size=40),  # token counts, many ties
    st.lists(st.integers(0, 40), max_size=3),
)
def test_longest_examples_and_excerpts_merge_to_those_of_the_whole(totals, cuts):
    """The bounded parts of the stats (the top LONGEST, the first EXCERPTS) keep the same
    entries whatever the split: ties go to the earlier line."""
    whole = DatasetStats()
    for line, total in enumerate(totals, 1):
        whole.add_longest(total, line)
        whole.add_excerpt(line, f"line {line}".encode())
    merged, start = DatasetStats(), 0
    for end in [*sorted(min(c, len(totals)) for c in cuts), len(totals)]:
        part = DatasetStats()  # numbered from 1 within the part, moved by the offset
        for line, total in enumerate(totals[start:end], 1):
            part.add_longest(total, line)
            part.add_excerpt(line, f"line {start + line}".encode())
        merged.extend(part, offset=start)
        start = end
    reference = sorted(enumerate(totals, 1), key=lambda pair: (-pair[1], pair[0]))[:LONGEST]
    assert whole.longest_examples() == merged.longest_examples() == reference
    assert merged.excerpts == whole.excerpts
    assert list(whole.excerpts) == list(range(1, min(len(totals), EXCERPTS) + 1))


def test_excerpts_are_bounded_and_cut_with_a_mark():
    stats = DatasetStats()
    for line in range(1, EXCERPTS + 50):
        stats.add_excerpt(line, b"x" * (EXCERPT_CHARS + 10))
    assert len(stats.excerpts) == EXCERPTS
    assert all(text == "x" * EXCERPT_CHARS + "…" for text in stats.excerpts.values())
    stats.extend(stats_with_excerpt(), offset=10_000)  # full: nothing more is kept
    assert len(stats.excerpts) == EXCERPTS


def stats_with_excerpt() -> DatasetStats:
    later = DatasetStats()
    later.add_excerpt(1, "é".encode())
    assert later.excerpts == {1: "é"}
    return later


def test_merged_parts_have_the_wholes_details():
    whole, merged = whole_and_merged(DUPLICATED, [5, len(LINES) + 2])
    assert merged.details == whole.details
    details = whole.details
    assert details is not None and details.excerpts and details.duplicate_groups
    assert details.longest[0][1] == whole.tokens.max_example
    assert sum(details.tokens.counts) == whole.tokens.counted_examples


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**64 - 1) | _CLASHING | st.sampled_from([7, 2**63]), max_size=300),
    st.integers(6, 26),
    st.sampled_from([None, 7, 12345]),
)
def test_the_sieve_counts_exactly_the_repeated_keys(keys, bits, ignore):
    """Whatever the sieve's size (it shrinks to about eight bits a key), the result is
    the keys that occur twice or more, with their counts."""
    expected = {key: n for key, n in Counter(keys).items() if n > 1 and key != ignore}
    assert repeated_counts(array("Q", keys), bits, ignore=ignore) == expected
