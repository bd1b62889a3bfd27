"""The ``jsonl-guard`` command: ``main(argv) -> int``, never a traceback for bad input.

Exit codes (``ExitCode``): 0 no errors (warnings alone pass unless --strict), 1 errors
found, 2 usage, configuration or I/O error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO, cast

from .. import __version__
from ..engine.config import load_config
from ..errors import DEBUG_VARIABLE, ExitCode, JsonlGuardError, exit_for, internal_error
from ..finetune.backends import BACKENDS
from ..reporters import REPORTERS
from ..tokens.training import LOSS_MODES, TRUNCATION_SIDES
from .arguments import (
    Parser,
    budget,
    non_negative_int,
    positive_int,
    template_file,
    tokenizer_choice,
)
from .check import run_check
from .rules import print_models, print_profiles, print_rules


def build_parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The top-level parser and its ``check`` sub-parser.

    Built once per process (~10 ms) and set of registered fine-tune backends and
    reporters, which the parsers list as choices (a backend registered later, as the
    backend recipe's toy is, gets parsers that know it). Parsing never changes a parser
    (argparse's intermixed parse restores what it switches), and a program or a test
    suite that calls ``main`` thousands of times would otherwise pay it on every call."""
    return _parsers_for(tuple(BACKENDS), tuple(REPORTERS))


@functools.lru_cache(maxsize=4)
def _parsers_for(
    *registries: tuple[str, ...],
) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """``build_parsers``, cached by the registries' names."""
    parser = Parser(  # its sub-commands' parsers are Parsers too: no abbreviations
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
        help="error when the run's estimated training cost (all training files) is above this",
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
        help=f"report format: {', '.join(sorted(REPORTERS))} (github: annotations)",
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
        "Hugging Face tokenizer.json or model folder for open models",
    )
    check.add_argument(
        "--max-seq-len",
        type=positive_int,
        metavar="N",
        help="token limit per example (for open models: your training sequence length)",
    )
    check.add_argument(
        "--truncation-side",
        choices=TRUNCATION_SIDES,
        help="which end truncation at --max-seq-len cuts (default right: TRL's keep_start)",
    )
    check.add_argument(
        "--loss",
        choices=LOSS_MODES,
        help="which tokens train, as TRL names it (default: TRL's for the format: "
        "completion-only for prompt/completion, all for messages)",
    )
    check.add_argument(
        "--chat-template",
        type=template_file,
        metavar="FILE",
        help="a Jinja chat template replacing the --tokenizer's (e.g. one with "
        "{%% generation %%} tags)",
    )
    check.add_argument(
        "--packing",
        action="store_true",
        default=None,
        help="also report the sequences and padding of packing the examples to --max-seq-len",
    )
    check.add_argument(
        "--max-line-bytes",
        type=positive_int,
        metavar="N",
        help="longest line read, in bytes (default 64 MiB); a longer one is reported (JG106) "
        "and skipped",
    )
    check.add_argument(
        "--max-findings-per-rule",
        type=non_negative_int,
        metavar="N",
        help="list the first N findings of each rule per file and count the rest "
        "(default 100; 0: list them all)",
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        metavar="N",
        help="worker processes for big files (default 0: every core, also the most; 1: no workers)",
    )
    check.add_argument(
        "--config",
        type=Path,
        help="read settings from this pyproject.toml for every file (default: for each file, "
        "the nearest pyproject.toml above it with a [tool.jsonl-guard] table)",
    )
    check.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="skip what this .gitignore-style pattern matches when searching directories "
        "and globs (repeatable; relative to the working directory)",
    )
    check.add_argument(
        "--no-ignore",
        action="store_true",
        help="search hidden, package and build folders and what .gitignore files ignore too",
    )
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    check.add_argument(
        "-q", "--quiet", action="store_true", help="findings only: no hints or summary"
    )
    check.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also show info-level findings, and (on stderr) which config each file got",
    )

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

    from ..smoke.command import add_arguments as add_smoke_arguments

    add_smoke_arguments(
        commands.add_parser("smoke", help="send test prompts to a model and check its replies")
    )
    from .finetune import add_finetune_parser

    add_finetune_parser(commands)
    from .convert import add_convert_parser

    add_convert_parser(commands)
    from .diff import add_diff_parser

    add_diff_parser(commands, check)
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


class OutputError(JsonlGuardError):
    """Standard output cannot be written (closed, a full disk, ``/dev/full``)."""


class _Stdout:
    """``sys.stdout`` while a command runs: a failed write is an ``OutputError``, which
    ends the command with one line on stderr (a broken pipe stays a quiet stop)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise _output_error(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise _output_error(error) from None

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, ...
        return getattr(self._stream, name)


def _output_error(error: OSError) -> OutputError:
    return OutputError(
        f"cannot write to standard output: {error.strerror or error}; "
        "redirect it to a file with room (or use --output FILE)"
    )


def _discard_stdout() -> None:
    """Point stdout at /dev/null: what is still buffered for it cannot be written either,
    and Python would complain again while flushing it at exit."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every error it may raise ends as one message and its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if sys.stdout is None:  # the process started with it closed (`>&-`)
        print(
            "jsonl-guard: error: standard output is closed; redirect it to a file "
            "(`> report.txt`) or to /dev/null",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    real_stdout = sys.stdout
    sys.stdout = cast(TextIO, _Stdout(real_stdout))
    try:
        return _run(arguments)
    finally:
        sys.stdout = real_stdout


def _command(args: argparse.Namespace) -> int:
    if args.command == "smoke":
        from ..smoke.command import run_command as run_smoke_command

        return run_smoke_command(args, sys.stdout, sys.stderr)
    if args.command == "finetune":
        from .finetune import run_finetune_command

        return run_finetune_command(args, sys.stdout)
    if args.command == "convert":
        from .convert import run_convert

        return run_convert(args, sys.stdout)
    if args.command == "diff":
        from .diff import run_diff

        return run_diff(args, sys.stdout)
    if args.command == "rules":
        return print_rules(args.code, args.format, sys.stdout)
    if args.command == "profiles":
        return print_profiles(args.name, load_config(args.config), args.format, sys.stdout)
    if args.command == "models":
        return print_models(load_config(args.config), args.format, sys.stdout)
    return run_check(args, sys.stdout)


def _run(arguments: list[str]) -> int:
    try:
        code = _command(parse_args(arguments))
        sys.stdout.flush()  # a full disk shows here, while a message can still say so
        return code
    except (JsonlGuardError, KeyboardInterrupt) as error:
        if isinstance(error, OutputError):
            _discard_stdout()
        message, code = exit_for(error)
        print(message, file=sys.stderr)
        return code
    except BrokenPipeError:
        # The reader went away (`jsonl-guard profiles | head`): stop quietly.
        _discard_stdout()
        return ExitCode.USAGE
    except Exception as error:  # a bug: one message, not a traceback (unless debugging)
        if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
            raise
        message, code = internal_error(error, shlex.join(["jsonl-guard", *arguments]))
        print(message, file=sys.stderr)
        return code


def console_main() -> NoReturn:
    """The ``jsonl-guard`` command: ``main``, then exit without the interpreter's teardown.

    Freeing a loaded vocab at exit (200k-entry maps in tiktoken's Rust core) costs
    0.1-0.2 s, a third of a small check, for memory the OS reclaims anyway. Every file
    this process wrote is closed by then; the standard streams are flushed here.
    """
    code = main()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        if sys.stderr is not None:
            sys.stderr.flush()
    except (OSError, ValueError):  # a broken pipe, a full disk: main said what it could
        code = code or ExitCode.USAGE
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
