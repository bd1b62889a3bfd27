"""Parse one JSONL line into a value and its canonical form, or say why it is not JSON.

Two parsers give the same answer. The fast one (msgspec, compiled) takes nearly
every line. The reference one (``json`` with a duplicate-key hook) takes the few
lines the fast one cannot vouch for and words every error. The fast parser keeps
the last of two equal keys silently, so a line is only trusted to it when it
provably has none: the colons of a line are its keys plus the colons inside its
strings, and the canonical form (compact, so every colon is a key's or a
string's) has one colon fewer for every duplicate the parser dropped. An escaped
colon (``\\u003a``) would spoil the count, so such a line goes to the reference.

The canonical form (sorted keys, compact) is what duplicate examples compare. It
is a function of the value alone, whichever parser read the line.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

from .diagnostics import CappedFindings, Finding

_decode = msgspec.json.Decoder().decode
_encode_sorted = msgspec.json.Encoder(order="sorted").encode
# Prefixes a canonical form msgspec cannot give (NaN/Infinity): never a JSON text's first byte.
_OTHER_CANONICAL = b"\x00"
_ESCAPED_COLON = re.compile(rb"\\u003[aA]")
# Where a line's findings go: a plain list, or the line's capped list.
Findings = list[Finding] | CappedFindings


class ParsedLine:
    """A parsed value; ``canonical`` is computed on demand for the reference path.

    ``unicode_checked``: the fast parser read it, and it rejects unpaired surrogates.
    """

    __slots__ = ("_canonical", "unicode_checked", "value")

    def __init__(self, value: Any, canonical: bytes | None = None) -> None:
        self.value = value
        self._canonical = canonical
        self.unicode_checked = canonical is not None

    @property
    def canonical(self) -> bytes:
        """Raises ``RecursionError`` for values nested too deeply to serialise."""
        if self._canonical is None:
            self._canonical = canonical_json(self.value)
        return self._canonical


def canonical_json(value: Any) -> bytes:
    """Sorted-key compact JSON; values msgspec would change get a separate namespace."""
    try:
        encoded = _encode_sorted(value)
        if _decode(encoded) == value:  # NaN and Infinity encode as null; NaN != NaN
            return encoded
    except (ValueError, msgspec.EncodeError, OverflowError, RecursionError):
        pass
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return _OTHER_CANONICAL + text.encode("ascii")


def parse_line(raw: bytes, number: int, findings: Findings) -> ParsedLine | None:
    """The line's value, or None with the reason appended to ``findings``."""
    try:
        value = _decode(raw)
        canonical = _encode_sorted(value)
    except (ValueError, msgspec.EncodeError, RecursionError):  # DecodeError and Unicode*
        return _parse_with_reference(raw, number, findings)
    if raw.count(b":") != canonical.count(b":") or (b"\\" in raw and _ESCAPED_COLON.search(raw)):
        return _parse_with_reference(raw, number, findings)
    return ParsedLine(value, canonical)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _DuplicateKeys:
    """An ``object_pairs_hook`` that remembers keys seen twice in one object."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.keys.append(key)
                seen.add(key)
        return result


def _parse_with_reference(raw: bytes, number: int, findings: Findings) -> ParsedLine | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        column = len(raw[: error.start].decode("utf-8", "replace")) + 1
        byte = raw[error.start : error.start + 1].hex().upper()
        message = f"invalid UTF-8 (byte 0x{byte} at column {column})"
        findings.append(Finding("JG102", message, number, column))
        return None
    duplicates = _DuplicateKeys()
    try:
        value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=duplicates)
    except json.JSONDecodeError as error:
        findings.append(Finding("JG110", f"invalid JSON: {error.msg}", number, error.colno))
        return None
    except (ValueError, RecursionError) as error:
        findings.append(Finding("JG110", f"invalid JSON: {error}", number, 1))
        return None
    for key in dict.fromkeys(duplicates.keys):
        message = f"key {key!r} appears twice in one object; only the last value is kept"
        findings.append(Finding("JG121", message, number, 1))
    return ParsedLine(value)
