"""The rule registry, the catalogue of rule modules, rule selection, the rule context and
the rules every profile shares (file, schema, conversation, tools, content, dataset).
"""

from __future__ import annotations

from .catalogue import all_rules, find_rule, load_rule_modules
from .context import TRAINING, VALIDATION, DatasetContext, ExampleContext, object_messages
from .registry import ExampleCheck, Rule, dataset_rule, example_rule, schema_rule
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
