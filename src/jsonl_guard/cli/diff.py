"""``jsonl-guard diff BASE HEAD``: what changed in a dataset (examples, tokens, cost,
findings), with gates for CI (docs/diff.md).

Each side is a JSON report (``check --format json``), a dataset (files, directories,
globs: checked now, with check's options) or ``REV:path`` read from git. Exit codes:
0 no gate tripped, 1 a gate tripped, 2 usage or input errors (an unreadable side, a
report from a newer jsonl-guard, a bad limit, a head file that could not be read).
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path
from typing import Any, TextIO

from ..engine.checker import CheckerCache, check_dataset
from ..engine.config import ConfigFinder, apply_settings
from ..engine.diff import diff_sides
from ..engine.diff_gates import Gates, Limit, evaluate
from ..engine.diff_input import FileSide, read_report, sides_of_report
from ..engine.options import CheckOptions
from ..engine.parallel import parallel_jobs
from ..errors import ExitCode
from ..reporters import diff_json, diff_markdown, diff_text
from ..untrusted import printable
from .arguments import UsageError
from .check import _cli_settings, expand_paths
from .git_side import show_to_file, split_spec

RENDERERS = {"text": diff_text.render, "markdown": diff_markdown.render, "json": diff_json.render}
# check's options that also shape a dataset side (the same help, the same validation).
CHECK_OPTIONS = (
    "model",
    "profile",
    "config",
    "epochs",
    "min_examples",
    "select",
    "ignore",
    "severity",
    "tokenizer",
    "max_seq_len",
    "truncation_side",
    "loss",
    "chat_template",
    "packing",
    "max_line_bytes",
    "jobs",
)
_GLOB = frozenset("*?[")


def add_diff_parser(commands: Any, check: argparse.ArgumentParser) -> None:
    diff = commands.add_parser(
        "diff",
        help="what changed between two versions of a dataset: examples, tokens, cost, findings",
        description="Compare BASE with HEAD. Each is a JSON report (check --format json), "
        "a dataset (file, directory or glob, checked now with the options below) or "
        "REV:path read from git (e.g. main:data/train.jsonl).",
    )
    diff.add_argument("base", metavar="BASE", help="JSON report, dataset path or REV:path")
    diff.add_argument("head", metavar="HEAD", help="JSON report, dataset path or REV:path")
    diff.add_argument("--format", choices=sorted(RENDERERS), default="text")
    diff.add_argument(
        "--fail-on",
        choices=["new-errors"],
        help="exit 1 when a rule of error severity has more findings in HEAD than in BASE",
    )
    diff.add_argument(
        "--max-cost-increase",
        type=cost_limit,
        metavar="USD|PCT%",
        help="exit 1 when the estimated training cost grows by more than this (5, $5 or 10%%)",
    )
    diff.add_argument(
        "--max-token-growth",
        type=percent_limit,
        metavar="PCT%",
        help="exit 1 when the total tokens grow by more than this percentage (e.g. 10%%)",
    )
    for action in check._actions:  # check's own definitions: one source of truth
        if action.dest in CHECK_OPTIONS:
            diff._add_action(action)


def _limit(value: str, *, money: bool) -> Limit:
    text = value.strip()
    percent = text.endswith("%")
    number_text = text.removesuffix("%").strip()
    if money and not percent:
        number_text = number_text.removeprefix("$")
    unit = "an amount in US dollars (5, $5) or a percentage (10%)" if money else "a percentage"
    try:
        number = float(number_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not {unit}") from None
    if not money and not percent:
        raise argparse.ArgumentTypeError(f"{value!r}: write the growth as a percentage, e.g. 10%")
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{value!r} must be a finite number, zero or more")
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be zero or more")
    return Limit(number, percent)


def cost_limit(value: str) -> Limit:
    return _limit(value, money=True)


def percent_limit(value: str) -> Limit:
    return _limit(value, money=False)


def run_diff(args: argparse.Namespace, out: TextIO) -> int:
    with tempfile.TemporaryDirectory(prefix="jsonl-guard-diff-") as scratch:
        base = _side(args.base, "BASE", args, Path(scratch) / "base")
        head = _side(args.head, "HEAD", args, Path(scratch) / "head")
    diff = diff_sides(base, head)
    gates = Gates(
        fail_on_new_errors=args.fail_on == "new-errors",
        max_cost_increase=args.max_cost_increase,
        max_token_growth=args.max_token_growth,
    )
    results = evaluate(diff, gates)
    out.write(RENDERERS[args.format](diff, results))
    for which, sides in (("BASE", base), ("HEAD", head)):
        unreadable = [side for side in sides if side.io_error is not None]
        if unreadable:
            names = ", ".join(printable(side.path) for side in unreadable)
            raise UsageError(f"{which}: cannot read {names}; the diff above counts it as empty")
    return ExitCode.ERRORS if any(r.tripped for r in results) else ExitCode.OK


def _side(spec: str, which: str, args: argparse.Namespace, scratch: Path) -> list[FileSide]:
    """The files of one side: a report read, a dataset checked, or a git blob checked."""
    path = Path(spec)
    # A regular file only: opening a named pipe to sniff it would wait for a writer.
    if path.is_file() and is_report(path):
        return read_report(path, f"{which} {printable(spec)}")
    if path.exists() or _GLOB & set(spec):
        return _check([spec], args)
    git = split_spec(spec)
    if git is None:
        raise UsageError(
            f"{which} {printable(spec)}: no such file, directory or glob, and not REV:path "
            "(e.g. main:data/train.jsonl); give a JSON report, a dataset or REV:path"
        )
    rev, inner = git
    scratch.mkdir()
    blob = show_to_file(rev, inner, scratch)
    if is_report(blob):
        return read_report(blob, f"{which} {printable(spec)}")
    return _check([str(blob)], args, shown={str(blob): inner})


def is_report(path: Path) -> bool:
    """A JSON report rather than a dataset: named ``.json``, or its first line is ``{``
    alone (how ``--format json`` starts; no JSONL example is that line)."""
    if path.suffix.lower() == ".json":
        return True
    try:
        with path.open("rb") as handle:
            return handle.readline(64).strip() == b"{"
    except OSError:
        return False  # the check says why it cannot be read


def _check(
    specs: list[str], args: argparse.Namespace, shown: dict[str, str] | None = None
) -> list[FileSide]:
    """Check a dataset side as ``check`` would: each file with the options of the config
    nearest to where it lives (for a git blob: where its path is in the working tree)."""
    names = shown or {}
    finder = ConfigFinder(args.config)
    paths = expand_paths(specs, finder) if not names else specs
    settings = _cli_settings(_CheckDefaults(**vars(args)))

    def options(path: str) -> CheckOptions:
        where = names.get(path, path)
        return apply_settings(
            finder.for_path(where).options_for(where, CheckOptions()), settings, "cli"
        )

    checkers = CheckerCache(options)
    result = check_dataset(
        paths,
        checker_for=checkers.for_path,
        jobs=parallel_jobs(args.jobs),
        show=lambda path: names.get(str(path), str(path)),
    )
    return sides_of_report(result.report)


class _CheckDefaults(argparse.Namespace):
    """The diff's arguments, where every check option it does not take reads as unset
    (``_cli_settings`` reads check's; diff takes those that shape a side)."""

    def __getattr__(self, name: str) -> None:  # only called for a missing attribute
        return None
