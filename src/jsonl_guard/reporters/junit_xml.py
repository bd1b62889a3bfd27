"""The one JUnit XML writer: ``check --format junit`` and ``smoke --format junit`` use it.

A report is one ``<testsuites>`` holding one ``<testsuite>`` of ``JUnitCase``s; the
counts of tests, failures and errors follow from the cases. Every text and attribute
is made safe for XML 1.0 first (file names and data may hold characters it cannot
carry even escaped).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# Characters XML 1.0 cannot hold at all, even escaped; lone surrogates (undecodable
# file-name bytes) no UTF-8 document can.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


@dataclass(frozen=True)
class JUnitProblem:
    """Why a test case did not pass: a ``failure`` (a check failed) or an ``error``."""

    kind: Literal["failure", "error"]
    message: str
    type: str
    text: str


@dataclass(frozen=True)
class JUnitCase:
    classname: str
    name: str
    file: str | None = None
    line: int | None = None
    problem: JUnitProblem | None = None
    output: str | None = None  # the <system-out> text; None: no such element


def _element(case: JUnitCase) -> ET.Element:
    attributes = {"classname": case.classname, "name": case.name}
    if case.file is not None:
        attributes["file"] = case.file
    if case.line is not None:
        attributes["line"] = str(case.line)
    element = ET.Element("testcase", {k: xml_text(v) for k, v in attributes.items()})
    problem = case.problem
    if problem is not None:
        detail = {"message": xml_text(problem.message), "type": xml_text(problem.type)}
        ET.SubElement(element, problem.kind, detail).text = xml_text(problem.text)
    if case.output is not None:
        ET.SubElement(element, "system-out").text = xml_text(case.output)
    return element


def junit_xml(cases: Sequence[JUnitCase], *, name: str, suite: str | None = None) -> str:
    """The XML document: ``name`` names the run, ``suite`` (default ``name``) its suite."""
    attributes = {
        "name": xml_text(name),
        "tests": str(len(cases)),
        "failures": str(sum(1 for c in cases if c.problem and c.problem.kind == "failure")),
        "errors": str(sum(1 for c in cases if c.problem and c.problem.kind == "error")),
    }
    suites = ET.Element("testsuites", attributes)
    suite_attributes = {**attributes, "name": xml_text(suite or name), "skipped": "0"}
    element = ET.SubElement(suites, "testsuite", suite_attributes)
    element.extend(_element(case) for case in cases)
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
