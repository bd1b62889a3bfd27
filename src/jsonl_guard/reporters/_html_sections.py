"""The sections of one file in the HTML report: summary, findings, longest, duplicates, cost.

Everything from the data (paths, messages, example text) goes through ``text``:
escaped and made printable, so ``<script>``, ``</textarea>`` or a ``javascript:`` URL
is shown as characters; nothing from the data ever becomes a tag, an attribute or a
link. Numbers carry ``data-field`` so tests can read them back.
"""

from __future__ import annotations

import zlib
from collections import Counter
from html import escape
from typing import TYPE_CHECKING

from ..engine.diagnostics import Diagnostic
from ..rules.catalogue import find_rule
from ..untrusted import printable
from ._html_svg import histogram_svg

if TYPE_CHECKING:  # not at run time: the report's notebook view imports this module
    from ..engine.cost import CostEstimate
    from ..engine.details import FileDetails
    from ..engine.report import FileReport, NotShown


def text(value: object) -> str:
    """Untrusted text as inert HTML: printable, every markup character escaped."""
    return escape(printable(str(value)), quote=True)


def field(name: str, value: str) -> str:
    return f'<td data-field="{name}">{value}</td>'


def usd(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


def status(file: FileReport) -> tuple[str, str]:
    if file.io_error is not None or file.errors:
        return "bad", "errors"
    return ("warn", "warnings") if file.warnings else ("good", "no errors")


def summary_table(file: FileReport) -> str:
    rows = [
        ("examples", "Examples", f"{file.examples:,}"),
        ("errors", "Errors", f"{file.errors:,}"),
        ("warnings", "Warnings", f"{file.warnings:,}"),
    ]
    tokens = file.tokens
    if tokens is not None:
        per = tokens.per_example
        rows += [
            ("tokens", "Tokens", f"{tokens.total:,}"),
            ("counted_examples", "Examples counted", f"{tokens.counted_examples:,}"),
            ("p50", "Tokens per example, p50", f"{per.p50:,.0f}"),
            ("p90", "Tokens per example, p90", f"{per.p90:,.0f}"),
            ("max_example", "Longest example", f"{tokens.max_example:,}"),
            ("assistant_tokens", "Assistant tokens", f"{tokens.assistant_total:,}"),
            ("over_limit", "Examples over the limit", f"{tokens.over_limit_examples:,}"),
        ]
    cost = file.cost
    if cost is not None:
        rows += [
            ("epochs", "Epochs", f"{cost.epochs} ({text(cost.epochs_source)})"),
            ("billed_tokens", "Billed tokens", f"{cost.billed_tokens:,}"),
            ("estimated_usd", "Estimated cost", usd(cost.estimated_usd)),
            ("budget", "Budget", _budget(cost)),
        ]
    body = "".join(f"<tr><th>{label}</th>{field(name, value)}</tr>" for name, label, value in rows)
    return f'<table class="summary">{body}</table>'


def _budget(cost: CostEstimate) -> str:
    if cost.max_cost_usd is None:
        return "none set (--max-cost)"
    if cost.estimated_usd is None:
        return f"{usd(cost.max_cost_usd)}: cannot be checked, the price is unknown"
    return f"{'over' if cost.over_budget else 'within'} {usd(cost.max_cost_usd)}"


def histograms(details: FileDetails) -> str:
    trained = "trained tokens per example" if details.trained_source != "assistant" else None
    return (
        '<div class="charts"><figure><figcaption>Tokens per example</figcaption>'
        + histogram_svg(details.tokens, label="tokens per example")
        + "</figure><figure><figcaption>Assistant (trained) tokens per example"
        "</figcaption>"
        + histogram_svg(details.trained, label=trained or "assistant tokens per example")
        + "</figure></div>"
    )


def _rule_counts(file: FileReport) -> Counter[str]:
    counts = Counter(d.code for d in file.diagnostics)
    counts.update({n.code: n.count for n in file.not_shown})
    return counts


def findings(file: FileReport, *, compact: bool = False) -> str:
    """Findings grouped by rule, most frequent first; each finding with its line and
    (not ``compact``) the offending example, collapsed."""
    counts = _rule_counts(file)
    if not counts:
        return '<p class="none">No findings.</p>'
    by_code: dict[str, list[Diagnostic]] = {}
    for diagnostic in file.diagnostics:
        by_code.setdefault(diagnostic.code, []).append(diagnostic)
    not_shown = {n.code: n for n in file.not_shown}
    parts = ['<table class="rules"><tr><th>rule</th><th>severity</th><th>findings</th>'
             "<th>fix</th></tr>"]  # fmt: skip
    order = sorted(counts, key=lambda code: (-counts[code], code))
    for code in order:
        first = by_code[code][0] if code in by_code else None
        name = first.name if first else not_shown[code].name
        severity = (first.severity if first else not_shown[code].severity).value
        hint = first.hint if first else ""
        parts.append(
            f'<tr class="rule-row {severity}" data-code="{text(code)}">'
            f"<td>{_code_link(file, code, compact)} {text(name)}</td>"
            f"<td>{severity}</td>{field('count', f'{counts[code]:,}')}<td>{text(hint)}</td></tr>"
        )
    parts.append("</table>")
    if compact:
        return "".join(parts)
    for code in order:
        parts.append(_rule_section(file, code, by_code.get(code, []), not_shown.get(code)))
    return "".join(parts)


def _code_link(file: FileReport, code: str, compact: bool) -> str:
    """The code, linked to its section below (the compact view has none)."""
    if compact:
        return f"<code>{text(code)}</code>"
    return f'<a href="#{text(_anchor(file, code))}">{text(code)}</a>'


def _anchor(file: FileReport, code: str) -> str:
    # A stable id per file (crc32: the same page whatever the hash seed).
    return f"f{zlib.crc32(file.path.encode('utf-8', 'surrogatepass')):08x}-{code}"


def _rule_section(
    file: FileReport, code: str, listed: list[Diagnostic], more: NotShown | None
) -> str:
    rule = find_rule(code)
    described = "" if rule is None else rule.describe()
    parts = [
        f'<section class="rule" id="{text(_anchor(file, code))}">',
        f"<h4>{text(code)} {text(rule.name if rule else '')}</h4>",
        f'<details class="rule-text"><summary><code>jsonl-guard rules {text(code)}</code>'
        f"</summary><pre>{text_block(described)}</pre></details>",
        '<table class="findings"><tr><th>line</th><th>message</th><th>example</th></tr>',
    ]
    details = file.details
    for d in listed:
        where = "file" if d.line is None else f"{d.line}:{d.column or 1}"
        excerpt = None if details is None else details.excerpt(d.line)
        shown = (
            "—"
            if excerpt is None
            else f'<details><summary>line {d.line}</summary><pre class="example">'
            f"{text(excerpt)}</pre></details>"
        )
        line = "" if d.line is None else f' data-line="{d.line}"'
        parts.append(
            f'<tr class="finding"{line}><td>{where}</td><td>{text(d.message)}</td>'
            f"<td>{shown}</td></tr>"
        )
    if more is not None:
        parts.append(f'<tr class="not-shown"><td colspan="3">{text(more.message)}'
                     "</td></tr>")  # fmt: skip
    parts.append("</table></section>")
    return "".join(parts)


def text_block(value: str) -> str:
    """Several lines of our own text (a rule's description): each made safe."""
    return "\n".join(text(line) for line in value.splitlines())


def longest(file: FileReport) -> str:
    details, tokens = file.details, file.tokens
    if details is None or not details.longest:
        return '<p class="none">No example was counted.</p>'
    limit = None if tokens is None else tokens.limit
    rows = "".join(
        f'<tr class="longest" data-line="{line}"><td>{line}</td>{field("tokens", f"{count:,}")}'
        f"<td>{'' if not limit else f'{count / limit:.1%} of the limit'}</td></tr>"
        for line, count in details.longest
    )
    return f'<table class="longest"><tr><th>line</th><th>tokens</th><th></th></tr>{rows}</table>'


def duplicates(file: FileReport) -> str:
    details = file.details
    if details is None or not details.duplicate_groups:
        return '<p class="none">No duplicate examples.</p>'
    rows = []
    for group in details.duplicate_groups:
        lines = ", ".join(str(line) for line in group.lines)
        if group.repeats > len(group.lines):
            lines += f" and {group.repeats - len(group.lines):,} more"
        rows.append(
            f'<tr class="duplicate" data-first="{group.first}"><td>{group.first}</td>'
            f"{field('repeats', f'{group.repeats:,}')}<td>{lines}</td></tr>"
        )
    more = details.duplicate_groups_total - len(details.duplicate_groups)
    tail = f'<p class="caption">… and {more:,} more group(s).</p>' if more > 0 else ""
    return (
        '<table class="duplicates"><tr><th>first line</th><th>repeats</th><th>repeated on</th>'
        f"</tr>{''.join(rows)}</table>{tail}"
    )


def cost_breakdown(file: FileReport) -> str:
    cost, tokens = file.cost, file.tokens
    if cost is None or tokens is None:
        return '<p class="none">No cost estimate.</p>'
    price = (
        "unknown (set price_per_million in config)"
        if cost.price_per_million_usd is None
        else f"${cost.price_per_million_usd:,.2f} per 1M training tokens"
    )
    rows = [
        ("Model", text(cost.model) + ("" if cost.base_model == cost.model
                                      else f" (priced as {text(cost.base_model)})")),
        ("Model chosen by", text(cost.model_source)),
        ("Tokenizer", text(tokens.tokenizer or tokens.encoding or "none")),
        ("Messages", f"{tokens.messages:,} tokens"),
        ("Tool definitions", f"{tokens.tool_definitions:,} tokens"),
        ("Tool calls", f"{tokens.tool_calls:,} tokens"),
        ("Images", f"{tokens.images:,} tokens"),
        ("Billed tokens per epoch", f"{cost.billed_tokens_per_epoch:,} (each example up to the "
                                    "limit)"),
        ("Epochs", f"{cost.epochs} ({text(cost.epochs_source)})"),
        ("Billed tokens", f"{cost.billed_tokens:,}"),
        ("Price", price),
        ("Estimated cost", usd(cost.estimated_usd)),
        ("Budget", _budget(cost)),
        ("Price source", text(cost.price_source)),
    ]  # fmt: skip
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<table class="cost">{body}</table>'
