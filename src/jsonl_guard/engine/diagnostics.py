"""Findings and diagnostics: what a check says about a file."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule firing, before configuration decides its severity.

    ``line`` is 1-based; ``None`` marks a file-level finding. ``column`` is
    1-based and ``None`` when the finding is about the whole line.
    """

    code: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A finding as reported: with its rule's name, resolved severity and fix hint."""

    code: str
    name: str
    severity: Severity
    line: int | None
    column: int | None
    message: str
    hint: str

    def sort_key(self) -> tuple[int, int, int]:
        # File-level findings first, then by position in the file.
        return (self.line or 0, self.column or 0, 0 if self.line is None else 1)
