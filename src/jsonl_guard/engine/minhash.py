"""A near-duplicate sketch of a text: bottom-k MinHash over content-defined shingles.

Pure functions of a text, the same in every process and on every machine (CRC-32 is
fixed, unlike ``hash`` of a string), so shards sketched anywhere compare.

* **Normalise**: UTF-8; ASCII letters lower-cased; ASCII punctuation, whitespace and
  control characters become a space. Letters outside ASCII are compared as written
  (``str.lower`` on such a text costs more than the whole sketch).
* **Shingle**: runs of words cut after every word that ends in ``e`` (a boundary the
  content chooses, so an edit changes only the runs it touches, as with word n-grams),
  the spaces inside a run dropped (so spacing never matters). In English a run is ~5
  words; ``benchmarks/bench_near_duplicates.py`` measures them against fixed word
  3-grams: the same separation of paraphrases from unrelated texts, at a third of the
  cost, since each run is one C-level split and one CRC instead of work per word. A
  text with few such boundaries for its length (other scripts) is shingled by word
  pairs instead. The first ``HEAD_WORDS`` words are also shingled as word pairs: a
  chat turn of twenty words is only four runs, too coarse to see two words changed,
  and twenty pairs are cheap (in a long text they weigh a little more than the rest).
* **Sketch**: the ``K`` smallest distinct CRC-32 values of the shingles (bottom-k: one
  hash per shingle, one sort), padded with ``EMPTY``. Two sketches estimate the Jaccard
  similarity of the shingle sets: of the ``K`` smallest values of their union, the
  share that both hold (exact when both texts have fewer than ``K`` shingles).
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Sequence

# Values kept per text: 4 bytes each (128 bytes a text); the estimate's standard error
# is about sqrt(J(1-J)/K), 0.08 at J = 0.7.
K = 32
# The smallest values index a sketch for the candidate search (near_pairs.py).
INDEX_KEYS = 4
EMPTY = 0xFFFFFFFF  # pads a sketch of fewer than K shingles (no CRC is mapped to it)
# Texts with fewer distinct shingles are not sketched: "Hi!" / "Hello!" or a word said
# five times are too short to tell a paraphrase from a reply that happens to be alike.
MIN_SHINGLES = 8
# Runs longer than this on average mean the text has few words ending in "e" (another
# script, or code): it is shingled by word pairs instead.
MAX_RUN_BYTES = 48
HEAD_WORDS = 32


def _table() -> bytes:
    table = bytearray(range(256))
    for byte in range(128):
        char = chr(byte)
        if "A" <= char <= "Z":
            table[byte] = byte + 32
        elif not char.isalnum():
            table[byte] = 32  # punctuation, whitespace, control characters
    return bytes(table)


_NORMAL = _table()


def normalise(text: str) -> bytes:
    """The text as UTF-8, ASCII lower-cased, ASCII punctuation and whitespace as spaces."""
    return text.encode("utf-8", "surrogatepass").translate(_NORMAL)


def shingles(text: str) -> list[int]:
    """The hash of each shingle of ``text`` (repeats included): runs, then head pairs."""
    spaced, runs = _runs(text)
    if runs is None:
        return _pairs(spaced.split())
    return runs + _head_pairs(spaced)


def _runs(text: str) -> tuple[bytes, list[int] | None]:
    """The normalised text and its runs' CRCs (``None``: too few boundaries for its
    length; the text is then shingled by word pairs)."""
    spaced = normalise(text)
    # \x00 marks a boundary: the table turned every control byte into a space.
    runs = spaced.replace(b"e ", b"e\x00").translate(None, b" ").split(b"\x00")
    if len(runs) * MAX_RUN_BYTES < len(spaced):
        return spaced, None
    return spaced, list(map(zlib.crc32, runs))


def _pairs(words: list[bytes]) -> list[int]:
    """The CRC-32 of each pair of neighbouring words, chained: crc32(b, crc32(a)) is the
    CRC of a + b (no space, as in a run, so a run of two words is the same shingle)."""
    return list(map(zlib.crc32, words[1:], map(zlib.crc32, words[:-1])))


def _head_pairs(spaced: bytes) -> list[int]:
    """The pairs of the first ``HEAD_WORDS`` words, in the upper half of the hash range:
    they sort after every run under 2**31, so they only fill a sketch that a text's
    runs cannot (and a long text's sketch skips computing them, with the same result)."""
    words = spaced.split(None, HEAD_WORDS)[:HEAD_WORDS]
    return list(map(_UPPER.__or__, _pairs(words)))


_UPPER = 1 << 31


def sketch(text: str) -> array[int] | None:
    """The bottom-``K`` sketch of ``text`` (``None``: under ``MIN_SHINGLES`` shingles):
    ``_smallest(shingles(text))``, without the head pairs when the runs fill it."""
    spaced, runs = _runs(text)
    if runs is None:
        smallest = _smallest(_pairs(spaced.split()))
    else:
        smallest = _runs_only(runs)
        if len(smallest) < K:
            smallest = _smallest(runs + _head_pairs(spaced))
    if len(smallest) < MIN_SHINGLES:
        return None
    values = array("I", smallest)
    if values[-1] == EMPTY:  # the one CRC that would read as padding: the next value
        values[-1] = EMPTY - 1
    values.extend([EMPTY] * (K - len(values)))
    return values


def _runs_only(runs: list[int]) -> list[int]:
    """The ``K`` smallest runs when at least K of them are under a cut-off at or below
    2**31 (so no head pair could be smaller); else fewer (the caller adds the pairs).

    CRCs are uniform, so a cut-off that keeps about 2K of a long text's runs holds its K
    smallest: sorting those few beats sorting all.
    """
    if len(runs) < K:
        return []
    cut = min(_UPPER, (1 << 32) * 2 * K // len(runs))
    return sorted(set(filter(cut.__gt__, runs)))[:K]


def _smallest(hashes: list[int]) -> list[int]:
    """The ``K`` smallest distinct values, sorted."""
    return sorted(set(hashes))[:K]


def similarity(one: Sequence[int], other: Sequence[int]) -> float:
    """The estimated Jaccard similarity of the texts two sketches were made from."""
    mine, theirs = set(one), set(other)
    mine.discard(EMPTY)
    theirs.discard(EMPTY)
    smallest = sorted(mine | theirs)[:K]
    if not smallest:
        return 0.0
    both = mine & theirs
    return sum(1 for value in smallest if value in both) / len(smallest)
