"""The ``finetune`` sub-command: arguments in, a ``finetune`` run out, an exit code back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from ..engine.config import Config, ConfigFinder, apply_settings
from ..engine.options import CheckOptions
from ..errors import ERROR_PREFIX, ExitCode, exit_for
from ..finetune.backends import BACKENDS
from ..finetune.console import Console, FinetuneStop
from ..finetune.follow import FollowSettings
from ..finetune.run import FinetuneRequest, cancel_finetune, resume_finetune, run_finetune
from ..finetune.settings import add_platform_arguments, given_settings
from .arguments import budget, positive_float


def add_finetune_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "finetune",
        help="check, upload and start a fine-tuning job, follow it, smoke-test the model",
    )
    parser.add_argument("training", nargs="?", type=Path, metavar="TRAIN.jsonl")
    parser.add_argument("--model", help="base model (default: config, then the default model)")
    parser.add_argument("--profile", metavar="NAME", help="file format (default: detected)")
    parser.add_argument("--validation-file", type=Path, metavar="VALID.jsonl")
    parser.add_argument("--epochs", type=int, help="n_epochs (default: OpenAI's auto)")
    parser.add_argument("--suffix", help="suffix for the fine-tuned model name (1-64 characters)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--max-cost", type=budget, metavar="USD", help="refuse above this estimate")
    parser.add_argument("--smoke", type=Path, metavar="SMOKE.jsonl", help="smoke-test the model")
    parser.add_argument("--poll-interval", type=positive_float, default=10.0, metavar="SECONDS",
                        help="how often the job is looked at (default 10)")  # fmt: skip
    parser.add_argument("--timeout", type=positive_float, metavar="SECONDS",
                        help="stop (exit 2, resumable) this long after the first request: "
                        "uploads, job creation, following and the smoke test, every HTTP "
                        "request included")  # fmt: skip
    parser.add_argument("--dry-run", action="store_true", help="stop after the estimate")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--record", type=Path, metavar="FILE", help="run record path (default: "
                        "TRAIN.jsonl.finetune.json next to the training file)")  # fmt: skip
    parser.add_argument("--new", action="store_true", help="start another run although the "
                        "record shows an unfinished one; that record is kept and the new one "
                        "is written beside it as NAME.2.json (the first free number)")  # fmt: skip
    parser.add_argument("--config", type=Path, help="read settings from this pyproject.toml")
    add_platform_arguments(parser, BACKENDS)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resume", type=Path, metavar="RECORD", help="continue a recorded run")
    group.add_argument("--cancel", type=Path, metavar="RECORD", help="cancel a recorded run's job")
    return parser


def _validate(args: argparse.Namespace) -> str | None:
    if args.resume is None and args.cancel is None and args.training is None:
        return "finetune needs TRAIN.jsonl (or --resume RECORD / --cancel RECORD)"
    if (args.resume or args.cancel) and args.training is not None:
        return "--resume and --cancel take the run record only, not TRAIN.jsonl"
    if args.epochs is not None and not 1 <= args.epochs <= 50:
        return "--epochs must be between 1 and 50"
    if (args.resume or args.cancel) and (args.platform or given_settings(args)):
        return "--resume and --cancel use the platform and settings kept in the run record"
    if (args.resume or args.cancel) and args.new:
        return "--new starts a run from TRAIN.jsonl; it does not go with --resume or --cancel"
    if args.suffix is not None and not 1 <= len(args.suffix) <= 64:
        return "--suffix must be 1 to 64 characters"
    return None


def _options(args: argparse.Namespace, config: Config) -> CheckOptions:
    settings = {
        key.replace("_", "-"): getattr(args, key)
        for key in ("model", "epochs", "max_cost", "profile")
        if getattr(args, key) is not None
    }
    return apply_settings(config.options_for(str(args.training), CheckOptions()), settings, "cli")


def run_finetune_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    problem = _validate(args)
    if problem is not None:
        print(f"{ERROR_PREFIX}{problem}", file=sys.stderr)
        return ExitCode.USAGE
    interactive = sys.stdin.isatty() and stream.isatty()
    console = Console(stream, live=interactive, confirm=_ask if interactive else None)
    settings = FollowSettings(poll_interval=args.poll_interval, timeout=args.timeout,
                              smoke=args.smoke)  # fmt: skip
    from ..finetune.record import RecordError

    try:
        if args.cancel is not None:
            return cancel_finetune(args.cancel, console)
        if args.resume is not None:
            return resume_finetune(args.resume, console, settings)
        # The training file's project config, as `check` finds it (or --config).
        config = ConfigFinder(args.config).for_path(str(args.training))
        validation = args.validation_file or config.validation_file
        request = FinetuneRequest(
            training=args.training,
            options=_options(args, config),
            validation=None if validation is None else Path(validation),
            suffix=args.suffix,
            seed=args.seed,
            smoke=args.smoke,
            dry_run=args.dry_run,
            yes=args.yes,
            record=args.record,
            config=config.source,
            new=args.new,
            platform=args.platform,
            platform_settings=given_settings(args),
        )
        # The backend (``finetune.backends.BACKENDS``) is the model's platform's.
        return run_finetune(request, console, settings)
    except (FinetuneStop, RecordError) as error:
        # The run's own errors (credentials included) go to its console; usage errors
        # (config, model, no backend for its platform, rules) reach ``cli.main`` like
        # any command's.
        message, code = exit_for(error, prefix="error: ")
        console.say(message)
        return code


def _ask(question: str) -> bool:
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False
