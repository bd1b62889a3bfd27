"""The rule registry: every rule's code, name, severity, summary, hint and examples.

Rules come in four scopes. ``file`` rules are raised by the line reader (encoding,
blank lines), ``schema`` rules by the JSON Schema of the format (the schema names
the rule code with ``x-rule``/``x-rules``), ``example`` rules are small functions
of one parsed example, and ``dataset`` rules run on the merged statistics of a
whole file. All of them are declared here or through the decorators below, so
``jsonl-guard rules`` lists every one.

Example and dataset rules name the rule sets they belong to (``rule_sets``); a
profile runs the rules of the sets it lists, and ``*`` belongs to every profile.
Provider-specific rules live in ``_providers/<provider>.py``, found on import.
"""

from __future__ import annotations

import enum
import functools
import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._diagnostics import Severity
from ._features import unknown_features

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
    rule_sets: tuple[str, ...] = ("*",)
    # Example features the rule can only fire with (``_features.FEATURES``):
    # examples without them skip it (speed, same verdict).
    needs: frozenset[str] = frozenset()

    def applies_to(self, rule_sets: tuple[str, ...]) -> bool:
        """File and schema rules always apply; the others when a set matches."""
        if self.scope in (Scope.FILE, Scope.SCHEMA) or "*" in self.rule_sets:
            return True
        return any(name in rule_sets for name in self.rule_sets)


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
    rule_sets: tuple[str, ...] = ("*",),
    needs: frozenset[str] = frozenset(),
) -> Rule:
    if code in RULES:
        raise ValueError(f"rule {code} declared twice")
    if unknown := unknown_features(needs):
        raise ValueError(f"rule {code} needs unknown features {unknown}")
    rule = Rule(
        code,
        name,
        severity,
        scope,
        summary,
        hint,
        bad,
        good,
        example_check,
        dataset_check,
        rule_sets,
        needs,
    )
    RULES[code] = rule
    return rule


def example_rule(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    hint: str,
    *,
    bad: str,
    good: str,
    rule_sets: tuple[str, ...] = ("openai-chat",),
    needs: tuple[str, ...] = (),
) -> Callable[[ExampleCheck], ExampleCheck]:
    """Register a function of one parsed example that yields a message per problem."""

    def register(check: ExampleCheck) -> ExampleCheck:
        declare(
            code,
            name,
            severity,
            Scope.EXAMPLE,
            summary,
            hint,
            bad=bad,
            good=good,
            example_check=check,
            rule_sets=rule_sets,
            needs=frozenset(needs),
        )
        return check

    return register


def dataset_rule(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    hint: str,
    *,
    bad: str,
    good: str,
    rule_sets: tuple[str, ...] = ("*",),
) -> Callable[[DatasetCheck], DatasetCheck]:
    """Register a function of a file's merged statistics that yields findings."""

    def register(check: DatasetCheck) -> DatasetCheck:
        declare(
            code,
            name,
            severity,
            Scope.DATASET,
            summary,
            hint,
            bad=bad,
            good=good,
            dataset_check=check,
            rule_sets=rule_sets,
        )
        return check

    return register


@functools.cache
def load_rule_modules() -> None:
    """Import every module that registers rules (or token methods), once: it lists a
    folder, and rule and token-method lookups call it."""
    from . import (  # noqa: F401 - importing registers the rules
        _content_rules,
        _conversation_rules,
        _dataset_rules,
        _file_rules,
        _providers,
        _tool_rules,
    )

    for module in pkgutil.iter_modules(_providers.__path__):
        importlib.import_module(f"{_providers.__name__}.{module.name}")


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by code (imports the rule modules first)."""
    load_rule_modules()
    return sorted(RULES.values(), key=lambda r: r.code)


def find_rule(code_or_name: str) -> Rule | None:
    wanted = code_or_name.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    return None
