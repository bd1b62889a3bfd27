"""``report.examples()``: one row per example, by reading the checked file again.

A report keeps counts, not examples (memory stays bounded whatever the file), so the
rows come from a second, lazy pass over the file with the report's own settings: its
options, profile and model. Each line is checked again by a ``LineChecker`` (the same
code as the check), so tokens and findings are the check's; the findings of
dataset-level rules (a duplicate, JG303) come from the report. A file that changed
since the check gives its new content; standard input and merged shards cannot be
read again (``ExamplesUnavailable``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import JsonlGuardError
from ..rules.registry import RULES, Scope
from ..tokens.backends import resolve_tokenizer
from .line import LineChecker, line_checker_for
from .lines import LongLine, open_input
from .models import resolve_model
from .options import CheckOptions
from .profiles import resolve_profile

if TYPE_CHECKING:
    from .report import FileReport

# Shown paths of inputs that cannot be opened again (checker.py, file_run.py, shards).
_NOT_FILES = ("<stdin>", "<stream>", "<memory>", "<merged>")
COLUMNS = ("path", "line", "tokens", "trained_tokens", "findings")


class ExamplesUnavailable(JsonlGuardError):
    """The report's file cannot be read again to list its examples."""


@dataclass(frozen=True)
class ExampleRow:
    """One example: its line, tokens (``None``: not counted, e.g. invalid JSON), tokens
    that train (assistant tokens, or the training preview's), and the codes of its
    findings in the order the check found them."""

    path: str
    line: int
    tokens: int | None
    trained_tokens: int | None
    findings: tuple[str, ...]


def file_rows(report: FileReport) -> Iterator[ExampleRow]:
    """The rows of one file's examples, in line order (nothing for an unreadable file)."""
    if report.io_error is not None:
        return
    if report.path in _NOT_FILES or report.options is None:
        raise ExamplesUnavailable(
            f"{report.path}: its examples cannot be listed: the report holds counts, and "
            "this input cannot be read again; check a file with check_path to list them"
        )
    checker = _line_checker(report, report.options)
    later: dict[int, list[str]] = {}  # dataset-level findings, by line
    for diagnostic in report.diagnostics:
        rule = RULES.get(diagnostic.code)
        if diagnostic.line is not None and rule is not None and rule.scope is Scope.DATASET:
            later.setdefault(diagnostic.line, []).append(diagnostic.code)
    limit = report.options.max_line_bytes
    with open_input(report.path, report.path) as source:
        for number, raw in enumerate(source.lines(limit), 1):
            yield from _row(report.path, checker, limit, number, raw, later)


def _row(
    path: str,
    checker: LineChecker,
    limit: int,
    number: int,
    raw: bytes,
    later: dict[int, list[str]],
) -> Iterator[ExampleRow]:
    line = raw[:-1] if raw.endswith(b"\n") else raw
    if isinstance(raw, LongLine) or len(line) > limit:
        yield ExampleRow(path, number, None, None, ("JG106", *later.get(number, ())))
        return
    outcome = checker.check(line, number)
    if not outcome.is_example:
        return
    codes = [
        d.code for d in map(checker.selection.diagnose, outcome.findings.kept) if d is not None
    ]
    tokens = outcome.tokens
    trained = None
    if tokens is not None:
        preview = tokens.training
        usable = preview is not None and not (preview.template_error or preview.no_template)
        trained = preview.trained if usable and preview is not None else tokens.assistant
    yield ExampleRow(
        path,
        number,
        None if tokens is None else tokens.total,
        trained,
        (*dict.fromkeys(codes), *later.get(number, ())),
    )


def _line_checker(report: FileReport, options: CheckOptions) -> LineChecker:
    """A line checker as the check's ``FileRun`` had: the report's profile and model."""
    model = resolve_model(report.cost.model if report.cost else options.model, options.models)
    if options.max_seq_len is not None:
        model = replace(model, token_limit=options.max_seq_len)
    tokenizer = resolve_tokenizer(options.tokenizer)
    # quicktok counts as tiktoken does (the check verifies it), and pays off only on
    # big files: tiktoken here.
    tokenizer = "tiktoken" if tokenizer == "quicktok" else tokenizer
    return line_checker_for(options, resolve_profile(report.format), model, tokenizer)


def to_pandas(rows: Iterator[ExampleRow]) -> Any:
    """The rows as a pandas ``DataFrame`` (``COLUMNS``); pandas is optional."""
    try:
        import pandas
    except ImportError as error:
        raise ExamplesUnavailable(
            "to_pandas() needs pandas: pip install pandas (or use report.examples(), "
            "which needs nothing)"
        ) from error
    return pandas.DataFrame([[getattr(r, c) for c in COLUMNS] for r in rows], columns=COLUMNS)
