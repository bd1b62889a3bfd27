"""Reading any input safely: bounded lines, non-regular files, refused paths, compression.

Whatever the input (a FIFO with no writer, /dev/zero, a closed stdin, a 50 MB line, a
gzip file, a path the OS refuses), a check ends with exit 0, 1 or 2 and a message that
names the input and the reason: never a traceback, a hang or unbounded memory.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import json
import lzma
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from helpers import example
from jsonl_guard import Checker, CheckOptions
from jsonl_guard.cli import main
from jsonl_guard.engine import lines as lines_module
from jsonl_guard.engine.checker import check_dataset, check_shard_path
from jsonl_guard.engine.config import ConfigError, load_config
from jsonl_guard.engine.lines import InputError, LongLine, read_lines
from jsonl_guard.engine.parallel import byte_ranges, fork_available, range_lines

# Each subprocess must end well within this; a hang fails the test instead of the suite.
TIMEOUT = 30
LIMIT = 1024
SMALL = Checker(CheckOptions(max_line_bytes=LIMIT))


def row(i: int) -> bytes:
    return json.dumps(example(i)).encode() + b"\n"


def long_row(size: int) -> bytes:
    return b'{"messages": "' + b"x" * size + b'"}\n'


# Line 3 is over the limit; line 6 is invalid JSON: its number must stay exact.
CORPUS = [row(1), row(2), long_row(5000), row(3), row(4), b"{not json\n", row(5)]


def codes_at(report):
    return sorted((d.code, d.line) for d in report.diagnostics)


def jsonl_guard(*argv: str, **kwargs) -> subprocess.CompletedProcess[bytes]:
    """The CLI in a subprocess, which must end within ``TIMEOUT`` (else the test fails)."""
    if "stdout" not in kwargs:
        kwargs.setdefault("capture_output", True)
    return subprocess.run(
        [sys.executable, "-m", "jsonl_guard", *argv], timeout=TIMEOUT, check=False, **kwargs
    )


def assert_one_message(result: subprocess.CompletedProcess[bytes], *needles: str) -> str:
    err = result.stderr.decode() + (result.stdout or b"").decode()
    assert "Traceback" not in err and "internal error" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


# -- the maximum line size -------------------------------------------------------------


def test_a_line_over_the_limit_is_one_finding_at_its_line_and_later_lines_keep_their_numbers(
    tmp_path,
):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"".join(CORPUS))
    report = SMALL.check_path(path)
    assert ("JG106", 3) in codes_at(report)
    assert ("JG110", 6) in codes_at(report)
    (finding,) = [d for d in report.diagnostics if d.code == "JG106"]
    assert finding.message == "the line is 5,016 bytes, over the 1 KiB limit (max-line-bytes)"
    assert finding.severity.value == "error" and "max-line-bytes" in finding.hint
    # It counts as an example (not blank), like a line of invalid JSON.
    assert report.examples == 7


def test_every_read_path_gives_the_same_findings(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"".join(CORPUS))
    expected = codes_at(SMALL.check_path(path))
    assert codes_at(SMALL.check_lines(CORPUS)) == expected  # lines already in memory
    stdin = check_dataset(["-"], checker_for=lambda _: SMALL, stdin=io.BytesIO(path.read_bytes()))
    assert codes_at(stdin.report.files[0]) == expected
    gz = tmp_path / "long.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert codes_at(SMALL.check_path(gz)) == expected
    shard = check_shard_path(SMALL, path)
    assert sorted((f.code, f.line) for f in shard.findings) == [("JG106", 3), ("JG110", 6)]


@pytest.mark.skipif(not fork_available(), reason="needs the fork start method")
def test_the_parallel_path_gives_the_same_report(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"".join(CORPUS * 20))
    ranges = byte_ranges(path, 8)
    assert len(ranges) > 2  # really split, with over-long lines inside ranges
    single = SMALL.check_path(path)
    assert SMALL.check_path(path, jobs=2, min_parallel_bytes=0) == single
    assert [line for line, _ in [(d.line, d) for d in single.diagnostics if d.code == "JG106"]] == [
        3 + 7 * i for i in range(20)
    ]


def test_byte_ranges_skip_an_over_long_line_without_holding_it(tmp_path):
    path = tmp_path / "f.jsonl"
    data = row(1) + long_row(3 * 1024 * 1024) + row(2)
    path.write_bytes(data)
    ranges = byte_ranges(path, 4)
    assert all(data[start - 1 : start] == b"\n" for start, _ in ranges[1:])
    read = [line for a, b in ranges for line in range_lines(path, a, b, LIMIT)]
    assert [type(line) for line in read] == [bytes, LongLine, bytes]


@pytest.mark.parametrize(
    ("data", "lengths"),
    [
        (b"a" * LIMIT + b"\n", [LIMIT]),  # exactly the limit: read
        (b"a" * LIMIT, [LIMIT]),  # the last line, without a newline
        (b"a" * (LIMIT + 1) + b"\nb\n", [None, 1]),  # one byte over: a marker
        (b"a" * (LIMIT + 1), [None]),
        (b"a" * 5 * LIMIT + b"\r\n" + b"b\n", [None, 1]),
    ],
)
def test_read_lines_at_the_limit(data, lengths):
    found = list(read_lines(io.BytesIO(data), LIMIT))
    assert [None if isinstance(line, LongLine) else len(line.rstrip(b"\n")) for line in found] == (
        lengths
    )
    long = [line for line in found if isinstance(line, LongLine)]
    if long:
        assert long[0].length == data.index(b"\n") if b"\n" in data else len(data)
        assert sum(
            line.consumed if isinstance(line, LongLine) else len(line) for line in found
        ) == (len(data))


def test_a_stream_gives_up_on_an_endless_line():
    endless = io.BytesIO(b"\0" * (20 * LIMIT))
    with pytest.raises(InputError, match="line 1 runs past 16 KiB without a newline"):
        list(read_lines(endless, LIMIT, give_up=True))
    # A file (finite) is read to the end of the line instead.
    (line,) = read_lines(io.BytesIO(b"\0" * (20 * LIMIT)), LIMIT)
    assert isinstance(line, LongLine) and line.length == 20 * LIMIT


def test_a_50_mb_line_keeps_memory_flat(tmp_path):
    """Before the limit the whole line was held (and copied while parsing)."""
    limit = 1024 * 1024
    path = tmp_path / "big.jsonl"
    path.write_bytes(long_row(50 * 1024 * 1024) + row(1))
    checker = Checker(CheckOptions(max_line_bytes=limit))
    small = tmp_path / "small.jsonl"
    small.write_bytes(row(1))
    checker.check_path(small)  # the tokenizer and schemas load outside the measure
    tracemalloc.start()
    try:
        report = checker.check_path(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ("JG106", 1) in codes_at(report)
    assert peak < 3 * limit + 2 * 1024 * 1024, f"peak {peak:,} bytes"


def test_max_line_bytes_in_config_and_on_the_command_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"".join(CORPUS))
    (tmp_path / "pyproject.toml").write_text("[tool.jsonl-guard]\nmax-line-bytes = 1024\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(path), "-q"]) == 1
    assert f"{path}:3:1: JG106" in capsys.readouterr().out
    assert main(["check", str(path), "-q", "--max-line-bytes", "100000"]) == 1
    assert "JG106" not in capsys.readouterr().out  # the command line wins
    with pytest.raises(SystemExit) as exited:  # argparse: usage, exit 2
        main(["check", str(path), "--max-line-bytes", "0"])
    assert exited.value.code == 2
    assert "--max-line-bytes: '0' must be at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-1", '"64MiB"', "true", "1.5"])
def test_max_line_bytes_must_be_a_positive_integer(tmp_path, value):
    config = tmp_path / "pyproject.toml"
    config.write_text(f"[tool.jsonl-guard]\nmax-line-bytes = {value}\n")
    with pytest.raises(ConfigError, match="max-line-bytes must be a positive integer"):
        load_config(config)


# -- inputs that are not regular files -------------------------------------------------


def test_a_fifo_with_no_writer_is_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    report = Checker().check_path(fifo)
    assert report.io_error is not None and "named pipe (FIFO)" in report.io_error
    result = jsonl_guard("check", str(fifo))
    assert result.returncode == 2
    assert_one_message(result, f"{fifo}: error: is a named pipe", "jsonl-guard check -")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_a_path_is_refused(device):
    result = jsonl_guard("check", device)
    assert result.returncode == 2
    assert_one_message(result, f"{device}: error: is a character device, not a regular file")


def test_stdin_from_dev_zero_is_refused():
    with Path("/dev/zero").open("rb") as zero:
        result = jsonl_guard("check", "-", stdin=zero)
    assert result.returncode == 2
    assert_one_message(result, "<stdin>: error: stdin is a character device")


def test_stdin_from_dev_null_is_an_empty_file():
    result = jsonl_guard("check", "-", stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert b"<stdin>: JG100 error: the file is empty" in result.stdout


def test_an_endless_pipe_ends_at_the_stream_bound():
    # The default bound (16 x 64 MiB) is read as fast as /dev/zero goes; a small limit
    # keeps the test quick.
    with subprocess.Popen(["cat", "/dev/zero"], stdout=subprocess.PIPE) as zero:
        result = jsonl_guard("check", "-", "--max-line-bytes", "100000", stdin=zero.stdout)
        zero.kill()
    assert result.returncode == 2
    assert_one_message(result, "<stdin>: error: line 1 runs past 1,600,000 bytes without a newline")


def test_a_closed_stdin_is_a_message():
    result = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m jsonl_guard check - <&-'],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert_one_message(result, "<stdin>: error: stdin is closed")


def test_a_full_disk_on_stdout_is_one_line_on_stderr(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"".join(CORPUS))
    for argv in (["check", str(path)], ["rules"]):
        with Path("/dev/full").open("w") as full:
            result = jsonl_guard(*argv, stdout=full, stderr=subprocess.PIPE)
        assert result.returncode == 2
        err = assert_one_message(result, "cannot write to standard output: No space left")
        assert err.count("\n") == 1


def test_a_closed_stdout_is_one_line_on_stderr(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(row(1))
    result = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m jsonl_guard check "{path}" >&-'],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert_one_message(result, "standard output is closed")


# -- paths the OS refuses -------------------------------------------------------------


def test_a_file_name_over_the_os_limit(tmp_path):
    path = tmp_path / ("a" * 300 + ".jsonl")
    report = Checker().check_path(path)
    assert (
        report.io_error
        == "the path is longer than the operating system allows (File name too long)"
    )
    assert not report.ok


def test_a_5000_character_path_is_shown_shortened(tmp_path):
    path = str(tmp_path) + "/" + "/".join(["abcd"] * 1000) + ".jsonl"
    (report,) = check_dataset([path], checker_for=lambda _: Checker()).report.files
    assert (
        report.io_error is not None and "longer than the operating system allows" in report.io_error
    )
    assert len(report.path) < 260 and report.path.endswith(f"abcd.jsonl ({len(path):,} characters)")


def test_a_path_under_a_file(tmp_path, capsys):
    (tmp_path / "file.txt").write_text("x")
    path = tmp_path / "file.txt" / "x.jsonl"
    assert main(["check", str(path)]) == 2
    out = capsys.readouterr().out
    assert f"{path}: error: not a directory: a folder in the path is a file" in out


def test_a_folder_the_user_cannot_read(tmp_path, monkeypatch):
    # Tests run as root, which the OS lets read anything: refuse as it would.
    def refuse(path, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(lines_module.os, "open", refuse)
    report = Checker().check_path(tmp_path / "secret" / "x.jsonl")
    assert report.io_error == "permission denied: the file or a folder above it cannot be read"


def test_a_nul_byte_in_a_path():
    report = Checker().check_path("bad\0name.jsonl")
    assert report.io_error is not None and "NUL byte" in report.io_error


# -- compressed files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "compress"),
    [
        ("data.jsonl.gz", gzip.compress),
        ("data.jsonl", gzip.compress),  # found by its first bytes, not its name
        ("data.jsonl.bz2", bz2.compress),
        ("data.jsonl.xz", lzma.compress),
    ],
)
def test_compressed_files_are_read_decompressed(tmp_path, name, compress):
    plain = b"".join(CORPUS)
    (tmp_path / "plain.jsonl").write_bytes(plain)
    path = tmp_path / name
    path.write_bytes(compress(plain))
    expected = SMALL.check_path(tmp_path / "plain.jsonl")
    report = SMALL.check_path(path, jobs=2, min_parallel_bytes=0)  # never split in ranges
    assert codes_at(report) == codes_at(expected)
    assert report.tokens == expected.tokens and report.examples == expected.examples


def test_progress_on_a_compressed_file_counts_the_bytes_on_disk(tmp_path):
    path = tmp_path / "many.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(row(i) for i in range(2000))))
    seen: list[int] = []
    report = Checker().check_path(path, progress=seen.append)
    assert report.examples == 2000
    assert seen and all(0 < done <= path.stat().st_size for done in seen)


def test_a_compressed_file_on_stdin(tmp_path):
    data = b"".join(CORPUS)
    result = jsonl_guard("check", "-", "-q", "--max-line-bytes", "1024", input=gzip.compress(data))
    assert result.returncode == 1
    assert b"<stdin>:3:1: JG106" in result.stdout and b"<stdin>:6:" in result.stdout


def test_a_truncated_gzip_file_is_an_io_error(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(CORPUS * 50))[:300])
    report = SMALL.check_path(path)
    assert report.io_error is not None
    assert report.io_error.startswith("cannot decompress: Compressed file ended")


def test_a_gzip_bomb_of_one_endless_line_stops(tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(b"\0" * (100 * LIMIT)))
    report = SMALL.check_path(path)
    assert report.io_error is not None and "runs past 16 KiB without a newline" in report.io_error


@pytest.mark.parametrize(
    ("magic", "message"),
    [
        (b"\x28\xb5\x2f\xfd", "is compressed with zstd: decompress it first (zstd -dc "),
        (b"PK\x03\x04", "is a zip archive: decompress it first (unzip -p "),
    ],
)
def test_a_compression_the_standard_library_cannot_read_is_named(tmp_path, capsys, magic, message):
    path = tmp_path / "data.jsonl.zst"
    path.write_bytes(magic + b"\x00\x01garbage\xff" * 10)
    assert main(["check", str(path)]) == 2
    out = capsys.readouterr().out
    assert f"{path}: error: {message}{path} | jsonl-guard check -)" in out
    assert "JG102" not in out  # not a flood of invalid-UTF-8 findings
