"""The ``jsonl-guard`` command: ``main(argv) -> int``, never a traceback for bad input.

Exit codes (``ExitCode``): 0 no errors (warnings alone pass unless --strict), 1 errors
found, 2 usage, configuration or I/O error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import NoReturn, TextIO

from . import __version__
from ._arguments import budget, positive_int, tokenizer_choice
from ._checker import CheckerCache, check_dataset
from ._config import apply_settings, load_config
from ._errors import ExitCode, JsonlGuardError, exit_for
from ._file_run import Progress
from ._options import CheckOptions
from ._parallel import parallel_jobs
from ._report import Report
from .reporters import REPORTERS, RenderOptions
from .reporters import summary as summary_reporter
from .rules_cli import print_models, print_profiles, print_rules


class UsageError(JsonlGuardError):
    """Bad arguments or inputs that the user must fix before anything can be checked."""


def build_parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The top-level parser and its ``check`` sub-parser."""
    parser = argparse.ArgumentParser(
        prog="jsonl-guard",
        description="Check fine-tuning JSONL files before you upload them.",
    )
    parser.add_argument("--version", action="version", version=f"jsonl-guard {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="check JSONL files, directories or globs")
    check.add_argument(
        "paths", nargs="+", metavar="PATH", help="JSONL files, directories, globs, or - for stdin"
    )
    check.add_argument(
        "--model", help="model to check against (default: config, then gpt-4o-mini-2024-07-18)"
    )
    check.add_argument(
        "--profile",
        metavar="NAME",
        help="file format to check against (default: detected per file; see `jsonl-guard "
        "profiles`)",
    )
    check.add_argument(
        "--validation-file",
        metavar="FILE",
        help="the validation file that goes with the training file(s): validation limits, "
        "and examples shared with training",
    )
    check.add_argument(
        "--epochs",
        type=positive_int,
        help="epochs for the cost estimate (default: OpenAI's heuristic)",
    )
    check.add_argument(
        "--max-cost",
        type=budget,
        metavar="USD",
        help="error when the estimated training cost is above this",
    )
    check.add_argument(
        "--min-examples",
        type=positive_int,
        metavar="N",
        help="minimum number of examples (default: the provider's)",
    )
    check.add_argument(
        "--select", metavar="CODES", help="only these rules (codes, prefixes, names)"
    )
    check.add_argument("--ignore", metavar="CODES", help="skip these rules")
    check.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="CODE=LEVEL",
        help="override a rule's severity, e.g. JG401=warning (repeatable)",
    )
    check.add_argument(
        "--format",
        choices=sorted(REPORTERS),
        default="text",
        help="report format (text, json, github annotations, sarif, junit)",
    )
    check.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the report to FILE; the terminal still gets text (or --format "
        "when --output-format is given)",
    )
    check.add_argument(
        "--output-format",
        choices=sorted(REPORTERS),
        help="format of the --output file (default: --format)",
    )
    check.add_argument("--strict", action="store_true", help="warnings fail the check too")
    check.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (it is only drawn on a terminal, for big files)",
    )
    check.add_argument(
        "--tokenizer",
        type=tokenizer_choice,
        metavar="auto|tiktoken|quicktok|PATH",
        help="token counter (default auto: quicktok when installed, else tiktoken), or a "
        "Hugging Face tokenizer.json for open models",
    )
    check.add_argument(
        "--max-seq-len",
        type=positive_int,
        metavar="N",
        help="token limit per example (for open models: your training sequence length)",
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        metavar="N",
        help="worker processes for big files (default 0: every core; 1: no workers)",
    )
    check.add_argument("--config", type=Path, help="read settings from this pyproject.toml")
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    check.add_argument(
        "-q", "--quiet", action="store_true", help="findings only: no hints or summary"
    )
    check.add_argument("-v", "--verbose", action="store_true", help="also show info-level findings")

    rules = commands.add_parser("rules", help="list the rules, or explain one")
    rules.add_argument("code", nargs="?", help="a rule code or name to explain")
    rules.add_argument("--format", choices=["text", "json"], default="text")

    profiles = commands.add_parser(
        "profiles", help="list the file formats (profiles) with their models and limits"
    )
    profiles.add_argument("name", nargs="?", help="a profile to explain")
    profiles.add_argument("--config", type=Path, help="read extra models from this pyproject.toml")
    profiles.add_argument("--format", choices=["text", "json"], default="text")

    models = commands.add_parser("models", help="list the known models and their limits")
    models.add_argument("--config", type=Path, help="read extra models from this pyproject.toml")
    models.add_argument("--format", choices=["text", "json"], default="text")

    from .smoke import add_arguments as add_smoke_arguments

    add_smoke_arguments(
        commands.add_parser("smoke", help="send test prompts to a model and check its replies")
    )
    from .finetune_cli import add_finetune_parser

    add_finetune_parser(commands)
    return parser, check


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line; ``check`` allows options between paths (``a.jsonl -q b.jsonl``)."""
    parser, check = build_parsers()
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] == "check":
        namespace = check.parse_intermixed_args(arguments[1:])
        namespace.command = "check"
        return namespace
    return parser.parse_args(arguments)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every error it may raise ends as one message and its exit code."""
    args = parse_args(argv)
    try:
        if args.command == "smoke":
            from .smoke import run_command as run_smoke_command

            return run_smoke_command(args, sys.stdout, sys.stderr)
        if args.command == "finetune":
            from .finetune_cli import run_finetune_command

            return run_finetune_command(args, sys.stdout)
        if args.command == "rules":
            return print_rules(args.code, args.format, sys.stdout)
        if args.command == "profiles":
            return print_profiles(args.name, load_config(args.config), args.format, sys.stdout)
        if args.command == "models":
            return print_models(load_config(args.config), args.format, sys.stdout)
        return run_check(args, sys.stdout)
    except (JsonlGuardError, KeyboardInterrupt) as error:
        message, code = exit_for(error)
        print(message, file=sys.stderr)
        return code
    except BrokenPipeError:
        # The reader went away (`jsonl-guard profiles | head`): stop quietly, and keep
        # Python from complaining again while it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.USAGE


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
    )
    report = result.report
    if args.output is not None:
        file_format = args.output_format or args.format
        terminal_format = args.format if args.output_format else "text"
        _write_file(args.output, REPORTERS[file_format](report))
        out.write(_render(report, terminal_format, args, out))
    else:
        out.write(_render(report, args.format, args, out))
    _append_step_summary(report)
    return exit_code(report, strict=args.strict or config.strict)


def _progress_bars(path: str, size: int) -> AbstractContextManager[Progress | None]:
    from ._progress import file_progress

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
    keys = ("model", "epochs", "max_cost", "min_examples", "select", "ignore", "tokenizer")
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


def _render(report: Report, output_format: str, args: argparse.Namespace, out: TextIO) -> str:
    options = RenderOptions(
        color=output_format == "text" and _use_color(args.color, out),
        hints=not args.quiet,
        summary=not args.quiet,
        info=args.verbose,
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


def console_main() -> NoReturn:
    """The ``jsonl-guard`` command: ``main``, then exit without the interpreter's teardown.

    Freeing a loaded vocab at exit (200k-entry maps in tiktoken's Rust core) costs
    0.1-0.2 s, a third of a small check, for memory the OS reclaims anyway. Every file
    this process wrote is closed by then; the standard streams are flushed here.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        code = code or ExitCode.USAGE
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
