"""What a report shows beyond its counts: histograms, longest examples, duplicate groups.

Built once per file from its merged ``DatasetStats`` (``FileRun.finish``), so a file
checked whole, in ``--jobs`` workers or as merged shards gets the same details: the
histograms bin the exact per-example counts the stats already hold, the longest
examples and the finding excerpts are kept bounded and merge-stable in the stats,
and duplicate groups come from the same digests as the duplicate rule (JG303).
Everything is bounded (``BINS`` bins, ``LONGEST`` examples, ``MAX_GROUPS`` groups of
``MAX_GROUP_LINES`` lines listed), whatever the file size. The HTML report and the
notebook view draw them; ``jsonl-guard check --format json`` does not carry them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cached_property

from .stats import DatasetStats

BINS = 20
MAX_GROUPS = 20
MAX_GROUP_LINES = 10


@dataclass(frozen=True)
class Histogram:
    """Examples per bin of ``width`` tokens: bin ``i`` counts values in
    ``[i * width, (i + 1) * width)``; ``limit``: the model's per-example limit."""

    width: int
    counts: tuple[int, ...]
    limit: int | None

    @classmethod
    def of(cls, values: Collection[int], limit: int | None) -> Histogram:
        """``BINS`` bins from 0 past the largest value, stretched to show the limit when
        it is near (up to twice the largest value); a far limit is only named."""
        top = max(values, default=0)
        if limit is not None and limit <= 2 * max(top, 1):
            top = max(top, limit)
        width = max(1, math.ceil((top + 1) / BINS))
        counts = [0] * BINS
        # Token counts repeat: bin each distinct value once (Counter counts in C).
        for value, times in Counter(values).items():
            counts[min(value // width, BINS - 1)] += times
        return cls(width, tuple(counts), limit)

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def span(self) -> int:
        """The tokens the bins cover (the x axis)."""
        return self.width * len(self.counts)

    def bins(self) -> Iterable[tuple[int, int, int]]:
        """(first value, last value, count) of each bin."""
        for i, count in enumerate(self.counts):
            yield i * self.width, (i + 1) * self.width - 1, count


@dataclass(frozen=True)
class DuplicateGroup:
    """An example repeated: its first line, the first ``MAX_GROUP_LINES`` repeats, and
    how many repeats there are in all."""

    first: int
    lines: tuple[int, ...]
    repeats: int


@dataclass(frozen=True)
class FileDetails:
    tokens: Histogram
    # Assistant tokens per example: what trains (the training preview's trained tokens
    # when ``--tokenizer`` with a chat template gave one).
    trained: Histogram
    trained_source: str  # "assistant" or "training preview"
    longest: tuple[tuple[int, int], ...]  # (line, tokens), longest first
    duplicate_groups: tuple[DuplicateGroup, ...]
    duplicate_groups_total: int  # groups in the file, listed or not
    excerpts: tuple[tuple[int, str], ...]  # (line, text) of listed findings' lines

    @classmethod
    def of(
        cls, stats: DatasetStats, *, limit: int | None, lines: Iterable[int | None]
    ) -> FileDetails:
        """``lines``: the lines the report lists findings on (their text is kept)."""
        preview = bool(stats.trained)
        wanted = set(lines)
        groups, total = _duplicate_groups(stats)
        return cls(
            Histogram.of(stats.totals, limit),
            Histogram.of(stats.trained if preview else stats.assistant, limit),
            "training preview" if preview else "assistant",
            tuple(stats.longest_examples()),
            groups,
            total,
            tuple((line, text) for line, text in stats.excerpts.items() if line in wanted),
        )

    def excerpt(self, line: int | None) -> str | None:
        return None if line is None else self._by_line.get(line)

    @cached_property
    def _by_line(self) -> dict[int, str]:
        """``excerpts`` by line, built once: the HTML report asks once per finding."""
        return dict(self.excerpts)


def _duplicate_groups(stats: DatasetStats) -> tuple[tuple[DuplicateGroup, ...], int]:
    """The first ``MAX_GROUPS`` groups (in the order of their first repeat, listed by
    first line) and how many there are."""
    if not stats.repeated():
        return (), 0
    repeats: dict[int, list[int]] = {}
    counts: dict[int, int] = {}
    for line, first in stats.iter_duplicates():
        counts[first] = counts.get(first, 0) + 1
        if first in repeats:
            if len(repeats[first]) < MAX_GROUP_LINES:
                repeats[first].append(line)
        elif len(repeats) < MAX_GROUPS:
            repeats[first] = [line]
    groups = tuple(
        DuplicateGroup(first, tuple(lines), counts[first])
        for first, lines in sorted(repeats.items())
    )
    return groups, len(counts)
