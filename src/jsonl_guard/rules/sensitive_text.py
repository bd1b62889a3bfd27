"""What secrets and personal data look like in text: patterns, checksums and masks.

``secrets_in`` and ``personal_data_in`` find matches in one text; ``mask_text`` hides
every match in any text (rule messages quoting example values go through it before
any reporter sees them). A match is shown only masked: the prefix that names its kind
and its last four characters (``sk-proj-…7Qx9``).

Why patterns and checksums rather than a detector library: detect-secrets (1.5, May
2024) runs one regex per plugin per line and has no Anthropic, Google or Hugging Face
keys, and its entropy plugins fire on hashes and base64 images; a numeric match is
only reported here when its checksum holds (Luhn with the card's IIN range, IBAN
mod-97, national ids with a check digit), so a random number rarely passes.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .checksums import card_number, china_id, cpf, dni, iban, verhoeff

# Characters a token never borders on (else it is part of a longer token: base64, a
# hash, an identifier).
_EDGE = r"A-Za-z0-9_\-+/="
# What a key may not follow, checked in Python (a lookbehind per branch is slow in
# ``re``); "KEY=sk-...": "=" ends base64, never starts a key.
_BORDER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/")
_AFTER = rf"(?![{_EDGE}])"

# (kind, pattern) in priority order: the first branch that matches at a position wins,
# so sk-ant- comes before the OpenAI sk-.
_SECRET_KINDS: tuple[tuple[str, str], ...] = (
    ("anthropic", rf"sk-ant-[A-Za-z0-9_\-]{{20,}}{_AFTER}"),
    ("openai", rf"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{{20,}}{_AFTER}"),
    ("aws", rf"(?:AKIA|ASIA)[A-Z0-9]{{16}}{_AFTER}"),
    ("google", rf"AIza[A-Za-z0-9_\-]{{35}}{_AFTER}"),
    ("github", rf"(?:gh[pousr]_[A-Za-z0-9]{{36,}}|github_pat_\w{{40,}}){_AFTER}"),
    ("slack", rf"xox[baprs]-[A-Za-z0-9\-]{{14,}}{_AFTER}"),
    (
        "slack-webhook",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/(?:[\w\-]+/)*[\w\-]{19,}",
    ),
    ("stripe", rf"[sr]k_live_[A-Za-z0-9]{{20,}}{_AFTER}"),
    ("huggingface", rf"hf_[A-Za-z0-9]{{30,}}{_AFTER}"),
    # The header, then (after optional "Name: value" header lines) a base64 body:
    # a bare header in a tutorial is no key. "\\n": a key inside a JSON string.
    (
        "private-key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:\s|\\[rn])*(?:[A-Za-z\-]+: [^\n\\]*(?:\s|\\[rn])+)*"
        r"(?=[A-Za-z0-9+/=]*?[A-Za-z0-9]{19})[A-Za-z0-9+/=]{40,}",
    ),
    ("jwt", rf"eyJ[\w\-]{{16,}}\.[\w\-]{{2,}}\.[\w\-]*(?![{_EDGE}.])"),
)
SECRET_NAMES = {
    "anthropic": "an Anthropic API key",
    "openai": "an OpenAI API key",
    "aws": "an AWS access key id with its secret access key",
    "google": "a Google API key",
    "github": "a GitHub token",
    "slack": "a Slack token",
    "slack-webhook": "a Slack webhook URL",
    "stripe": "a Stripe live secret key",
    "huggingface": "a Hugging Face token",
    "private-key": "a private key block",
    "jwt": "a JSON Web Token",
}
_PATTERNS = {kind: re.compile(pattern, re.ASCII) for kind, pattern in _SECRET_KINDS}
# Where each kind starts: ``str.find`` runs in C over the text, and the kind's pattern is
# matched only there (one alternation over every position costs ~1 us a character).
_PREFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sk-", ("anthropic", "openai")),
    ("AKIA", ("aws",)),
    ("ASIA", ("aws",)),
    ("AIza", ("google",)),
    *((f"gh{letter}_", ("github",)) for letter in "pousr"),
    ("github_pat_", ("github",)),
    ("xox", ("slack",)),
    ("https://hooks.slack.com/", ("slack-webhook",)),
    ("sk_live_", ("stripe",)),
    ("rk_live_", ("stripe",)),
    ("hf_", ("huggingface",)),
    ("-----BEGIN ", ("private-key",)),
    ("eyJ", ("jwt",)),
)
_FREE_START = frozenset({"slack-webhook", "private-key"})  # may follow any character


def _raw_secrets(text: str) -> Iterator[Match]:
    """Every secret pattern's match, left to right and not overlapping, before the
    checks of ``_is_secret`` (``mask_text`` masks these; the rule checks them)."""
    starts: dict[int, tuple[str, ...]] = {}
    for prefix, kinds in _PREFIXES:
        position = text.find(prefix)
        while position >= 0:
            starts[position] = starts.get(position, ()) + kinds
            position = text.find(prefix, position + 1)
    end = 0
    for start in sorted(starts):
        if start < end:
            continue  # inside a match already found
        bordered = start == 0 or text[start - 1] not in _BORDER
        for kind in starts[start]:
            if kind not in _FREE_START and not bordered:
                continue
            found = _PATTERNS[kind].match(text, start)
            if found is not None:
                end = found.end()
                yield Match(kind, start, end, found.group())
                break


# An AWS secret access key: 40 characters of base64 with both cases and a digit.
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
AWS_SECRET_REACH = 300  # characters either side of the key id, in the same text
# A documented placeholder or a redacted key is no secret ("sk-your-key-here-...").
_PLACEHOLDER = re.compile(r"example|xxxx|your|placeholder|redacted|dummy|fake|0000000", re.I)


@dataclass(frozen=True)
class Match:
    """One secret or piece of personal data: its kind, where it is in the text, and the
    text itself (never shown: ``masked`` is)."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def masked(self) -> str:
        return mask(self.kind, self.text)


def _mixed(text: str) -> bool:
    """Upper case, lower case and a digit: random keys have all three, words rarely."""
    return (
        any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() for c in text)
    )


def _jwt_header(token: str) -> bool:
    header = token.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(decoded, dict) and "alg" in decoded


def _is_secret(kind: str, text: str) -> bool:
    if _PLACEHOLDER.search(text):
        return False
    if kind in ("openai", "anthropic", "google", "github", "stripe"):
        return _mixed(text.split("-", 2)[-1] if kind != "google" else text[4:])
    if kind == "huggingface":
        body = text[3:]
        return any(c.isupper() for c in body) and any(c.islower() for c in body)
    if kind == "slack":
        return any(c.isdigit() for c in text)
    if kind == "jwt":
        return _jwt_header(text)
    return True


def _aws_secret_beside(text: str, start: int, end: int, loose: tuple[str, ...]) -> bool:
    """A 40-character secret access key within ``AWS_SECRET_REACH`` characters of the key
    id in the same text, or standing alone as another text of the example (``loose``)."""
    window = text[max(0, start - AWS_SECRET_REACH) : end + AWS_SECRET_REACH]
    near = any(_aws_secret(m.group()) for m in _AWS_SECRET.finditer(window))
    return near or any(_aws_secret(value) for value in loose)


def _aws_secret(value: str) -> bool:
    return (
        len(value) == 40
        and _AWS_SECRET.fullmatch(value) is not None
        and not _PLACEHOLDER.search(value)
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() or c in "/+" for c in value)
    )


def secrets_in(text: str, loose: tuple[str, ...] = ()) -> Iterator[Match]:
    """The secrets in ``text``; ``loose``: the example's other texts that are a whole
    40-character token (where an AWS key id's secret may stand)."""
    for found in _raw_secrets(text):
        if not _is_secret(found.kind, found.text):
            continue
        if found.kind == "aws" and not _aws_secret_beside(text, found.start, found.end, loose):
            continue  # a key id alone signs nothing: see docs/secrets.md
        yield found


def aws_secret_candidates(texts: list[str]) -> tuple[str, ...]:
    """The texts that are an AWS secret access key on their own (tool arguments given
    as an object put the key id and the secret in two values)."""
    return tuple(t.strip() for t in texts if 38 <= len(t) <= 44 and _aws_secret(t.strip()))


# Personal data ----------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
# Not addresses: retina assets (logo@2x.png), package pins (lib@1.2.3 fails anyway).
_SUFFIXES = (
    "png jpg jpeg gif svg webp ico bmp tif tiff js mjs cjs ts tsx jsx css scss html htm json "
    "yaml yml toml md txt py rb go rs java kt swift c h cpp hpp sh lock zip gz tar pdf csv "
    "jsonl log ini cfg xml"
)
_FILE_SUFFIXES = frozenset(_SUFFIXES.split())
# Numbers: E.164 (+ and country code), North American formats, payment cards (13-19
# digits, plain or in groups), IBANs, Spanish DNI/NIE, Brazilian CPF, Aadhaar, Chinese
# resident ids. Each alternative is checked by its validator below.
_NUMBERS = re.compile(
    r"(?P<phone>(?<![\w+])\+[1-9]\d{0,2}(?:[ .\-]?\(?\d{1,4}\)?){2,6}(?![\w\-]))"
    r"|(?P<nanp>(?<![\w(+\-.])(?:\([2-9]\d\d\) ?|[2-9]\d\d-)[2-9]\d\d-\d{4}(?![\w\-]|\.\d))"
    r"|(?P<cpf>(?<![\w.\-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w\-]|\.\d))"
    r"|(?P<aadhaar>(?<![\w\-])(?<!\d )[2-9]\d{3} \d{4} \d{4}(?![\w\-]| \d))"
    r"|(?P<china>(?<![\w\-])\d{17}[\dX](?![\w\-]|\.\d))"
    r"|(?P<card>(?<![\w\-.])(?:\d{13,19}|\d{4}(?:[ \-]\d{4}){2,3}(?:[ \-]\d{1,3})?"
    r"|\d{4}[ \-]\d{6}[ \-]\d{4,5})(?![\w\-]|\.\d))"
    r"|(?P<iban>(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"
    r"(?![A-Za-z0-9]))"
    r"|(?P<dni>(?<![\w\-])(?:\d{8}|[XYZ]\d{7})-?[A-HJ-NP-TV-Z](?![\w\-]))",
    re.ASCII,
)
PII_NAMES = {
    "email": "an email address",
    "phone": "a phone number",
    "card": "a payment card number",
    "iban": "an IBAN",
    "dni": "a Spanish DNI/NIE",
    "cpf": "a Brazilian CPF",
    "aadhaar": "an Aadhaar number",
    "china-id": "a Chinese resident identity number",
}


def _phone(text: str) -> bool:
    """8 to 15 digits (E.164's longest), and not a fictional +1 NXX-555-01xx number."""
    digits = "".join(c for c in text if c.isdigit())
    fictional = len(digits) == 11 and digits[0] == "1" and _fictional(digits[1:])
    return 8 <= len(digits) <= 15 and not fictional


def _fictional(digits: str) -> bool:
    """NANP 555-0100 to 555-0199: reserved for films and examples."""
    return digits[3:6] == "555" and "0100" <= digits[6:] <= "0199"


def _number(kind: str, text: str) -> tuple[str, str] | None:
    """(kind, the matched number) when its validator holds."""
    digits = "".join(c for c in text if c.isdigit())
    checks: dict[str, Callable[[], bool]] = {
        "phone": lambda: _phone(text),
        "nanp": lambda: not _fictional(digits),
        "cpf": lambda: cpf(text),
        "aadhaar": lambda: verhoeff(digits),
        "dni": lambda: dni(text),
    }
    if kind == "card":
        return ("card", text) if card_number(digits) else None
    if kind == "china":  # 18 digits may be a card number instead
        if china_id(text):
            return "china-id", text
        return ("card", text) if text.isdigit() and card_number(text) else None
    if kind == "iban":
        code = iban(text)
        return None if code is None else ("iban", code)
    if checks[kind]():
        return ("phone" if kind == "nanp" else kind), text
    return None


def personal_data_in(text: str, *, emails: bool = True, numbers: bool = True) -> Iterator[Match]:
    """Emails and checked numbers, read only near an ``@`` or a run of 7+ digits (the
    patterns start with lookbehinds, which ``re`` would try at every position)."""
    for found in _near(_EMAIL, text, _at_windows(text) if emails else []):
        value = found.group()
        if value.rsplit(".", 1)[-1].lower() not in _FILE_SUFFIXES:
            yield Match("email", found.start(), found.end(), value)
    for found in _near(_NUMBERS, text, _digit_windows(text) if numbers else []):
        checked = _number(found.lastgroup or "", found.group())
        if checked is not None:
            kind, value = checked
            yield Match(kind, found.start(), found.start() + len(value), value)


_REACH = 64  # characters around an @ or a digit run where a match may start or end
# Digits "0"; what may stand between a number's digits " "; anything else "A".
_DIGIT_CLASSES = bytes(
    48 if 48 <= i <= 57 else 32 if chr(i) in " -.()+" else 65 for i in range(256)
)
_DIGIT_RUN = re.compile(rb"0[0 ]{6,}")
_MIN_DIGITS = 7


def _digit_windows(text: str) -> list[tuple[int, int]]:
    """Around each run of 7+ digits with only separators between them."""
    # One byte per character (anything else is "?"), so offsets are the text's.
    classes = text.encode("ascii", "replace").translate(_DIGIT_CLASSES)
    runs = _DIGIT_RUN.finditer(classes)
    return _merged((r.start(), r.end()) for r in runs if r.group().count(b"0") >= _MIN_DIGITS)


def _at_windows(text: str) -> list[tuple[int, int]]:
    spots, position = [], text.find("@")
    while position >= 0:
        spots.append((position, position + 1))
        position = text.find("@", position + 1)
    return _merged(spots)


def _merged(spans: Iterator[tuple[int, int]] | list[tuple[int, int]]) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for start, end in spans:
        low, high = max(0, start - _REACH), end + _REACH
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], high)
        else:
            windows.append((low, high))
    return windows


def _near(
    pattern: re.Pattern[str], text: str, windows: list[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """``pattern``'s matches in the windows, as a search of the whole text finds them
    (lookbehinds see before a window; a match reaching a window's end is redone on the
    whole text, where its lookahead sees what follows)."""
    seen: set[tuple[int, int]] = set()
    for low, high in windows:
        for found in pattern.finditer(text, low, min(high, len(text))):
            if found.end() >= high and high < len(text):
                again = pattern.match(text, found.start())
                if again is None:
                    continue
                found = again
            if (found.start(), found.end()) not in seen:
                seen.add((found.start(), found.end()))
                yield found


# Masks ------------------------------------------------------------------------------

_PREFIX = re.compile(
    r"sk-ant-|sk-(?:proj-|svcacct-|admin-)?|AKIA|ASIA|AIza|gh[pousr]_|github_pat_|xox[baprs]-"
    r"|https://hooks\.slack\.com/|[sr]k_live_|hf_|eyJ|-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----"
)


def mask(kind: str, text: str) -> str:
    """``text`` as outputs show it: the prefix naming its kind and its last four
    characters (``sk-proj-…7Qx9``, ``j…@…e.com``, ``DE…3000``, ``+…2671``, ``…1111``)."""
    tail = text[-4:]
    if kind == "email":
        return f"{text[0]}…@…{tail}"
    if kind == "iban":
        return f"{text[:2]}…{tail}"
    if kind == "phone":
        return f"{'+' if text.startswith('+') else ''}…{tail}"
    if kind in PII_NAMES:
        return f"…{tail}"
    prefix = _PREFIX.match(text)
    return f"{prefix.group() if prefix else ''}…{tail}"


# A key cut short by a message's truncation ("sk-proj-abc…"): still hidden.
_TRUNCATED = re.compile(f"(?:{_PREFIX.pattern})[A-Za-z0-9_\\-]{{4,}}(?=…)")


def mask_text(text: str) -> str:
    """``text`` with every secret and piece of personal data masked (placeholders
    too: masking more is always safe), and a key cut short by ``…`` cut to its prefix."""
    if "…" in text:
        text = _TRUNCATED.sub(lambda m: _PREFIX.match(m.group()).group(), text)  # type: ignore[union-attr]
    found = sorted([*_raw_secrets(text), *personal_data_in(text)], key=lambda m: (m.start, -m.end))
    if not found:
        return text
    pieces, position = [], 0
    for match in found:
        if match.start < position:
            continue  # inside a match already masked
        pieces += [text[position : match.start], match.masked]
        position = match.end
    return "".join(pieces) + text[position:]
