"""Reporters turn a ``Report`` into text for one audience; the core never formats.

Every reporter is ``render(report, options=PLAIN) -> str``; ``REPORTERS`` maps each
``--format`` to one.
"""

from __future__ import annotations

from . import github, html, json_, junit, sarif, text
from ._options import PLAIN, Render, RenderOptions

REPORTERS: dict[str, Render] = {
    "text": text.render,
    "json": json_.render,
    "github": github.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "html": html.render,
}

__all__ = ["PLAIN", "REPORTERS", "Render", "RenderOptions"]
