"""Reporters turn a ``Report`` into text for one audience; the core never formats."""

from __future__ import annotations

from collections.abc import Callable

from .._report import Report
from . import github, json_, junit, sarif, text

Render = Callable[[Report, bool], str]

REPORTERS: dict[str, Render] = {
    "text": text.render,
    "json": json_.render,
    "github": github.render,
    "sarif": sarif.render,
    "junit": junit.render,
}

__all__ = ["REPORTERS", "Render"]
