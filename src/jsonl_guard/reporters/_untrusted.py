"""Text from outside (file names, keys and values quoted from the data, OS messages)
as each output can carry it: one printable line for a terminal or CI log, a path no
workflow command can hide in, inert Markdown/HTML for the step summary, and JSON
that a UTF-8 stream can hold.
"""

from __future__ import annotations

import re
import string

from ..untrusted import printable

# Every ASCII character Markdown, GitHub's extensions (autolinks, @mentions, $math$)
# or HTML gives a meaning to inside a line: written as a numeric character reference
# it is shown as itself and never parsed. "/", "-", ",", "=" and "+" mean nothing
# there, and stay readable in the raw file.
_MARKUP = frozenset(string.punctuation) - frozenset("/-,=+")
# Lone surrogates (undecodable file-name bytes): JSON text must be valid UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def line(text: str) -> str:
    """``text`` on one line, control characters and escapes shown (``\\x1b``)."""
    return printable(text)


def path(text: str) -> str:
    """A path at the start of a log line: printable, and never ``::`` first (GitHub
    Actions would run the line as a workflow command); ``./`` names the same file."""
    shown = printable(text)
    return f"./{shown}" if shown.lstrip().startswith("::") else shown


def markdown(text: str) -> str:
    """``text`` as inline code in Markdown (a table cell too): no heading, link, HTML,
    emphasis or cell break can come out of it."""
    escaped = "".join(f"&#{ord(c)};" if c in _MARKUP else c for c in printable(text))
    return f"<code>{escaped}</code>"


def json_text(document: str) -> str:
    """Serialized JSON with each lone surrogate written as the text ``\\xNN`` (the
    byte) or ``\\uNNNN``: a JSON string cannot hold one in UTF-8."""
    return _SURROGATE.sub(lambda m: "\\" + printable(m.group()), document)
