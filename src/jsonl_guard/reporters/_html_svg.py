"""The HTML report's histograms, drawn as inline SVG (no script, no image file).

One ``<rect class="bar">`` per bin, zero-count bins included, its height the bin's
share of the tallest (``bar_height``); the model's per-example limit is a dashed
line when it falls on the chart, a caption when it is far beyond it. Every number
comes from the report's ``Histogram`` (engine/details.py).
"""

from __future__ import annotations

from html import escape

from ..engine.details import Histogram

WIDTH = 640  # the plot area, in SVG units
HEIGHT = 160
LEFT = 48  # room for the count axis
TOP = 18  # room for the limit's label
BOTTOM = 34  # room for the token axis


def bar_height(count: int, tallest: int) -> float:
    """A bar's height: the browser tests read it back and compare it with the count."""
    return round(HEIGHT * count / tallest, 2) if tallest else 0.0


def _number(value: float) -> str:
    return f"{value:,.0f}"


def histogram_svg(histogram: Histogram, *, label: str) -> str:
    """``label``: what is counted ("tokens per example", ...), also the SVG's name."""
    counts = histogram.counts
    tallest = max(counts, default=0)
    step = WIDTH / max(len(counts), 1)
    total_width, total_height = LEFT + WIDTH + 12, TOP + HEIGHT + BOTTOM
    parts = [
        f'<svg class="histogram" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {total_width} {total_height}" width="{total_width}" '
        f'height="{total_height}" data-bins="{len(counts)}" data-width="{histogram.width}" '
        f'data-tallest="{tallest}" data-scale="{HEIGHT}" aria-label="{escape(label)}">',
        f"<title>{escape(label)}: {histogram.total:,} examples in {len(counts)} bins of "
        f"{histogram.width:,} tokens</title>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP + HEIGHT}" x2="{LEFT + WIDTH}" '
        f'y2="{TOP + HEIGHT}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + HEIGHT}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{tallest:,}</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + HEIGHT}" text-anchor="end">0</text>',
    ]
    for i, (low, high, count) in enumerate(histogram.bins()):
        height = bar_height(count, tallest)
        x = round(LEFT + i * step + 1, 2)
        parts.append(
            f'<rect class="bar" x="{x}" y="{round(TOP + HEIGHT - height, 2)}" '
            f'width="{round(step - 2, 2)}" height="{height}" data-count="{count}" '
            f'data-from="{low}" data-to="{high}"><title>{low:,} to {high:,} tokens: '
            f"{count:,} example(s)</title></rect>"
        )
    for fraction in (0.0, 0.5, 1.0):
        x = LEFT + WIDTH * fraction
        anchor = {0.0: "start", 0.5: "middle", 1.0: "end"}[fraction]
        parts.append(
            f'<text class="tick" x="{x}" y="{TOP + HEIGHT + 14}" text-anchor="{anchor}">'
            f"{_number(histogram.span * fraction)}</text>"
        )
    parts.append(
        f'<text class="axis-label" x="{LEFT + WIDTH / 2}" y="{TOP + HEIGHT + 30}" '
        f'text-anchor="middle">{escape(label)}</text>'
    )
    limit = histogram.limit
    if limit is not None and limit <= histogram.span:
        x = round(LEFT + WIDTH * limit / histogram.span, 2)
        parts.append(
            f'<line class="limit" x1="{x}" y1="{TOP - 4}" x2="{x}" y2="{TOP + HEIGHT}" '
            f'data-limit="{limit}"/>'
        )
        parts.append(
            f'<text class="limit-label" x="{x}" y="{TOP - 7}" text-anchor="middle">'
            f"model limit {limit:,}</text>"
        )
    parts.append("</svg>")
    return "".join(parts) + _caption(histogram)


def _caption(histogram: Histogram) -> str:
    limit = histogram.limit
    if limit is None:
        note = "The model publishes no per-example limit."
    elif limit <= histogram.span:
        note = f"Dashed line: the model's limit of {limit:,} tokens per example."
    else:
        note = (
            f"The model's limit of {limit:,} tokens per example is far right of the chart "
            f"(every bin ends below {histogram.span:,})."
        )
    return (
        f'<p class="caption">{histogram.total:,} examples in {len(histogram.counts)} bins '
        f"of {histogram.width:,} tokens. {note}</p>"
    )
