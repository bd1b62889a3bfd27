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
# Texts with fewer shingles are not sketched: two or three runs ("Hi!", "Thanks.") are
# too short to tell a paraphrase from a reply that happens to be the same.
MIN_SHINGLES = 3
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
    """The CRC-32 of each shingle of ``text`` (repeats included, in text order)."""
    spaced = normalise(text)
    # \x00 marks a boundary: the table turned every control byte into a space.
    runs = spaced.replace(b"e ", b"e\x00").translate(None, b" ").split(b"\x00")
    if len(runs) * MAX_RUN_BYTES < len(spaced):
        return _pairs(spaced.split()) or list(map(zlib.crc32, runs))
    return list(map(zlib.crc32, runs)) + _pairs(spaced.split(None, HEAD_WORDS)[:HEAD_WORDS])


def _pairs(words: list[bytes]) -> list[int]:
    """The CRC-32 of each pair of neighbouring words, chained: crc32(b, crc32(a)) is the
    CRC of a + b (no space, as in a run, so a run of two words is the same shingle)."""
    return list(map(zlib.crc32, words[1:], map(zlib.crc32, words[:-1])))


def sketch(text: str) -> array[int] | None:
    """The bottom-``K`` sketch of ``text`` (``None``: under ``MIN_SHINGLES`` shingles)."""
    hashes = shingles(text)
    if len(hashes) < MIN_SHINGLES:
        return None
    smallest = _smallest(hashes)
    if len(smallest) < MIN_SHINGLES:
        return None
    values = array("I", smallest)
    if values[-1] == EMPTY:  # the one CRC that would read as padding: the next value
        values[-1] = EMPTY - 1
    values.extend([EMPTY] * (K - len(values)))
    return values


def _smallest(hashes: list[int]) -> list[int]:
    """The ``K`` smallest distinct values, sorted.

    CRCs are uniform, so the values under a cut-off that keeps about 2K of them hold the
    K smallest (unless repeats leave fewer than K, then all are sorted): sorting the
    few beats sorting all of a long text's.
    """
    if len(hashes) > 3 * K:
        cut = (1 << 32) * 2 * K // len(hashes)
        head = sorted(set(filter(cut.__gt__, hashes)))
        if len(head) >= K:
            return head[:K]
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
