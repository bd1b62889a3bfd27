"""What the example rules share: paths for messages, and the parts of a message."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..engine.schema import format_path

# The shortest messages that make documentation examples readable.
U = '{"role": "user", "content": "Where is my order?"}'
A = '{"role": "assistant", "content": "It ships today."}'
JsonPath = tuple[str | int, ...]  # a path in an example, formatted by path_of


def path_of(*path: str | int) -> str:
    return format_path(list(path))


# A message names at most this many ids, names or paths: an example with ten
# thousand tool calls must not write ten thousand of them into each finding.
MAX_LISTED = 10


def listing(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    """``a, b, c`` (``none`` when empty), the first ``limit`` then ``and 9,990 more``."""
    if not items:
        return "none"
    shown = ", ".join(items[:limit])
    hidden = len(items) - limit
    return f"{shown} and {hidden:,} more" if hidden > 0 else shown


def tool_calls(message: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    calls = message.get("tool_calls")
    if not isinstance(calls, list):
        return []
    return [(j, c) for j, c in enumerate(calls) if isinstance(c, dict)]


def image_parts(message: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [
        (k, part)
        for k, part in enumerate(content)
        if isinstance(part, dict) and part.get("type") == "image_url"
    ]


def image_urls(message: dict[str, Any]) -> list[tuple[int, str]]:
    """(part index, URL) of each image part whose URL is a string."""
    urls = []
    for k, part in image_parts(message):
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else None
        if isinstance(url, str):
            urls.append((k, url))
    return urls


def content_texts(message: dict[str, Any], i: int) -> Iterator[tuple[JsonPath, str]]:
    """The text of a message's content: the string, or each text/refusal part."""
    content = message.get("content")
    if isinstance(content, str):
        yield ("messages", i, "content"), content
    elif isinstance(content, list):
        for k, part in enumerate(content):
            for key in ("text", "refusal"):
                if isinstance(part, dict) and isinstance(part.get(key), str):
                    yield ("messages", i, "content", k, key), part[key]
