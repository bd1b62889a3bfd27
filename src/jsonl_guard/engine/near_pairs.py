"""Near-duplicate pairs from the sketches of a file (and of the training files).

``Sketches`` is what a file keeps: each sketched example's ``minhash.K`` values and its
line (132 bytes an example), appended in line order, so the sketches of byte ranges
and shards merge by appending, like the rest of ``DatasetStats``.

Candidates are found without comparing every pair: each sketch is indexed by its
``INDEX_KEYS`` smallest values, and two texts whose Jaccard similarity is J share the
smallest value of their union with probability J, so near-duplicates share an index
key almost always (recall is measured in ``benchmarks/bench_near_duplicates.py``) and
unrelated texts almost never. Work stays bounded whatever the data: a key keeps its
first ``LEADERS`` examples as sources, and a line is compared with at most
``MAX_COMPARISONS`` of them, those that share the most keys with it first, then the
earliest; it is paired with the first one whose estimated similarity reaches the
threshold.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from .minhash import EMPTY, INDEX_KEYS, K, similarity
from .sieve import repeated_counts

LEADERS = 4
MAX_COMPARISONS = 8
# 2**22 bits (512 KB) sift index keys for repeats without a set of them all.
_SIEVE_BITS = 22


@dataclass
class Sketches:
    values: array[int] = field(default_factory=lambda: array("I"))  # K per example
    lines: array[int] = field(default_factory=lambda: array("I"))

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, sketch: bytes | array[int], line: int) -> None:
        """``sketch``: its K values, as an array or as their native bytes (a line's
        outcome carries bytes: ``chat_pass`` makes no array)."""
        if isinstance(sketch, bytes):
            self.values.frombytes(sketch)
        else:
            self.values.extend(sketch)
        self.lines.append(line)

    def extend(self, later: Sketches, offset: int = 0) -> None:
        """Append ``later``, its lines moved ``offset`` further into the file."""
        self.values.extend(later.values)
        if offset:
            self.lines.extend(line + offset for line in later.lines)
        else:
            self.lines.extend(later.lines)

    def of(self, index: int) -> array[int]:
        return self.values[index * K : (index + 1) * K]

    def keys(self) -> Iterator[tuple[int, ...]]:
        """Each example's index keys (its smallest values; padding included)."""
        return zip(*(self.values[rank::K] for rank in range(INDEX_KEYS)), strict=True)


# A candidate source: (its rank in the order sources are preferred, sketches, index).
Candidate = tuple[int, Sketches, int]
_RANK = itemgetter(0)


def _first_similar(
    sketches: Sketches, index: int, sources: list[Candidate], threshold: float
) -> tuple[Candidate, float] | None:
    """The first of ``sources`` as similar as ``threshold``.

    A source is listed once per index key it shares, twice for a key no other line
    holds. Only sources listed twice are compared: a near-duplicate shares most of its
    smallest values, while a line that shares one common shingle (a phrase every
    example has) shares only that one, and comparing every such line would cost a
    comparison per line on a repetitive dataset. Those listed most come first, then
    the earliest.
    """
    shared = Counter(map(_RANK, sources))  # C-level counting: most lines share nothing
    if len(shared) == len(sources):
        return None
    by_rank = {source[0]: source for source in sources}
    ranked = sorted((rank for rank, n in shared.items() if n > 1), key=lambda r: (-shared[r], r))
    mine = sketches.of(index)
    for rank in ranked[:MAX_COMPARISONS]:
        source = by_rank[rank]
        estimate = similarity(mine, source[1].of(source[2]))
        if estimate >= threshold:
            return source, estimate
    return None


def pairs_within(sketches: Sketches, threshold: float) -> Iterator[tuple[int, int, float]]:
    """(line, earlier line, estimated similarity) for each line as similar as
    ``threshold`` to an earlier one, in line order.

    ``_first_similar``'s rule, with sources as plain indexes (one file: no need for
    candidates naming theirs), since most lines share only common keys and are ruled
    out by the first count."""
    # The index keys, one column per rank (16 bytes an example), sieved as one array,
    # then read again as each example's keys: no other copy of them is made.
    columns = [sketches.values[rank::K] for rank in range(INDEX_KEYS)]
    every_key = array("I")
    for column in columns:
        every_key.extend(column)
    counts = repeated_counts(every_key, _SIEVE_BITS, ignore=EMPTY)
    del every_key
    if not counts:
        return
    postings: dict[int, list[int]] = {}
    for index, keys in enumerate(zip(*columns, strict=True)):
        sources: list[int] = []
        for key in keys:
            if key in counts:
                owners = postings.setdefault(key, [])
                sources += owners * 2 if counts[key] == 2 else owners
                if len(owners) < LEADERS:
                    owners.append(index)
        if len(sources) < 2:
            continue
        shared = Counter(sources)
        if len(shared) == len(sources):
            continue
        ranked = sorted((i for i, n in shared.items() if n > 1), key=lambda i: (-shared[i], i))
        mine = sketches.of(index)
        for source in ranked[:MAX_COMPARISONS]:
            estimate = similarity(mine, sketches.of(source))
            if estimate >= threshold:
                yield sketches.lines[index], sketches.lines[source], estimate
                break


def pairs_between(
    sketches: Sketches, others: Sequence[tuple[str, Sketches]], threshold: float
) -> Iterator[tuple[int, str, int, float]]:
    """(line, other file, its line, estimated similarity) for each line as similar as
    ``threshold`` to a line of ``others`` (the first such, in file then line order)."""
    wanted: dict[int, list[int]] = {}
    for index, keys in enumerate(sketches.keys()):
        for key in keys:
            if key != EMPTY:
                wanted.setdefault(key, []).append(index)
    postings: dict[int, list[Candidate]] = {}
    counts = {key: len(indexes) for key, indexes in wanted.items()}
    paths: dict[int, str] = {}  # a file's first rank -> its path
    start = 0
    for path, other in others:
        paths[start] = path
        for source, keys in enumerate(other.keys()):
            for key in keys:
                if key in wanted:
                    counts[key] += 1
                    owners = postings.setdefault(key, [])
                    if len(owners) < LEADERS:
                        owners.append((start + source, other, source))
        start += len(other)
    for index, keys in enumerate(sketches.keys()):
        sources: list[Candidate] = []
        for key in keys:
            listed = postings.get(key, [])
            sources += listed * 2 if counts.get(key) == 2 else listed
        found = _first_similar(sketches, index, sources, threshold) if sources else None
        if found is not None:
            (rank, other, source), estimate = found
            path = paths[max(first for first in paths if first <= rank)]
            yield sketches.lines[index], path, other.lines[source], estimate
