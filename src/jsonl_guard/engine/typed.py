"""The typed fast path: decode a plain chat line straight into its checked shape.

Most lines of a chat file are plain: ``{"messages": [...]}`` of system, user and
assistant messages with string content. msgspec decodes such a line into the same
dicts as an untyped decode and checks the shape in the same C pass, so a line it
accepts needs no JSON Schema pass and no feature scan (it is plain chat in the sense
of ``engine/gating.py``: its only possible feature is special-token text). Anything
else (another key, a tool role, a weight, content parts, a number, a lone surrogate,
deep nesting) fails the decode, and the line takes the full path (``parse_line``,
``schema_findings``, ``example_features``), which words the findings. Nothing the
full path detects is checked twice here: the shape rejects it instead.

The decoder skips keys the shape does not name and keeps the last of two equal
keys; the line's colon count (``parse.keys_intact``) catches both, as it catches
duplicates for the untyped parser. An accepted line nests three levels, far under
the depth limit, and holds no number, so neither needs a look.

The JSON Schemas stay the single source of truth: for every shape here,
``tests/test_typed.py`` checks that the decoder accepts exactly the plain chat
examples its schema accepts, so the two cannot drift apart unnoticed.

``plain_parser`` reads the common spelling of such a line in one C pass
(``_plain.c``: the same dicts and canonical bytes, no msgspec call and no colon
count) and hands every other line to ``parse_plain``, the definition;
``tests/test_plain_native.py`` holds the two equal.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal, TypedDict

import msgspec

from .parse import ParsedLine, encode_sorted, keys_intact

# The roles every chat schema here takes with string content and no other key; a
# tool or function message is never plain (it has tool features).
PlainRole = Literal["system", "user", "assistant"]


class PlainMessage(TypedDict):
    role: PlainRole
    content: str


class NamedMessage(PlainMessage, total=False):
    name: str  # a participant's name, for schemas that take it on every plain role


class NamedChat(TypedDict):
    messages: Annotated[list[NamedMessage], msgspec.Meta(min_length=1)]


class PlainChat(TypedDict):
    messages: Annotated[list[PlainMessage], msgspec.Meta(min_length=1)]


# Schema name -> the shape of its plain lines (a subset of what the schema accepts).
SHAPES: dict[str, type] = {
    "openai-chat": NamedChat,
    "trl-messages": NamedChat,
    "mistral": PlainChat,
    "together-conversation": PlainChat,
}

TypedDecode = Callable[[bytes], Any]
PlainParse = Callable[[bytes], "ParsedLine | None"]

Native = Callable[[bytes, bool], "tuple[dict[str, Any], bytes] | None"]
_native: Native | None
try:  # the optional C accelerator (setup.py): absent, parse_plain runs alone
    from ._plain import parse as _native
except ImportError:  # pragma: no cover - a build without a C compiler
    _native = None


@cache
def typed_decoder(format_name: str) -> TypedDecode | None:
    """The typed decoder of a schema's plain lines, or None when it has none."""
    shape = SHAPES.get(format_name)
    return None if shape is None else msgspec.json.Decoder(shape).decode


def names_messages(format_name: str) -> bool:
    """Whether the format's plain shape lets a message carry a ``name``."""
    return SHAPES[format_name] is NamedChat


def parse_plain(raw: bytes, decode: TypedDecode) -> ParsedLine | None:
    """The line as the untyped parser would read it, when it is a plain example the
    schema accepts; else None (the line takes the full path)."""
    try:
        value = decode(raw)
    except (ValueError, RecursionError):  # msgspec's DecodeError and ValidationError
        return None
    canonical = encode_sorted(value)  # strings, lists and dicts: always encodes
    if not keys_intact(raw, canonical):
        return None
    return ParsedLine(value, canonical, plain=True)


def plain_parser(format_name: str, *, native: bool = True) -> PlainParse | None:
    """``parse_plain`` with ``format_name``'s decoder, the C twin first when it was built
    (``native``); None when the format has no typed shape."""
    decode = typed_decoder(format_name)
    if decode is None:
        return None
    if _native is None or not native:
        return lambda raw: parse_plain(raw, decode)
    twin, named = _native, names_messages(format_name)

    def parse(raw: bytes) -> ParsedLine | None:
        found = twin(raw, named)
        if found is None:  # not the spelling the twin reads: the definition decides
            return parse_plain(raw, decode)
        return ParsedLine(found[0], found[1], plain=True)

    return parse
