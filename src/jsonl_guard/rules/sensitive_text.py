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

# Characters a token never borders on (else it is part of a longer token: base64, a
# hash, an identifier).
_EDGE = r"A-Za-z0-9_\-+/="
_BEFORE = r"(?<![A-Za-z0-9_\-+/])"  # "KEY=sk-...": "=" ends base64, never starts a key
_AFTER = rf"(?![{_EDGE}])"

# (kind, pattern) in priority order: the first branch that matches at a position wins,
# so sk-ant- comes before the OpenAI sk-.
_SECRET_KINDS: tuple[tuple[str, str], ...] = (
    ("anthropic", rf"{_BEFORE}sk-ant-[A-Za-z0-9_\-]{{20,}}{_AFTER}"),
    ("openai", rf"{_BEFORE}sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{{20,}}{_AFTER}"),
    ("aws", rf"{_BEFORE}(?:AKIA|ASIA)[A-Z0-9]{{16}}{_AFTER}"),
    ("google", rf"{_BEFORE}AIza[A-Za-z0-9_\-]{{35}}{_AFTER}"),
    ("github", rf"{_BEFORE}(?:gh[pousr]_[A-Za-z0-9]{{36,}}|github_pat_\w{{40,}}){_AFTER}"),
    ("slack", rf"{_BEFORE}xox[baprs]-[A-Za-z0-9\-]{{14,}}{_AFTER}"),
    (
        "slack-webhook",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/(?:[\w\-]+/)*[\w\-]{19,}",
    ),
    ("stripe", rf"{_BEFORE}[sr]k_live_[A-Za-z0-9]{{20,}}{_AFTER}"),
    ("huggingface", rf"{_BEFORE}hf_[A-Za-z0-9]{{30,}}{_AFTER}"),
    # The header, then (after optional "Name: value" header lines) a base64 body:
    # a bare header in a tutorial is no key. "\\n": a key inside a JSON string.
    (
        "private-key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:\s|\\[rn])*(?:[A-Za-z\-]+: [^\n\\]*(?:\s|\\[rn])+)*"
        r"(?=[A-Za-z0-9+/=]*?[A-Za-z0-9]{19})[A-Za-z0-9+/=]{40,}",
    ),
    ("jwt", rf"{_BEFORE}eyJ[\w\-]{{16,}}\.[\w\-]{{2,}}\.[\w\-]*(?![{_EDGE}.])"),
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
_SECRETS = re.compile(
    "|".join(f"(?P<{k.replace('-', '_')}>{p})" for k, p in _SECRET_KINDS), re.ASCII
)
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
    for found in _SECRETS.finditer(text):
        kind = (found.lastgroup or "").replace("_", "-")
        value = found.group()
        if not _is_secret(kind, value):
            continue
        if kind == "aws" and not _aws_secret_beside(text, found.start(), found.end(), loose):
            continue  # a key id alone signs nothing: see docs/secrets.md
        yield Match(kind, found.start(), found.end(), value)


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


def luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# IIN ranges (ISO/IEC 7812 prefixes as the networks publish them) and their lengths.
_CARD_RANGES: tuple[tuple[int, int, int, tuple[int, ...]], ...] = (
    # (prefix digits, low, high, lengths)
    (1, 4, 4, (13, 16, 19)),  # Visa
    (2, 51, 55, (16,)),  # Mastercard
    (4, 2221, 2720, (16,)),  # Mastercard 2-series
    (2, 34, 34, (15,)),  # American Express
    (2, 37, 37, (15,)),
    (4, 6011, 6011, (16, 17, 18, 19)),  # Discover
    (3, 644, 649, (16, 17, 18, 19)),
    (2, 65, 65, (16, 17, 18, 19)),
    (4, 3528, 3589, (16, 17, 18, 19)),  # JCB
    (3, 300, 305, (14, 15, 16, 17, 18, 19)),  # Diners Club
    (2, 36, 36, (14, 15, 16, 17, 18, 19)),
    (2, 38, 39, (16, 17, 18, 19)),
    (2, 62, 62, (16, 17, 18, 19)),  # UnionPay
    (4, 2200, 2204, (16, 17, 18, 19)),  # Mir
)


def card_number(digits: str) -> bool:
    """A known network's IIN at a length it issues, and the Luhn check digit."""
    ranged = any(
        low <= int(digits[:size]) <= high and len(digits) in lengths
        for size, low, high, lengths in _CARD_RANGES
    )
    return ranged and luhn(digits)


# IBAN length per country (the SWIFT IBAN Registry of ISO 13616).
_IBAN_TABLE = (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 "
    "DK18 DO28 EE20 EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 "
    "IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 MC27 MD24 "
    "ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 RO24 RS22 SA24 SC31 "
    "SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20"
)
IBAN_LENGTHS = {entry[:2]: int(entry[2:]) for entry in _IBAN_TABLE.split()}


def iban(text: str) -> str | None:
    """The IBAN ``text`` starts with (spaces dropped) when its length and mod-97 hold."""
    compact = text.replace(" ", "")
    length = IBAN_LENGTHS.get(compact[:2])
    if length is None or len(compact) < length:
        return None
    code = compact[:length]
    rearranged = code[4:] + code[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return code if int(number) % 97 == 1 else None


def dni(text: str) -> bool:
    """Spanish DNI/NIE: the letter is the number mod 23 (NIE: X, Y, Z stand for 0-2)."""
    compact = text.replace("-", "")
    number = "XYZ".index(compact[0]) if compact[0] in "XYZ" else None
    digits = (str(number) + compact[1:-1]) if number is not None else compact[:-1]
    return "TRWAGMYFPDXBNJZSQVHLCKE"[int(digits) % 23] == compact[-1]


def cpf(text: str) -> bool:
    """Brazilian CPF: two mod-11 check digits (and not one digit repeated)."""
    digits = [int(c) for c in text if c.isdigit()]
    if len(set(digits)) == 1:
        return False
    for size in (9, 10):
        total = sum(d * (size + 1 - i) for i, d in enumerate(digits[:size]))
        if (total * 10 % 11) % 10 != digits[size]:
            return False
    return True


_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff(digits: str) -> bool:
    """Aadhaar's check digit (Verhoeff's dihedral-group scheme)."""
    check = 0
    for i, char in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][int(char)]]
    return check == 0


def china_id(digits: str) -> bool:
    """GB 11643-1999: 17 digits (a plausible birth date at 7-14) and an ISO 7064
    MOD 11-2 check character."""
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(digits[:17]))
    return "10X98765432"[total % 11] == digits[17]


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


def personal_data_in(text: str) -> Iterator[Match]:
    if "@" in text:
        for found in _EMAIL.finditer(text):
            value = found.group()
            if value.rsplit(".", 1)[-1].lower() not in _FILE_SUFFIXES:
                yield Match("email", found.start(), found.end(), value)
    for found in _NUMBERS.finditer(text):
        checked = _number(found.lastgroup or "", found.group())
        if checked is not None:
            kind, value = checked
            yield Match(kind, found.start(), found.start() + len(value), value)


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


def _raw_secrets(text: str) -> Iterator[Match]:
    """Every secret pattern's match, checksums and companions aside (for masking)."""
    for found in _SECRETS.finditer(text):
        kind = (found.lastgroup or "").replace("_", "-")
        yield Match(kind, found.start(), found.end(), found.group())
