"""jsonl-guard: catch every defect in fine-tuning JSONL files before you pay for an upload."""

from __future__ import annotations

from ._checker import (
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
from ._cost import CostEstimate, default_epochs
from ._diagnostics import Diagnostic, Finding, Severity
from ._encodings import EncodingUnavailableError
from ._errors import ExitCode, JsonlGuardError
from ._file_run import FileRun
from ._models import DEFAULT_MODEL, ModelSpec, UnknownModelError, model_table, resolve_model
from ._options import CheckOptions
from ._report import Distribution, FileReport, Report, TokenSummary, report_dict
from ._rules import Rule, all_rules, find_rule
from ._selection import InvalidSeverityError, UnknownRuleError
from ._shards import Shard, merge_shards
from ._tokens import ExampleTokens, TokenCounter

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MODEL",
    "CheckOptions",
    "Checked",
    "Checker",
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
    "default_epochs",
    "find_rule",
    "merge_shards",
    "model_table",
    "report_dict",
    "resolve_model",
    "shard_report",
]
