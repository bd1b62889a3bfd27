"""Findings and diagnostics: what a check says about a file."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

# The findings kept per rule and file; the rest are only counted, so memory and the
# report stay bounded whatever the input (a file of ten million bad lines, a line
# of a million bad parts). ``max-findings-per-rule`` changes it; 0 keeps them all.
DEFAULT_MAX_FINDINGS_PER_RULE = 100


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


@dataclass(slots=True)
class CappedFindings:
    """The first ``cap`` findings of each rule, in the order they came, and how many
    more each rule had (``dropped``). ``cap`` 0 keeps every finding.

    It is the list every finding goes through (``append``), so no line, shard or file
    ever holds more than ``cap`` findings of one rule.
    """

    cap: int = DEFAULT_MAX_FINDINGS_PER_RULE
    kept: list[Finding] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    _per_code: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def resume(
        cls, cap: int, kept: list[Finding], dropped: Mapping[str, int] | None = None
    ) -> CappedFindings:
        """Go on collecting after ``kept`` (already within ``cap``) and ``dropped``."""
        collected = cls(cap, kept, dict(dropped or {}))
        for finding in kept:
            collected._per_code[finding.code] = collected._per_code.get(finding.code, 0) + 1
        return collected

    def append(self, finding: Finding) -> None:
        code = finding.code
        seen = self._per_code.get(code, 0)
        if self.cap and seen >= self.cap:
            self.dropped[code] = self.dropped.get(code, 0) + 1
            return
        self._per_code[code] = seen + 1
        self.kept.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.append(finding)

    def absorb(self, later: CappedFindings) -> None:
        """Add what ``later`` kept and counted, after what this holds."""
        self.extend(later.kept)
        self.count_dropped(later.dropped)

    def count_dropped(self, dropped: Mapping[str, int]) -> None:
        for code, count in dropped.items():
            self.dropped[code] = self.dropped.get(code, 0) + count

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.kept)

    def __len__(self) -> int:
        return len(self.kept)
