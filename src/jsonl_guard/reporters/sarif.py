"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..engine.diagnostics import Diagnostic, Severity
from ..engine.report import FileReport, Report
from ..rules.catalogue import all_rules
from ..rules.registry import Rule
from . import _untrusted as shown
from ._options import PLAIN, RenderOptions

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/jsonl-guard/jsonl-guard"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(rule: Rule) -> dict[str, Any]:
    markdown = f"{rule.summary}\n\n**Fix:** {rule.hint}"
    if rule.bad and not rule.bad.startswith("("):
        markdown += f"\n\nBad:\n\n```json\n{rule.bad}\n```\n\nFixed:\n\n```json\n{rule.good}\n```"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": f"{rule.summary} Fix: {rule.hint}", "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"scope": rule.scope.value},
    }


def artifact_uri(path: str) -> str:
    """The path as a URI reference. A relative one encodes ``:`` too (RFC 3986 4.2: in
    its first segment a colon would read as a scheme); an undecodable file-name byte
    (a surrogate, os.fsdecode) is percent-encoded as itself."""
    posix = PurePath(path).as_posix()
    safe = "/:" if PurePath(path).is_absolute() else "/"
    return quote(posix, safe=safe, errors="surrogateescape")


def _location(path: str, diagnostic: Diagnostic | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path)}}
    if diagnostic is not None and diagnostic.line is not None:
        physical["region"] = {"startLine": diagnostic.line, "startColumn": diagnostic.column or 1}
    return {"physicalLocation": physical}


def _results(file: FileReport, index: dict[str, int]) -> list[dict[str, Any]]:
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _LEVEL[d.severity],
            "message": {"text": f"{d.message}. Hint: {d.hint}"},
            "locations": [_location(file.path, d)],
        }
        for d in file.diagnostics
    ]
    # A rule's findings past the first ones listed: one file-level result with the count.
    results += [
        {
            "ruleId": n.code,
            "ruleIndex": index[n.code],
            "level": _LEVEL[n.severity],
            "message": {"text": n.message},
            "locations": [_location(file.path, None)],
            "properties": {"notShown": n.count},
        }
        for n in file.not_shown
    ]
    return results


def sarif_log(report: Report) -> dict[str, Any]:
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = [result for file in report.files for result in _results(file, index)]
    notifications = [
        {
            "level": "error",
            "message": {"text": f"cannot check {file.path}: {file.io_error}"},
            "locations": [_location(file.path, None)],
        }
        for file in report.files
        if file.io_error is not None
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "jsonl-guard",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not notifications,
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return shown.json_text(json.dumps(sarif_log(report), indent=2, ensure_ascii=False)) + "\n"
