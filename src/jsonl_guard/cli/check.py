"""``jsonl-guard check``: expand the paths, check each file (and the validation file) with the
options of its config, render the report and compute the exit code.

Each file gets the config of the nearest pyproject.toml above it with a
``[tool.jsonl-guard]`` table (``--config`` forces one); ``-v`` says which, on stderr,
so a JSON or SARIF report on stdout stays clean. The run's validation file is the
one ``--validation-file`` or the files' configs name; ``strict`` in any of them makes
the run strict (one exit code for the run).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TextIO

from ..atomic import write_atomically
from ..engine.checker import CheckerCache, check_dataset, same_file
from ..engine.config import Config, ConfigFinder, apply_settings
from ..engine.file_run import Progress
from ..engine.options import CheckOptions
from ..engine.parallel import parallel_jobs
from ..engine.report import Report
from ..errors import ExitCode
from ..heap import keep_big_blocks_apart
from ..reporters import REPORTERS, RenderOptions
from ..reporters import summary as summary_reporter
from ..untrusted import printable
from .arguments import UsageError
from .discover import SearchSettings, discover
from .ignore import Pattern, parse_lines


def run_check(args: argparse.Namespace, out: TextIO) -> int:
    # The command's own process (a library caller keeps its allocator as it set it).
    keep_big_blocks_apart()
    finder = ConfigFinder(args.config)
    paths = expand_paths(args.paths, finder, exclude=args.exclude, no_ignore=args.no_ignore)
    configs = [finder.for_path(path) for path in paths]
    cli_settings = _cli_settings(args)
    checkers = CheckerCache(
        lambda path: apply_settings(
            finder.for_path(path).options_for(path, CheckOptions()), cli_settings, "cli"
        )
    )
    validation = args.validation_file or _validation_file(configs)
    if args.output is not None and any(
        p != "-" and same_file(p, args.output) for p in [*paths, *filter(None, [validation])]
    ):
        raise UsageError(
            f"--output {printable(str(args.output))} is one of the files to check; "
            "write the report to another file"
        )
    if args.output is not None and args.output.is_dir():  # before the check, not after it
        raise UsageError(
            f"--output {printable(str(args.output))} is a folder; name the report file "
            "(e.g. report.html)"
        )
    if args.verbose:
        _say_configs(paths, configs, validation, finder)
    shows_text = args.format == "text" or args.output is not None
    result = check_dataset(
        paths,
        validation,
        checker_for=checkers.for_path,
        jobs=parallel_jobs(args.jobs),
        progress=_progress_bars if shows_text and not args.no_progress else None,
        max_cost=args.max_cost,  # the run's budget; config max-cost stays per file
    )
    report = result.report
    strict = args.strict or any(config.strict for config in configs)
    if args.output is not None:
        file_format = args.output_format or args.format
        terminal_format = args.format if args.output_format else "text"
        _write_file(args.output, REPORTERS[file_format](report))
        out.write(_render(report, terminal_format, args, out, strict))
    else:
        out.write(_render(report, args.format, args, out, strict))
    _append_step_summary(report)
    return exit_code(report, strict=strict)


def _validation_file(configs: Sequence[Config]) -> str | None:
    named = {c.validation_file for c in configs if c.validation_file is not None}
    if len(named) > 1:
        raise UsageError(
            "the files' configs name different validation files "
            f"({', '.join(sorted(printable(n) for n in named))}); check each project on its "
            "own, or pass --validation-file"
        )
    return next(iter(named), None)


def _say_configs(
    paths: Sequence[str], configs: Sequence[Config], validation: str | None, finder: ConfigFinder
) -> None:
    """``-v``: which config each file is checked with (stderr: stdout may be a report)."""
    shown = list(zip(paths, configs, strict=True))
    if validation is not None:
        shown.append((validation, finder.for_path(validation)))
    for path, config in shown:
        source = "none (defaults): no pyproject.toml with [tool.jsonl-guard] above it"
        if config.source is not None:
            source = str(config.source) + (" (--config)" if finder.forced is not None else "")
        print(f"jsonl-guard: {printable(path)}: config {printable(source)}", file=sys.stderr)


def _progress_bars(path: str, size: int) -> AbstractContextManager[Progress | None]:
    from .progress import file_progress

    return file_progress(path, size, enabled=True)


def _write_file(path: Path, text: str) -> None:
    """Atomically: a reader never sees half a report, and a failed write leaves the old
    file as it was."""
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None


def _append_step_summary(report: Report) -> None:
    """On GitHub Actions, add the Markdown summary to the job's summary page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with Path(target).open("a", encoding="utf-8") as summary:
            summary.write(summary_reporter.render(report))
    except OSError as error:
        print(f"jsonl-guard: warning: cannot write the step summary: {error}", file=sys.stderr)


def _cli_settings(args: argparse.Namespace) -> dict[str, object]:
    settings: dict[str, object] = {}
    keys = ("model", "epochs", "min_examples", "select", "ignore", "tokenizer", "profile")
    keys2 = ("max_seq_len", "max_line_bytes", "max_findings_per_rule", "truncation_side")
    for key in (*keys, *keys2, "loss", "chat_template", "packing"):
        value = getattr(args, key)
        if value is not None:
            settings[key.replace("_", "-")] = value
    if args.severity:
        pairs = [item.split("=", 1) for item in args.severity]
        if any(len(pair) != 2 for pair in pairs):
            raise UsageError("--severity takes CODE=LEVEL, e.g. --severity JG401=warning")
        settings["severity"] = dict(pairs)
    return settings


def _render(
    report: Report, output_format: str, args: argparse.Namespace, out: TextIO, strict: bool
) -> str:
    options = RenderOptions(
        color=output_format == "text" and _use_color(args.color, out),
        hints=not args.quiet,
        summary=not args.quiet,
        info=args.verbose,
        strict=strict,
    )
    return REPORTERS[output_format](report, options)


def _use_color(mode: str, out: TextIO) -> bool:
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return out.isatty() and os.environ.get("TERM") != "dumb"


def expand_paths(
    arguments: Sequence[str],
    finder: ConfigFinder | None = None,
    *,
    exclude: Sequence[str] = (),
    no_ignore: bool = False,
) -> list[str]:
    """Files as given; directories searched for ``*.jsonl``/``*.ndjson``/``*.jsonl.gz`` and
    globs expanded (skipping hidden folders, .gitignore'd paths and the ``exclude``
    patterns of ``exclude`` and of each folder's config); each file once. Folders that
    cannot be read are named on stderr."""
    configs = finder or ConfigFinder()
    parsed: dict[Path | None, tuple[Pattern, ...]] = {}

    def patterns(folder: str) -> tuple[Pattern, ...]:
        config = configs.for_folder(Path(folder))
        if config.source not in parsed:  # one parse per config file
            base = Path.cwd() if config.source is None else config.source.parent
            parsed[config.source] = parse_lines(config.exclude, str(base))
        return parsed[config.source]

    settings = SearchSettings(
        exclude=tuple(exclude),
        excludes_for=patterns,
        honour_ignores=not no_ignore,
    )
    found = discover(arguments, settings)
    for note in found.notes:
        print(f"jsonl-guard: warning: {note}", file=sys.stderr)
    return found.paths


def exit_code(report: Report, *, strict: bool = False) -> ExitCode:
    if report.io_errors:
        return ExitCode.USAGE
    if report.errors or (strict and report.warnings):
        return ExitCode.ERRORS
    return ExitCode.OK
