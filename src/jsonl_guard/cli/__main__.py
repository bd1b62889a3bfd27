"""``python -m jsonl_guard.cli``: the ``jsonl-guard`` command."""

from __future__ import annotations

from .app import main

raise SystemExit(main())
