"""Mermaid charts for the GitHub step summary (GitHub renders ```` ```mermaid ```` blocks).

A bar chart (``xychart-beta``) of examples per token-count bin for each file. Nothing
from the data goes inside a chart: the file's name is a Markdown line above it,
through ``_untrusted.markdown``, and the chart holds only numbers and our own words,
so no name can close the block, inject Mermaid directives or HTML.
"""

from __future__ import annotations

from ..engine.histogram import Histogram
from ..engine.report import Report
from . import _untrusted as shown

MAX_CHARTS = 10  # files with a chart; a summary of hundreds of files stays readable


def token_charts(report: Report) -> list[str]:
    """The summary's lines for the charts (none when no file has counted tokens)."""
    charted = [
        (file.path, file.tokens.histogram, file.tokens.limit)
        for file in report.files
        if file.tokens is not None and file.tokens.histogram is not None
    ]
    if not charted:
        return []
    lines = ["", "**Tokens per example**"]  # no heading: the summary has one, ours
    for path, histogram, limit in charted[:MAX_CHARTS]:
        note = "" if limit is None else f" (model limit {limit:,})"
        lines += ["", f"{shown.markdown(path)}{note}", "", *chart(histogram)]
    if len(charted) > MAX_CHARTS:
        lines += ["", f"… {len(charted) - MAX_CHARTS:,} more file(s) not charted."]
    return lines


def chart(histogram: Histogram) -> list[str]:
    """One ``xychart-beta`` bar chart: a bar per bin, labelled with its token range."""
    bins = histogram.bins
    labels = ", ".join(f'"{low:,}-{high:,}"' for low, high, _ in bins)
    counts = ", ".join(str(count) for _, _, count in bins)
    top = max(count for _, _, count in bins)
    return [
        "```mermaid",
        "xychart-beta",
        '    title "Examples per token count"',
        f"    x-axis [{labels}]",
        f'    y-axis "examples" 0 --> {max(top, 1)}',
        f"    bar [{counts}]",
        "```",
    ]
