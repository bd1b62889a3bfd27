"""Which files ``jsonl-guard check`` reads: paths as given, directories and globs searched.

A path named on the command line is always checked (even hidden, ignored or
excluded). Directories and globs are searched, and the search is bounded whatever
the tree holds:

- each real folder is entered once and each real file found once (by device and
  inode), so a link to a parent neither loops nor multiplies the files;
- ``/proc``, ``/sys`` and ``/dev`` (and anything whose real path is on them) are
  never entered;
- hidden folders (``.git``, ``.venv``...) and package or build folders
  (``node_modules``, ``build``, ``dist``, ``venv``...: ``TOOL_FOLDERS``) are skipped,
  and ``.gitignore`` files are
  honoured: those inside the searched tree and those above it up to the repository
  root (the folder holding ``.git``), plus ``.git/info/exclude``;
- ``--exclude`` patterns (relative to the working directory) and each config's
  ``exclude`` (relative to its folder) skip what they match, in .gitignore syntax;
- the walk is ``os.scandir`` with an explicit stack: no recursion, no limit hit.

A directory yields ``*.jsonl``, ``*.ndjson`` and ``*.jsonl.gz`` (any case); a glob
yields every regular file it matches.
"""

# String paths throughout: os.scandir yields them, and a Path per entry of a big tree
# costs time for nothing here.
# ruff: noqa: PTH100, PTH109, PTH110, PTH114, PTH116, PTH118, PTH120, PTH206
from __future__ import annotations

import glob
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from ..engine.lines import VIRTUAL_ROOTS, virtual_root
from ..untrusted import printable
from .arguments import UsageError
from .ignore import (
    ANY,
    Pattern,
    is_ignored,
    live_states,
    parse_lines,
    read_ignore_file,
    segment_pattern,
)

SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz")
# Folders that hold installed packages or build output, skipped in a search without a
# .gitignore saying so (as ruff's default excludes do): `paths: "."` in the action must
# not read a vendored package's test data. Named on the command line, they are read.
TOOL_FOLDERS = frozenset(
    {"node_modules", "build", "dist", "venv", "site-packages", "__pycache__", "__pypackages__",
     "_build", "buck-out"}
)  # fmt: skip
_FileId = tuple[int, int]


@dataclass(frozen=True)
class SearchSettings:
    """What a search skips. ``excludes_for(folder)``: the config patterns for a folder."""

    exclude: tuple[str, ...] = ()
    excludes_for: Callable[[str], tuple[Pattern, ...]] = lambda _folder: ()
    honour_ignores: bool = True  # hidden folders and .gitignore


@dataclass
class Discovered:
    paths: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # folders that could not be read


def discover(arguments: Sequence[str], settings: SearchSettings | None = None) -> Discovered:
    """The files to check, in argument order (each directory's or glob's sorted), once each."""
    search = _Search(settings or SearchSettings())
    result = Discovered(notes=search.notes)
    for argument in arguments:
        result.paths.extend(search.expand(argument))
    return result


class _Search:
    def __init__(self, settings: SearchSettings) -> None:
        self.settings = settings
        cwd = os.getcwd()
        self.cli_excludes = parse_lines(settings.exclude, cwd)
        self.folders: set[_FileId] = set()
        self.files: set[_FileId] = set()
        self.given: set[str] = set()
        self.notes: list[str] = []
        self.skipped = 0
        self.virtual_devices = _devices(VIRTUAL_ROOTS)

    def expand(self, argument: str) -> list[str]:
        if argument == "-":
            return self._once(argument, None)
        info = _stat(argument)
        if info is not None and stat.S_ISDIR(info.st_mode):
            found = self._walk(argument, None)
            if not found:
                raise UsageError(
                    f"no {', '.join('*' + s for s in SUFFIXES)} files under directory "
                    f"{printable(argument)}{self._why_empty()}"
                )
            return found
        if info is None and glob.has_magic(argument):
            base, parts = _split_glob(argument)
            found = self._walk(base, parts) if base is not None else []
            if not found:
                raise UsageError(f"no files match {printable(argument)}{self._why_empty()}")
            return found
        # A file, or a path that is not there: the check reports what is wrong with it.
        return self._once(argument, info)

    def _why_empty(self) -> str:
        if not self.skipped:
            return ""
        return (
            f" ({self.skipped} hidden, .gitignore'd or excluded entries skipped: name a file "
            "to check it anyway, or pass --no-ignore)"
        )

    def _once(self, path: str, info: os.stat_result | None) -> list[str]:
        if path in self.given:
            return []
        self.given.add(path)
        if info is not None:
            key = (info.st_dev, info.st_ino)
            if key in self.files:
                return []
            self.files.add(key)
        return [path]

    def _walk(self, root: str, glob_parts: tuple[str, ...] | None) -> list[str]:
        """Files under ``root``: wanted by suffix, or (a glob) matching ``glob_parts``."""
        self.skipped = 0
        self.folders.clear()  # per search: files are deduplicated across arguments
        root_abs = os.path.abspath(root)
        root = "" if os.path.normpath(root) == os.curdir else root  # "./a" is shown "a"
        found: list[str] = []
        # (shown path, absolute path, segments below root, .gitignore patterns in force)
        stack: list[tuple[str, str, tuple[str, ...], tuple[Pattern, ...]]] = [
            (root, root_abs, (), self._rules_above(root_abs))
        ]
        while stack:
            shown, absolute, segments, rules = stack.pop()
            if not self._enter(absolute, is_root=not segments):
                continue
            if self.settings.honour_ignores:
                rules = rules + read_ignore_file(os.path.join(absolute, ".gitignore"))
            excludes = self.cli_excludes + self.settings.excludes_for(absolute)
            try:
                with os.scandir(absolute) as scan:
                    entries = sorted(scan, key=lambda e: e.name)
            except OSError as error:
                self.notes.append(f"cannot read folder {printable(shown)}: {_reason(error)}")
                continue
            for entry in entries:
                is_dir = _is(entry.is_dir)
                path = os.path.join(absolute, entry.name)
                below = (*segments, entry.name)
                if self._skip(entry.name, path, is_dir, rules, excludes):
                    self.skipped += 1
                elif is_dir:
                    if glob_parts is None or live_states(glob_parts, below):
                        stack.append((os.path.join(shown, entry.name), path, below, rules))
                elif self._wanted(entry, below, glob_parts):
                    found.extend(self._once(os.path.join(shown, entry.name), _stat(path)))
        return sorted(found)

    def _skip(
        self,
        name: str,
        path: str,
        is_dir: bool,
        rules: Sequence[Pattern],
        excludes: Sequence[Pattern],
    ) -> bool:
        if is_ignored(excludes, path, is_dir):
            return True
        if not self.settings.honour_ignores:
            return False
        if is_dir and (name.startswith(".") or name in TOOL_FOLDERS):
            return True
        return is_ignored(rules, path, is_dir)

    @staticmethod
    def _wanted(
        entry: os.DirEntry[str], below: tuple[str, ...], parts: tuple[str, ...] | None
    ) -> bool:
        if not _is(entry.is_file):
            return False
        if parts is None:
            return entry.name.lower().endswith(SUFFIXES)
        return len(parts) in live_states(parts, below)

    def _enter(self, absolute: str, *, is_root: bool) -> bool:
        """Enter each real folder once, and never one on /proc, /sys or /dev."""
        info = _stat(absolute)
        if info is None or not stat.S_ISDIR(info.st_mode):
            return False
        key = (info.st_dev, info.st_ino)
        if key in self.folders or info.st_dev in self.virtual_devices:
            return False
        if (is_root or os.path.islink(absolute)) and virtual_root(absolute) is not None:
            return False
        self.folders.add(key)
        return True

    def _rules_above(self, root: str) -> tuple[Pattern, ...]:
        """The .gitignore patterns of the folders above ``root`` up to its repository's root
        (none outside a repository: a stray .gitignore in a home folder is not the project's)."""
        if not self.settings.honour_ignores:
            return ()
        above: list[str] = []
        folder = root
        while True:
            if os.path.exists(os.path.join(folder, ".git")):
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                return ()
            folder = parent
            above.append(folder)
        rules = read_ignore_file(os.path.join(folder, ".git", "info", "exclude"), base=folder)
        for parent in reversed(above):
            rules += read_ignore_file(os.path.join(parent, ".gitignore"))
        return rules


def _split_glob(argument: str) -> tuple[str | None, tuple[str, ...]]:
    """``data/**/*.jsonl`` -> (``data``, (``**``, ``*.jsonl``)): the folder to search from
    (the part without wildcards) and the segments the rest of a path must match."""
    segments = argument.split(os.sep)
    index = next(i for i, s in enumerate(segments) if glob.has_magic(s))
    base = os.sep.join(segments[:index]) or (os.sep if argument.startswith(os.sep) else "")
    rest = [s for s in segments[index:] if s]
    if not rest:
        return None, ()
    return base, tuple(ANY if s == ANY else segment_pattern(s) for s in rest)


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):  # missing, too long, a loop; ValueError: a NUL byte
        return None


def _is(test: Callable[[], bool]) -> bool:
    try:
        return test()
    except OSError:
        return False


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


@cache
def _devices(roots: Iterable[str]) -> frozenset[int]:
    """The file systems of ``roots``, unless one is the root's (not mounted separately)."""
    devices = {info.st_dev for info in map(_stat, roots) if info is not None}
    root = _stat(os.sep)
    return frozenset(devices - ({root.st_dev} if root is not None else set()))
