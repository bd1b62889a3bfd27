"""The rule registry: every rule's code, name, severity, summary, hint and examples.

Rules come in four scopes. ``file`` rules are raised by the line reader (encoding,
blank lines), ``schema`` rules by the JSON Schema of the format (the schema names
the rule code with ``x-rule``/``x-rules``), ``example`` rules are small functions
of one parsed example, and ``dataset`` rules run on the merged statistics of a
whole file. All of them are declared here or through the decorators below, so
``jsonl-guard rules`` lists every one.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._diagnostics import Severity

if TYPE_CHECKING:
    from ._context import DatasetContext, ExampleContext
    from ._diagnostics import Finding
    from ._stats import DatasetStats

ExampleCheck = Callable[[dict[str, Any], "ExampleContext"], Iterable[str]]
DatasetCheck = Callable[["DatasetStats", "DatasetContext"], Iterable["Finding"]]


class Scope(str, enum.Enum):
    FILE = "file"
    SCHEMA = "schema"
    EXAMPLE = "example"
    DATASET = "dataset"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    scope: Scope
    summary: str
    hint: str
    bad: str = ""
    good: str = ""
    example_check: ExampleCheck | None = None
    dataset_check: DatasetCheck | None = None


RULES: dict[str, Rule] = {}


def declare(
    code: str,
    name: str,
    severity: Severity,
    scope: Scope,
    summary: str,
    hint: str,
    *,
    bad: str = "",
    good: str = "",
    example_check: ExampleCheck | None = None,
    dataset_check: DatasetCheck | None = None,
) -> Rule:
    if code in RULES:
        raise ValueError(f"rule {code} declared twice")
    rule = Rule(code, name, severity, scope, summary, hint, bad, good, example_check, dataset_check)
    RULES[code] = rule
    return rule


def example_rule(
    code: str, name: str, severity: Severity, summary: str, hint: str, *, bad: str, good: str
) -> Callable[[ExampleCheck], ExampleCheck]:
    """Register a function of one parsed example that yields a message per problem."""

    def register(check: ExampleCheck) -> ExampleCheck:
        scope = Scope.EXAMPLE
        declare(code, name, severity, scope, summary, hint, bad=bad, good=good, example_check=check)
        return check

    return register


def dataset_rule(
    code: str, name: str, severity: Severity, summary: str, hint: str, *, bad: str, good: str
) -> Callable[[DatasetCheck], DatasetCheck]:
    """Register a function of a file's merged statistics that yields findings."""

    def register(check: DatasetCheck) -> DatasetCheck:
        scope = Scope.DATASET
        declare(code, name, severity, scope, summary, hint, bad=bad, good=good, dataset_check=check)
        return check

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by code (imports the rule modules first)."""
    from . import (  # noqa: F401 - importing registers the rules
        _content_rules,
        _conversation_rules,
        _dataset_rules,
        _file_rules,
        _tool_rules,
    )

    return sorted(RULES.values(), key=lambda r: r.code)


def find_rule(code_or_name: str) -> Rule | None:
    wanted = code_or_name.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    return None
