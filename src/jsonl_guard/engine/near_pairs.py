"""Near-duplicate pairs from the sketches of a file (and of the training files).

``Sketches`` is what a file keeps: each sketched example's ``minhash.K`` values and its
line (132 bytes an example), appended in line order, so the sketches of byte ranges
and shards merge by appending, like the rest of ``DatasetStats``. Both are ``Column``s
(engine/columns.py): past a budget they live in a temporary file, so the passes below
read them in order, a chunk at a time, and fetch an earlier sketch by its offset.

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

import itertools
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from .columns import Column
from .minhash import EMPTY, INDEX_KEYS, K, similarity
from .sieve import parts, repeated_counts

_native_sources: Callable[..., None] | None
try:  # the optional C accelerator (setup.py): absent, the Python reference runs
    from ._minhash import sources as _native_sources
except ImportError:  # pragma: no cover - a build without a C compiler
    _native_sources = None

LEADERS = 4
MAX_COMPARISONS = 8
# 2**24 bits (2 MB) sift index keys for repeats without a set of them all; 2**21 keys a
# part (~524,000 examples) let through ~130,000 that are not repeats (the bits grow
# full as keys are sifted) and hold the repeated ones' tables: on bench_memory's
# chat data, ~0.35 repeated keys an example, ~37 MB a part in Python's dicts by the
# arithmetic; with the C sieve and search, ~30 MB at most (the sieve's 16 bytes a
# sifted key, then a dict of the repeated keys and their postings of 28 bytes). Smaller
# parts hold less but cost CPU: a file of several parts lists and gathers its lines'
# sources (150,000 examples in 3 parts of 2**19: ~15% more CPU for the whole check).
_SIEVE_BITS = 24
KEYS_PER_PART = 1 << 21
# Lines whose sources from every part are gathered at once (a dict of their lists).
WINDOW = 4096


@dataclass
class Sketches:
    values: Column = field(default_factory=lambda: Column("I"))  # K per example
    lines: Column = field(default_factory=lambda: Column("I"))

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
        self.lines.extend(later.lines, offset)

    def of(self, index: int) -> array[int]:
        return self.values.slice(index * K, (index + 1) * K)

    def packed(self, index: int) -> bytes:
        """``of(index)`` as its values' native bytes (no array made)."""
        return self.values.packed(index * K, (index + 1) * K)

    def rows(self) -> Iterator[tuple[array[int], Iterator[tuple[int, ...]]]]:
        """Chunks of whole sketches, each with its examples' index keys (their smallest
        values; padding included), read once in order."""
        for chunk in self.values.chunks(K):
            yield chunk, zip(*(chunk[rank::K] for rank in range(INDEX_KEYS)), strict=True)

    def keys(self) -> Iterator[tuple[int, ...]]:
        """Each example's index keys, in order."""
        for _, keys in self.rows():
            yield from keys


class _EveryKey:
    """Every index key of every example, in arrays, as often as they are asked for (the
    sieve reads them twice), from the column rather than from a copy of them all."""

    typecode = "I"  # what its arrays hold: the C sieve reads them

    def __init__(self, sketches: Sketches) -> None:
        self.sketches = sketches

    def chunks(self) -> Iterator[array[int]]:
        for chunk in self.sketches.values.chunks(K):
            for rank in range(INDEX_KEYS):
                yield chunk[rank::K]


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
    ranked = reference_ranked(list(map(_RANK, sources)))
    if not ranked:
        return None
    by_rank = {source[0]: source for source in sources}
    mine = sketches.packed(index)
    for rank in ranked:
        source = by_rank[rank]
        estimate = similarity(mine, source[1].packed(source[2]))
        if estimate >= threshold:
            return source, estimate
    return None


def pairs_within(sketches: Sketches, threshold: float) -> Iterator[tuple[int, int, float]]:
    """(line, earlier line, estimated similarity) for each line as similar as
    ``threshold`` to an earlier one, in line order.

    ``_first_similar``'s rule, with sources as plain indexes (one file: no need for
    candidates naming theirs), since most lines share only common keys and are ruled
    out by the first count.

    The index keys are split by remainder into parts of about ``KEYS_PER_PART``, so the
    tables of a part (the repeated keys' counts and first owners) stay bounded whatever
    the file size. A line's sources from a key depend only on that key's earlier
    lines, so each part lists (line, source) pairs in line order (a ``Column``: spilled
    past its budget); merged by line, a line gets the same sources (only their count
    matters, not their order) as from one pass over every key.
    """
    n = parts(INDEX_KEYS * len(sketches), KEYS_PER_PART)
    if n > 1:
        gathered = _gathered([_listed(sketches, (p, n)) for p in range(n)], len(sketches))
        ranked = ((index, reference_ranked(sources)) for index, sources in gathered)
        yield from _compared(sketches, ranked, threshold)
    elif _native_sources is None:
        ranked = ((index, reference_ranked(sources)) for index, sources in _sources(sketches))
        yield from _compared(sketches, ranked, threshold)
    else:  # the usual file: its one part ranked in C, a chunk of lines at a time
        # The pairs' indexes wait in a column (spilled past its budget) until the search
        # ends: a file of templated examples can pair nearly every line.
        found = Column("I")

        def compare(listed: bytes) -> None:
            for pair in _similar(sketches, _unpacked(listed), threshold):
                found.extend(pair[:2])

        _native(sketches, (0, 1), ranked=True, sink=compare)
        for index, source in _pairs(found):
            # Its estimate again (one C comparison a pair found): a column holds ints.
            estimate = similarity(sketches.packed(index), sketches.packed(source))
            yield sketches.lines[index], sketches.lines[source], estimate


def reference_ranked(sources: list[int]) -> list[int]:
    """The sources a line is compared with, in order: those listed more than once, the
    most listed first, then the earliest; at most ``MAX_COMPARISONS`` (``_first_similar``
    says why; the C search ranks the same way)."""
    if len(sources) < 2:
        return []
    shared = Counter(sources)  # C-level counting: most lines share nothing
    if len(shared) == len(sources):
        return []
    ranked = sorted((i for i, n in shared.items() if n > 1), key=lambda i: (-shared[i], i))
    return ranked[:MAX_COMPARISONS]


def _compared(
    sketches: Sketches, ranked: Iterable[tuple[int, list[int]]], threshold: float
) -> Iterator[tuple[int, int, float]]:
    """(line, source line, estimate) for each line's first ranked source as similar as
    ``threshold``."""
    for index, source, estimate in _similar(sketches, ranked, threshold):
        yield sketches.lines[index], sketches.lines[source], estimate


def _similar(
    sketches: Sketches, ranked: Iterable[tuple[int, list[int]]], threshold: float
) -> Iterator[tuple[int, int, float]]:
    """``_compared`` by index: (index, source index, estimate)."""
    for index, candidates in ranked:
        if not candidates:
            continue
        mine = sketches.packed(index)
        for source in candidates:
            estimate = similarity(mine, sketches.packed(source))
            if estimate >= threshold:
                yield index, source, estimate
                break


def _unpacked(listed: bytes) -> Iterator[tuple[int, list[int]]]:
    """The C search's ranked lines: (line index, how many, the sources) after another."""
    values = memoryview(listed).cast("I").tolist()
    at = 0
    while at < len(values):
        stop = at + 2 + values[at + 1]
        yield values[at], values[at + 2 : stop]
        at = stop


def _native(
    sketches: Sketches, part: tuple[int, int], *, ranked: bool, sink: Callable[[bytes], None]
) -> None:
    """``_sources`` of ``part`` in C (``_native_sources``), each chunk's lines handed to
    ``sink``: ranked (``reference_ranked``) or as flat (line index, source) pairs."""
    assert _native_sources is not None
    counts = _repeated_keys(sketches, part)
    if counts:
        chunks = lambda: sketches.values.chunks(K)  # noqa: E731 - read once, by the C pass
        _native_sources(chunks, counts, LEADERS, MAX_COMPARISONS, ranked, sink)


def _repeated_keys(sketches: Sketches, part: tuple[int, int]) -> dict[int, int]:
    """The index keys of ``part`` that more than one line holds, with their counts."""
    # The keys are read from the sketches twice by the sieve (then once more by the
    # listing): no copy of them all is made (16 bytes an example).
    count = INDEX_KEYS * len(sketches)
    return repeated_counts(_EveryKey(sketches), _SIEVE_BITS, ignore=EMPTY, part=part, count=count)


def _sources(sketches: Sketches, part: tuple[int, int] = (0, 1)) -> Iterator[tuple[int, list[int]]]:
    """(line index, its sources) for each line the keys of ``part`` give sources: the
    first ``LEADERS`` earlier lines holding the key, listed twice for a key only two
    lines hold; in line order. The definition the C search is held to."""
    counts = _repeated_keys(sketches, part)
    if not counts:
        return
    postings: dict[int, list[int]] = {}
    for index, keys in enumerate(sketches.keys()):
        sources: list[int] = []
        for key in keys:
            if key in counts:
                owners = postings.setdefault(key, [])
                sources += owners * 2 if counts[key] == 2 else owners
                if len(owners) < LEADERS:
                    owners.append(index)
        if sources:
            yield index, sources


def _listed(sketches: Sketches, part: tuple[int, int]) -> Column:
    """``_sources`` of ``part`` as flat (line index, source) pairs, in a column (spilled
    past its budget) until every part is listed."""
    listed = Column("I")
    if _native_sources is not None:
        _native(sketches, part, ranked=False, sink=listed.frombytes)
        return listed
    for index, sources in _sources(sketches, part):
        listed.extend(array("I", itertools.chain.from_iterable((index, s) for s in sources)))
    return listed


def _gathered(listed: list[Column], count: int) -> Iterator[tuple[int, list[int]]]:
    """Each line's sources from every part, in line order: the parts' pairs read in
    step, ``WINDOW`` lines at a time (a heap merge of the pairs cost ~3x more)."""
    readers = [_pairs(column) for column in listed]
    pending = [next(reader, None) for reader in readers]
    for start in range(0, count, WINDOW):
        stop, gathered = start + WINDOW, dict[int, list[int]]()
        for i, reader in enumerate(readers):
            pair = pending[i]
            while pair is not None and pair[0] < stop:
                gathered.setdefault(pair[0], []).append(pair[1])
                pair = next(reader, None)
            pending[i] = pair
        for index in sorted(gathered):
            yield index, gathered[index]


def _pairs(column: Column) -> Iterator[tuple[int, int]]:
    for chunk in column.chunks(2):
        yield from zip(chunk[::2], chunk[1::2], strict=True)


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
