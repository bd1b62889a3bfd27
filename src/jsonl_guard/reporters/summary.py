"""The Markdown step summary for GitHub Actions (appended to $GITHUB_STEP_SUMMARY).

GitHub renders it as Markdown with HTML: every text from outside (file names, the
model, OS messages) goes through ``_untrusted.markdown``, so a file name cannot add a
heading, a table row, a link or HTML (a forged "✅ no errors").
"""

from __future__ import annotations

from collections import Counter

from ..engine.cost import RunBudget
from ..engine.report import FileReport, Report
from . import _untrusted as shown
from ._options import PLAIN, RenderOptions
from .mermaid import token_charts

MAX_RULE_ROWS = 15


def _cost(file: FileReport) -> tuple[str, str, str, str]:
    cost = file.cost
    if cost is None or file.tokens is None or not file.tokens.counted_examples:
        return "-", "-", "-", "-"
    usd = "unknown" if cost.estimated_usd is None else f"${cost.estimated_usd:,.2f}"
    if cost.max_cost_usd is None:
        budget = "no budget"
    elif cost.estimated_usd is None:
        budget = f"⚠️ ${cost.max_cost_usd:,.2f} (price unknown)"
    else:
        mark = "❌ over" if cost.over_budget else "✅ within"
        budget = f"{mark} ${cost.max_cost_usd:,.2f}"
    return str(cost.epochs), f"{cost.billed_tokens:,}", usd, budget


def _row(file: FileReport) -> str:
    if file.io_error is not None:
        return f"| ❌ {shown.markdown(file.path)} | {shown.markdown(file.io_error)} | | | | | | | |"
    status = "❌" if file.errors else ("⚠️" if file.warnings else "✅")
    tokens = "-"
    if file.tokens is not None and file.tokens.counted_examples:
        t = file.tokens
        tokens = f"{t.total:,} (p50 {t.per_example.p50:,.0f}, max {t.max_example:,})"
        if t.training is not None:  # the training preview: what trains, what is cut
            tokens += f"; trained {t.training.trained_total:,}, {t.training.cut_examples:,} cut"
    epochs, billed, usd, budget = _cost(file)
    return (
        f"| {status} {shown.markdown(file.path)} | {file.examples:,} | {file.errors} | "
        f"{file.warnings} | {tokens} | {epochs} | {billed} | {usd} | {budget} |"
    )


def _run_budget(budget: RunBudget) -> str:
    limit = f"${budget.max_cost_usd:,.2f}"
    if budget.total_usd is None:
        return f"Run budget: ❌ {limit} cannot be checked (a training price is unknown)."
    mark = "❌ over" if budget.over else "✅ within"
    return f"Run budget: {mark} {limit} (≈ ${budget.total_usd:,.2f} for the training files)."


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    verdict = "❌ errors found" if report.errors or report.io_errors else "✅ no errors"
    lines = [
        f"## jsonl-guard: {verdict}",
        "",
        f"{len(report.files)} file(s), {sum(f.examples for f in report.files):,} examples, "
        f"{report.errors} error(s), {report.warnings} warning(s).",
        "",
        "| file | examples | errors | warnings | tokens | epochs | billed tokens | "
        "est. cost | budget |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
        *(_row(file) for file in report.files),
    ]
    if report.budget is not None:
        lines += ["", _run_budget(report.budget)]
    models = sorted({f.cost.model for f in report.files if f.cost is not None})
    if models:
        lines += ["", f"Model: {', '.join(shown.markdown(m) for m in models)}."]
    counts = Counter((d.code, d.name) for f in report.files for d in f.diagnostics)
    for file in report.files:  # findings counted but not listed count here too
        counts.update({(n.code, n.name): n.count for n in file.not_shown})
    if counts:
        lines += ["", "| rule | findings |", "| --- | ---: |"]
        for (code, name), count in counts.most_common(MAX_RULE_ROWS):
            lines.append(f"| `{code}` {name} | {count} |")
    lines += token_charts(report)
    return "\n".join(lines) + "\n\n"
