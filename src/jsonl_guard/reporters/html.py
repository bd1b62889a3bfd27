"""``--format html``: one self-contained page with plots (``--output report.html``).

Inline CSS and SVG, no script and a Content-Security-Policy that forbids loading
anything, so the file opens offline, from ``file://`` or as a CI artifact; the page
is drawn by ``_html_page`` (which the notebook view shares) from the report alone.
"""

from __future__ import annotations

from ..engine.report import Report
from ._html_page import page
from ._options import PLAIN, RenderOptions


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return page(report)
