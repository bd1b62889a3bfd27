"""``jsonl-guard smoke``: run a smoke file's cases against a model and check the replies."""

from __future__ import annotations

from ..finetune.backend import Reply
from .command import (
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_PASSED,
    SmokeAPIError,
    add_arguments,
    ask,
    run_cases,
    run_command,
    run_smoke,
    run_smoke_cli,
)
from .expectations import (
    CaseResult,
    CheckResult,
    SmokeResult,
    count_reply_tokens,
    evaluate,
    reply_encoding,
)
from .file import (
    CASE_KEYS,
    EXPECTATION_KINDS,
    ROLES,
    Expectations,
    Problem,
    SmokeCase,
    SmokeFileError,
    load_smoke_file,
    parse_smoke_lines,
)
from .report import FORMATS, render, render_junit, render_text, result_dict

__all__ = [
    "CASE_KEYS",
    "EXIT_ERROR",
    "EXIT_FAILED",
    "EXIT_PASSED",
    "EXPECTATION_KINDS",
    "FORMATS",
    "ROLES",
    "CaseResult",
    "CheckResult",
    "Expectations",
    "Problem",
    "Reply",
    "SmokeAPIError",
    "SmokeCase",
    "SmokeFileError",
    "SmokeResult",
    "add_arguments",
    "ask",
    "count_reply_tokens",
    "evaluate",
    "load_smoke_file",
    "parse_smoke_lines",
    "render",
    "render_junit",
    "render_text",
    "reply_encoding",
    "result_dict",
    "run_cases",
    "run_command",
    "run_smoke",
    "run_smoke_cli",
]
