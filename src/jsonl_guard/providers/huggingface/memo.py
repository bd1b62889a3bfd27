"""A chunk of examples tokenized ahead, in one batch call, for the per-line path to read.

The ``tokenizers`` library's ``encode_batch`` encodes a list of texts on every core
with the GIL released, where the per-line path would call ``encode`` a few times per
example. The per-line code (``tokens.py``, ``masks.py``) stays the only code that
computes counts and previews: it asks ``HFTokenizer.count`` / ``encode`` /
``render``, which read this memo first. Before a chunk of lines is checked, the
token method's ``prefetch`` (``counting.py``) runs that same code in *recording*
mode (every encode answered with an empty encoding, so only the texts it asks for
are noted, while the chat template's renders are kept), then ``fill`` encodes the
noted texts in two batch calls. A text the pre-pass did not note is encoded on its
own, and every entry is keyed by the exact text, so the memo can make a check faster
but never change its report. It holds one chunk at a time (bounded memory).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

Span = tuple[int, int]


class _Empty:
    """What an encode returns while recording: no tokens."""

    ids: list[int] = []  # noqa: RUF012 - never mutated
    offsets: list[tuple[int, int]] = []  # noqa: RUF012 - never mutated


EMPTY = _Empty()


class Memo:
    """Encodings and renders of the current chunk; off until the first ``record``."""

    def __init__(self) -> None:
        self.active = False
        self.recording = False
        self.counts: dict[tuple[str, bool], int] = {}
        self.encodings: dict[tuple[str, bool], Any] = {}  # tokenizers.Encoding
        self.renders: dict[tuple[bytes, bool], tuple[str, list[Span]]] = {}
        self._wanted_counts: set[tuple[str, bool]] = set()
        self._wanted_encodings: set[tuple[str, bool]] = set()

    def record(self) -> None:
        """Forget the last chunk and note what the next one asks for."""
        self.counts.clear()
        self.encodings.clear()
        self.renders.clear()
        self._wanted_counts.clear()
        self._wanted_encodings.clear()
        self.active = self.recording = True

    def fill(self, tokenizer: Any) -> None:
        """Encode what the recording noted, one batch call per kind."""
        self.recording = False
        for specials in (False, True):
            texts = [text for text, flag in self._wanted_encodings if flag is specials]
            if texts:
                encoded = tokenizer.encode_batch(texts, add_special_tokens=specials)
                pairs = zip(texts, encoded, strict=True)
                self.encodings.update(((t, specials), e) for t, e in pairs)
            # Texts only counted need no offsets: the fast batch call skips them.
            texts = [
                text
                for text, flag in self._wanted_counts
                if flag is specials and (text, flag) not in self._wanted_encodings
            ]
            if texts:
                fast = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
                encoded = fast(texts, add_special_tokens=specials)
                pairs = zip(texts, encoded, strict=True)
                self.counts.update(((t, specials), len(e.ids)) for t, e in pairs)
        self._wanted_counts.clear()
        self._wanted_encodings.clear()

    def count(self, tokenizer: Any, text: str, specials: bool) -> int:
        if self.active:
            if self.recording:
                self._wanted_counts.add((text, specials))
                return 0
            found = self.counts.get((text, specials))
            if found is not None:
                return found
            encoding = self.encodings.get((text, specials))
            if encoding is not None:
                return len(encoding.ids)
        return len(tokenizer.encode(text, add_special_tokens=specials).ids)

    def encode(self, tokenizer: Any, text: str, specials: bool) -> Any:
        """A ``tokenizers.Encoding`` (``ids``, ``offsets``) of ``text``."""
        if self.active:
            if self.recording:
                self._wanted_encodings.add((text, specials))
                return EMPTY
            found = self.encodings.get((text, specials))
            if found is not None:
                return found
        return tokenizer.encode(text, add_special_tokens=specials)

    def render_key(self, messages: list[Any], tools: Any, generation: bool) -> Any:
        """The memo's key for a render: the exact JSON of what the template reads (key
        order kept: a template's ``tojson`` keeps it), or None when it has none."""
        if not self.active:
            return None
        try:
            key = msgspec.json.encode(messages)
            if b"null" in key:  # msgspec writes NaN and infinities as null too
                key = json.dumps(messages).encode()
            if tools is not None:
                key += b"\ntools=" + json.dumps(tools).encode()
        except (msgspec.EncodeError, TypeError, ValueError, OverflowError, RecursionError):
            return None
        return key, generation
