"""What every reporter takes besides the report: ``render(report, options) -> str``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..engine.report import Report


@dataclass(frozen=True)
class RenderOptions:
    """How a report is shown. Only the text reporter is for people: the machine
    formats (json, github, sarif, junit) and the step summary read none of these."""

    color: bool = False  # ANSI colours
    hints: bool = True  # each finding's hint under it
    summary: bool = True  # per-file summaries and the totals
    info: bool = False  # info-level findings too
    strict: bool = False  # warnings fail the run: the verdict line says so


PLAIN = RenderOptions()


class Render(Protocol):
    """A reporter's ``render``: the report as text for one audience."""

    def __call__(self, report: Report, options: RenderOptions = PLAIN, /) -> str: ...
