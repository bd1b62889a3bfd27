"""``.gitignore`` patterns (and ``--exclude``/``exclude = [...]``, which use the same syntax).

The subset every project uses, as git documents it (gitignore(5)): blank lines and
``#`` comments; ``!`` re-includes; a trailing ``/`` matches folders only; a ``/`` at
the start or in the middle anchors the pattern to its file's folder, otherwise it
matches a name at any depth; ``*``, ``?`` and ``[...]`` stay within one path segment;
``**/`` is any number of folders, ``/**`` everything inside; ``\\`` escapes a
character. The last matching pattern decides. Not supported: ``core.ignoreCase``
(matching is case-sensitive, as git's default on Linux) and the global excludes file.

Written here rather than taken from ``pathspec``: the subset is small, and a check is
a tool people install into every CI job, so it stays off the dependency list.
Segments are matched with ``fnmatch``, whose translation resists catastrophic
backtracking, and ``**`` by a set of states (no regex, no recursion), so a long
hostile pattern costs time linear in its length per path.
"""

# String paths, as the directory walk (cli/discover.py) gives them.
# ruff: noqa: PTH100, PTH119, PTH120, PTH123, PTH206
from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ANY = "**"  # a whole segment: zero or more folders


@dataclass(frozen=True)
class Pattern:
    """One pattern line, relative to ``base`` (an absolute folder)."""

    base: str
    parts: tuple[str, ...]  # fnmatch segments and ANY
    negated: bool = False
    dir_only: bool = False
    anchored: bool = False
    text: str = ""

    def matches(self, path: str, is_dir: bool) -> bool:
        """Does the pattern match ``path`` (absolute, normalised)?"""
        if self.dir_only and not is_dir:
            return False
        prefix = self.base.rstrip(os.sep) + os.sep
        if path.startswith(prefix):
            segments = path[len(prefix) :].split(os.sep)
        elif self.anchored:
            return False  # outside the pattern's folder
        else:
            segments = [os.path.basename(path)]
        return len(self.parts) in live_states(self.parts, segments)


def live_states(parts: Sequence[str], segments: Iterable[str]) -> set[int]:
    """Where in ``parts`` a match can be after ``segments``: an NFA over pattern positions
    (``**`` loops on itself). Empty: no path below can match; holds ``len(parts)``: a match."""
    states = _closure({0}, parts)
    for segment in segments:
        following: set[int] = set()
        for state in states:
            if state == len(parts):
                continue
            part = parts[state]
            if part == ANY:
                following.add(state)
            elif fnmatch.fnmatchcase(segment, part):
                following.add(state + 1)
        if not following:
            return following
        states = _closure(following, parts)
    return states


def _closure(states: set[int], parts: Sequence[str]) -> set[int]:
    """``states`` plus the positions after each ``**`` (which may match nothing)."""
    result = set(states)
    pending = list(states)
    while pending:
        state = pending.pop()
        if state < len(parts) and parts[state] == ANY and state + 1 not in result:
            result.add(state + 1)
            pending.append(state + 1)
    return result


def parse_line(line: str, base: str) -> Pattern | None:
    """One line of a ``.gitignore`` (or one ``--exclude``); ``None`` for blanks and comments."""
    text = line.rstrip("\r\n")
    stripped = text.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(text):
        stripped += " "  # "foo\ " keeps its escaped trailing space
    if not stripped or stripped.startswith("#"):
        return None
    negated = stripped.startswith("!")
    body = stripped[1:] if negated else stripped
    dir_only = body.endswith("/")
    body = body.rstrip("/")
    anchored = "/" in body
    segments = [segment_pattern(s) for s in body.strip("/").split("/") if s]
    if not segments:
        return None  # "/" or "!": matches nothing
    parts = tuple(segments) if anchored else (ANY, *segments)
    if parts[-1] == ANY:  # "dir/**" is everything inside dir, not dir itself
        parts = (*parts[:-1], "*", ANY)
    return Pattern(os.path.abspath(base), parts, negated, dir_only, anchored, text)


def segment_pattern(segment: str) -> str:
    """A segment in fnmatch terms: ``\\x`` is a literal x, ``[^...]`` is ``[!...]``."""
    if segment == ANY:
        return ANY
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "\\" and index + 1 < len(segment):
            index += 1
            escaped = segment[index]
            out.append(f"[{escaped}]" if escaped in "*?[" else escaped)
        elif char == "[" and segment[index + 1 : index + 2] == "^":
            out.append("[!")
            index += 1
        else:
            out.append(char)
        index += 1
    return "".join(out)


def parse_lines(lines: Iterable[str], base: str) -> tuple[Pattern, ...]:
    return tuple(p for p in (parse_line(line, base) for line in lines) if p is not None)


def read_ignore_file(path: str, base: str | None = None) -> tuple[Pattern, ...]:
    """The patterns of one ignore file, relative to ``base`` (default: its folder); nothing
    when it cannot be read, as git does."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return parse_lines(handle, base or os.path.dirname(os.path.abspath(path)))
    except OSError:
        return ()


def is_ignored(patterns: Sequence[Pattern], path: str, is_dir: bool) -> bool:
    """The last pattern that matches ``path`` decides; none: not ignored."""
    for pattern in reversed(patterns):
        if pattern.matches(path, is_dir):
            return not pattern.negated
    return False
