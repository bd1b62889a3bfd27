"""The rule registry, rule selection, the rule context and the rules every profile shares
(file, schema, conversation, tools, content, dataset).
"""

from __future__ import annotations

from .context import TRAINING, VALIDATION, DatasetContext, ExampleContext, object_messages
from .registry import (
    ExampleCheck,
    Rule,
    all_rules,
    dataset_rule,
    example_rule,
    find_rule,
    load_rule_modules,
    schema_rule,
)
from .selection import InvalidSeverityError, RuleSelection, UnknownRuleError

__all__ = [
    "TRAINING",
    "VALIDATION",
    "DatasetContext",
    "ExampleCheck",
    "ExampleContext",
    "InvalidSeverityError",
    "Rule",
    "RuleSelection",
    "UnknownRuleError",
    "all_rules",
    "dataset_rule",
    "example_rule",
    "find_rule",
    "load_rule_modules",
    "object_messages",
    "schema_rule",
]
