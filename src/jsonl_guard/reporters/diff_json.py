"""``jsonl-guard diff --format json``: the machine form, versioned (docs/diff.md)."""

from __future__ import annotations

import json
from typing import Any

from ..engine.diff import Change, Diff, FileDiff
from ..engine.diff_gates import GateResult
from . import _untrusted as shown

# Bumped when a field is renamed or removed; new fields come without a bump.
DIFF_VERSION = 1


def render(diff: Diff, gates: tuple[GateResult, ...] = ()) -> str:
    document = diff_dict(diff, gates)
    return shown.json_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def diff_dict(diff: Diff, gates: tuple[GateResult, ...] = ()) -> dict[str, Any]:
    return {
        "kind": "jsonl-guard diff",
        "version": DIFF_VERSION,
        "files": [_file(file) for file in diff.files],
        "summary": {
            "files": len(diff.files),
            "examples": _change(diff.examples),
            "tokens_total": _change(diff.tokens_total),
            "estimated_usd": _change(diff.cost_usd),
            "new_errors": diff.new_errors,
        },
        "gates": [
            {"gate": gate.gate, "tripped": gate.tripped, "message": gate.message} for gate in gates
        ],
        "tripped": any(gate.tripped for gate in gates),
    }


def _change(change: Change) -> dict[str, Any]:
    percent = change.percent
    return {
        "before": change.before,
        "after": change.after,
        "delta": change.delta,
        "percent": None if percent is None else round(percent, 2),
    }


def _file(file: FileDiff) -> dict[str, Any]:
    return {
        "path": file.path,
        "before_path": file.before_path,
        "after_path": file.after_path,
        "status": file.status,
        "before_error": file.before_error,
        "after_error": file.after_error,
        "examples": _change(file.examples),
        "added": file.added,
        "removed": file.removed,
        "tokens": {
            "total": _change(file.tokens_total),
            "p50": _change(file.tokens_p50),
            "p90": _change(file.tokens_p90),
            "max": _change(file.tokens_max),
        },
        "estimated_usd": _change(file.cost_usd),
        "model": file.model,
        "rules": [
            {
                "code": rule.code,
                "name": rule.name,
                "severity": rule.severity,
                "before": rule.before,
                "after": rule.after,
                "new": rule.new,
                "fixed": rule.fixed,
            }
            for rule in file.rules
        ],
        "new_errors": file.new_errors,
    }
