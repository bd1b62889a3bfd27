"""Report formats for CI: GitHub annotations, SARIF, JUnit, the step summary, --output.

Golden files live in tests/golden/; regenerate them with UPDATE_GOLDEN=1 after a
deliberate change, and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from helpers import FIXTURES, ROOT
from jsonl_guard import Checker, CheckOptions, Diagnostic, Report, Severity, all_rules
from jsonl_guard.cli import main
from jsonl_guard.reporters import PLAIN, REPORTERS, RenderOptions, summary
from jsonl_guard.reporters.github import annotation, escape_data, escape_property

GOLDEN = Path(__file__).resolve().parent / "golden"
ARGS = ["examples/support-bad.jsonl", "examples/tiny.jsonl", "--max-cost", "0.05"]


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(["check", *argv])
    return code, capsys.readouterr().out


def normalise(text: str, suffix: str) -> str:
    if suffix == ".sarif.json":
        data = json.loads(text)
        data["runs"][0]["tool"]["driver"]["version"] = "<version>"
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return text


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    suffix = "".join(Path(name).suffixes)
    text = normalise(text, suffix)
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; UPDATE_GOLDEN=1 to accept"


@pytest.mark.parametrize(
    ("output_format", "golden"),
    [("github", "support-bad.github.txt"), ("sarif", "support-bad.sarif.json"),
     ("junit", "support-bad.junit.xml")],
)  # fmt: skip
def test_golden_output(capsys, output_format, golden):
    code, out = run(capsys, *ARGS, "--format", output_format)
    assert code == 1
    assert_golden(golden, out)


def test_golden_step_summary(capsys, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run(capsys, *ARGS)
    assert_golden("support-bad.summary.md", summary.read_text("utf-8"))
    run(capsys, *ARGS)
    assert summary.read_text("utf-8").count("## jsonl-guard") == 2  # appended, not replaced


def test_sarif_is_valid_sarif_2_1_0(capsys):
    schema = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8"))
    _, out = run(capsys, *ARGS, "examples/missing.jsonl", "--format", "sarif")
    log = json.loads(out)
    errors = sorted(Draft202012Validator(schema).iter_errors(log), key=str)
    assert errors == [], errors[0].message if errors else ""
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_rules()]
    assert all(r["name"] and r["help"]["text"] for r in rules)
    line_results = [r for r in run_["results"] if "region" in r["locations"][0]["physicalLocation"]]
    assert {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in line_results} == {
        3,
        5,
        7,
        9,
        11,
        13,
        15,
        17,
        19,
        21,
        23,
    }
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    notifications = run_["invocations"][0]["toolExecutionNotifications"]
    assert "missing.jsonl" in notifications[0]["message"]["text"]
    assert run_["invocations"][0]["executionSuccessful"] is False


def test_github_escaping():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    diagnostic = Diagnostic("JG201", "unknown-role", Severity.ERROR, 2, 1, "bad: 50%", "fix, now")
    assert annotation("data/my,file:1.jsonl", diagnostic) == (
        "::error file=data/my%2Cfile%3A1.jsonl,line=2,col=1,title=JG201 unknown-role::"
        "bad: 50%25%0Ahint: fix, now"
    )
    file_level = Diagnostic("JG301", "too-few-examples", Severity.WARNING, None, None, "m", "h")
    assert annotation("a.jsonl", file_level).startswith("::warning file=a.jsonl,title=")


def test_junit_has_one_case_per_file(capsys):
    _, out = run(
        capsys, *ARGS, "examples/support-good.jsonl", "examples/missing.jsonl", "--format", "junit"
    )
    suites = ET.fromstring(out)
    cases = suites.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [
        "examples/support-bad.jsonl", "examples/tiny.jsonl", "examples/support-good.jsonl",
        "examples/missing.jsonl",
    ]  # fmt: skip
    # support-good.jsonl is clean: the run's budget finding (~$0.22 over $0.05, every
    # training file's share named) is on the first training file.
    assert [c.find("failure") is not None for c in cases] == [True, True, False, False]
    assert "JG501 error: the run's estimated cost $0.22" in cases[0].find("failure").text
    assert "examples/support-good.jsonl $0.13" in cases[0].find("failure").text
    assert cases[3].find("error") is not None
    assert suites.get("failures") == "2" and suites.get("errors") == "1"


def test_junit_survives_control_characters(capsys, tmp_path):
    path = tmp_path / "ctl.jsonl"
    path.write_bytes(b'{"messages": [{"role": "us\\u0001er", "content": "x\x01"}]}\n')
    _, out = run(capsys, str(path), "--format", "junit")
    ET.fromstring(out)  # parses: no raw control characters in the XML


def test_output_file_gets_the_format_and_terminal_gets_text(capsys, tmp_path):
    target = tmp_path / "report.sarif"
    code, out = run(capsys, *ARGS, "--format", "sarif", "--output", str(target))
    assert code == 1
    assert "examples/support-bad.jsonl:3:1: JG201" in out
    assert json.loads(target.read_text("utf-8"))["version"] == "2.1.0"


def test_unwritable_output_is_a_usage_error(capsys, tmp_path):
    code = main(["check", *ARGS, "--output", str(tmp_path / "no" / "such" / "dir" / "r.json")])
    assert code == 2
    assert "cannot write" in capsys.readouterr().err


def test_output_format_lets_the_terminal_keep_annotations(capsys, tmp_path):
    target = tmp_path / "report.sarif"
    code, out = run(
        capsys, *ARGS, "--format", "github", "--output", str(target), "--output-format", "sarif"
    )
    assert code == 1
    assert out.startswith("::")
    assert json.loads(target.read_text("utf-8"))["runs"][0]["results"]


def _report() -> Report:
    checker = Checker(CheckOptions(max_cost=0.05))
    paths = ["examples/support-bad.jsonl", "examples/tiny.jsonl", "examples/missing.jsonl"]
    return checker.check_paths(paths)


def test_every_reporter_takes_the_report_and_render_options():
    report = _report()
    fancy = RenderOptions(color=True, hints=False, summary=False, info=True)
    for name, render in {**REPORTERS, "summary": summary.render}.items():
        assert render(report) == render(report, PLAIN), name
        if name != "text":  # machine formats and the step summary read no option
            assert render(report, fancy) == render(report), name


def test_the_text_reporter_follows_its_options():
    report = _report()
    plain = REPORTERS["text"](report)
    assert "\x1b[" not in plain and "hint:" in plain and "24 examples," in plain
    coloured = REPORTERS["text"](report, RenderOptions(color=True))
    assert "\x1b[" in coloured
    quiet = REPORTERS["text"](report, RenderOptions(hints=False, summary=False))
    assert "hint:" not in quiet and "24 examples," not in quiet
    assert quiet.splitlines()[0] == plain.splitlines()[0]


def test_one_junit_writer():
    """check's and smoke's JUnit reports come from one writer: only it builds XML."""
    source = ROOT / "src" / "jsonl_guard"
    writers = sorted(
        path.relative_to(source).as_posix()
        for path in source.rglob("*.py")
        if "xml.etree" in path.read_text("utf-8")
    )
    assert writers == ["reporters/junit_xml.py"]


def test_the_quicktok_warning_comes_from_the_flag_not_from_the_text() -> None:
    from dataclasses import replace

    from jsonl_guard.reporters import text

    report = Checker(CheckOptions(tokenizer="tiktoken")).check_path(
        ROOT / "examples" / "tiny.jsonl"
    )
    assert report.tokens is not None
    # A tokenizer name that merely mentions the phrase is not a fall-back.
    named = replace(report.tokens, tokenizer="tiktoken (quicktok disagreed with tiktoken)")
    assert "warning: quicktok" not in text.render(Report((replace(report, tokens=named),)))
    dropped = replace(report.tokens, quicktok_dropped=True)
    assert "warning: quicktok disagreed" in text.render(Report((replace(report, tokens=dropped),)))


def test_each_text_finding_names_its_severity_without_colour(capsys):
    _, out = run(capsys, "examples/support-bad.jsonl", "examples/tiny.jsonl", "-v")
    findings = [line for line in out.splitlines() if re.match(r"\S+: JG|\S+:\d+:\d+: JG", line)]
    severities = {re.match(r"\S+ JG\d{3} (\w+):", line)[1] for line in findings}  # type: ignore[index]
    assert severities == {"error", "warning", "info"}
    assert "\x1b" not in out


def test_the_last_line_agrees_with_the_strict_exit_status(capsys):
    code, out = run(capsys, "examples/tiny.jsonl", "--min-examples", "1", "--strict")
    assert code == 1
    assert out.splitlines()[-1] == "Failed (--strict): 1 warning(s) in 1 file, 3 examples."
    code, out = run(capsys, "examples/tiny.jsonl", "--min-examples", "1")
    assert code == 0
    assert out.splitlines()[-1] == "No errors: 1 file, 3 examples (1 warning(s))."
