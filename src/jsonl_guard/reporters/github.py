"""``--format github``: one workflow command per finding, shown as PR annotations.

Escaping follows GitHub's workflow-command rules: in the message ``%``, CR and
LF are percent-encoded; property values (file, title) also encode ``:`` and ``,``.
Text from outside (file names, keys and values quoted from the data) is first made
printable, so no control character, escape or line break of its own reaches the log:
every line printed is one of the commands built here.
"""

from __future__ import annotations

from ..engine.diagnostics import Diagnostic, Severity
from ..engine.report import NotShown, Report
from . import _untrusted as shown
from ._options import PLAIN, RenderOptions

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(path: str, diagnostic: Diagnostic) -> str:
    properties = [f"file={escape_property(shown.line(path))}"]
    if diagnostic.line is not None:
        properties.append(f"line={diagnostic.line}")
        properties.append(f"col={diagnostic.column or 1}")
    properties.append(f"title={escape_property(f'{diagnostic.code} {diagnostic.name}')}")
    message = f"{shown.line(diagnostic.message)}\nhint: {shown.line(diagnostic.hint)}"
    return f"::{_COMMAND[diagnostic.severity]} {','.join(properties)}::{escape_data(message)}"


def not_shown_annotation(path: str, not_shown: NotShown) -> str:
    """One file-level annotation per rule whose findings past the first are only counted."""
    title = escape_property(f"{not_shown.code} {not_shown.name}")
    return (
        f"::{_COMMAND[not_shown.severity]} file={escape_property(path)},title={title}::"
        f"{escape_data(not_shown.message)}"
    )


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    lines = []
    for file in report.files:
        if file.io_error is not None:
            name, why = shown.line(file.path), shown.line(file.io_error)
            lines.append(
                f"::error file={escape_property(name)},title=jsonl-guard::"
                f"{escape_data(f'cannot check {name}: {why}')}"
            )
        # Info findings are not worth a PR annotation; the step summary counts them.
        lines.extend(
            annotation(file.path, d) for d in file.diagnostics if d.severity is not Severity.INFO
        )
        lines.extend(
            not_shown_annotation(file.path, n)
            for n in file.not_shown
            if n.severity is not Severity.INFO
        )
    return "".join(line + "\n" for line in lines)
