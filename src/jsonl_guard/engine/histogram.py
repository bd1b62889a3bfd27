"""Examples per token-count bin: the distribution a chart draws.

Bins are of one "round" width (1, 2 or 5 times a power of ten), start at a multiple of
it and cover the smallest to the largest count in at most ``MAX_BINS`` bars, so a
reader sees ``0-499, 500-999, ...`` rather than edges like ``137.4``. It is built from
the merged per-example counts, so a file checked in shards (``--jobs``) gets the same
one as a file checked in one go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
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
    def of(cls, values: Collection[int], max_bins: int = MAX_BINS) -> Histogram | None:
        """``None`` for no values."""
        if not values:
            return None
        # Token counts repeat: count each distinct one (in C), then bin the few of them.
        per_value = Counter(values)
        low, high = min(per_value), max(per_value)
        width = round_width(low, high, max_bins)
        start = low - low % width
        per_bin = [0] * ((high - start) // width + 1)
        for value, count in per_value.items():
            per_bin[(value - start) // width] += count
        return cls(start, width, tuple(per_bin))


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
