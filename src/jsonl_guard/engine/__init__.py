"""The checking engine: parse a line, validate its schema, run the rules, count tokens,
aggregate statistics and build the report.
"""

from __future__ import annotations

from .checker import (
    Checked,
    Checker,
    CheckerCache,
    DatasetResult,
    check_dataset,
    check_examples,
    check_lines,
    check_path,
    check_shard,
    check_shard_path,
    shard_report,
)
from .cost import CostEstimate, default_epochs
from .diagnostics import Diagnostic, Finding, Severity
from .file_run import FileRun, Progress
from .gating import unknown_features
from .models import (
    DEFAULT_MODEL,
    ModelSpec,
    ModelTableError,
    UnknownModelError,
    base_model_name,
    model_table,
    resolve_model,
)
from .options import CheckOptions
from .parallel import parallel_jobs
from .profiles import Detection, Profile, models_of, profile_table, profiles_of, resolve_profile
from .report import Distribution, FileReport, Report, TokenSummary, report_dict
from .schema import format_path
from .shards import Shard, merge_shards
from .stats import DatasetStats

__all__ = [
    "DEFAULT_MODEL",
    "CheckOptions",
    "Checked",
    "Checker",
    "CheckerCache",
    "CostEstimate",
    "DatasetResult",
    "DatasetStats",
    "Detection",
    "Diagnostic",
    "Distribution",
    "FileReport",
    "FileRun",
    "Finding",
    "ModelSpec",
    "ModelTableError",
    "Profile",
    "Progress",
    "Report",
    "Severity",
    "Shard",
    "TokenSummary",
    "UnknownModelError",
    "base_model_name",
    "check_dataset",
    "check_examples",
    "check_lines",
    "check_path",
    "check_shard",
    "check_shard_path",
    "default_epochs",
    "format_path",
    "merge_shards",
    "model_table",
    "models_of",
    "parallel_jobs",
    "profile_table",
    "profiles_of",
    "report_dict",
    "resolve_model",
    "resolve_profile",
    "shard_report",
    "unknown_features",
]
