"""The ``jsonl-guard`` command line: ``main(argv) -> int`` and the console entry point."""

from __future__ import annotations

from .app import console_main, main, parse_args
from .arguments import UsageError
from .check import exit_code, expand_paths

__all__ = [
    "UsageError",
    "console_main",
    "exit_code",
    "expand_paths",
    "main",
    "parse_args",
]
