"""``jsonl-guard check``: expand the paths, check each file (and the validation file) with the
configured options, render the report and compute the exit code.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TextIO

from ..engine.checker import CheckerCache, check_dataset
from ..engine.config import apply_settings, load_config
from ..engine.file_run import Progress
from ..engine.options import CheckOptions
from ..engine.parallel import parallel_jobs
from ..engine.report import Report
from ..errors import ExitCode, JsonlGuardError
from ..reporters import REPORTERS, RenderOptions
from ..reporters import summary as summary_reporter


class UsageError(JsonlGuardError):
    """Bad arguments or inputs that the user must fix before anything can be checked."""


def run_check(args: argparse.Namespace, out: TextIO) -> int:
    config = load_config(args.config)
    paths = expand_paths(args.paths)
    cli_settings = _cli_settings(args)
    checkers = CheckerCache(
        lambda path: apply_settings(config.options_for(path, CheckOptions()), cli_settings, "cli")
    )
    shows_text = args.format == "text" or args.output is not None
    result = check_dataset(
        paths,
        args.validation_file or config.validation_file,
        checker_for=checkers.for_path,
        jobs=parallel_jobs(args.jobs),
        progress=_progress_bars if shows_text and not args.no_progress else None,
        max_cost=args.max_cost,  # the run's budget; config max-cost stays per file
    )
    report = result.report
    strict = args.strict or config.strict
    if args.output is not None:
        file_format = args.output_format or args.format
        terminal_format = args.format if args.output_format else "text"
        _write_file(args.output, REPORTERS[file_format](report))
        out.write(_render(report, terminal_format, args, out, strict))
    else:
        out.write(_render(report, args.format, args, out, strict))
    _append_step_summary(report)
    return exit_code(report, strict=strict)


def _progress_bars(path: str, size: int) -> AbstractContextManager[Progress | None]:
    from .progress import file_progress

    return file_progress(path, size, enabled=True)


def _write_file(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
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
    keys = ("model", "epochs", "min_examples", "select", "ignore", "tokenizer")
    for key in (*keys, "profile", "max_seq_len"):
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


def expand_paths(arguments: Sequence[str]) -> list[str]:
    """Files as given, directories searched for ``*.jsonl``, globs expanded; sorted, no repeats."""
    paths: list[str] = []
    for argument in arguments:
        if argument == "-":
            paths.append(argument)
        elif Path(argument).is_dir():
            found = sorted(str(p) for p in Path(argument).rglob("*.jsonl") if p.is_file())
            if not found:
                raise UsageError(f"no .jsonl files under directory {argument}")
            paths.extend(found)
        elif glob.has_magic(argument) and not Path(argument).exists():
            matches = glob.glob(argument, recursive=True)  # noqa: PTH207 - absolute globs too
            found = sorted(p for p in matches if Path(p).is_file())
            if not found:
                raise UsageError(f"no files match {argument}")
            paths.extend(found)
        else:
            paths.append(argument)
    return list(dict.fromkeys(paths))


def exit_code(report: Report, *, strict: bool = False) -> ExitCode:
    if report.io_errors:
        return ExitCode.USAGE
    if report.errors or (strict and report.warnings):
        return ExitCode.ERRORS
    return ExitCode.OK
