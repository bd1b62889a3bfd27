"""Text from outside is printed inert by every reporter (issue 11, "Untrusted text").

The data (``tests/fixtures/untrusted/escape-key.jsonl``: keys and a role holding ANSI
escapes, CR/LF and a workflow command, a Markdown heading) and a hostile file name
(undecodable bytes, a newline, backticks, ``#``, HTML, ``|``, ``::`` first) go through
every ``--format`` and the step summary.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import FIXTURES
from jsonl_guard import Checker, CheckOptions, Report
from jsonl_guard.cli import main
from jsonl_guard.reporters import REPORTERS, RenderOptions, summary

HOSTILE_KEY = FIXTURES / "untrusted" / "escape-key.jsonl"
# What a terminal or a GitHub log would act on: escapes, line breaks, workflow commands.
ESCAPE = "\x1b"
HOSTILE_NAME = os.fsdecode(
    b"::warning::forged\xff`\n# \xe2\x9c\x85 no errors <b>x<script> | [a](javascript:x) \x1b[2J.jsonl"
)


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    """The hostile data under the hostile name, relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    Path(HOSTILE_NAME).write_bytes(HOSTILE_KEY.read_bytes())
    options = CheckOptions(model="gpt-4o-mini-2024-07-18", min_examples=1)
    return Checker(options).check_paths([HOSTILE_NAME, str(HOSTILE_KEY)])


def _lines(text: str) -> list[str]:
    # Every line break a log viewer might honour, not only "\n".
    return text.replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n").split("\n")


def test_the_fixture_is_hostile() -> None:
    text = HOSTILE_KEY.read_text("utf-8")
    assert "\\u001b[2J\\u001b[HNo errors" in text and "\\r\\n::error::forged" in text


@pytest.mark.parametrize("color", [False, True])
def test_text_output_escapes_the_data_and_the_file_name(report: Report, color: bool) -> None:
    out = REPORTERS["text"](report, RenderOptions(color=color, info=True))
    out.encode("utf-8")  # no lone surrogate: a UTF-8 terminal can print it
    if color:  # only our own colour codes: each escape opens "\x1b[<digits>m"
        assert all(part[:1] == "[" and "m" in part[:6] for part in out.split(ESCAPE)[1:])
        assert "\x1b[2J" not in out and "\x1b[H" not in out
    else:
        assert ESCAPE not in out
    assert "unknown keys '\\x1b[2J\\x1b[HNo errors', '\\x0d\\x0a::error::forged" in out
    lines = _lines(out)
    assert not any(line.lstrip().startswith("::") for line in lines)
    assert "./::warning::forged\\xff`\\x0a# ✅ no errors <b>x<script>" in out
    assert not any(line.startswith("# ") for line in lines)


def test_the_cli_text_output_cannot_clear_the_screen(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(HOSTILE_KEY), "--min-examples", "1", "--color", "always"])
    out = capsys.readouterr().out
    assert code == 1
    assert "\x1b[2J" not in out and "'\\x1b[2J\\x1b[HNo errors'" in out
    assert out.rstrip().endswith("Found 1 error(s) and 2 warning(s) in 1 file.\x1b[0m")


def test_github_output_is_only_our_workflow_commands(report: Report) -> None:
    out = REPORTERS["github"](report)
    out.encode("utf-8")
    lines = _lines(out.rstrip("\n"))
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert ESCAPE not in out
    # The file property cannot end early: ":" and "," are encoded in it.
    name = "file=./%3A%3Awarning%3A%3Aforged\\xff`\\x0a# ✅ no errors <b>x<script> | [a](javascript%3Ax)"
    assert name.replace("./", "") in out
    assert "%0D%0A::error::forged" not in out  # the data's CR/LF are escapes, not %0D%0A
    assert "\\x0d\\x0a::error::forged" in out


def test_the_step_summary_cannot_be_forged(report: Report) -> None:
    out = summary.render(report)
    out.encode("utf-8")
    lines = _lines(out)
    assert [line for line in lines if line.startswith("#")] == ["## jsonl-guard: ❌ errors found"]
    assert "<b>" not in out and "](" not in out and ESCAPE not in out
    rows = [line for line in lines if line.startswith("| ❌")]
    assert len(rows) == 2  # one per file: the name's "|" and newline add no row or cell
    assert all(row.count("|") == 10 for row in rows)
    assert "&#96;" in rows[0] and "`" not in rows[0]  # a backtick cannot close a code span


def test_the_step_summary_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    monkeypatch.chdir(tmp_path)
    Path(HOSTILE_NAME).write_bytes(HOSTILE_KEY.read_bytes())
    assert main(["check", HOSTILE_NAME, "--min-examples", "1", "-q"]) == 1
    capsys.readouterr()
    text = target.read_text("utf-8")  # written as valid UTF-8
    assert "## jsonl-guard: ❌ errors found" in text and "\n# " not in text


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_json_formats_are_valid_utf8_json(report: Report, output_format: str) -> None:
    out = REPORTERS[output_format](report)
    data = json.loads(out.encode("utf-8"))  # strict UTF-8: no lone surrogate
    if output_format == "sarif":
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in data["runs"][0]["results"]]  # fmt: skip
        assert any(uri.startswith("%3A%3Awarning%3A%3Aforged%FF%60%0A%23") for uri in uris)
    else:
        # The undecodable byte as the text \xff; JSON escapes the rest itself.
        assert data["files"][0]["path"].startswith("::warning::forged\\xff`\n# ")


def test_junit_is_well_formed_xml_without_escapes(report: Report) -> None:
    out = REPORTERS["junit"](report)
    root = ET.fromstring(out.encode("utf-8"))
    names = [case.get("name") or "" for case in root.iter("testcase")]
    assert names[0].startswith("::warning::forged\ufffd`\n# ")  # XML escapes the newline
    assert ESCAPE not in out
    failures = " ".join(f.text or "" for f in root.iter("failure"))
    assert "'\\x1b[2J\\x1b[HNo errors'" in failures


def test_the_html_page_is_utf8_and_shows_the_data_as_text(report: Report) -> None:
    page = REPORTERS["html"](report).encode("utf-8")  # strict: no lone surrogate
    assert b"\x1b" not in page
    assert b"<script" not in page.lower()
    assert b"::warning::forged\\xff`" in page  # the file name, made printable and escaped
