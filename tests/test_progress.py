"""The progress bar: drawn on a terminal for big files only; never changes the report."""

from __future__ import annotations

import io

from helpers import EXAMPLES
from jsonl_guard import Checker, CheckOptions
from jsonl_guard.cli import main
from jsonl_guard.cli.progress import file_progress

BAD = (EXAMPLES / "support-bad.jsonl").read_bytes().splitlines(keepends=True)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_callback_reaches_the_file_size_and_keeps_the_report(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"".join(BAD * 60))  # 1,440 lines: several progress calls
    seen: list[int] = []
    checker = Checker(CheckOptions())
    with_progress = checker.check_path(path, progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] <= path.stat().st_size
    assert with_progress == Checker(CheckOptions()).check_path(path)
    parallel: list[int] = []
    report = checker.check_path(path, jobs=2, min_parallel_bytes=0, progress=parallel.append)
    assert parallel[-1] == path.stat().st_size
    assert report == with_progress


def test_bar_only_on_a_terminal_for_big_files(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = _Terminal()
    with file_progress("big.jsonl", 64 * 2**20, stream=terminal) as progress:
        assert progress is not None
        progress(32 * 2**20)
    with file_progress("small.jsonl", 1000, stream=_Terminal()) as progress:
        assert progress is None
    with file_progress("big.jsonl", 64 * 2**20, stream=io.StringIO()) as progress:
        assert progress is None  # piped
    with file_progress("big.jsonl", 64 * 2**20, stream=_Terminal(), enabled=False) as progress:
        assert progress is None  # --no-progress / machine formats
    monkeypatch.setenv("CI", "true")
    with file_progress("big.jsonl", 64 * 2**20, stream=_Terminal()) as progress:
        assert progress is None


def test_cli_prints_no_progress_when_piped(capsys):
    code = main(["check", str(EXAMPLES / "support-good.jsonl")])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == ""
