"""Check a file, a stream of lines or in-memory examples: parse -> rules -> aggregate.

Nothing here prints or exits; callers get a ``FileReport`` / ``Report``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ._context import DatasetContext
from ._cost import estimate_cost
from ._diagnostics import Diagnostic, Finding
from ._fast_tokens import FAST_TOKENIZER_MIN_BYTES, TokenizerMismatch, resolve_tokenizer
from ._line import LineChecker
from ._models import ModelSpec, resolve_model
from ._options import CheckOptions
from ._report import FileReport, Report, TokenSummary
from ._selection import RuleSelection
from ._stats import DatasetStats
from ._tokens import TokenCounter

MAX_FILE_BYTES = 512 * 1024 * 1024
PROGRESS_EVERY_LINES = 500
Progress = Callable[[int], None]


class Checker:
    """A reusable check setup: model, rules and tokenizer resolved once for many files."""

    def __init__(self, options: CheckOptions | None = None) -> None:
        self.options = options or CheckOptions()
        self.model: ModelSpec = resolve_model(self.options.model, self.options.models)
        self.selection = RuleSelection.build(
            self.options.select, self.options.ignore, self.options.severity
        )
        self._line_checker: LineChecker | None = None
        self.tokenizer = resolve_tokenizer(self.options.tokenizer)
        self._fell_back = False
        self._progress: Progress | None = None

    @property
    def line_checker(self) -> LineChecker:
        # The tokenizer loads its vocab lazily: usage errors never pay for it.
        if self._line_checker is None:
            self._line_checker = LineChecker(
                format_name=self.options.format,
                model=self.model,
                selection=self.selection,
                counter=TokenCounter(self.model.encoding, self.tokenizer),
            )
        return self._line_checker

    @property
    def tokenizer_description(self) -> str:
        described = self.line_checker.counter.tokenizer
        if self._fell_back:
            described += " (quicktok disagreed with it on a text, so it was not used)"
        return described

    def _choose_tokenizer_for(self, size: int) -> None:
        # "auto" keeps tiktoken for small files: quicktok's vocab load would not pay off.
        auto = self.options.tokenizer == "auto" and self._line_checker is None
        if auto and size < FAST_TOKENIZER_MIN_BYTES:
            self.tokenizer = "tiktoken"

    def _fall_back_to_tiktoken(self) -> None:
        self.tokenizer, self._fell_back, self._line_checker = "tiktoken", True, None

    def check_path(
        self,
        path: str | os.PathLike[str],
        *,
        jobs: int = 1,
        min_parallel_bytes: int | None = None,
        progress: Progress | None = None,
    ) -> FileReport:
        """Check a file; with ``jobs`` > 1 a big file is split across forked workers.

        The report is the same whatever ``jobs`` is. ``progress`` is called with the
        number of bytes checked so far (for a progress bar at the edge).
        """
        self._progress = progress
        try:
            return self._check_path(path, jobs, min_parallel_bytes)
        except TokenizerMismatch:
            self._fall_back_to_tiktoken()
            return self._check_path(path, jobs, min_parallel_bytes)
        finally:
            self._progress = None

    def _check_path(
        self, path: str | os.PathLike[str], jobs: int, min_parallel_bytes: int | None
    ) -> FileReport:
        shown = str(path)
        try:
            size = Path(path).stat().st_size
            self._choose_tokenizer_for(size)
            if jobs > 1:
                parallel = self._check_in_parallel(Path(path), size, jobs, min_parallel_bytes)
                if parallel is not None:
                    return parallel
            with open(path, "rb") as stream:  # noqa: PTH123 - binary stream, line by line
                return self.check_lines(stream, path=shown, size=size)
        except IsADirectoryError:
            return self._io_error(shown, "is a directory, not a JSONL file")
        except FileNotFoundError:
            return self._io_error(shown, "no such file")
        except PermissionError:
            return self._io_error(shown, "permission denied")
        except OSError as error:
            return self._io_error(shown, f"cannot read: {error.strerror or error}")

    def _check_in_parallel(
        self, path: Path, size: int, jobs: int, min_bytes: int | None
    ) -> FileReport | None:
        from ._parallel import MIN_PARALLEL_BYTES, byte_ranges, check_ranges, fork_available

        threshold = MIN_PARALLEL_BYTES if min_bytes is None else min_bytes
        if size < threshold or not fork_available():
            return None
        # A few ranges per worker keep the cores evenly busy and the progress moving.
        ranges = byte_ranges(path, jobs * 4)
        if len(ranges) < 2:
            return None
        shard = check_ranges(self, path, ranges, jobs, self._progress)
        return self.finish(str(path), shard.stats, shard.findings, size=size)

    def check_lines(
        self, lines: Iterable[bytes], *, path: str = "<stream>", size: int | None = None
    ) -> FileReport:
        """Check raw lines (each with or without its trailing newline)."""
        self._choose_tokenizer_for(size or 0)
        if isinstance(lines, (list, tuple)):
            try:
                stats, findings = self.collect(lines)
            except TokenizerMismatch:
                self._fall_back_to_tiktoken()
                stats, findings = self.collect(lines)
            return self.finish(path, stats, findings, size=size)
        stats, findings = self.collect(lines)
        return self.finish(path, stats, findings, size=size)

    def collect(
        self, lines: Iterable[bytes], *, first_line: int = 1, file_start: bool | None = None
    ) -> tuple[DatasetStats, list[Finding]]:
        """Check consecutive lines of a file, numbered from ``first_line``.

        The parts of one file can be collected separately (in any process) and
        their stats merged in file order before ``finish``. ``file_start`` says
        whether the first line opens the file (default: when ``first_line`` is 1).
        """
        stats = DatasetStats()
        findings: list[Finding] = []
        checker = self.line_checker
        opens_file = first_line == 1 if file_start is None else file_start
        progress, consumed = self._progress, 0
        for number, raw in enumerate(lines, first_line):
            if progress is not None:
                consumed += len(raw)
                if number % PROGRESS_EVERY_LINES == 0:
                    progress(consumed)
            line = raw[:-1] if raw.endswith(b"\n") else raw
            outcome = checker.check(line, number, file_start=opens_file and number == first_line)
            stats.lines += 1
            findings.extend(outcome.findings)
            if outcome.crlf:
                stats.add_crlf(number)
            if outcome.is_example:
                stats.examples += 1
            if outcome.tokens is not None:
                stats.add_tokens(outcome.tokens)
            if outcome.digest is not None:
                stats.add_digest(outcome.digest, number)
        return stats, findings

    def check_examples(self, examples: Iterable[Any], *, path: str = "<memory>") -> FileReport:
        """Check parsed examples as if each were one line of a file."""
        encoded = (json.dumps(e, ensure_ascii=False).encode("utf-8") for e in examples)
        return self.check_lines(encoded, path=path)

    def finish(
        self,
        path: str,
        stats: DatasetStats,
        findings: list[Finding],
        *,
        size: int | None = None,
    ) -> FileReport:
        """Run the dataset-level rules on merged stats and build the file's report."""
        cost = estimate_cost(
            list(stats.totals),
            self.model,
            model_source=self.options.model_source,
            epochs=self.options.epochs,
            max_cost=self.options.max_cost,
        )
        file_findings = list(self._file_findings(stats, size))
        if stats.examples:
            context = DatasetContext(self.model, self.options, cost, self.options.format)
            for rule in self.selection.rules.values():
                if rule.dataset_check is not None:
                    file_findings.extend(rule.dataset_check(stats, context))
        diagnostics = self._diagnose([*file_findings, *findings])
        tokens = TokenSummary.from_stats(
            stats,
            encoding=self.model.encoding,
            limit=self.model.token_limit,
            tokenizer=self.tokenizer_description if stats.totals else "",
        )
        return FileReport(path, self.options.format, stats.examples, diagnostics, tokens, cost)

    def _file_findings(self, stats: DatasetStats, size: int | None) -> Iterator[Finding]:
        if stats.examples == 0:
            yield Finding(
                "JG100", "the file has no examples" if stats.lines else "the file is empty"
            )
        if stats.crlf_lines:
            yield Finding(
                "JG104",
                f"{stats.crlf_lines:,} line(s) end with CRLF (first: line {stats.first_crlf_line})",
            )
        if size is not None and size > MAX_FILE_BYTES:
            yield Finding(
                "JG105", f"the file is {size / 1024**2:,.0f} MB; one upload takes at most 512 MB"
            )

    def _diagnose(self, findings: list[Finding]) -> tuple[Diagnostic, ...]:
        diagnosed = (self.selection.diagnose(f) for f in findings)
        kept = [d for d in diagnosed if d is not None]
        return tuple(sorted(kept, key=Diagnostic.sort_key))

    def _io_error(self, path: str, message: str) -> FileReport:
        return FileReport(path, self.options.format, 0, io_error=message)

    def check_paths(self, paths: Iterable[str | os.PathLike[str]]) -> Report:
        return Report(tuple(self.check_path(p) for p in paths))


def check_path(path: str | os.PathLike[str], options: CheckOptions | None = None) -> FileReport:
    return Checker(options).check_path(path)


def check_lines(
    lines: Iterable[bytes], options: CheckOptions | None = None, *, path: str = "<stream>"
) -> FileReport:
    return Checker(options).check_lines(lines, path=path)


def check_examples(
    examples: Iterable[Any], options: CheckOptions | None = None, *, path: str = "<memory>"
) -> FileReport:
    return Checker(options).check_examples(examples, path=path)
