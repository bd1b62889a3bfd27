"""Printing text that came from outside: the data, file names, a server's answers.

Such text can hold terminal escapes (clear the screen, print a fake "No errors"),
other control characters, a line that starts a GitHub workflow command, or a
secret a server echoed back. ``printable`` makes one line safe for a terminal or a
CI log; ``mask_secrets`` hides the known secrets of this process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

# C0 and C1 controls (tab kept), DEL, the Unicode line/paragraph separators and
# bidirectional overrides that can reorder what a reader sees, and lone surrogates: a
# file name's undecodable bytes (os.fsdecode) or a JSON "\ud800", which no UTF-8
# stream can carry.
_CONTROL = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# surrogateescape maps an undecodable byte 0xNN to U+DCNN.
_ESCAPED_BYTES = range(0xDC80, 0xDD00)
# Environment variables that hold credentials the tool or its SDKs may send.
SECRET_VARIABLES = (
    "OPENAI_API_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "TOGETHER_API_KEY",
    "FIREWORKS_API_KEY",
    "MISTRAL_API_KEY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "GITHUB_TOKEN",
)
# Shorter values are too likely to occur by chance in ordinary text.
MIN_SECRET_LENGTH = 8
MASK = "***"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code in _ESCAPED_BYTES:
        return f"\\x{code - 0xDC00:02x}"  # the byte as it is in the file name
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` on one line with every control character shown as an escape
    (``\\x1b``, ``\\n``), so it cannot move the cursor, colour, or start a new line."""
    return _CONTROL.sub(_escape, text)


def known_secrets(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The credential values set in the environment (long enough to mask safely)."""
    environ = os.environ if environ is None else environ
    values = (environ.get(name, "") for name in SECRET_VARIABLES)
    return tuple(sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True))


def mask_secrets(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with each secret (default: ``known_secrets()``) replaced by ``***``."""
    for secret in known_secrets() if secrets is None else secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, MASK)
    return text


def safe(text: str, secrets: Iterable[str] | None = None) -> str:
    """Server or data text as the tool prints it: secrets masked, then made printable."""
    return printable(mask_secrets(text, secrets))
