"""Reporters turn a ``Report`` into text for one audience; the core never formats."""

from __future__ import annotations

from collections.abc import Callable

from .._report import Report
from . import json_, text

Render = Callable[[Report, bool], str]

REPORTERS: dict[str, Render] = {
    "text": text.render,
    "json": json_.render,
}

__all__ = ["REPORTERS", "Render"]
