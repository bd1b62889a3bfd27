"""Secrets and personal data in any text of an example (JG280, JG281).

Every string value of the example is read, whatever the profile's shape: message
content as a string or parts (OpenAI, Vertex ``parts``, Bedrock content blocks), tool
arguments and results, system prompts, prompt/completion fields. What a match looks
like is ``rules.sensitive_text``; here is which texts are read, the allow-list, and
the findings, which only ever show a match masked.

Speed: most examples hold nothing of the kind, so the example's compact JSON (which the
line checker already has) is screened first, in C (one ``bytes.translate`` to character
classes, then ``find``/``count``): a secret is a run of 19+ token characters, an email
needs ``@``, and every number reported is a run of 7+ digits with only spaces, dashes,
dots, brackets or ``+`` between them. Only an example that passes a screen has its
texts walked and matched (``tests/test_sensitive.py`` proves the screen never hides a
match).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..engine.diagnostics import Severity
from .context import ExampleContext
from .helpers import A, JsonPath, U, path_of
from .registry import EVERY_PROFILE, example_rule
from .sensitive_text import (
    PII_NAMES,
    SECRET_NAMES,
    Match,
    aws_secret_candidates,
    personal_data_in,
    secrets_in,
)

# The screen's classes: token letters (and _) A, digits 0, - and . "-", the separators a
# number may have inside ( "(", ")", "+", space) " ", anything else "#".
_CLASSES = bytes(
    65
    if chr(i).isascii() and (chr(i).isalpha() or chr(i) == "_")
    else 48
    if 48 <= i <= 57
    else 45
    if chr(i) in "-."
    else 32
    if chr(i) in " ()+"
    else 35
    for i in range(256)
)
_TOKEN = b"A" * 19  # a JWT's shortest header is 19 characters; keys are longer
_MIN_DIGITS = 7
# 7+ digits with only separators between them (each number reported is such a run):
# one search in C, no Python loop over the runs.
_NUMBER_RUN = re.compile(rb"0(?:[ \-]*0){%d}" % (_MIN_DIGITS - 1))
# Placeholders that are documented as such: never reported (docs/secrets.md).
DEFAULT_ALLOW = (
    # RFC 2606 and RFC 6761 reserve these domains for examples and tests.
    "*@example.com",
    "*@*.example.com",
    "*@example.org",
    "*@*.example.org",
    "*@example.net",
    "*@*.example.net",
    "*@*.example",
    "*@*.test",
    "*@*.invalid",
    "*@*.localhost",
    "git@*",  # SSH remotes (git@github.com:owner/repo)
    # Card numbers the networks and Stripe document for tests.
    "4242424242424242",
    "4242 4242 4242 4242",
    "4111111111111111",
    "4111 1111 1111 1111",
    "4012888888881881",
    "4000056655665556",
    "5555555555554444",
    "5555 5555 5555 4444",
    "5105105105105100",
    "2223003122003222",
    "5200828282828210",
    "378282246310005",
    "371449635398431",
    "6011111111111117",
    "6011000990139424",
    "3056930009020004",
    "36227206271667",
    "3566002020360505",
    "6200000000000005",
    # The IBANs of the standard's and Wikipedia's worked examples.
    "DE89370400440532013000",
    "GB82WEST12345698765432",
    "GB29NWBK60161331926819",
)
_native_screens: Callable[[bytes], int] | None
try:  # the optional C accelerator (setup.py): absent, the Python reference runs
    from ._screens import screens as _native_screens
except ImportError:  # pragma: no cover - a build without a C compiler
    _native_screens = None
_DATA_URL = "data:"
_BLOB = re.compile(r"[A-Za-z0-9+/=]{256}")


@functools.cache
def _allowed(extra: tuple[str, ...]) -> re.Pattern[str]:
    """The default allow-list and the config's ``allow`` globs as one pattern (matched
    case-sensitively: keys are; emails are lower-cased, globs and address alike)."""
    globs = (*DEFAULT_ALLOW, *extra)
    globs += tuple(glob.lower() for glob in globs if "@" in glob and glob.lower() != glob)
    return re.compile("|".join(fnmatch.translate(glob) for glob in globs))


def may_be_sensitive(canonical: bytes) -> bool:
    """False when the example with this compact JSON surely holds no secret and no
    personal data (no screen lets it through): the line checker then skips JG280 and
    JG281 (their ``sensitive-text`` feature, engine/gating.py)."""
    if _native_screens is None:
        return any(reference_screens(canonical))
    return _native_screens(canonical) != 0


def _screens(example: dict[str, Any], ctx: ExampleContext) -> tuple[bool, bool, bool]:
    """(may hold a secret, an email, a number worth checking), from the compact JSON."""
    canonical = ctx.canonical
    if not canonical:  # a context built without it: read everything
        return True, True, True
    if _native_screens is None:
        return reference_screens(canonical)
    found = _native_screens(canonical)  # the C accelerator (_screens.c): one pass
    return bool(found & 1), bool(found & 2), bool(found & 4)


def reference_screens(canonical: bytes) -> tuple[bool, bool, bool]:
    """``_screens`` in Python, the definition the C accelerator is held to: one
    ``translate`` to classes, then C searches (``re`` only from a digit on)."""
    classes = canonical.translate(_CLASSES)
    token = classes.replace(b"0", b"A").replace(b"-", b"A").find(_TOKEN) >= 0
    email = canonical.find(b"@") >= 0
    digits = _NUMBER_RUN.search(classes) is not None
    return token, email, digits


def texts(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str]]:
    """Every string value under ``value`` with its path (keys are not read)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from texts(item, (*path, index))


def _binary(text: str) -> bool:
    """A base64 data URL or a bare base64 blob (an image's bytes): no prose, no key."""
    if text.startswith(_DATA_URL) and ";base64," in text[:100]:
        return True
    return len(text) > 1024 and " " not in text and _BLOB.match(text) is not None


_last: tuple[ExampleContext, list[tuple[JsonPath, Match]]] | None = None


def sensitive_matches(example: dict[str, Any], ctx: ExampleContext) -> list[tuple[JsonPath, Match]]:
    """Every secret and piece of personal data in the example, allow-listed ones left
    out. Both rules read it: the second gets the first one's result."""
    global _last
    if _last is not None and _last[0] is ctx:
        return _last[1]
    found: list[tuple[JsonPath, Match]] = []
    screens = _screens(example, ctx)
    if any(screens):
        found = list(_matches(example, ctx, screens))
    _last = (ctx, found)
    return found


def _matches(
    example: dict[str, Any], ctx: ExampleContext, screens: tuple[bool, bool, bool]
) -> Iterator[tuple[JsonPath, Match]]:
    """The matches in each text, read only for what the example's screens let through
    (and, for secrets, the text's own screen)."""
    secrets, emails, numbers = screens
    allowed = _allowed(ctx.allow)
    values = [(path, text) for path, text in texts(example) if not _binary(text)]
    loose = aws_secret_candidates([text for _, text in values]) if secrets else ()
    for path, text in values:
        seen: set[str] = set()
        found: list[Match] = []
        if secrets and len(text) >= len(_TOKEN) and _token_run(text):
            found += secrets_in(text, loose)
        if emails or (numbers and len(text) >= _MIN_DIGITS):
            found += personal_data_in(text, emails=emails, numbers=numbers)
        for match in found:
            shown = match.text.lower() if match.kind == "email" else match.text
            if match.text in seen or allowed.fullmatch(shown):
                continue
            seen.add(match.text)
            yield path, match


def _token_run(text: str) -> bool:
    """The text screen for secrets: a run of 19+ token characters (one byte per
    character: anything not ASCII is "?")."""
    classes = text.encode("ascii", "replace").translate(_CLASSES)
    return classes.replace(b"0", b"A").replace(b"-", b"A").find(_TOKEN) >= 0


@example_rule(
    code="JG280",
    name="secret-in-text",
    severity=Severity.ERROR,
    summary="A text of the example holds a secret: an API key, a token or a private key.",
    hint="A model memorises what it trains on: remove the secret (and revoke it), or "
    "replace it with a placeholder; allow a known fake with `allow` in [tool.jsonl-guard].",
    bad='{"messages": [{"role": "user", "content": "Use key sk-proj-Zr7Gm2Qx9Lw4Tn8Vb1Hc6Jd3"}, '
    + A
    + "]}",
    good='{"messages": [{"role": "user", "content": "Use key sk-proj-YOUR-KEY-HERE"}, ' + A + "]}",
    rule_sets=EVERY_PROFILE,
    needs=("sensitive-text",),
)
def secret_in_text(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, match in sensitive_matches(example, ctx):
        if match.kind in SECRET_NAMES:
            yield f"{path_of(*path)} holds {SECRET_NAMES[match.kind]} ({match.masked})"


@example_rule(
    code="JG281",
    name="personal-data-in-text",
    severity=Severity.WARNING,
    summary="A text of the example holds personal data: an email address, a phone number, "
    "a payment card number, an IBAN or a national id number.",
    hint="Remove or pseudonymise it (a reserved domain such as example.com, a 555-01xx "
    "number); allow a known test value with `allow` in [tool.jsonl-guard].",
    bad='{"messages": [{"role": "user", "content": "Mail me at lee.moreau@gmail.com"}, ' + A + "]}",
    good='{"messages": [' + U + ", " + A + "]}",
    rule_sets=EVERY_PROFILE,
    needs=("sensitive-text",),
)
def personal_data_in_text(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, match in sensitive_matches(example, ctx):
        if match.kind in PII_NAMES:
            yield f"{path_of(*path)} holds {PII_NAMES[match.kind]} ({match.masked})"
