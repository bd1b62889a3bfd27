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
        "--from-model",
        metavar="MODEL",
        help="the model the source data is for, to count and price it "
        "(default: the source profile's default model)",
    )
    convert.add_argument(
        "--media-prefix",
        metavar="URI",
        help="map images the target cannot take (data URLs; https URLs for Bedrock) to "
        "files under this bucket folder (gs://bucket/path/ for Vertex, s3://bucket/path/ "
        "for Bedrock); the report lists the files to upload",
    )
    convert.add_argument(
        "--media-dir",
        metavar="DIR",
        help="with --media-prefix: write each data-URL image's bytes to DIR, to copy to the bucket",
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
        "source_model": result.source_model,
        "source_model_assumed": result.source_model_assumed,
        "source_tokens": result.source_tokens,
        "source_tokens_exact": result.source_tokens_exact,
        "source_epochs": result.source_epochs,
        "source_estimated_usd": result.source_estimated_usd,
        "media_prefix": result.media_prefix or None,
        "uploads": [
            {
                "uri": upload.uri,
                "source": upload.source,
                "url": upload.url or None,
                "lines": upload.lines,
                "file": result.media_files.get(upload.name),
            }
            for upload in result.uploads
        ],
        "line_map": result.line_map,
    }


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def _tokens(tokens: int, exact: bool, usd: float | None, epochs: int | None) -> str:
    cost = f", about ${usd:,.2f} for {epochs} epoch(s)" if usd is not None else ""
    return f"({'exact' if exact else 'estimated'}): {tokens:,}{cost}"


def _print_uploads(result: ConvertResult, out: TextIO) -> None:
    """Every file the written data refers to under --media-prefix, and where it comes
    from: a data URL (written to --media-dir, if given) or a URL to download."""
    if not result.uploads:
        return
    print(
        f"  files to upload to {printable(result.media_prefix)} ({len(result.uploads)}):", file=out
    )
    for upload in result.uploads:
        written = result.media_files.get(upload.name)
        if written:
            origin = f"{upload.source} (written to {printable(written)})"
        elif upload.url.startswith(("https://", "http://")):
            origin = f"{printable(upload.url)} (download it: convert fetches nothing)"
        elif upload.url:
            origin = f"{printable(upload.url)} (copy it from there)"
        else:
            origin = upload.source
        print(f"    {printable(upload.uri)} <- {origin}", file=out)


def print_result(result: ConvertResult, out: TextIO) -> None:
    data = result_dict(result)
    print(f"convert {result.source} -> {result.target} (validated for {result.model})", file=out)
    print(
        f"  examples in: {result.examples}, written: {result.written}, skipped: {result.skipped}",
        file=out,
    )
    if result.source_tokens is not None:
        source = _tokens(
            result.source_tokens,
            result.source_tokens_exact,
            result.source_estimated_usd,
            result.source_epochs,
        )
        model = (
            f"assuming {result.source_model} (--from-model names the source's)"
            if result.source_model_assumed
            else f"for {result.source_model}"
        )
        print(f"  source tokens {source}, {model}", file=out)
    if result.tokens is not None:
        target = _tokens(result.tokens, result.tokens_exact, result.estimated_usd, result.epochs)
        print(f"  target tokens {target}", file=out)
    for kind, found in data["changes"].items():
        print(f"  {kind}: {found['count']} line(s): {_lines(found['lines'])}", file=out)
    _print_uploads(result, out)
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
        from_model=args.from_model,
        media_prefix=args.media_prefix,
        media_dir=args.media_dir,
        stdout=_TextSink(sys.stdout),
    )
    report = sys.stderr if args.output == "-" else out
    if args.format == "json":
        print(json.dumps(result_dict(result), indent=2), file=report)
    else:
        print_result(result, report)
    return ExitCode.OK if result.ok or args.skip_invalid else ExitCode.ERRORS
