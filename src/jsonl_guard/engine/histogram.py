"""Examples per token-count bin: the distribution a chart draws.

Bins are of one "round" width (1, 2 or 5 times a power of ten), start at a multiple of
it and cover the smallest to the largest count in at most ``MAX_BINS`` bars, so a
reader sees ``0-499, 500-999, ...`` rather than edges like ``137.4``. It is built from
the merged per-example counts, so a file checked in shards (``--jobs``) gets the same
one as a file checked in one go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

MAX_BINS = 12


@dataclass(frozen=True)
class Histogram:
    """``counts[i]`` examples have ``start + i*width`` to ``start + (i+1)*width - 1`` tokens."""

    start: int
    width: int
    counts: tuple[int, ...]

    @property
    def bins(self) -> list[tuple[int, int, int]]:
        """(lowest, highest, examples) of each bin, lowest first; both ends included."""
        return [
            (self.start + i * self.width, self.start + (i + 1) * self.width - 1, count)
            for i, count in enumerate(self.counts)
        ]

    @classmethod
    def of(cls, values: Sequence[int], max_bins: int = MAX_BINS) -> Histogram | None:
        """``None`` for no values."""
        if not values:
            return None
        low, high = min(values), max(values)
        width = round_width(low, high, max_bins)
        start = low - low % width
        bins = (high - start) // width + 1
        per_bin = Counter((value - start) // width for value in values)
        return cls(start, width, tuple(per_bin[i] for i in range(bins)))


def round_width(low: int, high: int, max_bins: int = MAX_BINS) -> int:
    """The smallest round width whose bins, starting at a multiple of it, cover
    ``low``..``high`` in at most ``max_bins``."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            width = step * scale
            if high // width - low // width + 1 <= max_bins:
                return width
        scale *= 10
