"""Append-only typed columns of integers that keep a bounded tail in memory.

``DatasetStats`` keeps a few integers per example (token counts, digests, lines, the
near-duplicate sketch: ~172 bytes an example), appended while checking and read back
in passes at the end. An ``array`` of them grows with the file (52 MB of sketches for
300,000 examples); a ``Column`` holds at most ``spill_bytes()`` of them in memory and
writes the rest to a temporary file (issue 17: memory bounded whatever the file size).

The file is anonymous: ``tempfile.TemporaryFile`` in the system temp dir (``TMPDIR``),
unlinked when made (``O_TMPFILE`` on Linux), so nothing is left behind after an error,
Ctrl-C or even a kill, and nothing is written next to the user's file. It is read and
written with ``os.pread``/``os.pwrite`` at explicit offsets: a forked worker inherits
the descriptor, and a shared file position would be moved by either process.

Pickling a spilled column copies its values into the pickle, unless a hand-off
directory is set (``hand_off_to``, in ``--jobs`` workers only): there a column spills
to a named file and pickles as its path, and the process that unpickles it opens the
file and unlinks it at once (``hand_off_directory`` removes the directory, and any file
a worker left in it, when the check is done, and those of killed checks). So a
worker's shard reaches the parent without its sketches passing through memory.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import JsonlGuardError

# The in-memory budget of one column, in bytes, and the one place it is read. 256 KiB:
# appending costs the same from 64 KiB to 4 MiB, and at 300,000 examples quicktok -j2
# peaked at 109 MB with it against 121 MB with 1 MiB (three processes, 14 columns a
# file each; docs/performance.md, "Memory"). Tests set a tiny one to spill everything.
SPILL_ENV = "JSONL_GUARD_SPILL_BYTES"
DEFAULT_SPILL_BYTES = 1 << 18

_hand_off_dir: str | None = None


def spill_bytes() -> int:
    """The budget: ``$JSONL_GUARD_SPILL_BYTES`` if set to a positive integer, else 256 KiB."""
    value = os.environ.get(SPILL_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_SPILL_BYTES


# A hand-off directory's name: the prefix, then the pid of the check that made it.
HAND_OFF_PREFIX = "jsonl-guard-spill-"


@contextmanager
def hand_off_directory() -> Iterator[str]:
    """A new hand-off directory in the system temp dir, removed on the way out with
    whatever is left in it. A check killed outright (SIGKILL, SIGTERM) runs no
    ``finally``, so first remove the directories of checks that are gone."""
    _remove_orphans()
    path = tempfile.mkdtemp(prefix=f"{HAND_OFF_PREFIX}{os.getpid()}-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _remove_orphans() -> None:
    for path in Path(tempfile.gettempdir()).glob(f"{HAND_OFF_PREFIX}*"):
        pid = path.name.removeprefix(HAND_OFF_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)  # another user's stays: not ours


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (EPERM), or a platform without signal 0
        return True
    return True


class SpillError(JsonlGuardError):
    """A column could not be written to its temporary file (a full disk, no temp dir)."""

    def __init__(self, error: OSError | str) -> None:
        if isinstance(error, OSError):
            where = _hand_off_dir or tempfile.gettempdir()
            error = (
                f"cannot write the check's temporary data in {where}: "
                f"{error.strerror or error}; free space there, or set TMPDIR to a folder "
                "on a disk with room (a big file needs about 200 bytes an example)"
            )
        super().__init__(error)


def hand_off_to(directory: str | None) -> None:
    """Spill to named files in ``directory`` and pickle them by path (``None``: stop)."""
    global _hand_off_dir
    _hand_off_dir = directory


class Column:
    """An append-only sequence of integers of one ``array`` typecode."""

    __slots__ = ("_capacity", "_file", "_path", "_stored", "_tail", "typecode")

    def __init__(self, typecode: str, values: Iterable[int] = ()) -> None:
        self.typecode = typecode
        self._tail = array(typecode)
        # Items the tail holds before it is written out (at least one).
        self._capacity = max(1, spill_bytes() // self._tail.itemsize)
        self._file: int | None = None  # the descriptor: no file object to warn if dropped
        self._path: str | None = None  # a hand-off file's name, while it has one
        self._stored = 0  # items in the file, before the tail
        self.extend(values)

    @property
    def itemsize(self) -> int:
        return self._tail.itemsize

    @property
    def spilled(self) -> bool:
        return self._file is not None

    def __len__(self) -> int:
        return self._stored + len(self._tail)

    def __bool__(self) -> bool:
        return self._stored > 0 or len(self._tail) > 0

    def append(self, value: int) -> None:
        tail = self._tail
        tail.append(value)
        if len(tail) >= self._capacity:
            self._spill()

    def frombytes(self, data: bytes) -> None:
        """Append the items ``data`` holds as native machine values (``array.frombytes``:
        a line's sketch comes as its bytes)."""
        tail = self._tail
        tail.frombytes(data)
        if len(tail) >= self._capacity:
            self._spill()

    def extend(self, values: Iterable[int], offset: int = 0) -> None:
        """Append ``values`` (another column read a chunk at a time), each plus ``offset``."""
        pieces = values.chunks() if isinstance(values, Column) else (values,)
        for piece in pieces:
            if offset:
                piece = array(self.typecode, [value + offset for value in piece])
            self._tail.extend(piece)
            if len(self._tail) >= self._capacity:
                self._spill()

    def _spill(self) -> None:
        """Write the tail at the end of the file (made now if need be) and empty it."""
        try:
            if self._file is None:
                self._file, self._path = _new_file()
            fd, at = self._file, self._stored * self.itemsize
            with memoryview(self._tail).cast("B") as view:
                written = 0
                while written < len(view):
                    written += os.pwrite(fd, view[written:], at + written)
        except OSError as error:
            raise SpillError(error) from None
        self._stored += len(self._tail)
        del self._tail[:]

    def _read(self, start: int, count: int) -> array[int]:
        """``count`` items of the file from item ``start``."""
        piece = array(self.typecode)
        piece.frombytes(self._read_bytes(start * self.itemsize, count * self.itemsize))
        return piece

    def _read_bytes(self, at: int, size: int) -> bytes:
        """``size`` bytes of the file from byte ``at``."""
        assert self._file is not None
        data = os.pread(self._file, size, at)
        while len(data) < size:  # a short read (rare on a regular file): read on
            more = os.pread(self._file, size - len(data), at + len(data))
            if not more:
                raise OSError(f"spill file ended at byte {at + len(data)} of {at + size}")
            data += more
        return data

    def chunks(self, multiple: int = 1) -> Iterator[array[int]]:
        """The values in order, in arrays of about the budget whose lengths are a multiple
        of ``multiple`` (whole sketches), but for the last one. Read from the file, so
        each is a new array; the last may be the tail itself: do not append meanwhile."""
        step = max(multiple, self._capacity // multiple * multiple)
        start = 0
        while self._stored - start > step:
            yield self._read(start, step)
            start += step
        if start == self._stored:
            if self._tail:
                yield self._tail
            return
        last = self._read(start, self._stored - start)
        last.extend(self._tail)
        yield last

    def __iter__(self) -> Iterator[int]:
        # A C iterator over the chunks' arrays: a generator here cost a resume per value
        # (2.2M of them for the dataset rules of a 100k file).
        return itertools.chain.from_iterable(self.chunks())

    def __contains__(self, value: object) -> bool:  # a Collection, as arrays and lists are
        return any(item == value for item in self)

    def slice(self, start: int, stop: int) -> array[int]:
        """Items ``start`` to ``stop`` (a new array), wherever they are."""
        stop = min(stop, len(self))
        if start >= self._stored:
            return self._tail[start - self._stored : stop - self._stored]
        piece = self._read(start, min(stop, self._stored) - start)
        if stop > self._stored:
            piece.extend(self._tail[: stop - self._stored])
        return piece

    def packed(self, start: int, stop: int) -> bytes:
        """Items ``start`` to ``stop`` as their native bytes (``slice`` without the array:
        the pair search fetches an earlier sketch this way for each comparison)."""
        stop = min(stop, len(self))
        size = self.itemsize
        if start >= self._stored:
            with memoryview(self._tail) as view:
                return view[start - self._stored : stop - self._stored].tobytes()
        if stop <= self._stored:
            return self._read_bytes(start * size, (stop - start) * size)
        return self.slice(start, stop).tobytes()

    def __getitem__(self, index: int) -> int:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("column index out of range")
        if index >= self._stored:
            return self._tail[index - self._stored]
        return self._read(index, 1)[0]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Column | array | list | tuple):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, like array

    def __repr__(self) -> str:
        where = f", {self._stored} spilled" if self._file is not None else ""
        return f"Column({self.typecode!r}, {len(self)} values{where})"

    def close(self) -> None:
        """Let the file go (the values with it): a column is not used after this."""
        if self._file is not None:
            os.close(self._file)
            self._file = None
        self._stored = 0
        del self._tail[:]

    def __del__(self) -> None:
        # The file is the column's alone: closed with it (an anonymous file has no name
        # left to remove; a file object here could warn first, collected in a cycle).
        if getattr(self, "_file", None) is not None:
            self.close()

    def __reduce__(self) -> tuple[Any, ...]:
        if self._file is None:
            return _from_bytes, (self.typecode, self._tail.tobytes())
        if self._path is not None and _hand_off_dir is not None:
            self._spill()  # everything in the file, which the receiver then owns
            path, self._path = self._path, None
            return _adopt, (self.typecode, path, self._stored)
        # No hand-off (a shard sent to another machine): the values travel inline.
        return _from_bytes, (self.typecode, b"".join(c.tobytes() for c in self.chunks()))


def _new_file() -> tuple[int, str | None]:
    """An anonymous temporary file's descriptor, or a named one's in the hand-off
    directory, with its path."""
    if _hand_off_dir is None:
        with tempfile.TemporaryFile(prefix="jsonl-guard-", buffering=0) as anonymous:
            return os.dup(anonymous.fileno()), None  # the file lives while a descriptor does
    return tempfile.mkstemp(prefix="column-", dir=_hand_off_dir)


def _from_bytes(typecode: str, data: bytes) -> Column:
    column = Column(typecode)
    values = array(typecode)
    values.frombytes(data)
    column.extend(values)
    return column


def _adopt(typecode: str, path: str, stored: int) -> Column:
    """A column whose values a worker left in ``path``: opened, then unlinked at once."""
    column = Column(typecode)
    column._file = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    Path(path).unlink()
    column._stored = stored
    return column
