"""``python -m jsonl_guard``: the ``jsonl-guard`` command."""

from .cli import console_main

console_main()
