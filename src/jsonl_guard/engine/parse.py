"""Parse one JSONL line into a value and its canonical form, or say why it is not JSON.

Two parsers give the same answer. The fast one (msgspec, compiled) takes nearly
every line. The reference one (``json`` with a duplicate-key hook) takes the few
lines the fast one cannot vouch for and words every error. The fast parser keeps
the last of two equal keys silently, so a line is only trusted to it when it
provably has none: the colons of a line are its keys plus the colons inside its
strings, and the canonical form (compact, so every colon is a key's or a
string's) has one colon fewer for every duplicate the parser dropped (and, for
the typed decoder of ``engine/typed.py``, for every key it skipped). An escaped
colon (``\\u003a``) would spoil the count, so such a line goes to the reference.

The canonical form (sorted keys, compact) is what duplicate examples compare. It
is a function of the value alone, whichever parser read the line.
"""

from __future__ import annotations

import json
import re
import sys
from itertools import accumulate
from typing import Any

import msgspec

from .diagnostics import CappedFindings, Finding

_decode = msgspec.json.Decoder().decode
# The canonical form of a value msgspec can give (sorted keys, compact).
encode_sorted = msgspec.json.Encoder(order="sorted").encode
# Prefixes a canonical form msgspec cannot give (NaN/Infinity): never a JSON text's first byte.
_OTHER_CANONICAL = b"\x00"
_ESCAPED_COLON = re.compile(rb"\\u003[aA]")
# Where a line's findings go: a plain list, or the line's capped list.
Findings = list[Finding] | CappedFindings

# The deepest a line may nest arrays and objects (JG122). Python's parsers recurse
# once a level and give up near the interpreter's recursion limit (1,000), at a
# depth that moves with the caller's stack; a fixed limit well below it reads the
# same in every process. No fine-tuning format nests more than a dozen levels.
MAX_NESTING = 500
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_DIGITS = re.compile(rb"-?[0-9]+")


class ParsedLine:
    """A parsed value; ``canonical`` is computed on demand for the reference path.

    ``unicode_checked``: the fast parser read it, and it rejects unpaired surrogates.
    ``plain``: the typed decoder read it (``engine/typed.py``): a plain chat example
    that its format's schema accepts.
    """

    __slots__ = ("_canonical", "plain", "unicode_checked", "value")

    def __init__(self, value: Any, canonical: bytes | None = None, *, plain: bool = False) -> None:
        self.value = value
        self._canonical = canonical
        self.unicode_checked = canonical is not None
        self.plain = plain

    @property
    def canonical(self) -> bytes:
        """Raises ``RecursionError`` for values nested too deeply to serialise."""
        if self._canonical is None:
            self._canonical = canonical_json(self.value)
        return self._canonical


def canonical_json(value: Any) -> bytes:
    """Sorted-key compact JSON; values msgspec would change get a separate namespace."""
    try:
        encoded = encode_sorted(value)
        if _decode(encoded) == value:  # NaN and Infinity encode as null; NaN != NaN
            return encoded
    except (ValueError, msgspec.EncodeError, OverflowError, RecursionError):
        pass
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return _OTHER_CANONICAL + text.encode("ascii")


def nesting_depth(raw: bytes, *, in_strings: bool = False) -> int:
    """How deeply ``raw`` nests arrays and objects; brackets inside strings count only
    with ``in_strings`` (cheap: an upper bound unless a string holds closing ones)."""
    if not in_strings:
        raw = _STRING.sub(b'""', raw)
    return max(accumulate(_STEP[b] for b in raw.translate(None, _NOT_BRACKETS)), default=0)


def too_deep(raw: bytes) -> int | None:
    """The line's depth when it is over ``MAX_NESTING``, else None.

    Nearly every line has fewer brackets than the limit, which two ``count``s tell;
    the string-aware scan only runs on a line whose bare brackets are that deep.
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_NESTING:
        return None
    if nesting_depth(raw, in_strings=True) <= MAX_NESTING:
        return None
    depth = nesting_depth(raw)
    return depth if depth > MAX_NESTING else None


def nested_too_deeply(depth: int | None = None) -> str:
    """The JG122 message: how deep, when known, and the limit."""
    if depth is None:
        return f"the line nests arrays or objects too deeply to check (limit {MAX_NESTING} levels)"
    return f"the line nests arrays or objects {depth:,} levels deep (limit {MAX_NESTING} levels)"


def too_many_digits(raw: bytes) -> str | None:
    """Why Python cannot read a whole number in ``raw`` (more digits than its limit)."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if not limit:
        return None
    numbers = _DIGITS.finditer(_STRING.sub(b'""', raw))  # digits in strings are text
    longest = max((len(m.group().lstrip(b"-")) for m in numbers), default=0)
    if longest <= limit:
        return None
    return (
        f"a number with {longest:,} digits: over the {limit:,}-digit limit of Python's JSON "
        "reader (and of most servers'); write it as a string or drop it"
    )


def json_problem(error: ValueError, raw: bytes) -> str:
    """What is wrong with JSON text that ``json.loads`` refused, in jsonl-guard's words."""
    if isinstance(error, json.JSONDecodeError):
        return error.msg
    return too_many_digits(raw) or str(error)


def parse_line(raw: bytes, number: int, findings: Findings) -> ParsedLine | None:
    """The line's value, or None with the reason appended to ``findings``."""
    depth = too_deep(raw)
    if depth is not None:
        findings.append(Finding("JG122", nested_too_deeply(depth), number, 1))
        return None
    try:
        value = _decode(raw)
        canonical = encode_sorted(value)
    except (ValueError, msgspec.EncodeError, RecursionError):  # DecodeError and Unicode*
        return _parse_with_reference(raw, number, findings)
    if not keys_intact(raw, canonical):
        return _parse_with_reference(raw, number, findings)
    return ParsedLine(value, canonical)


def keys_intact(raw: bytes, canonical: bytes) -> bool:
    """The value msgspec read from ``raw`` (whose canonical form is ``canonical``) kept
    every key of the line: none was a duplicate, none was skipped (see the docstring)."""
    return raw.count(b":") == canonical.count(b":") and not (
        b"\\" in raw and _ESCAPED_COLON.search(raw)
    )


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
    except RecursionError:  # under the limit, but the caller's stack was already deep
        findings.append(Finding("JG122", nested_too_deeply(), number, 1))
        return None
    except ValueError as error:  # NaN/Infinity (ours), a number Python will not read
        digits = too_many_digits(raw)
        column = 1
        if digits is not None:  # at the first run of that many digits
            run = re.search(rb"[0-9]{%d}" % (sys.get_int_max_str_digits() + 1), raw)
            column = len(raw[: run.start()].decode("utf-8", "replace")) + 1 if run else 1
        findings.append(Finding("JG110", digits or f"invalid JSON: {error}", number, column))
        return None
    for key in dict.fromkeys(duplicates.keys):
        message = f"key {key!r} appears twice in one object; only the last value is kept"
        findings.append(Finding("JG121", message, number, 1))
    return ParsedLine(value)
