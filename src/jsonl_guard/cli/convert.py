"""``jsonl-guard convert``: the command line over ``convert.run.convert_file``.

Exit 0: written; 1: some examples did not convert or the target rejects them (nothing
written, unless --skip-invalid); 2: usage or I/O (an existing output, the input as the
output, an unreadable input). With ``--output -`` the data goes to stdout and the
report to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from typing import Any, TextIO

from ..conversion.run import ConvertResult, convert_file
from ..errors import ExitCode
from ..untrusted import printable


class _TextSink:
    """The converted lines (UTF-8 JSON) through the command's text stdout, so a full
    disk or a closed pipe ends as the other commands' output errors do."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, data: bytes, /) -> object:
        return self._stream.write(data.decode("utf-8"))

    def flush(self) -> object:
        return self._stream.flush()


def add_convert_parser(commands: Any) -> None:
    convert = commands.add_parser(
        "convert", help="convert a JSONL file to another profile, validated before it is written"
    )
    convert.add_argument("input", help="the JSONL file to convert (- for stdin)")
    convert.add_argument("--to", required=True, metavar="PROFILE", help="the target profile")
    convert.add_argument("--output", "-o", required=True, help="the file to write (- for stdout)")
    convert.add_argument(
        "--from", dest="read_from", metavar="PROFILE", help="the source profile (default: detect)"
    )
    convert.add_argument(
        "--model", help="validate for this model (default: the target profile's default model)"
    )
    convert.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the examples that convert, leaving out (and listing) the others",
    )
    convert.add_argument("--force", action="store_true", help="replace an existing output file")
    convert.add_argument("--format", choices=["text", "json"], default="text")


def result_dict(result: ConvertResult) -> dict[str, Any]:
    """The JSON report (a documented contract: docs/convert.md)."""
    changes: dict[str, list[int]] = defaultdict(list)
    for change in result.changes:
        if not changes[change.kind] or changes[change.kind][-1] != change.line:
            changes[change.kind].append(change.line)
    return {
        "source_profile": result.source,
        "target_profile": result.target,
        "model": result.model,
        "output": result.output,
        "examples": result.examples,
        "written": result.written,
        "skipped": result.skipped,
        "changes": {kind: {"count": len(lines), "lines": lines} for kind, lines in changes.items()},
        "problems": [
            {"line": p.line, "code": p.code, "reason": p.reason, "hint": p.hint}
            for p in result.problems
        ],
        "target_notes": result.target_notes,
        "tokens": result.tokens,
        "tokens_exact": result.tokens_exact,
        "epochs": result.epochs,
        "estimated_usd": result.estimated_usd,
        "line_map": result.line_map,
    }


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def print_result(result: ConvertResult, out: TextIO) -> None:
    data = result_dict(result)
    print(f"convert {result.source} -> {result.target} (validated for {result.model})", file=out)
    print(
        f"  examples in: {result.examples}, written: {result.written}, skipped: {result.skipped}",
        file=out,
    )
    if result.tokens is not None:
        kind = "exact" if result.tokens_exact else "estimated"
        cost = (
            f", about ${result.estimated_usd:,.2f} for {result.epochs} epoch(s)"
            if result.estimated_usd is not None
            else ""
        )
        print(f"  target tokens ({kind}): {result.tokens:,}{cost}", file=out)
    for kind, found in data["changes"].items():
        print(f"  {kind}: {found['count']} line(s): {_lines(found['lines'])}", file=out)
    for note in result.target_notes:
        print(f"  target, whole file: {printable(note)}", file=out)
    for problem in result.problems:
        code = f" {problem.code}" if problem.code else ""
        print(f"  line {problem.line}:{code} {printable(problem.reason)}", file=out)
        if problem.hint:
            print(f"    hint: {printable(problem.hint)}", file=out)
    if result.problems and not result.written:
        print(
            "  nothing written: fix these lines, or pass --skip-invalid to leave them out",
            file=out,
        )


def run_convert(args: argparse.Namespace, out: TextIO) -> int:
    result = convert_file(
        args.input,
        args.output,
        to=args.to,
        read_from=args.read_from,
        model=args.model,
        skip_invalid=args.skip_invalid,
        force=args.force,
        stdout=_TextSink(sys.stdout),
    )
    report = sys.stderr if args.output == "-" else out
    if args.format == "json":
        print(json.dumps(result_dict(result), indent=2), file=report)
    else:
        print_result(result, report)
    return ExitCode.OK if result.ok or args.skip_invalid else ExitCode.ERRORS
