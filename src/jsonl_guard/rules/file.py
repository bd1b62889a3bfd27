"""Declarations of the file rules: raised by the line reader and the checker, not by a check.

``engine/parse.py`` raises the JSON rules (invalid UTF-8, invalid JSON, duplicate keys),
``engine/line.py`` those about one line's bytes (BOM, blank line, a line in another format, an
unpaired surrogate, nesting too deep to check) and ``engine/checker.py`` those about the whole
file (no examples, CRLF line endings); ``engine/file_run.py`` reports a line over
max-line-bytes, which ``engine/lines.py`` skipped unread. ``tests/test_registry.py`` checks
that every code they raise is declared here (or elsewhere in the registry).
"""

from __future__ import annotations

from ..engine.diagnostics import Severity
from .registry import file_rule

ERROR, WARNING = Severity.ERROR, Severity.WARNING
U = '{"role": "user", "content": "Hi"}'
A = '{"role": "assistant", "content": "Hello!"}'
GOOD = f'{{"messages": [{U}, {A}]}}'

file_rule(
    code="JG100",
    name="empty-file",
    severity=ERROR,
    summary="The file holds no examples at all.",
    hint="Write one JSON object per line; an empty file cannot be trained on.",
    bad="",
    good=GOOD,
)
file_rule(
    code="JG101",
    name="utf8-bom",
    severity=ERROR,
    summary="The file starts with a UTF-8 byte-order mark, which strict JSON parsers reject.",
    hint="Re-save the file as UTF-8 without BOM (e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`).",
    bad="\ufeff" + GOOD,
    good=GOOD,
)
file_rule(
    code="JG102",
    name="invalid-utf8",
    severity=ERROR,
    summary="A line is not valid UTF-8.",
    hint="Re-encode the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`).",
    bad='{"messages": [{"role": "user", "content": "caf\\xe9"}]}  (raw byte 0xE9)',
    good=GOOD,
)
file_rule(
    code="JG103",
    name="blank-line",
    severity=WARNING,
    summary="A line is empty or whitespace only; some uploaders reject it as invalid JSON.",
    hint="Delete the blank line (a single newline at the end of the file is fine).",
    bad=GOOD + "\n\n" + GOOD,
    good=GOOD + "\n" + GOOD,
)
file_rule(
    code="JG104",
    name="crlf-line-endings",
    severity=WARNING,
    summary="Lines end with CRLF (Windows line endings).",
    hint="Convert to LF line endings (e.g. `dos2unix FILE`).",
    bad=GOOD + "\r\n",
    good=GOOD + "\n",
)
file_rule(
    code="JG106",
    name="line-too-long",
    severity=ERROR,
    summary="A line is longer than max-line-bytes (64 MiB by default), far over any "
    "provider's per-example limit; it is skipped, not read.",
    hint="Split or shorten the example (often a file with no newlines, or binary data); if "
    "lines this long are meant, raise max-line-bytes in [tool.jsonl-guard] or with "
    "--max-line-bytes.",
    bad="(one line of 100 MB)",
    good=GOOD,
)
file_rule(
    code="JG130",
    name="mixed-formats",
    severity=ERROR,
    summary="A line is in another profile's format than the file "
    "(detected from its first example).",
    hint="Keep one format per file: convert the line, or move it to a file of its own format.",
    bad='(line 1: {"messages": [...]}, line 2: {"prompt": "...", "completion": "..."})',
    good='(every line: {"messages": [...]})',
)
file_rule(
    code="JG110",
    name="invalid-json",
    severity=ERROR,
    summary="A line is not valid JSON.",
    hint="Fix the JSON at the given column; each line must be one complete JSON object.",
    bad='{"messages": [{"role": "user", "content": "Hi"}]',
    good=GOOD,
)

# A warning, not an error: every provider's parser takes the file (Python's json keeps the
# last value), so the upload passes; the first value is lost without a word (docs/peers.md).
file_rule(
    code="JG121",
    name="duplicate-key",
    severity=WARNING,
    summary="A JSON object repeats a key; parsers keep only one of the values, silently.",
    hint="Merge the two values or rename one key; usually a concatenation bug.",
    bad='{"messages": [], "messages": [{"role": "user", "content": "Hi"}, '
    '{"role": "assistant", "content": "Hello!"}]}',
    good=GOOD,
)
file_rule(
    code="JG122",
    name="nested-too-deeply",
    severity=ERROR,
    summary="A line nests arrays or objects so deeply (hundreds of levels) that it cannot be "
    "checked.",
    hint="Flatten the value; no fine-tuning format nests that deep, so the line is usually "
    "generated or corrupted.",
    bad="(a line nesting about 1,000 arrays inside a tool's parameters: [[[[...]]]])",
    good=GOOD,
)
