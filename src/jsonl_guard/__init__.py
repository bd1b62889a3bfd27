"""jsonl-guard: catch every defect in fine-tuning JSONL files before you pay for an upload."""

from __future__ import annotations

from .conversion.neutral import NotConvertible
from .conversion.run import ConvertResult, convert
from .engine.checker import (
    Checked,
    Checker,
    DatasetResult,
    check_dataset,
    check_examples,
    check_lines,
    check_path,
    check_shard,
    check_shard_path,
    shard_report,
)
from .engine.cost import CostEstimate, default_epochs
from .engine.diagnostics import Diagnostic, Finding, Severity
from .engine.file_run import FileRun
from .engine.models import DEFAULT_MODEL, ModelSpec, UnknownModelError, model_table, resolve_model
from .engine.options import CheckOptions
from .engine.report import Distribution, FileReport, Report, TokenSummary, report_dict
from .engine.shards import Shard, merge_shards
from .errors import ExitCode, JsonlGuardError
from .rules.catalogue import all_rules, find_rule
from .rules.registry import Rule
from .rules.selection import InvalidSeverityError, UnknownRuleError
from .tokens.chat_formula import ExampleTokens, TokenCounter
from .tokens.encodings import EncodingUnavailableError

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MODEL",
    "CheckOptions",
    "Checked",
    "Checker",
    "ConvertResult",
    "CostEstimate",
    "DatasetResult",
    "Diagnostic",
    "Distribution",
    "EncodingUnavailableError",
    "ExampleTokens",
    "ExitCode",
    "FileReport",
    "FileRun",
    "Finding",
    "InvalidSeverityError",
    "JsonlGuardError",
    "ModelSpec",
    "NotConvertible",
    "Report",
    "Rule",
    "Severity",
    "Shard",
    "TokenCounter",
    "TokenSummary",
    "UnknownModelError",
    "UnknownRuleError",
    "all_rules",
    "check_dataset",
    "check_examples",
    "check_lines",
    "check_path",
    "check_shard",
    "check_shard_path",
    "convert",
    "default_epochs",
    "find_rule",
    "merge_shards",
    "model_table",
    "report_dict",
    "resolve_model",
    "shard_report",
]
