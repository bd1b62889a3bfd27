"""Check a file, a stream of lines or in-memory examples: parse -> rules -> aggregate.

Nothing here prints or exits; callers get a ``FileReport`` / ``Report``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ._context import TRAINING, VALIDATION, DatasetContext
from ._cost import estimate_cost
from ._diagnostics import Diagnostic, Finding
from ._fast_tokens import (
    FAST_TOKENIZER_MIN_BYTES,
    QUICKTOK_FELL_BACK,
    Sample,
    TokenizerMismatch,
    is_tokenizer_file,
    resolve_tokenizer,
    verify_samples,
)
from ._line import LineChecker
from ._models import DEFAULT_MODEL, ModelSpec, resolve_model
from ._options import CheckOptions
from ._profiles import Detection, Profile, choose_profile, resolve_profile
from ._report import FileReport, Report, TokenSummary
from ._selection import RuleSelection
from ._stats import DatasetStats
from ._token_methods import TokenTools, find_token_method

PROGRESS_EVERY_LINES = 500
# The profile is detected from the first object among a file's first lines.
DETECT_LINES = 64
Progress = Callable[[int], None]
Training = tuple[tuple[str, DatasetStats], ...]


def _counts_with_a_tokenizer_file(profile: Profile) -> bool:
    return bool(find_token_method(profile.tokens).with_tokenizer_file)


def first_object(lines: Sequence[bytes], first_line: int = 1) -> tuple[Any, int | None]:
    """The first line that parses as a JSON object, and its number."""
    for number, raw in enumerate(lines, first_line):
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(value, dict):
            return value, number
    return None, None


class Checker:
    """A reusable check setup: model, rules and tokenizer resolved once for many files."""

    def __init__(self, options: CheckOptions | None = None) -> None:
        self.options = options or CheckOptions()
        self.chosen_model: ModelSpec = resolve_model(self.options.model, self.options.models)
        self.model = self.chosen_model
        if self.options.profile:
            resolve_profile(self.options.profile)  # an unknown name is a usage error now
        self.selection = RuleSelection.build(
            self.options.select, self.options.ignore, self.options.severity
        )
        self._line_checkers: dict[tuple[str, str], LineChecker] = {}
        self.detection: Detection | None = None
        self.tokenizer = resolve_tokenizer(self.options.tokenizer)
        self._fell_back = False
        self._progress: Progress | None = None
        self.last_stats: DatasetStats | None = None
        self._role: str = TRAINING
        self._training: Training = ()

    def begin(self, first_example: Any = None, first_line: int | None = None) -> Detection:
        """Choose the profile (and, when none was chosen, the model) for the next file."""
        # A library caller may set ``model`` and leave ``model_source`` at its default.
        explicit = self.options.model_source != "default" or self.options.model != DEFAULT_MODEL
        detection = choose_profile(
            first_example,
            first_line,
            model=self.chosen_model if explicit else None,
            chosen=self.options.profile,
            chosen_source=self.options.profile_source,
            prefer=_counts_with_a_tokenizer_file
            if is_tokenizer_file(self.options.tokenizer)
            else None,
        )
        model = self.chosen_model
        if not explicit:
            model = resolve_model(detection.profile.default_model, self.options.models)
        if self.options.max_seq_len is not None:
            model = replace(model, token_limit=self.options.max_seq_len)
        self.detection, self.model = detection, model
        return detection

    def _begin_from(self, lines: Iterable[bytes], first_line: int = 1) -> Iterable[bytes]:
        """Detect from the head of ``lines``; the returned lines still hold the head."""
        if isinstance(lines, (list, tuple)):
            found = first_object(lines[:DETECT_LINES], first_line)
            if self.detection is None or found[0] is not None:
                self.begin(*found)
            return lines
        iterator = iter(lines)
        head = list(islice(iterator, DETECT_LINES))
        found = first_object(head, first_line)
        if self.detection is None or found[0] is not None:
            self.begin(*found)
        return chain(head, iterator)

    @property
    def line_checker(self) -> LineChecker:
        # The tokenizer loads its vocab lazily: usage errors never pay for it.
        detection = self.detection or self.begin()
        key = (detection.profile.name, self.model.name)
        if key not in self._line_checkers:
            tools = TokenTools(self.model, self.tokenizer, max_seq_len=self.options.max_seq_len)
            self._line_checkers[key] = LineChecker(
                profile=detection.profile, model=self.model, selection=self.selection, tools=tools
            )
        return self._line_checkers[key]

    @property
    def tokenizer_description(self) -> str:
        described = self.line_checker.tools.used
        if self._fell_back:
            described += f" ({QUICKTOK_FELL_BACK})"
        return described

    def _choose_tokenizer_for(self, size: int) -> None:
        # "auto" keeps tiktoken for small files: quicktok's vocab load would not pay off.
        auto = self.options.tokenizer == "auto" and not self._line_checkers
        if auto and size < FAST_TOKENIZER_MIN_BYTES:
            self.tokenizer = "tiktoken"

    def _fall_back_to_tiktoken(self) -> None:
        self.tokenizer, self._fell_back, self._line_checkers = "tiktoken", True, {}

    def check_path(
        self,
        path: str | os.PathLike[str],
        *,
        jobs: int = 1,
        min_parallel_bytes: int | None = None,
        progress: Progress | None = None,
        role: str = TRAINING,
        training: Training = (),
    ) -> FileReport:
        """Check a file; with ``jobs`` > 1 a big file is split across forked workers.

        The report is the same whatever ``jobs`` is. ``progress`` is called with the
        number of bytes checked so far (for a progress bar at the edge). A validation
        file (``role``) gets the provider's validation limits, and examples it shares
        with the ``training`` files' stats are reported.
        """
        self._progress = progress
        self._role, self._training = role, training
        try:
            return self._check_path(path, jobs, min_parallel_bytes)
        except TokenizerMismatch:
            self._fall_back_to_tiktoken()
            return self._check_path(path, jobs, min_parallel_bytes)
        finally:
            self._progress = None
            self._role, self._training = TRAINING, ()

    def check_pair(
        self, training: str | os.PathLike[str], validation: str | os.PathLike[str], **kwargs: Any
    ) -> Report:
        """A training file and its validation file: validation limits and shared examples."""
        train_report = self.check_path(training, **kwargs)
        seen = ((str(training), self.last_stats),) if self.last_stats is not None else ()
        valid_report = self.check_path(validation, role=VALIDATION, training=seen, **kwargs)
        return Report((train_report, valid_report))

    def _check_path(
        self, path: str | os.PathLike[str], jobs: int, min_parallel_bytes: int | None
    ) -> FileReport:
        shown = str(path)
        try:
            size = Path(path).stat().st_size
            self._choose_tokenizer_for(size)
            with open(path, "rb") as stream:  # noqa: PTH123 - binary stream, line by line
                lines = self._begin_from(stream)
                if jobs > 1:
                    parallel = self._check_in_parallel(Path(path), size, jobs, min_parallel_bytes)
                    if parallel is not None:
                        return parallel
                return self._check_lines(lines, shown, size)
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
        from ._parallel import (
            MIN_PARALLEL_BYTES,
            byte_ranges,
            check_ranges,
            fork_available,
            range_count,
        )

        threshold = MIN_PARALLEL_BYTES if min_bytes is None else min_bytes
        if size < threshold or not fork_available():
            return None
        ranges = byte_ranges(path, range_count(size, jobs))
        if len(ranges) < 2:
            return None
        shard = check_ranges(self, path, ranges, jobs, self._progress)
        return self.finish(str(path), shard.stats, shard.findings, size=size)

    def check_lines(
        self, lines: Iterable[bytes], *, path: str = "<stream>", size: int | None = None
    ) -> FileReport:
        """Check raw lines (each with or without its trailing newline)."""
        self._choose_tokenizer_for(size or 0)
        return self._check_lines(self._begin_from(lines), path, size)

    def _check_lines(self, lines: Iterable[bytes], path: str, size: int | None) -> FileReport:
        if isinstance(lines, (list, tuple)):
            try:
                stats, findings = self.collect_verified(lines)
            except TokenizerMismatch:
                self._fall_back_to_tiktoken()
                stats, findings = self.collect(lines)
            return self.finish(path, stats, findings, size=size)
        stats, findings = self.collect_verified(lines)
        return self.finish(path, stats, findings, size=size)

    def collect_verified(self, lines: Iterable[bytes]) -> tuple[DatasetStats, list[Finding]]:
        """``collect``, then recount quicktok's samples with tiktoken (``TokenizerMismatch``)."""
        collected = self.collect(lines)
        verify_samples(self.take_spot_samples())
        return collected

    def take_spot_samples(self) -> list[Sample]:
        """quicktok's spot-check samples since the last call, for ``verify_samples``."""
        samples: list[Sample] = []
        for checker in self._line_checkers.values():
            samples += checker.tools.take_spot_samples()
        return samples

    def collect(
        self, lines: Iterable[bytes], *, first_line: int = 1, file_start: bool | None = None
    ) -> tuple[DatasetStats, list[Finding]]:
        """Check consecutive lines of a file, numbered from ``first_line``.

        The parts of one file can be collected separately (in any process) and
        their stats merged in file order before ``finish``. ``file_start`` says
        whether the first line opens the file (default: when ``first_line`` is 1).
        """
        # An empty part (or one of blank lines) decides nothing: a later part may.
        if self.detection is None or self.detection.source == "default":
            lines = self._begin_from(lines, first_line)
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
        """Run the dataset-level rules on merged stats and build the file's report.

        This ends the file: the next one is detected afresh.
        """
        detection = self.detection or self.begin()
        checker = self.line_checker
        cost = estimate_cost(
            stats.totals,
            self.model,
            model_source=self.options.model_source,
            epochs=self.options.epochs,
            max_cost=self.options.max_cost,
        )
        context = DatasetContext(
            self.model,
            self.options,
            cost,
            detection,
            self._role,
            self._training,
            size,
            checker.token_method.exact,
        )
        file_findings = list(self._file_findings(stats))
        if stats.examples:
            for rule in self.selection.rules.values():
                if rule.dataset_check is not None and rule.applies_to(detection.profile.rule_sets):
                    file_findings.extend(rule.dataset_check(stats, context))
        diagnostics = self._diagnose([*file_findings, *_first_foreign_line(findings)])
        tokens = TokenSummary.from_stats(
            stats,
            encoding=self.model.encoding,
            limit=self.model.known_token_limit,
            tokenizer=self.tokenizer_description if stats.totals else "",
            exact=checker.token_method.exact,
            method=checker.token_method.description,
        )
        self.detection, self.last_stats = None, stats
        return FileReport(
            path,
            detection.profile.name,
            stats.examples,
            diagnostics,
            tokens,
            cost,
            role=self._role,
            profile_source=detection.source,
        )

    def _file_findings(self, stats: DatasetStats) -> Iterator[Finding]:
        if stats.examples == 0:
            yield Finding(
                "JG100", "the file has no examples" if stats.lines else "the file is empty"
            )
        if stats.crlf_lines:
            yield Finding(
                "JG104",
                f"{stats.crlf_lines:,} line(s) end with CRLF (first: line {stats.first_crlf_line})",
            )

    def _diagnose(self, findings: list[Finding]) -> tuple[Diagnostic, ...]:
        diagnosed = (self.selection.diagnose(f) for f in findings)
        kept = [d for d in diagnosed if d is not None]
        return tuple(sorted(kept, key=Diagnostic.sort_key))

    def _io_error(self, path: str, message: str) -> FileReport:
        self.detection = None
        shown = self.options.profile or ""
        return FileReport(path, shown, 0, io_error=message, role=self._role)

    def check_paths(self, paths: Iterable[str | os.PathLike[str]]) -> Report:
        return Report(tuple(self.check_path(p) for p in paths))


def _first_foreign_line(findings: list[Finding]) -> list[Finding]:
    """A file that mixes formats is reported once, at the first line that differs."""
    foreign = [f for f in findings if f.code == "JG130"]
    if len(foreign) < 2:
        return findings
    first = foreign[0]
    summary = f"{first.message}; {len(foreign) - 1:,} more line(s) differ from the file's format"
    kept = [f for f in findings if f.code != "JG130" or f is first]
    return [replace(f, message=summary) if f is first else f for f in kept]


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
