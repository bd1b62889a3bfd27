"""Rendering a ``SmokeResult``: the text table, the ``--format json`` object, JUnit XML.

Only formatting: nothing here sends a request, prints or exits.
"""

from __future__ import annotations

import json
from typing import Any

from ..finetune.backend import Reply
from ..reporters.junit_xml import JUnitCase, JUnitProblem, junit_xml
from ..untrusted import safe
from .expectations import CaseResult, SmokeResult
from .file import plural

FORMATS = ("text", "json", "junit")


def render(result: SmokeResult, output_format: str = "text") -> str:
    if output_format == "json":
        return json.dumps(result_dict(result), indent=2, ensure_ascii=False) + "\n"
    if output_format == "junit":
        return render_junit(result)
    if output_format == "text":
        return render_text(result)
    raise ValueError(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")


def result_dict(result: SmokeResult) -> dict[str, Any]:
    """The ``--format json`` object (see ``jsonl_guard.smoke``'s docstring)."""
    return {
        "version": 1,
        "path": result.path,
        "model": result.model,
        "passed": result.passed,
        "summary": {
            "cases": len(result.cases),
            "passed": len(result.cases) - len(result.failed_cases),
            "failed": len(result.failed_cases),
        },
        "cases": [
            {
                "name": case.case.name,
                "line": case.case.line,
                "passed": case.passed,
                "reply": case.reply.content,
                "refusal": case.reply.refusal,
                "finish_reason": case.reply.finish_reason,
                "completion_tokens": case.completion_tokens,
                "tokens_source": case.tokens_source,
                "expectations": [
                    {
                        "kind": check.kind,
                        "expected": check.expected,
                        "passed": check.passed,
                        "message": check.message,
                    }
                    for check in case.checks
                ],
            }
            for case in result.cases
        ],
    }


def render_text(result: SmokeResult, *, reply_chars: int = 400, reply_lines: int = 8) -> str:
    """The pass/fail table; failed cases show why and (the start of) the reply."""
    out = [f"Smoke test of {result.model} with {result.path} ({plural(len(result.cases), 'case')})"]
    width = min(max((len(c.case.name) for c in result.cases), default=4), 40)
    for case in result.cases:
        status = "PASS" if case.passed else "FAIL"
        name = case.case.name if len(case.case.name) <= width else case.case.name[: width - 1] + "~"
        tokens = "" if case.completion_tokens is None else f"  {case.completion_tokens} tokens"
        out.append(f"  {status}  {name:<{width}}  line {case.case.line}{tokens}")
        if case.passed:
            continue
        for check in case.failures:
            out.append(f"        - {check.kind}: {check.message}")
        out.extend("        " + line for line in _reply_lines(case.reply, reply_chars, reply_lines))
    failed = len(result.failed_cases)
    passed = len(result.cases) - failed
    verdict = "all passed" if not failed else f"{failed} failed, {passed} passed"
    out.append(f"{verdict} ({plural(len(result.cases), 'case')} against {result.model})")
    return "\n".join(out) + "\n"


def _reply_lines(reply: Reply, max_chars: int, max_lines: int) -> list[str]:
    notes = []
    if reply.finish_reason and reply.finish_reason != "stop":
        notes.append(f"finish_reason {reply.finish_reason}")
    if reply.refusal:
        notes.append(f"refusal: {safe(repr(reply.refusal[:200]))}")
    text = reply.content
    if not text:
        return [f"reply: (empty{'; ' + '; '.join(notes) if notes else ''})"]
    shown = text[:max_chars].splitlines()[:max_lines]
    cut = len("\n".join(shown)) < len(text)
    size = f"{len(text)} characters"
    if cut:
        size += f", first {len(chr(10).join(shown))} shown"
    header = f"reply ({'; '.join([size, *notes])}):"
    # The model's text: escaped and secrets masked, each line behind "  | " so none
    # can pass for the tool's own output or a CI workflow command.
    lines = [header, *(f"  | {safe(line)}" for line in shown)]
    if cut:
        lines.append("  | ...")
    return lines


def render_junit(result: SmokeResult) -> str:
    """JUnit XML: one ``<testcase>`` per smoke case, failures with the reply."""
    return junit_xml(
        [_junit_case(case, result.path) for case in result.cases],
        name="jsonl-guard smoke",
        suite=f"smoke {result.model}",
    )


def _junit_case(case: CaseResult, path: str) -> JUnitCase:
    failure = None
    if not case.passed:
        kinds = ", ".join(dict.fromkeys(c.kind for c in case.failures))
        summary = f"{len(case.failures)} of {len(case.checks)} expectation(s) failed: {kinds}"
        details = [f"{c.kind}: {c.message}" for c in case.failures]
        details += _reply_lines(case.reply, 4000, 200)
        failure = JUnitProblem("failure", summary, "smoke", "\n".join(details))
    return JUnitCase(
        "jsonl-guard.smoke",
        case.case.name,
        file=path,
        line=case.case.line,
        problem=failure,
        output=case.reply.content,
    )
