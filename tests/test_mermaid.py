"""The step summary's token charts: mermaid ``xychart-beta`` bar charts of a real
histogram (engine/histogram.py), with nothing from the data inside a chart."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import example, write_jsonl
from jsonl_guard import Checker, CheckOptions
from jsonl_guard.engine.histogram import MAX_BINS, Histogram
from jsonl_guard.engine.report import Report
from jsonl_guard.reporters import mermaid, summary

# What a chart may hold: our own words, numbers and the quoted bin labels.
CHART_LINE = re.compile(
    r'```mermaid|xychart-beta|    title "Examples per token count"|'
    r'    x-axis \["[0-9,]+-[0-9,]+"(, "[0-9,]+-[0-9,]+")*\]|'
    r'    y-axis "examples" 0 --> [0-9]+|    bar \[[0-9]+(, [0-9]+)*\]|```'
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 200_000), min_size=1, max_size=200))
def test_every_value_is_in_exactly_its_bin(values: list[int]) -> None:
    histogram = Histogram.of(values)
    assert histogram is not None
    bins = histogram.bins
    assert 1 <= len(bins) <= MAX_BINS
    assert str(histogram.width).strip("0") in ("1", "2", "5")  # a round width
    assert histogram.start % histogram.width == 0
    assert bins[0][0] <= min(values) and max(values) <= bins[-1][1]
    assert bins[0][2] > 0 and bins[-1][2] > 0  # no empty bar at either end
    for low, high, count in bins:
        assert count == sum(1 for v in values if low <= v <= high)
    assert sum(count for _, _, count in bins) == len(values)


def test_no_values_no_histogram() -> None:
    assert Histogram.of([]) is None


def test_the_chart_draws_one_bar_per_bin_at_its_count() -> None:
    histogram = Histogram.of([10, 12, 15, 31, 31, 31, 58])
    assert histogram is not None
    lines = mermaid.chart(histogram)
    assert all(CHART_LINE.fullmatch(line) for line in lines), lines
    labels = re.findall(r'"([0-9,]+)-([0-9,]+)"', lines[3])
    bars = [int(n) for n in re.findall(r"[0-9]+", lines[5])]
    assert [(int(a), int(b)) for a, b in labels] == [(lo, hi) for lo, hi, _ in histogram.bins]
    assert bars == list(histogram.counts) == [2, 1, 0, 0, 3, 0, 0, 0, 0, 1]  # width 5, from 10
    assert lines[4] == '    y-axis "examples" 0 --> 3'


def test_a_file_name_cannot_get_into_or_out_of_a_chart(tmp_path: Path) -> None:
    name = 'x```\n%%{init: {"theme": "dark"}}%%\nclick A "javascript:alert(1)"\n<b>.jsonl'
    path = tmp_path / "safe.jsonl"
    write_jsonl(path, [example(i) for i in range(5)])
    checked = Checker(CheckOptions()).check_path(path)
    from dataclasses import replace

    report = Report((replace(checked, path=name),))
    text = summary.render(report)
    block = text[text.index("```mermaid") :]
    chart_lines = block[: block.index("```\n", 3) + 3].splitlines()
    assert all(CHART_LINE.fullmatch(line) for line in chart_lines), chart_lines
    assert text.count("```") == 2  # one fenced block, opened and closed by us
    assert "javascript:" not in text.replace("javascript&#58;", "")
    assert "<b>" not in text and "%%{" not in text


def test_sharded_checks_draw_the_same_histogram(tmp_path: Path) -> None:
    rows = [example(i) for i in range(300)]
    for i, row in enumerate(rows):  # replies of many lengths: many bins
        row["messages"][2]["content"] += " More." * (i % 40)  # type: ignore[index]
    path = write_jsonl(tmp_path / "a.jsonl", rows)
    checker = Checker(CheckOptions())
    one = checker.check_path(path)
    sharded = checker.check_path(path, jobs=4, min_parallel_bytes=0)
    assert one.tokens is not None and sharded.tokens is not None
    assert one.tokens.histogram is not None
    assert sharded.tokens.histogram == one.tokens.histogram
    assert sum(one.tokens.histogram.counts) == one.tokens.counted_examples
    assert len(one.tokens.histogram.counts) > 5


def test_many_files_chart_the_first_ten(tmp_path: Path) -> None:
    checker = Checker(CheckOptions())
    files = tuple(
        checker.check_path(write_jsonl(tmp_path / f"f{i}.jsonl", [example(i)])) for i in range(12)
    )
    text = summary.render(Report(files))
    assert text.count("```mermaid") == mermaid.MAX_CHARTS
    assert "… 2 more file(s) not charted." in text
