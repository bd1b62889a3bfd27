"""Reading any input with bounded memory and time: the one line reader of the engine.

Every read path (a file, a byte range of one, stdin, a decompressed file) takes its
lines from ``read_lines``, which never holds more than ``max_line_bytes`` of one
line: a longer line is skipped to its newline in chunks and comes out as a
``LongLine`` marker (empty, with its length), which the file run reports as JG106
at its line, so the numbers of later lines stay exact. A stream that is not a
regular file (stdin, a decompressed file) gives up, with an ``InputError``, on a
line that runs past ``STREAM_GIVE_UP`` times the limit without a newline:
``cat /dev/zero`` is one endless line.

``open_input`` opens a path without blocking (a FIFO with no writer would block an
ordinary open forever), refuses what is not a regular file, and reads gzip, bzip2
and xz files by stream-decompressing them, found by their first bytes.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import lzma
import os
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from ..errors import JsonlGuardError

# Far above any provider's per-example limit (the largest, 128k-token contexts, are a
# few MB of JSON), far below what would exhaust memory; `max-line-bytes` changes it.
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
# A stream stops at a line this many times the limit with no newline in sight.
STREAM_GIVE_UP = 16
# An over-long line is skipped this much at a time.
_CHUNK = 1024 * 1024
# A path this long is shown by its ends in messages (a 5,000-character path fills a screen).
SHOWN_PATH_CHARS = 200

# First bytes of each compressed format: (magic, name, how to decompress it by hand).
_COMPRESSED = (
    (b"\x1f\x8b", "gzip", "gzip -dc"),
    (b"\xfd7zXZ\x00", "xz", "xz -dc"),
    (b"\x28\xb5\x2f\xfd", "zstd", "zstd -dc"),
    (b"PK\x03\x04", "zip", "unzip -p"),
)
_DECOMPRESSORS: dict[str, Callable[[BinaryIO], io.BufferedIOBase]] = {
    "gzip": lambda stream: gzip.GzipFile(fileobj=stream, mode="rb"),
    "bzip2": lambda stream: bz2.BZ2File(stream),
    "xz": lambda stream: lzma.LZMAFile(stream),  # noqa: SIM115 - Input.close closes it
}
# Raised by the decompressors on corrupt or truncated data.
_DECOMPRESSION_ERRORS = (EOFError, zlib.error, lzma.LZMAError)


class InputError(JsonlGuardError):
    """An input cannot be read (or read any further): the message says why and what to do."""


class LongLine(bytes):
    """A line over the limit, in place of its bytes: empty, with its ``length``
    (without the newline) and the bytes it took in the input (``consumed``)."""

    length: int
    consumed: int

    def __new__(cls, length: int, consumed: int) -> LongLine:
        line = super().__new__(cls, b"")
        line.length, line.consumed = length, consumed
        return line


def line_bytes(raw: bytes) -> int:
    """The bytes a line took in its input (its newline included)."""
    return raw.consumed if isinstance(raw, LongLine) else len(raw)


def size_text(count: int) -> str:
    """``64 MiB``, ``1 KiB`` or ``1,000 bytes``: a limit as users set it."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= size and count % size == 0 and count // size < 1024:
            return f"{count // size:,} {unit}"
    return f"{count:,} bytes"


def read_lines(
    stream: BinaryIO, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES, *, give_up: bool = False
) -> Iterator[bytes]:
    """The lines of ``stream`` (newlines kept), a ``LongLine`` for each over the limit.

    ``give_up``: the stream may never end (stdin, decompressed data), so a line
    running past ``STREAM_GIVE_UP`` times the limit raises ``InputError``. Read
    errors (a failing disk, corrupt compressed data) raise ``InputError`` too.
    """
    limit = max_line_bytes + 1  # the line and its newline
    bound = max_line_bytes * STREAM_GIVE_UP if give_up else None
    number = 0
    while True:
        line = _read(stream, limit)
        if not line:
            return
        number += 1
        if len(line) < limit or line.endswith(b"\n"):
            yield line
        else:
            yield _skip(stream, len(line), number, bound, max_line_bytes)


def _skip(stream: BinaryIO, length: int, number: int, bound: int | None, limit: int) -> LongLine:
    """Read past the rest of an over-long line (``length`` bytes of it read so far)."""
    while True:
        chunk = _read(stream, _CHUNK)
        if chunk.endswith(b"\n"):
            length += len(chunk) - 1
            return LongLine(length, length + 1)
        length += len(chunk)
        if not chunk:
            return LongLine(length, length)
        if bound is not None and length > bound:
            raise InputError(
                f"line {number:,} runs past {size_text(bound)} without a newline "
                f"({STREAM_GIVE_UP} times max-line-bytes, {size_text(limit)}): this is not "
                "JSONL (binary data, or an endless stream like /dev/zero)"
            )


def _read(stream: BinaryIO, limit: int) -> bytes:
    try:
        return stream.readline(limit)
    except _DECOMPRESSION_ERRORS as error:
        raise InputError(f"cannot decompress: {error}; the file is corrupt or cut short") from None
    except OSError as error:  # BadGzipFile and bz2's "Invalid data stream" among them
        raise InputError(f"cannot read: {error.strerror or error}") from None


def skip_line(stream: BinaryIO) -> None:
    """Move ``stream`` to just after its next newline (or to its end), holding at most
    a chunk of the line: where a byte range may start."""
    while True:
        chunk = stream.readline(_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


# -- opening -----------------------------------------------------------------------


@dataclass
class Input:
    """An opened input: its lines come from ``stream`` (decompressed if need be).

    ``size`` is its size on disk; ``compression`` names the format it was
    decompressed from (``None``: a plain file, which can be cut into byte ranges).
    """

    stream: BinaryIO
    size: int
    compression: str | None = None
    raw: BinaryIO | None = None  # the file under a decompressor
    endless: bool = False  # may never end (stdin): see ``read_lines``'s ``give_up``

    def lines(self, max_line_bytes: int) -> Iterator[bytes]:
        give_up = self.endless or self.compression is not None
        return read_lines(self.stream, max_line_bytes, give_up=give_up)

    def position(self) -> int:
        """How far into the file on disk reading got (for progress)."""
        return (self.raw or self.stream).tell()

    def read_size(self) -> int:
        """The bytes read so far, decompressed: at the end, the data's real size."""
        return self.stream.tell()

    def close(self) -> None:
        self.stream.close()
        if self.raw is not None:
            self.raw.close()

    def __enter__(self) -> Input:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_KINDS = (
    (stat.S_ISDIR, "is a directory, not a JSONL file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
    (stat.S_ISCHR, "is a character device, not a regular file"),
    (stat.S_ISBLK, "is a block device, not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
)
_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)
_STREAM_ADVICE = "; to check a stream, pipe it to `jsonl-guard check -`"


def open_input(path: str | os.PathLike[str], shown: str) -> Input:
    """Open a regular file for reading, decompressing it if its first bytes say so.

    Raises ``InputError`` with the reason (and what to do) for anything else: a
    missing file, a directory, a FIFO or a device, a path the OS refuses.
    """
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise InputError(os_reason(error)) from None
    except ValueError:  # a NUL byte in the path
        raise InputError("the path holds a NUL byte; no file can have that name") from None
    try:
        status = os.fstat(fd)
        for is_kind, message in _KINDS:
            if is_kind(status.st_mode):
                advice = "" if stat.S_ISDIR(status.st_mode) else _STREAM_ADVICE
                raise InputError(message + advice)
        if _NONBLOCK:  # reads block as usual (Windows has no O_NONBLOCK, nor FIFOs)
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return sniffed(cast(BinaryIO, os.fdopen(fd, "rb")), status.st_size, shown)


def sniffed(stream: BinaryIO, size: int, shown: str, *, endless: bool = False) -> Input:
    """``stream`` as an ``Input``, decompressed when its first bytes are gzip, bzip2 or
    xz; ``InputError`` for a compression the standard library cannot read."""
    peek = getattr(stream, "peek", None)
    try:
        head = peek(6)[:6] if peek is not None else b""
    except OSError as error:
        if not endless:
            stream.close()
        raise InputError(os_reason(error)) from None
    name, command = _compression(head)
    if name is None:
        return Input(stream, size, endless=endless)
    if name not in _DECOMPRESSORS:
        if not endless:  # stdin is the caller's to close
            stream.close()
        pipe = f"... | {command}" if endless else f"{command} {shown}"
        what = "is a zip archive:" if name == "zip" else f"is compressed with {name}:"
        raise InputError(f"{what} decompress it first ({pipe} | jsonl-guard check -)")
    return Input(cast(BinaryIO, _DECOMPRESSORS[name](stream)), size, name, stream, endless)


def open_stdin(stream: BinaryIO | None) -> Input:
    """Standard input as an ``Input`` (decompressed if need be); ``InputError`` when it is
    closed, or a device that never ends (``< /dev/zero``) rather than a file or a pipe."""
    if stream is None:
        raise InputError("stdin is closed: pipe or redirect a file to it (`< data.jsonl`)")
    try:
        status: os.stat_result | None = os.fstat(stream.fileno())
    except (OSError, ValueError):  # not a file descriptor (a BytesIO): nothing to ask
        status = None
    if status is not None and stat.S_ISCHR(status.st_mode) and not _interactive(stream, status):
        raise InputError(
            "stdin is a character device (like /dev/zero or /dev/urandom), not a file or a "
            "pipe: redirect a file to it (`< data.jsonl`)"
        )
    return sniffed(stream, 0, "<stdin>", endless=True)


def _interactive(stream: BinaryIO, status: os.stat_result) -> bool:
    """A terminal (lines typed, ended by Ctrl-D) or /dev/null (empty): both end."""
    try:
        return stream.isatty() or os.path.samestat(status, Path(os.devnull).stat())
    except OSError:
        return False


def _compression(head: bytes) -> tuple[str | None, str]:
    for magic, name, command in _COMPRESSED:
        if head.startswith(magic):
            return name, command
    # "BZh" then the block size, a digit: a JSONL line cannot start so.
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return "bzip2", "bzip2 -dc"
    return None, ""


def os_reason(error: OSError) -> str:
    """Why the OS refused a path, in words (the path itself is shown beside it)."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "is a directory, not a JSONL file"
    if isinstance(error, PermissionError):
        return "permission denied: the file or a folder above it cannot be read"
    if isinstance(error, NotADirectoryError):
        return "not a directory: a folder in the path is a file"
    if error.errno == errno.ENAMETOOLONG:
        return "the path is longer than the operating system allows (File name too long)"
    return f"cannot read: {error.strerror or error}"


def shortened(path: str) -> str:
    """``path`` as shown in a message: a huge one by its two ends and its length."""
    if len(path) <= SHOWN_PATH_CHARS:
        return path
    half = SHOWN_PATH_CHARS // 2
    return f"{path[:half]}…{path[-half:]} ({len(path):,} characters)"


# Kernel file systems: what looks like a file or folder there is not one (reading may
# never end, a file cannot be created, writing changes the system).
VIRTUAL_ROOTS = ("/proc", "/sys", "/dev")


def virtual_root(path: str | os.PathLike[str]) -> str | None:
    """The kernel file system ``path`` really is on (links followed), or None."""
    real = os.path.realpath(path)
    return next((r for r in VIRTUAL_ROOTS if real == r or real.startswith(r + os.sep)), None)
