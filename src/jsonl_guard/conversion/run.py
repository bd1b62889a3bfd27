"""Convert a JSONL file (or stream) from one profile to another, validate the result
with the target profile and model through the same engine as ``check``, and only then
write it: atomically (a temporary file beside the output, then ``os.replace``), never
over the input, never over an existing file without ``force``.

Memory stays flat: converted lines go to the temporary file as they are made; what is
kept per line is its source line number (the output-to-source map) and the source's
token count (for its cost, as ``check`` keeps it); per remapped image, its name and
lines (``--media-prefix``: the report lists the files to upload).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from ..engine.checker import Checker, same_file
from ..engine.diagnostics import Severity
from ..engine.lines import DEFAULT_MAX_LINE_BYTES, InputError, LongLine, open_input, open_stdin
from ..engine.options import CheckOptions
from ..engine.profiles import choose_profile, resolve_profile
from .catalogue import bucket_profiles, find_converter
from .changes import Change, Changes
from .media import MediaMap, Upload, check_prefix
from .media_dir import MediaDir
from .neutral import ConvertError, NotConvertible
from .tally import SourceTally


class Sink(Protocol):
    """Where ``--output -`` writes: a binary stream, or the CLI's adapter over stdout."""

    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> object: ...


@dataclass(frozen=True)
class Problem:
    """A source line that did not convert, or whose conversion the target rejects."""

    line: int
    reason: str
    hint: str = ""
    code: str = ""  # the target rule that rejected it; "" when it did not convert


@dataclass
class ConvertResult:
    source: str
    target: str
    model: str
    examples: int = 0
    written: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    target_notes: list[str] = field(default_factory=list)  # file-level findings
    line_map: list[int] = field(default_factory=list)  # output line i -> its source line
    # The target's count and price of the converted lines (before any are skipped).
    tokens: int | None = None
    tokens_exact: bool = False
    epochs: int | None = None
    estimated_usd: float | None = None
    output: str = ""
    # The source's count and price of every example read, for its model (an assumption:
    # the source profile's default model unless ``from_model`` names it).
    source_model: str = ""
    source_model_assumed: bool = True  # the profile's default, not named by from_model
    source_tokens: int | None = None
    source_tokens_exact: bool = False
    source_epochs: int | None = None
    source_estimated_usd: float | None = None
    # --media-prefix: the files the written output refers to, to upload there;
    # ``media_files``: name -> where --media-dir wrote a data URL's bytes.
    media_prefix: str = ""
    uploads: list[Upload] = field(default_factory=list)
    media_files: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _first_example(lines: list[bytes]) -> object:
    for raw in lines:
        try:
            return json.loads(raw)
        except ValueError:
            continue
    return None


def convert_example(
    example: dict[str, Any], *, read_from: str, to: str, media: MediaMap | None = None
) -> tuple[dict[str, Any], list[Change]]:
    """One example of profile ``read_from`` as an example of ``to``, and what changed;
    ``NotConvertible`` (with a reason and a hint) when it cannot be carried. ``media``
    renames the images ``to`` cannot take (``media_map``)."""
    changes = Changes()
    neutral = find_converter(read_from).read(example, changes)
    if media is not None:
        neutral = media.remap(neutral, changes, 1)
    return find_converter(to).write(neutral, changes), changes.items


def media_map(to: str, prefix: str, media_dir: MediaDir | None = None) -> MediaMap:
    """The ``--media-prefix`` renaming for target ``to``; a prefix that does not fit
    the target (another scheme, no bucket, no trailing ``/``, a target without bucket
    URIs) is a ``ConvertError`` saying what to pass."""
    target = find_converter(to)
    problem = check_prefix(prefix, target.bucket, to, bucket_profiles())
    if problem:
        raise ConvertError(problem)
    return MediaMap(prefix, target.takes, media_dir.store if media_dir is not None else None)


def _convert(
    lines: Iterable[bytes],
    result: ConvertResult,
    sink: BinaryIO,
    *,
    read_from: str,
    to: str,
    tally: SourceTally,
    media: MediaMap | None,
) -> None:
    reader, writer = find_converter(read_from), find_converter(to)
    for number, raw in enumerate(lines, 1):
        if not raw.strip() and not isinstance(raw, LongLine):
            continue
        result.examples += 1
        try:
            if isinstance(raw, LongLine):
                raise NotConvertible("the line is longer than the line limit", "split the example")
            try:
                example = json.loads(raw)
            except ValueError:
                raise NotConvertible(
                    "the line is not JSON", "run `jsonl-guard check` on the input"
                ) from None
            if not isinstance(example, dict):
                raise NotConvertible("the line is not a JSON object")
            tally.add(example)
            changes = Changes()
            neutral = reader.read(example, changes)
            if media is not None:
                neutral = media.remap(neutral, changes, number)
            converted = writer.write(neutral, changes)
        except NotConvertible as error:
            result.problems.append(Problem(number, error.reason, error.hint))
            continue
        result.changes.extend(Change(c.kind, c.detail, number) for c in changes.items)
        sink.write(json.dumps(converted, ensure_ascii=False).encode("utf-8") + b"\n")
        result.line_map.append(number)


# The output is checked for what the target platform refuses, not for what the data
# teaches: these rules read the content (secrets, personal data, near-duplicates,
# conflicting or repeated answers, tool arguments), which converting does not change;
# `check` reports them on the source and on the output alike (docs/convert.md).
CONTENT_RULES = ("JG228", "JG229", "JG280", "JG281", "JG311", "JG312", "JG313", "JG314", "JG315")


def _validate(result: ConvertResult, path: str, options: CheckOptions) -> set[int]:
    """Check the converted file with the target; the output lines it rejects."""
    report = Checker(options).check_path(path, shown="<converted>")
    if report.io_error:
        raise ConvertError(f"cannot read back the converted data: {report.io_error}")
    if report.tokens is not None:
        result.tokens, result.tokens_exact = report.tokens.total, report.tokens.exact
    if report.cost is not None:
        result.epochs, result.estimated_usd = report.cost.epochs, report.cost.estimated_usd
    rejected: set[int] = set()
    for found in report.diagnostics:
        if found.severity is not Severity.ERROR:
            continue
        if found.line is None:
            result.target_notes.append(f"{found.code} {found.message}")
            continue
        rejected.add(found.line)
        source = result.line_map[found.line - 1]
        result.problems.append(
            Problem(source, f"{result.target} rejects it: {found.message}", found.hint, found.code)
        )
    result.problems.sort(key=lambda p: p.line)
    return rejected


def _kept(path: str, rejected: set[int]) -> Iterator[bytes]:
    with Path(path).open("rb") as stream:
        for number, raw in enumerate(stream, 1):
            if number not in rejected:
                yield raw


def convert(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    to: str,
    read_from: str | None = None,
    model: str | None = None,
    skip_invalid: bool = False,
    force: bool = False,
    from_model: str | None = None,
    media_prefix: str | None = None,
    media_dir: str | os.PathLike[str] | None = None,
) -> ConvertResult:
    """The library's ``jsonl_guard.convert``: ``convert_file`` taking paths."""
    return convert_file(
        os.fspath(source),
        os.fspath(output),
        to=to,
        read_from=read_from,
        model=model,
        skip_invalid=skip_invalid,
        force=force,
        from_model=from_model,
        media_prefix=media_prefix,
        media_dir=None if media_dir is None else os.fspath(media_dir),
    )


def convert_file(
    source: str,
    output: str,
    *,
    to: str,
    read_from: str | None = None,
    model: str | None = None,
    skip_invalid: bool = False,
    force: bool = False,
    from_model: str | None = None,
    media_prefix: str | None = None,
    media_dir: str | None = None,
    stdin: BinaryIO | None = None,
    stdout: Sink | None = None,
) -> ConvertResult:
    """Convert ``source`` (``-``: stdin) into ``output`` (``-``: stdout) for profile ``to``.

    Returns the result; nothing is written unless every example converted and the
    target accepts it, or ``skip_invalid`` drops the ones that did not. ``from_model``:
    the source's model, for its token count and cost (default: the source profile's
    default model). ``media_prefix``: where images the target cannot take are to be
    uploaded (``media_map``); ``media_dir``: a folder to write data-URL images to.
    """
    target = resolve_profile(to)
    if media_prefix is not None:
        media_map(target.name, media_prefix)  # a prefix that does not fit: before reading
    elif media_dir is not None:
        raise ConvertError("--media-dir needs --media-prefix (the bucket the files go to)")
    if output != "-":
        _check_output(source, output, force=force)
    folder = str(Path(output).resolve().parent) if output != "-" else None
    try:
        data = open_stdin(stdin or _stdin()) if source == "-" else open_input(source, source)
    except InputError as error:
        raise ConvertError(f"{source}: {error}") from None
    with data:
        lines = data.lines(DEFAULT_MAX_LINE_BYTES)
        head = _head(lines)
        read_from = read_from or choose_profile(_first_example(head), model=None).profile.name
        options = CheckOptions(
            profile=target.name,
            model=model or target.default_model,
            model_source="option" if model else "default",
            max_findings_per_rule=0,
            ignore=CONTENT_RULES,
        )
        tally = SourceTally(resolve_profile(read_from), from_model, data.size)
        result = ConvertResult(read_from, target.name, options.model, output=output)
        result.source_model, result.source_model_assumed = tally.model.name, not from_model
        result.media_prefix = media_prefix or ""
        try:
            fd, temp = tempfile.mkstemp(suffix=".jsonl.tmp", dir=folder)
        except OSError as error:
            raise ConvertError(f"{output}: cannot write beside it: {error.strerror}") from None
        files: MediaDir | None = None
        try:
            files = MediaDir(media_dir) if media_dir is not None else None
            media = media_map(target.name, media_prefix, files) if media_prefix else None
            with os.fdopen(fd, "wb") as sink:
                _convert(
                    _chain(head, lines),
                    result,
                    sink,
                    read_from=read_from,
                    to=target.name,
                    tally=tally,
                    media=media,
                )
            _tally(result, tally)
            rejected = _validate(result, temp, options)
            if result.problems and not skip_invalid:
                return result
            _settle(result, rejected)
            if media is not None:
                _publish_media(result, media, files)
            _publish(result, temp, rejected, output, stdout)
        finally:
            Path(temp).unlink(missing_ok=True)
            if files is not None:
                files.close()
    return result


def _tally(result: ConvertResult, tally: SourceTally) -> None:
    tally.verify()
    cost = tally.cost()
    if cost is not None:
        result.source_tokens, result.source_tokens_exact = sum(tally.totals), tally.exact
        result.source_epochs, result.source_estimated_usd = cost.epochs, cost.estimated_usd


def _publish_media(result: ConvertResult, media: MediaMap, files: MediaDir | None) -> None:
    """The uploads the written lines refer to; --media-dir's files put in place."""
    written = set(result.line_map)
    result.uploads = [u for u in media.uploads.values() if written.intersection(u.lines)]
    if files is not None:
        names = [u.name for u in result.uploads if not u.url]
        files.publish(names)
        result.media_files = {name: files.written[name] for name in names}


def _check_output(source: str, output: str, *, force: bool) -> None:
    """Refuse, before anything is read, an output that would lose data or cannot be
    written: the input itself, an existing file without ``force``, a folder, a path
    whose folder does not exist."""
    if source != "-" and same_file(source, output):
        raise ConvertError(f"{output}: the output would overwrite the input; name another file")
    path = Path(output)
    if path.is_dir():
        raise ConvertError(f"{output} is a folder; name the file to write, e.g. {output}/out.jsonl")
    if path.exists() and not force:
        raise ConvertError(f"{output} exists; pass --force to replace it")
    if not path.resolve().parent.is_dir():
        raise ConvertError(f"{output}: the folder {path.parent} does not exist; create it first")


def _head(lines: Iterator[bytes]) -> list[bytes]:
    """The lines up to the first that is not blank: detection reads that one, as
    ``check`` reads a file's first example (blank lines are small, so this is bounded)."""
    head: list[bytes] = []
    for raw in lines:
        head.append(raw)
        if raw.strip() or isinstance(raw, LongLine):
            break
    return head


def _stdin() -> BinaryIO | None:
    # None when the process started with stdin closed: open_stdin says so.
    return sys.stdin.buffer if sys.stdin is not None else None


def _chain(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from head
    yield from rest


def _settle(result: ConvertResult, rejected: set[int]) -> None:
    """The written lines' sources, and how many source lines were skipped."""
    sources = [line for number, line in enumerate(result.line_map, 1) if number not in rejected]
    result.skipped = len({p.line for p in result.problems})
    result.line_map = sources
    result.written = len(sources)


def _publish(
    result: ConvertResult, temp: str, rejected: set[int], output: str, stdout: Sink | None
) -> None:
    if output == "-":
        sink = stdout if stdout is not None else sys.stdout.buffer
        for raw in _kept(temp, rejected):
            sink.write(raw)
        sink.flush()
        return
    if rejected:
        with tempfile.NamedTemporaryFile("wb", dir=Path(temp).parent, delete=False) as kept:
            for raw in _kept(temp, rejected):
                kept.write(raw)
        Path(kept.name).replace(temp)
    Path(temp).replace(output)
