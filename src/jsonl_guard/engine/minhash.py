"""A near-duplicate sketch of a text: bottom-k MinHash over content-anchored windows.

Pure functions of a text, the same in every process and on every machine (CRC-32 is
fixed, unlike ``hash`` of a string), so shards sketched anywhere compare.

* **Squeeze**: UTF-8; ASCII letters lower-cased; ASCII punctuation, whitespace and
  control characters dropped (so case, punctuation and spacing never matter). Letters
  outside ASCII are compared as written (``str.lower`` on such a text costs more than
  the whole sketch). One C-level ``translate``.
* **Shingle**: a window of ``WINDOW_BYTES`` bytes after every ``ANCHOR`` byte (an
  ``m``: about one letter in forty in English, Spanish, French or German, so a window
  every ~9 words, ~5 words long). The anchors are chosen by the content, so an edit
  changes only the windows that cover it, as with word n-grams, but a text has a
  fifth as many windows as words: one C-level ``split`` and, per window, a slice, a
  CRC and a shift, never a Python-level step per word. ``benchmarks/
  bench_near_duplicates.py`` measures them against word 3-grams and the earlier
  shingles. A text with few ``e``s for its length (another script) is shingled by
  word pairs instead. The first ``HEAD_BYTES`` bytes are also shingled
  by shorter windows after every ``e`` (``HEAD_WINDOW_BYTES``): a chat turn of twenty
  words holds two or three anchors, too few to judge or to see two words changed.
* **Sketch**: the ``K`` smallest distinct values (bottom-k: one hash per shingle, one
  sort), padded with ``EMPTY``. Windows take the lower half of the range (CRC >> 1)
  and head windows the upper half, so the head is only computed for a text with fewer
  than ``K`` distinct windows: it could never be among a longer text's ``K`` smallest.
  Two sketches estimate the Jaccard similarity of the shingle sets: of the ``K``
  smallest values of their union, the share that both hold (exact when both texts
  have fewer than ``K`` shingles).
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Sequence
from operator import itemgetter

# Values kept per text: 4 bytes each (128 bytes a text); the estimate's standard error
# is about sqrt(J(1-J)/K), 0.08 at J = 0.7.
K = 32
# The smallest values index a sketch for the candidate search (near_pairs.py).
INDEX_KEYS = 4
EMPTY = 0xFFFFFFFF  # pads a sketch of fewer than K shingles (no shingle is mapped to it)
# Texts with fewer distinct shingles are not sketched: "Hi!" / "Hello!" or a word said
# five times are too short to tell a paraphrase from a reply that happens to be alike.
MIN_SHINGLES = 8
ANCHOR = b"m"
WINDOW_BYTES = 24
HEAD_BYTES = 160
HEAD_ANCHOR = b"e"
HEAD_WINDOW_BYTES = 12
# More squeezed bytes than this per "e" mean the text is not in a Latin-script language
# (an "e" is one letter in eight in English, one in seven in Spanish or German): it is
# shingled by word pairs instead.
MAX_E_GAP = 64


def _tables() -> tuple[bytes, bytes]:
    """The translation table (ASCII lower-cased, punctuation and whitespace as spaces)
    and the bytes a squeeze drops (those that become spaces)."""
    table, dropped = bytearray(range(256)), bytearray()
    for byte in range(128):
        char = chr(byte)
        if "A" <= char <= "Z":
            table[byte] = byte + 32
        elif not char.isalnum():
            table[byte] = 32  # punctuation, whitespace, control characters
            dropped.append(byte)
    return bytes(table), bytes(dropped)


_NORMAL, _DROPPED = _tables()

_native_sketch: Callable[[str], bytes | None] | None
_native_similarity: Callable[[array[int] | bytes, array[int] | bytes], float | None] | None
try:  # the optional C accelerator (setup.py): absent, the Python reference runs
    from ._minhash import similarity as _native_similarity
    from ._minhash import sketch as _native_sketch
except ImportError:  # pragma: no cover - a build without a C compiler
    _native_sketch = _native_similarity = None
_WINDOW = itemgetter(slice(WINDOW_BYTES))
_HEAD_WINDOW = itemgetter(slice(HEAD_WINDOW_BYTES))
_UPPER = 1 << 31
_LOWER_HALF = (1).__rrshift__  # value >> 1, as a C-level callable for map()


def normalise(text: str) -> bytes:
    """The text as UTF-8, ASCII lower-cased, ASCII punctuation and whitespace as spaces."""
    return text.encode("utf-8", "surrogatepass").translate(_NORMAL)


def squeeze(text: str) -> bytes:
    """The text as UTF-8, ASCII lower-cased, ASCII punctuation and whitespace dropped."""
    return text.encode("utf-8", "surrogatepass").translate(_NORMAL, _DROPPED)


def shingles(text: str) -> list[int]:
    """The hash of each shingle of ``text`` (repeats included): windows, then the head's."""
    squeezed = squeeze(text)
    windows = _windows(squeezed)
    if windows is None:
        return _pairs(normalise(text).split())
    return windows + _head(squeezed)


def _windows(squeezed: bytes) -> list[int] | None:
    """The windows' hashes, in the lower half of the range (``None``: too few ``e``s for
    the text's length; it is then shingled by word pairs)."""
    if squeezed.count(HEAD_ANCHOR) * MAX_E_GAP < len(squeezed):
        return None
    return list(map(_LOWER_HALF, map(zlib.crc32, map(_WINDOW, squeezed.split(ANCHOR)))))


def _head(squeezed: bytes) -> list[int]:
    """The head's shorter windows, in the upper half of the range: they sort after every
    window, so they only fill a sketch that a text's windows cannot."""
    pieces = squeezed[:HEAD_BYTES].split(HEAD_ANCHOR)
    return list(map(_UPPER.__or__, map(zlib.crc32, map(_HEAD_WINDOW, pieces))))


def _pairs(words: list[bytes]) -> list[int]:
    """The CRC-32 of each pair of neighbouring words, chained: crc32(b, crc32(a)) is the
    CRC of a + b."""
    return list(map(zlib.crc32, words[1:], map(zlib.crc32, words[:-1])))


def sketch(text: str) -> array[int] | None:
    """The bottom-``K`` sketch of ``text`` (``None``: under ``MIN_SHINGLES`` shingles):
    ``sorted(set(shingles(text)))[:K]``, without the head when the windows fill it.

    The C accelerator's when it was built (``_minhash.c``, ~5x faster), else
    ``reference_sketch``; tests hold the two equal."""
    if _native_sketch is None:
        return reference_sketch(text)
    packed = _native_sketch(text)
    if packed is None:
        return None
    values = array("I")
    values.frombytes(packed)
    return values


def reference_sketch(text: str) -> array[int] | None:
    """``sketch`` in Python: the definition the C accelerator is held to."""
    squeezed = squeeze(text)
    windows = _windows(squeezed)
    if windows is None:
        smallest = sorted(set(_pairs(normalise(text).split())))[:K]
    else:
        smallest = sorted(set(windows))[:K]
        if len(smallest) < K:
            smallest = sorted(set(windows + _head(squeezed)))[:K]
    if len(smallest) < MIN_SHINGLES:
        return None
    values = array("I", smallest)
    if values[-1] == EMPTY:  # the one CRC that would read as padding: the next value
        values[-1] = EMPTY - 1
    values.extend([EMPTY] * (K - len(values)))
    return values


def similarity(one: array[int] | bytes, other: array[int] | bytes) -> float:
    """The estimated Jaccard similarity of the texts two sketches were made from (each
    its values, or their native bytes).

    The C accelerator's when it was built (``_minhash.c``: a merge of two sorted
    arrays, where Python makes two sets, sorts their union and sums; the pair search
    calls it for every candidate, a third of its time), else ``reference_similarity``;
    tests hold the two equal."""
    if _native_similarity is not None:
        found = _native_similarity(one, other)
        if found is not None:
            return found
    return reference_similarity(_values(one), _values(other))


def _values(sketch: array[int] | bytes) -> Sequence[int]:
    return memoryview(sketch).cast("I") if isinstance(sketch, bytes) else sketch


def reference_similarity(one: Sequence[int], other: Sequence[int]) -> float:
    """``similarity`` in Python (of any two sequences), the definition the C
    accelerator is held to."""
    mine, theirs = set(one), set(other)
    mine.discard(EMPTY)
    theirs.discard(EMPTY)
    smallest = sorted(mine | theirs)[:K]
    if not smallest:
        return 0.0
    both = mine & theirs
    return sum(1 for value in smallest if value in both) / len(smallest)
