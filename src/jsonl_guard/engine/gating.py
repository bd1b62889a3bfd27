"""Example features: what an example must hold for some rules to have anything to say.

A rule may declare the features it ``needs``; an example without them skips the
rule, so a plain conversation does not pay for the tool, image, weight and
special-token rules. A feature is present when the example's compact JSON text
(``engine.parse.canonical_json``: no whitespace, keys and strings as written) holds one
of its fragments. That test errs only one way: a fragment inside a longer string
runs the rule for nothing, but an example that has the feature always shows it,
so skipping never changes a verdict (``tests/test_rule_gating.py`` checks it).
"""

from __future__ import annotations

import re
from typing import Any

# Each fragment must appear in the compact JSON of every example with the feature.
FEATURES: dict[str, tuple[bytes, ...]] = {
    # `tools`/`functions` keys, `tool`/`function` roles, `tool_calls`, `tool_call_id`,
    # `function_call` keys: all start so.
    "tools": (b'"tool', b'"function'),
    "parts": (b'"content":[',),  # content as a list of parts
    "weights": (b'"weight":',),
    "special-tokens": (b"<|",),  # every special token text starts so
    # Not in the text: set for every example when the profile's tokens are estimates.
    "estimated-tokens": (),
    # Not a fragment: set when the secret/PII screen of the compact JSON lets the
    # example through (rules/sensitive.py ``may_be_sensitive``), which it does for
    # every example holding a secret or personal data.
    "sensitive-text": (),
}
ESTIMATED_TOKENS = frozenset({"estimated-tokens"})
SENSITIVE_TEXT = frozenset({"sensitive-text"})
NO_FEATURES: frozenset[str] = frozenset()
_FEATURE_OF = {fragment: name for name, fragments in FEATURES.items() for fragment in fragments}


def _scans() -> tuple[tuple[bytes, re.Pattern[bytes]], ...]:
    """One pattern per first byte: ``re`` scans fast for an alternation whose branches
    share a literal first byte (20x slower otherwise); a memchr for that byte skips
    the scan when it is absent."""
    scans = []
    for first in dict.fromkeys(fragment[:1] for fragment in _FEATURE_OF):
        rests = b"|".join(re.escape(f[1:]) for f in _FEATURE_OF if f[:1] == first)
        scans.append((first, re.compile(re.escape(first) + b"(?:" + rests + b")")))
    return tuple(scans)


_SCANS = _scans()


_PLAIN_MESSAGE_KEYS = frozenset({"role", "content", "name"})
_TOOL_ROLES = ("tool", "function")
_SPECIAL_TOKENS_ONLY = frozenset({"special-tokens"})


def _plain_chat(example: Any) -> bool:
    """``{"messages": [...]}`` of role/content/name messages, string content, no tool
    roles: the shape of most chat lines, which can only have special-token text."""
    if len(example) != 1:
        return False
    messages = example.get("messages")
    if type(messages) is not list:
        return False
    for message in messages:
        if (
            type(message) is not dict
            or not message.keys() <= _PLAIN_MESSAGE_KEYS
            or type(message.get("content")) is not str
            or message.get("role") in _TOOL_ROLES
        ):
            return False
    return True


def example_features(example: Any, canonical: bytes) -> frozenset[str]:
    """The features of an example, from its compact JSON text (``canonical``).

    A plain chat example is recognised from its shape (quicker than scanning).
    """
    if type(example) is dict and _plain_chat(example):
        return plain_chat_features(canonical)
    found: list[bytes] = []
    for first, pattern in _SCANS:
        if canonical.find(first) >= 0:
            found += pattern.findall(canonical)
    if not found:
        return NO_FEATURES
    return frozenset(_FEATURE_OF[fragment] for fragment in found)


def plain_chat_features(canonical: bytes) -> frozenset[str]:
    """The features of a plain chat example (``_plain_chat``; every example the typed
    decoder of ``engine/typed.py`` accepts is one): special-token text, or none."""
    special = canonical.find(b"<") >= 0 and b"<|" in canonical
    return _SPECIAL_TOKENS_ONLY if special else NO_FEATURES


def unknown_features(needs: frozenset[str]) -> list[str]:
    return sorted(needs - FEATURES.keys())
