"""The typed report a check returns, and its stable JSON form (see docs/json-report.md)."""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..tokens.training import pack_best_fit
from .columns import Column
from .cost import CostEstimate, RunBudget
from .details import FileDetails
from .diagnostics import Diagnostic, Severity
from .histogram import Histogram
from .stats import DatasetStats, percentiles

if TYPE_CHECKING:
    from .options import CheckOptions
    from .rows import ExampleRow

REPORT_VERSION = 1


@dataclass(frozen=True)
class Distribution:
    min: int
    mean: float
    p50: float
    p90: float
    max: int

    @classmethod
    def of(cls, values: Any) -> Distribution:
        if not values:
            return cls(0, 0.0, 0.0, 0.0, 0)
        p50, p90 = percentiles(values, (0.5, 0.9))
        return cls(
            min(values),
            round(sum(values) / len(values), 1),
            round(p50, 1),
            round(p90, 1),
            max(values),
        )


@dataclass(frozen=True)
class TrainingSummary:
    """What trains, from the training preview (``--tokenizer`` with a chat template):
    tokens with loss per example after truncation, examples cut and the trained tokens
    they lose; with ``--packing``, the sequences of ``max_seq_len`` tokens the kept
    examples fill (best-fit decreasing, TRL's default) and their unused positions."""

    examples: int
    trained_total: int
    trained_per_example: Distribution
    cut_examples: int
    cut_share: float
    lost_tokens: int
    packed_sequences: int | None = None
    packing_padding: int | None = None

    @classmethod
    def of(cls, stats: DatasetStats, *, limit: int | None, packing: bool) -> TrainingSummary | None:
        if not stats.trained:
            return None
        packed: tuple[int | None, int | None] = (None, None)
        if packing and limit is not None:
            packed = pack_best_fit(list(stats.kept), limit)
        return cls(
            len(stats.trained),
            sum(stats.trained),
            Distribution.of(stats.trained),
            stats.cut_examples,
            round(stats.cut_examples / len(stats.trained), 4),
            stats.lost_tokens,
            *packed,
        )


@dataclass(frozen=True)
class TokenSummary:
    encoding: str
    exact: bool
    total: int
    counted_examples: int
    per_example: Distribution
    assistant_total: int
    assistant_per_example: Distribution
    messages: int
    tool_definitions: int
    tool_calls: int
    images: int
    limit: int | None  # None: the provider publishes no per-example limit
    over_limit_examples: int
    tokenizer: str = ""
    method: str = ""
    # quicktok disagreed with tiktoken, so tiktoken counted: the JSON form says so in
    # ``tokenizer`` (its contract predates this field), reporters read the flag.
    quicktok_dropped: bool = False
    training: TrainingSummary | None = None
    # Examples per token-count bin, for charts (the step summary); not in the JSON form.
    histogram: Histogram | None = field(default=None, compare=False)

    @property
    def max_example(self) -> int:
        return self.per_example.max

    @classmethod
    def from_stats(
        cls,
        stats: DatasetStats,
        *,
        encoding: str,
        limit: int | None,
        tokenizer: str = "",
        exact: bool = True,
        method: str = "",
        quicktok_dropped: bool = False,
        packing: bool = False,
    ) -> TokenSummary:
        """``exact``: the profile's method counts with a tokenizer (not an estimate)."""
        return cls(
            encoding=encoding,
            exact=exact and stats.approximate_examples == 0,
            total=stats.total_tokens,
            counted_examples=len(stats.totals),
            per_example=Distribution.of(stats.totals),
            assistant_total=sum(stats.assistant),
            assistant_per_example=Distribution.of(stats.assistant),
            messages=stats.messages_tokens,
            tool_definitions=stats.tool_definition_tokens,
            tool_calls=stats.tool_call_tokens,
            images=stats.image_tokens,
            limit=limit,
            over_limit_examples=0
            if limit is None
            else sum(1 for total in stats.totals if total > limit),
            tokenizer=tokenizer,
            method=method,
            quicktok_dropped=quicktok_dropped,
            training=TrainingSummary.of(stats, limit=limit, packing=packing),
            histogram=Histogram.of(stats.totals),
        )


@dataclass(frozen=True)
class NotShown:
    """The findings of one rule in one file past the first ``listed``: counted, not listed.

    A file keeps ``max-findings-per-rule`` findings of each rule (default 100), so a
    report stays small whatever the input; the counts stay true.
    """

    code: str
    name: str
    severity: Severity
    count: int
    listed: int

    @property
    def message(self) -> str:
        return (
            f"… {self.count:,} more {self.code} findings not shown (the first {self.listed:,} "
            "are listed; --max-findings-per-rule 0 lists them all)"
        )


@dataclass(frozen=True)
class FileReport:
    path: str
    format: str
    examples: int
    diagnostics: tuple[Diagnostic, ...] = ()
    tokens: TokenSummary | None = None
    cost: CostEstimate | None = None
    io_error: str | None = None
    role: str = "training"
    profile_source: str = ""
    # Rules with more findings than the file lists: their counts (in ``errors``,
    # ``warnings`` and ``count`` too).
    not_shown: tuple[NotShown, ...] = ()
    # Histograms, longest examples, duplicate groups, excerpts (engine/details.py).
    details: FileDetails | None = None
    # The options it was checked with: ``examples()`` reads the file again with them.
    options: CheckOptions | None = field(default=None, compare=False, repr=False)
    # Each example's 64-bit content digest (engine/stats.py), in file order: what
    # ``jsonl-guard diff`` compares (as a multiset); ``example_hashes`` in the JSON form.
    example_digests: Column | array[int] = field(
        default_factory=lambda: array("Q"), repr=False, compare=False
    )

    def count(self, severity: Severity) -> int:
        listed = sum(1 for d in self.diagnostics if d.severity is severity)
        return listed + sum(n.count for n in self.not_shown if n.severity is severity)

    @property
    def errors(self) -> int:
        """Error findings, plus one when the file could not be read: ``if report.errors``
        must not pass a missing file."""
        return self.count(Severity.ERROR) + (self.io_error is not None)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def example_rows(self) -> Iterator[ExampleRow]:
        """One row per example (line, tokens, trained tokens, finding codes), read lazily
        from the file again: see ``engine/rows.py``. (``examples`` is their number.)"""
        from .rows import file_rows

        return file_rows(self)

    def to_pandas(self) -> Any:
        """``examples()`` as a pandas ``DataFrame`` (needs pandas)."""
        from .rows import to_pandas

        return to_pandas(self.example_rows())

    def __repr__(self) -> str:
        return f"<FileReport {summary_line(self)}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        return _notebook_html(Report((self,)))


@dataclass(frozen=True)
class Report:
    files: tuple[FileReport, ...] = field(default_factory=tuple)
    budget: RunBudget | None = None  # check --max-cost: the run's budget (engine/budget.py)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)

    @property
    def io_errors(self) -> int:
        return sum(1 for f in self.files if f.io_error is not None)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def examples(self) -> Iterator[ExampleRow]:
        """Every file's ``example_rows()``, file after file."""
        for file in self.files:
            yield from file.example_rows()

    def to_pandas(self) -> Any:
        """``examples()`` as a pandas ``DataFrame`` (needs pandas)."""
        from .rows import to_pandas

        return to_pandas(self.examples())

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else "errors found"
        head = f"<Report: {len(self.files)} file(s), {verdict}, {self.errors:,} error(s), "
        return head + f"{self.warnings:,} warning(s)>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("\n".join([repr(self), *(f"  {summary_line(f)}" for f in self.files)]))

    def _repr_html_(self) -> str:
        return _notebook_html(self)


def summary_line(file: FileReport) -> str:
    """One file's numbers on one line (``repr`` and the IPython pretty view)."""
    if file.io_error is not None:
        return f"{file.path}: cannot be read: {file.io_error}"
    parts = [
        f"{file.path}: {file.format or 'unknown format'}",
        f"{file.examples:,} examples",
        f"{file.errors:,} error(s)",
        f"{file.warnings:,} warning(s)",
    ]
    if file.tokens is not None:
        parts.append(f"{file.tokens.total:,} tokens")
    if file.cost is not None and file.cost.estimated_usd is not None:
        parts.append(f"≈ ${file.cost.estimated_usd:,.2f} for {file.cost.epochs} epoch(s)")
    return ", ".join(parts)


def _notebook_html(report: Report) -> str:
    # The HTML reporter draws the notebook view too (compact: no page around it). A
    # deferred import: the report is core, reporters a front end that imports it.
    from ..reporters._html_page import notebook_html

    return notebook_html(report)


def diagnostic_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
    }


def not_shown_dict(not_shown: NotShown) -> dict[str, Any]:
    return {
        "code": not_shown.code,
        "name": not_shown.name,
        "severity": not_shown.severity.value,
        "count": not_shown.count,
        "listed": not_shown.listed,
    }


def tokens_dict(tokens: TokenSummary) -> dict[str, Any]:
    data = asdict(tokens)
    del data["quicktok_dropped"]  # ``tokenizer`` says it (docs/json-report.md)
    del data["histogram"]  # a rendering aid, not part of the contract
    if data["training"] is None:  # only with a training preview (docs/json-report.md)
        del data["training"]
    data["max_example"] = tokens.max_example
    return data


def example_hashes(digests: Column | array[int]) -> str:
    """The digests as one string of 16-hex-digit hashes, in file order (the order shards
    merge in, so ``--jobs`` does not change it). Not sorted: ``diff`` compares them as a
    multiset anyway, and sorting 64-bit ints costs seconds for a million examples."""
    if digests.itemsize != 8:  # pragma: no cover - "Q" is 8 bytes on every platform we run
        raise AssertionError("array('Q') is not 64-bit here")
    # A chunk at a time: the digests may be in a spill file (engine/columns.py).
    chunks = digests.chunks() if isinstance(digests, Column) else (digests,)
    hexes = []
    for chunk in chunks:
        if sys.byteorder == "big":
            hexes.append(chunk.tobytes().hex())
            continue
        swapped = array("Q", chunk)  # a copy: the report's array stays as it is
        swapped.byteswap()  # big-endian bytes: each hash reads as its number in hex
        hexes.append(swapped.tobytes().hex())
    return "".join(hexes)


def file_dict(report: FileReport) -> dict[str, Any]:
    return {
        "path": report.path,
        "format": report.format,
        "profile_source": report.profile_source,
        "role": report.role,
        "examples": report.examples,
        "example_hashes": example_hashes(report.example_digests),
        "errors": report.errors,
        "warnings": report.warnings,
        "io_error": report.io_error,
        "diagnostics": [diagnostic_dict(d) for d in report.diagnostics],
        "not_shown": [not_shown_dict(n) for n in report.not_shown],
        "tokens": None if report.tokens is None else tokens_dict(report.tokens),
        "cost": None if report.cost is None else asdict(report.cost),
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "files": [file_dict(f) for f in report.files],
        "summary": {
            "files": len(report.files),
            "errors": report.errors,
            "warnings": report.warnings,
            "io_errors": report.io_errors,
            "examples": sum(f.examples for f in report.files),
            "estimated_usd": _total_cost(report),
            "max_cost_usd": None if report.budget is None else report.budget.max_cost_usd,
        },
    }


def _total_cost(report: Report) -> float | None:
    costs = [f.cost.estimated_usd for f in report.files if f.cost is not None]
    if not costs or any(c is None for c in costs):
        return None
    return round(sum(c for c in costs if c is not None), 4)
