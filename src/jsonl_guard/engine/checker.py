"""The engine: check a dataset (training files and an optional validation file).

``Checker`` is the immutable setup (options, model, rule selection, tokenizer
policy); it caches what files can share (a line checker per profile, model and
tokenizer: schemas compiled and vocab loaded once). Each file is checked by a
``FileRun`` the checker opens, so every edge - the CLI, ``finetune``, the pytest
plugin, ``jsonl_guard.testing``, shards and the parallel path - gets the same
tokenizer choice, quicktok spot-check, validation limits and overlap detection.
Nothing here prints or exits; callers get ``FileReport``/``Report`` values.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from ..rules.context import TRAINING, VALIDATION
from ..rules.selection import RuleSelection
from ..tokens.backends import FAST_TOKENIZER_MIN_BYTES, TokenizerMismatch, resolve_tokenizer
from . import parallel
from .budget import budget_finding, run_budget
from .cost import RunBudget
from .diagnostics import Diagnostic
from .file_run import FileRun, Progress, Training
from .line import LineChecker, line_checker_for
from .lines import Input, InputError, open_input, open_stdin, shortened
from .models import ModelSpec, resolve_model
from .options import CheckOptions
from .profiles import Profile, resolve_profile
from .progress_bar import progress_bar
from .report import FileReport, Report
from .shards import Shard
from .spot_check import let_go_of_tiktoken
from .stats import DatasetStats

PathLike = str | os.PathLike[str]
# Called per file with its shown path and size; the context gives a progress callback.
ProgressFactory = Callable[[str, int], AbstractContextManager[Progress | None]]
STDIN = "-"
STDIN_SHOWN = "<stdin>"
T = TypeVar("T")


@dataclass(frozen=True)
class Checked:
    """A checked file: its report, and its stats (``None`` when it could not be read)."""

    report: FileReport
    stats: DatasetStats | None


@dataclass(frozen=True)
class DatasetResult:
    """A dataset's reports (training files in order, then the validation file) and stats;
    ``budget``: the run's ``max_cost`` against the training files' summed estimate."""

    files: tuple[Checked, ...]
    budget: RunBudget | None = None

    @property
    def report(self) -> Report:
        return Report(tuple(checked.report for checked in self.files), self.budget)


class Checker:
    """A reusable check setup: model, rules and tokenizer resolved once for many files."""

    def __init__(self, options: CheckOptions | None = None) -> None:
        self.options = options or CheckOptions()
        self.chosen_model: ModelSpec = resolve_model(self.options.model, self.options.models)
        if self.options.profile:
            resolve_profile(self.options.profile)  # an unknown name is a usage error now
        self.selection = RuleSelection.build(
            self.options.select, self.options.ignore, self.options.severity
        )
        self.tokenizer = resolve_tokenizer(self.options.tokenizer)
        self._line_checkers: dict[tuple[str, str, str], LineChecker] = {}

    def line_checker(self, profile: Profile, model: ModelSpec, tokenizer: str) -> LineChecker:
        """The line checker per profile, model and tokenizer, built on first use (vocab lazily)."""
        key = (profile.name, model.name, tokenizer)
        if key not in self._line_checkers:
            self._line_checkers[key] = line_checker_for(
                self.options, profile, model, tokenizer, self.selection
            )
        return self._line_checkers[key]

    def line_checkers(self, tokenizer: str) -> list[LineChecker]:
        return [c for (_, _, used), c in self._line_checkers.items() if used == tokenizer]

    def tokenizer_for(self, size: int | None) -> str:
        """``auto`` keeps tiktoken for small files: quicktok's vocab load would not pay off."""
        if self.options.tokenizer == "auto" and (size or 0) < FAST_TOKENIZER_MIN_BYTES:
            return "tiktoken"
        return self.tokenizer

    def open(
        self,
        *,
        size: int | None = None,
        role: str = TRAINING,
        training: Training = (),
        progress: Progress | None = None,
        fall_back: bool = False,
    ) -> FileRun:
        """A run for one file; ``fall_back``: count with tiktoken, quicktok having
        disagreed with it on this file."""
        tokenizer = "tiktoken" if fall_back else self.tokenizer_for(size)
        if tokenizer == "quicktok":
            let_go_of_tiktoken(checker.tools for checker in self.line_checkers("tiktoken"))
        return FileRun(self, tokenizer=tokenizer, role=role, training=training,
                       progress=progress, fell_back=fall_back)  # fmt: skip

    # -- one file ------------------------------------------------------------------

    def check_path(
        self,
        path: PathLike,
        *,
        jobs: int = 1,
        min_parallel_bytes: int | None = None,
        progress: Progress | None = None,
        role: str = TRAINING,
        training: Training = (),
        shown: str | None = None,
    ) -> FileReport:
        """Check a file; with ``jobs`` > 1 a big file is split across forked workers.

        The report is the same whatever ``jobs`` is. ``progress`` is called with the
        number of bytes checked so far. A validation file (``role``) gets the
        provider's validation limits, and examples it shares with the ``training``
        files' stats are reported (JG305).
        """
        return self._checked_path(
            path, shown or str(path), jobs, min_parallel_bytes, progress, role, training
        ).report

    def _checked_path(
        self,
        path: PathLike,
        shown: str,
        jobs: int,
        min_parallel_bytes: int | None,
        progress: Progress | None,
        role: str = TRAINING,
        training: Training = (),
    ) -> Checked:
        def read(fall_back: bool) -> Checked:
            with open_input(path, shown) as source:
                run = self.open(
                    size=source.size,
                    role=role,
                    training=training,
                    progress=progress,
                    fall_back=fall_back,
                )
                return self._read(run, source, Path(path), shown, jobs, min_parallel_bytes)

        try:
            return _with_fall_back(read)
        except InputError as error:
            return self._unreadable(shortened(shown), str(error), role)

    def _unreadable(self, shown: str, message: str, role: str = TRAINING) -> Checked:
        profile = self.options.profile or ""
        return Checked(FileReport(shown, profile, 0, io_error=message, role=role), None)

    def _read(
        self, run: FileRun, source: Input, path: Path, shown: str, jobs: int, min_bytes: int | None
    ) -> Checked:
        size = source.size
        lines = run.detect_from(source.lines(self.options.max_line_bytes))
        if source.compression is None:
            # Looked up on the module at call time: tests lower the threshold.
            threshold = parallel.MIN_PARALLEL_BYTES if min_bytes is None else min_bytes
            if jobs > 1 and size >= threshold and parallel.fork_available():
                ranges = parallel.byte_ranges(path, parallel.range_count(size, jobs))
                if len(ranges) >= 2:
                    shard = parallel.check_ranges(run, path, ranges, jobs)
                    return Checked(run.finish(shown, shard, size=size), shard.stats)
        elif run.progress is not None:  # lines count decompressed bytes; the bar, the file's
            shown_progress = run.progress
            run.progress = lambda _: shown_progress(source.position())
        shard = run.feed(lines)
        run.verify()
        # A decompressed file's size is what it would be uploaded as.
        size = size if source.compression is None else source.read_size()
        return Checked(run.finish(shown, shard, size=size), shard.stats)

    def check_lines(
        self, lines: Iterable[bytes], *, path: str = "<stream>", size: int | None = None
    ) -> FileReport:
        """Check raw lines (each with or without its trailing newline). A list or tuple
        is re-checked with tiktoken when quicktok disagrees; a stream cannot be read
        again, so there ``TokenizerMismatch`` is raised."""
        return self._checked_lines(lines, path, size).report

    def _checked_lines(self, lines: Iterable[bytes], path: str, size: int | None) -> Checked:
        def read(fall_back: bool) -> tuple[FileRun, Shard]:
            run = self.open(size=size, fall_back=fall_back)
            return run, _verified(run, lines)

        run, shard = _with_fall_back(read, again=isinstance(lines, (list, tuple)))
        return Checked(run.finish(path, shard, size=size), shard.stats)

    def check_examples(self, examples: Iterable[Any], *, path: str = "<memory>") -> FileReport:
        """Check parsed examples as if each were one line of a file."""
        encoded = [json.dumps(e, ensure_ascii=False).encode("utf-8") for e in examples]
        return self.check_lines(encoded, path=path)

    # -- a dataset -----------------------------------------------------------------

    def check_dataset(
        self,
        training: Sequence[PathLike],
        validation: PathLike | None = None,
        *,
        jobs: int = 1,
        progress: ProgressFactory | None = None,
    ) -> DatasetResult:
        """Training files and their validation file, all with this checker's options."""
        return check_dataset(
            training, validation, checker_for=lambda _: self, jobs=jobs, progress=progress
        )

    def check_pair(self, training: PathLike, validation: PathLike, **kwargs: Any) -> Report:
        return self.check_dataset([training], validation, **kwargs).report  # with JG305

    def check_paths(self, paths: Iterable[PathLike]) -> Report:
        return self.check_dataset(list(paths)).report


class CheckerCache:
    """One checker per distinct options: files with the same settings share it (one
    tokenizer, one rule set); ``options_for`` gives a path's options."""

    def __init__(self, options_for: Callable[[str], CheckOptions] | None = None) -> None:
        self.options_for = options_for or (lambda _: CheckOptions())
        self._checkers: dict[str, Checker] = {}

    def get(self, options: CheckOptions) -> Checker:
        key = repr(options)
        if key not in self._checkers:
            self._checkers[key] = Checker(options)
        return self._checkers[key]

    def for_path(self, path: str) -> Checker:
        return self.get(self.options_for(path))


def check_dataset(
    training: Sequence[PathLike],
    validation: PathLike | None = None,
    *,
    checker_for: Callable[[str], Checker],
    jobs: int = 1,
    progress: ProgressFactory | None = None,
    stdin: BinaryIO | None = None,
    show: Callable[[PathLike], str] | None = None,
    max_cost: float | None = None,
) -> DatasetResult:
    """Check the training files, then the validation file against them.

    The validation file is checked once, as validation (its limits, examples shared
    with the training files as JG305), even when it is also among ``training`` (a
    directory or glob that holds it). ``-`` in ``training`` reads ``stdin`` (default:
    this process's standard input). ``checker_for`` gives each path's checker (files
    may have their own settings). Reports show training paths as given and the
    validation path relative to the working directory, unless ``show`` says otherwise.
    ``max_cost`` is the run's budget: the training files' estimates summed (one
    JG501 on the first training file when over, or when a price is unknown).
    """
    files: list[Checked] = []
    for path in _without(training, validation):
        checker = checker_for(str(path))
        if str(path) == STDIN:
            files.append(_checked_stdin(checker, stdin))
        else:
            shown = show(path) if show is not None else str(path)
            files.append(_checked_file(checker, path, shown, jobs, progress))
    if validation is not None:
        seen = tuple((c.report.path, c.stats) for c in files if c.stats is not None)
        checker = checker_for(str(validation))
        shown = (show or shown_path)(validation)
        files.append(_checked_file(checker, validation, shown, jobs, progress, VALIDATION, seen))
    if max_cost is None:
        return DatasetResult(tuple(files))
    budget = run_budget([c.report for c in files], max_cost)
    return DatasetResult(_with_budget_finding(files, budget, checker_for), budget)


def _with_budget_finding(
    files: list[Checked], budget: RunBudget, checker_for: Callable[[str], Checker]
) -> tuple[Checked, ...]:
    """The run's budget finding, if any, on the first training file that was read."""
    finding = budget_finding(budget)
    if finding is None:
        return tuple(files)
    first = next(i for i, c in enumerate(files) if c.report.path == budget.shares[0][0])
    report = files[first].report
    diagnostic = checker_for(report.path).selection.diagnose(finding)  # ignore/severity apply
    if diagnostic is None:
        return tuple(files)
    diagnostics = tuple(sorted((diagnostic, *report.diagnostics), key=Diagnostic.sort_key))
    files[first] = Checked(replace(report, diagnostics=diagnostics), files[first].stats)
    return tuple(files)


def _checked_stdin(checker: Checker, stdin: BinaryIO | None) -> Checked:
    """Standard input (or ``stdin``), read with the limits of a stream that may not end."""
    if stdin is None and sys.stdin is not None:  # None: the process started with it closed
        stdin = sys.stdin.buffer
    try:
        source = open_stdin(stdin)
        lines = source.lines(checker.options.max_line_bytes)
        return checker._checked_lines(lines, STDIN_SHOWN, None)
    except InputError as error:
        return checker._unreadable(STDIN_SHOWN, str(error))


def _checked_file(
    checker: Checker,
    path: PathLike,
    shown: str,
    jobs: int,
    progress: ProgressFactory | None,
    role: str = TRAINING,
    training: Training = (),
) -> Checked:
    try:
        size = Path(path).stat().st_size
    except (OSError, ValueError):
        size = 0  # only sizes the progress bar: _checked_path reports why it cannot be read
    with progress(shown, size) if progress is not None else nullcontext() as callback:
        return checker._checked_path(path, shown, jobs, None, callback, role, training)


def _without(paths: Sequence[PathLike], validation: PathLike | None) -> Iterator[PathLike]:
    """``paths`` without the validation file (it is checked once, as validation)."""
    for path in paths:
        if validation is None or str(path) == STDIN or not same_file(path, validation):
            yield path


def same_file(one: PathLike, other: PathLike) -> bool:
    """Whether two paths name one file (links and ``..`` resolved; need not exist)."""
    return os.path.realpath(one) == os.path.realpath(other)


def shown_path(path: PathLike) -> str:
    """A path as reports show it: relative to the working directory when inside it
    (a config's paths are resolved from its folder; annotations need them relative)."""
    text = str(path)
    if not Path(text).is_absolute():
        return text
    try:
        relative = Path(text).relative_to(Path.cwd())
    except ValueError:
        return text
    return relative.as_posix()


# -- shards: parts of a corpus checked anywhere, merged, then reported -------------


def check_shard(checker: Checker, lines: Iterable[bytes]) -> Shard:
    """The shard of some lines of a corpus (numbered from 1). quicktok's samples are
    recounted with tiktoken: on a disagreement a list or tuple is counted again with
    tiktoken, and a stream, which cannot be read again, raises ``TokenizerMismatch``."""
    return _with_fall_back(
        lambda fall_back: _verified(checker.open(fall_back=fall_back), lines),
        again=isinstance(lines, (list, tuple)),
    )


def check_shard_path(checker: Checker, path: PathLike) -> Shard:
    """The shard of a file (counted again with tiktoken if quicktok disagreed); raises
    ``InputError`` when the file cannot be read."""

    def read(fall_back: bool) -> Shard:
        with open_input(path, str(path)) as source:
            run = checker.open(size=source.size, fall_back=fall_back)
            return _verified(run, source.lines(checker.options.max_line_bytes))

    return _with_fall_back(read)


def _verified(run: FileRun, lines: Iterable[bytes]) -> Shard:
    """``lines`` fed to ``run``, then quicktok's samples recounted (``TokenizerMismatch``)."""
    shard = run.feed(lines)
    run.verify()
    return shard


def _with_fall_back(attempt: Callable[[bool], T], *, again: bool = True) -> T:
    """``attempt(False)``; when quicktok disagreed with tiktoken and the input can be
    read again (``again``), ``attempt(True)``: the same, counted with tiktoken."""
    try:
        return attempt(False)
    except TokenizerMismatch:
        if not again:
            raise
        return attempt(True)


def shard_report(checker: Checker, shard: Shard, *, path: str = "<merged>") -> FileReport:
    """The report for merged shards: dataset-level rules run on the merged totals."""
    run = checker.open()
    if shard.detection is not None:
        run.adopt(shard.detection)
    return run.finish(path, shard)


def check_path(
    path: PathLike, options: CheckOptions | None = None, *, progress: bool = False
) -> FileReport:
    """``progress``: a ``tqdm.auto`` bar (Jupyter, Colab, a terminal; ``[notebook]`` extra)."""
    with progress_bar(path) if progress else nullcontext() as callback:
        return Checker(options).check_path(path, progress=callback)


def check_lines(
    lines: Iterable[bytes], options: CheckOptions | None = None, *, path: str = "<stream>"
) -> FileReport:
    return Checker(options).check_lines(lines, path=path)


def check_examples(
    examples: Iterable[Any], options: CheckOptions | None = None, *, path: str = "<memory>"
) -> FileReport:
    return Checker(options).check_examples(examples, path=path)
