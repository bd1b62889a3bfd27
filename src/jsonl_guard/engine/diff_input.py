"""One side of ``jsonl-guard diff``: the figures of each file that a diff compares, read
from a JSON report (``check --format json``, docs/json-report.md) or from a ``Report``.

Both go through the JSON form (``report_dict``), so a report saved yesterday and a
dataset checked now are compared on exactly the same fields.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import JsonlGuardError
from .report import REPORT_VERSION, Report, report_dict

HASH_DIGITS = 16  # one 64-bit digest in hex (docs/json-report.md, example_hashes)
_HEX = frozenset("0123456789abcdef")
_CODE = re.compile(r"[A-Z]{1,8}[0-9]{1,6}")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,80}")
_SEVERITIES = frozenset({"error", "warning", "info"})


class ReportReadError(JsonlGuardError):
    """A side of a diff is not a JSON report this version can read."""


@dataclass(frozen=True)
class RuleCount:
    name: str
    severity: str
    count: int


@dataclass(frozen=True)
class TokenFigures:
    total: int
    p50: float
    p90: float
    max: int


@dataclass(frozen=True)
class FileSide:
    """What a diff knows of one file on one side."""

    path: str
    examples: int = 0
    # Content hash -> how many examples hold it; ``None``: the report has no hashes
    # (written by a jsonl-guard before they were added).
    hashes: Counter[str] | None = None
    tokens: TokenFigures | None = None
    cost_usd: float | None = None
    model: str = ""
    findings: dict[str, RuleCount] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    io_error: str | None = None

    @property
    def hashed(self) -> int:
        return 0 if self.hashes is None else sum(self.hashes.values())


def sides_of_report(report: Report) -> list[FileSide]:
    return sides_of_document(report_dict(report), "the check")


def read_report(path: Path, shown_as: str) -> list[FileSide]:
    """The sides in the JSON report at ``path`` (``shown_as`` names it in messages)."""
    try:
        with path.open("rb") as handle:
            document = json.load(handle)
    except OSError as error:
        raise ReportReadError(f"cannot read {shown_as}: {error.strerror or error}") from None
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise ReportReadError(
            f"{shown_as} is not a JSON report ({error}); write one with "
            "`jsonl-guard check --format json --output FILE.json ...`"
        ) from None
    return sides_of_document(document, shown_as)


def sides_of_document(document: Any, shown_as: str) -> list[FileSide]:
    """The sides of a parsed JSON report, after its version check."""
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise ReportReadError(
            f'{shown_as} is not a jsonl-guard JSON report (no "files" list); write one with '
            "`jsonl-guard check --format json --output FILE.json ...`"
        )
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ReportReadError(f'{shown_as} has no valid report "version" (got {version!r})')
    if version > REPORT_VERSION:
        raise ReportReadError(
            f"{shown_as} is a version {version} report, written by a newer jsonl-guard; this "
            f"one reads version {REPORT_VERSION}. Upgrade jsonl-guard (pip install -U "
            "jsonl-guard), or diff the datasets themselves instead of their reports"
        )
    try:
        return [_side(entry) for entry in document["files"]]
    except (AttributeError, KeyError, TypeError, ValueError) as error:  # any shape at all
        raise ReportReadError(
            f"{shown_as} is not a well-formed version {version} report ({type(error).__name__}: "
            f"{error}); write it again with `jsonl-guard check --format json`"
        ) from None


def _side(entry: dict[str, Any]) -> FileSide:
    tokens = entry.get("tokens")
    cost = entry.get("cost")
    return FileSide(
        path=_text(entry["path"]),
        examples=_count(entry["examples"]),
        hashes=_hashes(entry.get("example_hashes")),
        tokens=None if tokens is None else _tokens(tokens),
        cost_usd=None if cost is None else _usd(cost.get("estimated_usd")),
        model="" if cost is None else _text(cost.get("model", "")),
        findings=_findings(entry.get("diagnostics", []), entry.get("not_shown", [])),
        errors=_count(entry.get("errors", 0)),
        warnings=_count(entry.get("warnings", 0)),
        io_error=None if entry.get("io_error") is None else _text(entry["io_error"]),
    )


def _hashes(value: Any) -> Counter[str] | None:
    if value is None:  # a version 1 report from before example_hashes
        return None
    text = _text(value)
    if len(text) % HASH_DIGITS or not set(text) <= _HEX:
        raise ValueError("example_hashes is not a string of 16-hex-digit hashes")
    return Counter(text[i : i + HASH_DIGITS] for i in range(0, len(text), HASH_DIGITS))


def _tokens(tokens: dict[str, Any]) -> TokenFigures | None:
    if not tokens.get("counted_examples"):
        return None
    per_example = tokens["per_example"]
    return TokenFigures(
        _count(tokens["total"]),
        _number(per_example["p50"]),
        _number(per_example["p90"]),
        _count(per_example["max"]),
    )


def _findings(diagnostics: list[Any], not_shown: list[Any]) -> dict[str, RuleCount]:
    """Rule code -> its findings in the file: listed, plus counted but not listed."""
    counts: dict[str, RuleCount] = {}
    entries = [(d, 1) for d in diagnostics] + [(n, _count(n["count"])) for n in not_shown]
    for entry, count in entries:
        code, name, severity = (_text(entry[key]) for key in ("code", "name", "severity"))
        # What a rule can be called: a crafted report cannot smuggle markup through them.
        if not (_CODE.fullmatch(code) and _NAME.fullmatch(name) and severity in _SEVERITIES):
            raise ValueError(f"not a rule: code {code!r}, name {name!r}, severity {severity!r}")
        before = counts.get(code)
        total = count + (before.count if before else 0)
        counts[code] = RuleCount(name, severity, total)
    return counts


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _usd(value: Any) -> float | None:
    return None if value is None else _number(value)
