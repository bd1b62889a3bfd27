"""``--format text``: one line per finding with its hint, then a summary per file."""

from __future__ import annotations

from ..engine.cost import CostEstimate, RunBudget
from ..engine.diagnostics import Diagnostic, Severity
from ..engine.report import FileReport, Report, TokenSummary, TrainingSummary
from ..tokens.backends import QUICKTOK_FELL_BACK
from . import _untrusted as shown
from ._options import PLAIN, RenderOptions

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


class _Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    style = _Style(options.color)
    out: list[str] = []
    for file in report.files:
        out.extend(_file_lines(file, style, hints=options.hints, info=options.info))
    if options.summary:
        for file in report.files:
            out.extend(_summary_lines(file, style))
        if len(report.files) > 1:
            out.extend(_total_lines(report))
        if report.budget is not None:
            out.extend(_budget_lines(report.budget, blank=len(report.files) <= 1))
    out.append(_verdict(report, style, strict=options.strict))
    return "\n".join(out) + "\n"


def render_file(file: FileReport, *, hints: bool = True, info: bool = False) -> str:
    """One file's findings as the CLI prints them (no colour, no summary)."""
    return "\n".join(_file_lines(file, _Style(False), hints=hints, info=info))


def location(path: str, diagnostic: Diagnostic) -> str:
    """``path:line:col:`` with the path made safe to print (see ``_untrusted.path``)."""
    if diagnostic.line is None:
        return f"{shown.path(path)}:"
    return f"{shown.path(path)}:{diagnostic.line}:{diagnostic.column or 1}:"


def _file_lines(file: FileReport, style: _Style, *, hints: bool, info: bool) -> list[str]:
    if file.io_error is not None:
        where = style(shown.path(file.path) + ":", "1")
        return [f"{where} {style('error', '31;1')}: {shown.line(file.io_error)}"]
    lines = []
    for d in file.diagnostics:
        if d.severity is Severity.INFO and not info:
            continue
        # The severity as a word, so a log without colour still tells errors apart.
        code = style(f"{d.code} {d.severity.value}:", _COLORS[d.severity] + ";1")
        lines.append(f"{style(location(file.path, d), '1')} {code} {shown.line(d.message)}")
        if hints:
            lines.append(f"    {style('hint:', '2')} {shown.line(d.hint)}")
    for n in file.not_shown:  # one line per rule past its listed findings
        if n.severity is not Severity.INFO or info:
            code = style(f"{n.code} {n.severity.value}:", _COLORS[n.severity] + ";1")
            where = style(shown.path(file.path) + ":", "1")
            lines.append(f"{where} {code} {shown.line(n.message)}")
    return lines


def _summary_lines(file: FileReport, style: _Style) -> list[str]:
    if file.io_error is not None:
        return []
    counts = f"{file.examples:,} examples, {file.errors} errors, {file.warnings} warnings"
    lines = ["", f"{style(shown.path(file.path), '1')}: {counts}"]
    role = "" if file.role == "training" else f", {file.role} file"
    lines.append(f"  format: {file.format} ({file.profile_source or 'chosen'}{role})")
    if file.tokens is not None and file.tokens.counted_examples:
        lines.extend(_token_lines(file.tokens))
    if file.cost is not None and file.tokens is not None and file.tokens.counted_examples:
        lines.extend(_cost_lines(file.cost))
    return lines


def _limit(limit: int | None) -> str:
    return "no known limit" if limit is None else f"limit {limit:,}"


def _counter(tokens: TokenSummary) -> str:
    if tokens.encoding:
        return tokens.encoding
    if tokens.exact and tokens.tokenizer:
        return shown.line(tokens.tokenizer)  # a tokenizer file's path from the config
    return "no offline tokenizer"


def _token_lines(tokens: TokenSummary) -> list[str]:
    if tokens.exact:
        exact = "exact"
    elif tokens.method.startswith("estimate"):
        exact = tokens.method.split(":", 1)[-1].strip()
        exact = "estimated: " + exact.split(",")[0]
    else:
        exact = "exact for messages, estimated for tools/images"
    per, asst = tokens.per_example, tokens.assistant_per_example
    lines = [
        f"  tokens ({_counter(tokens)}, {exact}): {tokens.total:,} in "
        f"{tokens.counted_examples:,} examples",
        f"    per example  min {per.min:,} / mean {per.mean:,.1f} / p50 {per.p50:,.0f} / "
        f"p90 {per.p90:,.0f} / max {per.max:,} ({_limit(tokens.limit)})",
        f"    assistant    min {asst.min:,} / mean {asst.mean:,.1f} / p50 {asst.p50:,.0f} / "
        f"p90 {asst.p90:,.0f} / max {asst.max:,} (total {tokens.assistant_total:,})",
    ]
    if tokens.tool_definitions or tokens.tool_calls or tokens.images:
        lines.append(
            f"    breakdown    messages {tokens.messages:,} / tool definitions "
            f"{tokens.tool_definitions:,} / tool calls {tokens.tool_calls:,} / "
            f"images {tokens.images:,}"
        )
    if tokens.over_limit_examples:
        lines.append(f"    {tokens.over_limit_examples:,} example(s) over the limit")
    if tokens.training is not None:
        lines.extend(_training_lines(tokens.training))
    if tokens.quicktok_dropped:
        lines.append(
            f"    warning: {QUICKTOK_FELL_BACK}; the counts above are tiktoken's "
            "(please report it with the quicktok version)"
        )
    return lines


def _training_lines(training: TrainingSummary) -> list[str]:
    per = training.trained_per_example
    lines = [
        f"    trained      min {per.min:,} / mean {per.mean:,.1f} / p50 {per.p50:,.0f} / "
        f"p90 {per.p90:,.0f} / max {per.max:,} (total {training.trained_total:,}, after "
        "truncation)",
        f"    truncation   {training.cut_examples:,} of {training.examples:,} example(s) cut "
        f"({training.cut_share:.1%}), {training.lost_tokens:,} trained token(s) lost",
    ]
    if training.packed_sequences is not None:
        lines.append(
            f"    packing      {training.packed_sequences:,} sequence(s), "
            f"{training.packing_padding or 0:,} padding token(s)"
        )
    return lines


def _cost_lines(cost: CostEstimate) -> list[str]:
    model = shown.line(cost.model)
    if cost.model_source == "default":
        model += " (default model; pass --model to choose)"
    elif cost.base_model != cost.model:
        model += f" (priced as {shown.line(cost.base_model)})"
    if cost.estimated_usd is None:
        price = "price unknown (set price_per_million in config)"
    else:
        price = f"≈ ${cost.estimated_usd:,.2f} at ${cost.price_per_million_usd:,.2f}/1M"
    budget = ""
    if cost.max_cost_usd is not None:
        within = "over" if cost.over_budget else "within"
        budget = f", {within} budget ${cost.max_cost_usd:,.2f}"
        if cost.estimated_usd is None:
            budget = f", budget ${cost.max_cost_usd:,.2f} not checkable"
    return [
        f"  model: {model}",
        f"  cost: {cost.epochs} epochs ({cost.epochs_source}) x {cost.billed_tokens_per_epoch:,} "
        f"tokens = {cost.billed_tokens:,} billed tokens, {price}{budget}",
    ]


def _total_lines(report: Report) -> list[str]:
    files = [f for f in report.files if f.tokens is not None and f.cost is not None]
    tokens = sum(f.tokens.total for f in files if f.tokens is not None)
    billed = sum(f.cost.billed_tokens for f in files if f.cost is not None)
    costs = [f.cost.estimated_usd for f in files if f.cost is not None]
    usd = "unknown" if any(c is None for c in costs) else f"≈ ${sum(c or 0 for c in costs):,.2f}"
    examples = sum(f.examples for f in report.files)
    return [
        "",
        f"total: {len(report.files)} files, {examples:,} examples, {tokens:,} tokens, "
        f"{billed:,} billed tokens, {usd}",
    ]


def _budget_lines(budget: RunBudget, *, blank: bool) -> list[str]:
    """The run's budget (--max-cost) against the training files' summed estimate."""
    files = f"{len(budget.shares)} training file(s)"
    limit = f"${budget.max_cost_usd:,.2f}"
    if budget.total_usd is None:
        line = f"run budget: {limit} cannot be checked, a price is unknown ({files})"
    else:
        within = "over" if budget.over else "within"
        line = f"run budget: ≈ ${budget.total_usd:,.2f} for {files}, {within} the budget of {limit}"
    return ["", line] if blank else [line]


def _verdict(report: Report, style: _Style, *, strict: bool) -> str:
    """The last line, which agrees with the exit status: ``--strict`` fails on warnings."""
    files = len(report.files)
    noun = "file" if files == 1 else "files"
    if report.io_errors:
        return style(f"\n{report.io_errors} of {files} {noun} could not be read.", "31;1")
    if report.errors:
        return style(
            f"\nFound {report.errors} error(s) and {report.warnings} warning(s) in {files} {noun}.",
            "31;1",
        )
    examples = sum(f.examples for f in report.files)
    if strict and report.warnings:
        return style(
            f"\nFailed (--strict): {report.warnings} warning(s) in {files} {noun}, "
            f"{examples:,} examples.",
            "31;1",
        )
    tail = f" ({report.warnings} warning(s))" if report.warnings else ""
    return style(f"\nNo errors: {files} {noun}, {examples:,} examples{tail}.", "32;1")
