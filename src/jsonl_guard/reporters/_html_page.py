"""The HTML report as one self-contained page, and its compact notebook view.

The page loads nothing: inline CSS, inline SVG, no script, and a Content-Security-
Policy that forbids every fetch and every script, so it opens the same from
``file://``, offline, or as a CI artifact, and text from the data can never run.
The notebook view (``Report._repr_html_``) is the same renderer without the page
around it and without the per-finding details; its CSS is scoped to ``.jg-report``
so it leaves the notebook's own styles alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _html_sections as sections
from ._html_sections import text

if TYPE_CHECKING:  # not at run time: the report's notebook view imports this module
    from ..engine.cost import RunBudget
    from ..engine.report import FileReport, Report

# No source for anything: no script, no fetch, no frame, no form; inline styles only
# (frame-ancestors is left out: a <meta> policy cannot carry it, Chromium warns).
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)

CSS = """
.jg-report { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
.jg-report h1 { font-size: 1.5em; margin: .2em 0 .4em; }
.jg-report h2 { font-size: 1.25em; margin: 1.6em 0 .3em; border-bottom: 1px solid #d0d7de; }
.jg-report h3 { font-size: 1.05em; margin: 1.2em 0 .3em; }
.jg-report h4 { font-size: 1em; margin: 1em 0 .2em; }
.jg-report table { border-collapse: collapse; margin: .3em 0; }
.jg-report th, .jg-report td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left;
  vertical-align: top; }
.jg-report table.summary th { background: #f6f8fa; font-weight: 600; }
.jg-report td[data-field] { text-align: right; font-variant-numeric: tabular-nums; }
.jg-report .badge { display: inline-block; border-radius: 1em; padding: 0 .7em; color: #fff;
  font-size: .85em; vertical-align: middle; }
.jg-report .good { background: #1a7f37; } .jg-report .warn { background: #9a6700; }
.jg-report .bad { background: #cf222e; }
.jg-report tr.error td:nth-child(2) { color: #cf222e; font-weight: 600; }
.jg-report tr.warning td:nth-child(2) { color: #9a6700; font-weight: 600; }
.jg-report pre { white-space: pre-wrap; word-break: break-all; background: #f6f8fa;
  padding: 6px; margin: 4px 0; max-width: 70em; }
.jg-report .overview, .jg-report .charts { display: flex; flex-wrap: wrap; gap: 1em;
  align-items: flex-start; }
.jg-report.compact h1 { font-size: 1.2em; } .jg-report.compact h2 { font-size: 1.05em; }
.jg-report .charts { flex-direction: column; gap: .3em; }
.jg-report svg.histogram { width: 540px; max-width: 100%; height: auto; }
.jg-report.compact svg.histogram { width: 330px; }
.jg-report.compact th, .jg-report.compact td { padding: 1px 6px; }
.jg-report .caption { max-width: 540px; }
.jg-report.compact .caption { max-width: 330px; font-size: .85em; }
.jg-report figure { margin: 0; }
.jg-report figcaption { font-weight: 600; }
.jg-report svg .bar { fill: #4078c0; } .jg-report svg .axis { stroke: #57606a; }
.jg-report svg .limit { stroke: #cf222e; stroke-width: 2; stroke-dasharray: 5 3; }
.jg-report svg .limit-label { fill: #cf222e; font-size: 11px; }
.jg-report svg .tick, .jg-report svg .axis-label { fill: #57606a; font-size: 11px; }
.jg-report .caption, .jg-report .none { color: #57606a; margin: .2em 0; }
"""


def _file(file: FileReport, *, compact: bool) -> str:
    kind, word = sections.status(file)
    head = (
        f'<section class="file" data-path="{text(file.path)}">'
        f'<h2>{text(file.path)} <span class="badge {kind}">{word}</span></h2>'
    )
    if file.io_error is not None:
        return head + f'<p class="io-error">Cannot be read: {text(file.io_error)}</p></section>'
    role = "" if file.role == "training" else f", {text(file.role)} file"
    parts = [
        head,
        f'<p class="format">Format {text(file.format)} '
        f"({text(file.profile_source or 'chosen')}{role})</p>",
        '<div class="overview">',
        sections.summary_table(file),
    ]
    if file.details is not None and file.tokens is not None and file.tokens.counted_examples:
        parts.append(sections.histograms(file.details))
    parts += ["</div>", "<h3>Findings by rule</h3>", sections.findings(file, compact=compact)]
    if not compact:
        parts += [
            "<h3>Longest examples</h3>",
            sections.longest(file),
            "<h3>Duplicate groups</h3>",
            sections.duplicates(file),
            "<h3>Cost breakdown</h3>",
            sections.cost_breakdown(file),
        ]
    parts.append("</section>")
    return "".join(parts)


def _totals(report: Report, *, across: bool) -> str:
    """The run's numbers; ``across``: one row (the compact view), else one per number."""
    examples = sum(f.examples for f in report.files)
    costs = [f.cost.estimated_usd for f in report.files if f.cost is not None]
    total = None if not costs or any(c is None for c in costs) else sum(c or 0.0 for c in costs)
    rows = [
        ("files", "Files", f"{len(report.files):,}"),
        ("examples", "Examples", f"{examples:,}"),
        ("errors", "Errors", f"{report.errors:,}"),
        ("warnings", "Warnings", f"{report.warnings:,}"),
        ("estimated_usd", "Estimated cost", sections.usd(total)),
    ]
    if report.budget is not None:
        rows.append(("run_budget", "Run budget", _run_budget(report.budget)))
    if across:
        head = "".join(f"<th>{label}</th>" for _, label, _ in rows)
        cells = "".join(sections.field(name, value) for name, _, value in rows)
        return f'<table class="summary totals"><tr>{head}</tr><tr>{cells}</tr></table>'
    body = "".join(
        f"<tr><th>{label}</th>{sections.field(name, value)}</tr>" for name, label, value in rows
    )
    return f'<table class="summary totals">{body}</table>'


def _run_budget(budget: RunBudget) -> str:
    limit = sections.usd(budget.max_cost_usd)
    if budget.total_usd is None:
        return f"{limit}: cannot be checked, a price is unknown"
    return f"{'over' if budget.over else 'within'} {limit} (≈ {sections.usd(budget.total_usd)})"


def body(report: Report, *, compact: bool) -> str:
    verdict = "errors found" if report.errors or report.io_errors else "no errors"
    kind = "bad" if report.errors or report.io_errors else ("warn" if report.warnings else "good")
    return (
        f'<div class="jg-report{" compact" if compact else ""}"><h1>jsonl-guard report '
        f'<span class="badge {kind}">{verdict}</span></h1>{_totals(report, across=compact)}'
        + "".join(_file(f, compact=compact) for f in report.files)
        + "</div>"
    )


def page(report: Report) -> str:
    """The whole report as one HTML document that loads nothing."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        "<title>jsonl-guard report</title>"
        f"<style>{CSS}body {{ margin: 1.5em; }}</style></head>\n<body>"
        + body(report, compact=False)
        + "</body></html>\n"
    )


def notebook_html(report: Report) -> str:
    """The compact view a notebook shows for a ``Report`` or ``FileReport``."""
    return f"<style>{CSS}</style>" + body(report, compact=True)
