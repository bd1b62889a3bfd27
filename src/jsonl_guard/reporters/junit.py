"""``--format junit``: JUnit XML, one test case per file, for CI dashboards."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .._report import FileReport, Report
from .text import render_file

# Characters XML 1.0 cannot hold at all, even escaped (file names and data may have them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case(file: FileReport) -> ET.Element:
    case = ET.Element("testcase", classname="jsonl-guard", name=_xml_text(file.path))
    if file.io_error is not None:
        error = ET.SubElement(case, "error", message=file.io_error, type="io-error")
        error.text = _xml_text(f"{file.path}: {file.io_error}")
        return case
    details = _xml_text(render_file(file, info=True))
    if file.errors:
        message = f"{file.errors} error(s), {file.warnings} warning(s) in {file.examples} examples"
        ET.SubElement(case, "failure", message=message, type="jsonl-guard").text = details
    elif details:
        ET.SubElement(case, "system-out").text = details
    return case


def render(report: Report, color: bool = False) -> str:
    failures = sum(1 for f in report.files if f.io_error is None and f.errors)
    errors = report.io_errors
    attributes = {
        "name": "jsonl-guard",
        "tests": str(len(report.files)),
        "failures": str(failures),
        "errors": str(errors),
    }
    suites = ET.Element("testsuites", attributes)
    suite = ET.SubElement(suites, "testsuite", {**attributes, "skipped": "0"})
    for file in report.files:
        suite.append(_case(file))
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


__all__ = ["render"]
