"""A file checked in parts and merged gives the same report as the file checked whole."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES, example
from jsonl_guard import Checker, CheckOptions
from jsonl_guard._stats import DatasetStats

LINES = (EXAMPLES / "support-bad.jsonl").read_bytes().splitlines(keepends=True)
# Duplicates across the cut: the same examples appear before and after it.
DUPLICATED = LINES + [json.dumps(example(1)).encode() + b"\n"] * 3 + LINES[:4]
CHECKER = Checker(CheckOptions(max_cost=0.01))


def whole_and_merged(lines: list[bytes], cuts: list[int]):
    whole = CHECKER.check_lines(lines, path="f")
    merged, findings, start = DatasetStats(), [], 0
    for end in [*sorted(cuts), len(lines)]:
        stats, part_findings = CHECKER.collect(lines[start:end], first_line=start + 1)
        merged = merged.merge(stats)
        findings.extend(part_findings)
        start = end
    return whole, CHECKER.finish("f", merged, findings)


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
