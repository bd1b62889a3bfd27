"""``--format junit``: JUnit XML, one test case per file, for CI dashboards."""

from __future__ import annotations

from ..engine.report import FileReport, Report
from ._options import PLAIN, RenderOptions
from .junit_xml import JUnitCase, JUnitProblem, junit_xml
from .text import render_file


def _case(file: FileReport) -> JUnitCase:
    if file.io_error is not None:
        error = JUnitProblem("error", file.io_error, "io-error", f"{file.path}: {file.io_error}")
        return JUnitCase("jsonl-guard", file.path, problem=error)
    details = render_file(file, info=True)
    if file.errors:
        message = f"{file.errors} error(s), {file.warnings} warning(s) in {file.examples} examples"
        failure = JUnitProblem("failure", message, "jsonl-guard", details)
        return JUnitCase("jsonl-guard", file.path, problem=failure)
    return JUnitCase("jsonl-guard", file.path, output=details or None)


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return junit_xml([_case(file) for file in report.files], name="jsonl-guard")


__all__ = ["render"]
