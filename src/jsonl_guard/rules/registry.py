"""The rule registry: every rule's code, name, severity, summary, hint and examples.

Rules come in four scopes. ``file`` rules are raised by the line reader and the checker
(encoding, blank lines, JSON syntax), ``schema`` rules by the JSON Schema of the format
(a subschema names its rule code with ``x-rule``/``x-rules``), ``example`` rules are
small functions of one parsed example, and ``dataset`` rules are functions of a whole
file's merged statistics.

Every rule is declared with the same keyword fields (``RuleText``: code, name, severity,
summary, hint, bad, good), by the helper of its scope: ``file_rule`` and ``schema_rule``
for the rules the engine raises, the ``example_rule`` and ``dataset_rule`` decorators for
the rules with a check. All four go through ``declare``, the one place that builds a
``Rule``; it refuses a code that is not ``JG`` and three digits, and a code or name
declared twice. Example and dataset rules name the rule sets they belong to
(``rule_sets``, required): a profile runs the rules of the sets it lists, and ``("*",)``
belongs to every profile.

A check never repeats its rule's code: an example check yields one message per problem
(the line checker adds the code and the line), a dataset check yields a message about
the file or a ``(message, line)`` pair about one line, and ``declare`` wraps it into
findings with its rule's code.

Declaring modules register their rules (and token methods) when imported. This module
holds the registry only and imports none of them: ``rules.catalogue`` lists every
declaring module, imports them all (``load_rule_modules``) and looks rules up in the
whole catalogue (``all_rules``, ``find_rule``). Adding a rule is one function in an
existing module (and its fixtures); adding a module is one import in the catalogue's
list. Rule modules import this module, never ``rules.catalogue``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from ..engine.diagnostics import Finding, Severity
from ..engine.gating import unknown_features

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..engine.stats import DatasetStats
    from .context import DatasetContext, ExampleContext

CODE = re.compile(r"JG[0-9]{3}\Z")
NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
EVERY_PROFILE = ("*",)

# What a dataset check yields: a message about the file, or (message, line) about a line.
DatasetMessage = str | tuple[str, int]
ExampleCheck = Callable[[dict[str, Any], "ExampleContext"], Iterable[str]]
DatasetCheck = Callable[["DatasetStats", "DatasetContext"], Iterable[DatasetMessage]]


class Scope(str, enum.Enum):
    FILE = "file"
    SCHEMA = "schema"
    EXAMPLE = "example"
    DATASET = "dataset"


class RuleText(TypedDict):
    """What every rule declaration says about its rule, whatever its scope.

    ``bad``/``good`` are a documentation example (``jsonl-guard rules CODE``): lines of
    a file, or a description in parentheses.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    hint: str
    bad: str
    good: str


@dataclass(frozen=True)
class DatasetFindings:
    """A dataset check's messages as findings with its rule's code (run once per file).

    A class, not a closure, so that rules (and a ``Checker``) still pickle.
    """

    code: str
    check: DatasetCheck

    def __call__(self, stats: DatasetStats, ctx: DatasetContext) -> Iterator[Finding]:
        for item in self.check(stats, ctx):
            if isinstance(item, str):
                yield Finding(self.code, item)
            else:
                message, line = item
                yield Finding(self.code, message, line=line)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A registered rule: its ``RuleText`` fields, its scope, and its check if it has one.

    ``dataset_check`` yields findings with the rule's code (``declare`` wraps the
    declared function); ``needs`` are the example features (``engine.gating.FEATURES``) an
    example rule can only fire with: examples without them skip it (speed, same verdict).
    """

    code: str
    name: str
    severity: Severity
    scope: Scope
    summary: str
    hint: str
    bad: str
    good: str
    rule_sets: tuple[str, ...]
    needs: frozenset[str] = frozenset()
    example_check: ExampleCheck | None = None
    dataset_check: DatasetFindings | None = None

    def applies_to(self, rule_sets: tuple[str, ...]) -> bool:
        """Whether a profile listing ``rule_sets`` runs this rule (file and schema rules,
        declared for every profile, always do)."""
        return "*" in self.rule_sets or any(name in rule_sets for name in self.rule_sets)

    def describe(self) -> str:
        """What ``jsonl-guard rules CODE`` prints (the HTML report shows it too)."""
        return (
            f"{self.code} {self.name} ({self.severity.value}, {self.scope.value} rule)\n\n"
            f"{self.summary}\n\nFix: {self.hint}\n\n"
            f"Bad:\n  {self.bad or '(empty file)'}\n\nFixed:\n  {self.good}\n"
        )


RULES: dict[str, Rule] = {}


def declare(
    scope: Scope,
    text: RuleText,
    *,
    rule_sets: tuple[str, ...],
    needs: Iterable[str] = (),
    example_check: ExampleCheck | None = None,
    dataset_check: DatasetCheck | None = None,
) -> Rule:
    """Build a rule and register it: the one way into the registry (use the helpers).

    Raises ``ValueError`` for a malformed code or name, a code or name declared twice,
    missing or malformed rule sets, or unknown ``needs``.
    """
    code = text["code"]
    rule = Rule(
        **text,
        scope=scope,
        rule_sets=rule_sets,
        needs=frozenset(needs),
        example_check=example_check,
        dataset_check=None if dataset_check is None else DatasetFindings(code, dataset_check),
    )
    _refuse_malformed(rule)
    RULES[code] = rule
    return rule


def _refuse_malformed(rule: Rule) -> None:
    code = rule.code
    if not isinstance(code, str) or not CODE.match(code):
        raise ValueError(f"rule code {code!r} is not JG and three digits (e.g. JG123)")
    if code in RULES:
        raise ValueError(f"rule {code} declared twice")
    if not isinstance(rule.name, str) or not NAME.match(rule.name):
        raise ValueError(f"rule {code}: name {rule.name!r} is not lower-case-with-dashes")
    twin = next((other.code for other in RULES.values() if other.name == rule.name), None)
    if twin is not None:
        raise ValueError(f"rule {code}: name {rule.name!r} is already the name of {twin}")
    if not isinstance(rule.severity, Severity):
        raise ValueError(f"rule {code}: severity {rule.severity!r} is not a Severity")
    checks = (rule.example_check is not None, rule.dataset_check is not None)
    if checks != (rule.scope is Scope.EXAMPLE, rule.scope is Scope.DATASET):
        takes = {Scope.EXAMPLE: "an example check", Scope.DATASET: "a dataset check"}
        raise ValueError(
            f"rule {code}: {rule.scope.value} rules take {takes.get(rule.scope, 'no check')}"
        )
    sets = rule.rule_sets
    if rule.scope in (Scope.FILE, Scope.SCHEMA) and sets != EVERY_PROFILE:
        raise ValueError(f"rule {code}: {rule.scope.value} rules belong to every profile")
    if not isinstance(sets, tuple) or not sets or not all(isinstance(s, str) and s for s in sets):
        raise ValueError(
            f"rule {code}: rule_sets must be a non-empty tuple of rule set names, not "
            f'{sets!r} (("*",) for every profile)'
        )
    if unknown := unknown_features(rule.needs):
        raise ValueError(f"rule {code} needs unknown features {unknown}")


def file_rule(**text: Unpack[RuleText]) -> Rule:
    """Declare a rule raised by the line reader or the checker (no check of its own)."""
    return declare(Scope.FILE, text, rule_sets=EVERY_PROFILE)


def schema_rule(**text: Unpack[RuleText]) -> Rule:
    """Declare a rule raised by the formats' JSON Schemas (``x-rule``/``x-rules``)."""
    return declare(Scope.SCHEMA, text, rule_sets=EVERY_PROFILE)


def example_rule(
    *, rule_sets: tuple[str, ...], needs: Iterable[str] = (), **text: Unpack[RuleText]
) -> Callable[[ExampleCheck], ExampleCheck]:
    """Register a function of one parsed example that yields a message per problem."""

    def register(check: ExampleCheck) -> ExampleCheck:
        declare(Scope.EXAMPLE, text, rule_sets=rule_sets, needs=needs, example_check=check)
        return check

    return register


def dataset_rule(
    *, rule_sets: tuple[str, ...], **text: Unpack[RuleText]
) -> Callable[[DatasetCheck], DatasetCheck]:
    """Register a function of a file's merged statistics that yields a message about
    the file, or a ``(message, line)`` pair about one line, per problem."""

    def register(check: DatasetCheck) -> DatasetCheck:
        declare(Scope.DATASET, text, rule_sets=rule_sets, dataset_check=check)
        return check

    return register
