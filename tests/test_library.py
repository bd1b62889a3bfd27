"""The library API and the JSON report contract that other tools build on."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest

from helpers import EXAMPLES, example, write_jsonl
from jsonl_guard import (
    Checker,
    CheckOptions,
    Severity,
    check_examples,
    check_lines,
    check_path,
    report_dict,
)
from jsonl_guard.cli import main


def test_path_lines_and_examples_give_the_same_report(tmp_path):
    rows = [example(i) for i in range(12)]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    from_path = check_path(path)
    from_lines = check_lines(path.read_bytes().splitlines(keepends=True), path=str(path))
    from_examples = check_examples(rows, path=str(path))
    assert from_path == from_lines == from_examples


def test_check_lines_accepts_a_binary_stream():
    stream = io.BytesIO(b'{"messages": []}\n{"messages": [{"role": "user", "content": "hi"}]}\n')
    report = check_lines(stream)
    assert [(d.code, d.line) for d in report.diagnostics if d.line] == [("JG114", 1), ("JG202", 2)]


def test_every_finding_is_reported_not_only_the_first():
    bad = {"messages": [{"role": "bot", "content": 1}, {"role": "user"}, {"role": "user", "content": "x", "weight": 1}]}  # fmt: skip
    report = check_examples([bad] + [example(i) for i in range(11)])
    at_line_one = sorted(d.code for d in report.diagnostics if d.line == 1)
    assert at_line_one == ["JG116", "JG201", "JG202", "JG206"]


def test_messages_name_the_field():
    bad = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x", "weight": 0.5}]}  # fmt: skip
    (diagnostic,) = [d for d in check_examples([bad]).diagnostics if d.line]
    assert diagnostic.message == "messages[1].weight is 0.5; expected one of 0, 1"
    assert diagnostic.hint.startswith("Use weight 1")
    assert diagnostic.severity is Severity.ERROR


def test_json_contract(capsys):
    main(["check", str(EXAMPLES / "support-bad.jsonl"), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"version", "files", "summary"}
    assert set(data["summary"]) >= {"files", "errors", "warnings"}
    (file,) = data["files"]
    assert set(file) >= {"path", "format", "examples", "diagnostics", "tokens", "cost"}
    assert file["format"] == "openai-chat"
    for diagnostic in file["diagnostics"]:
        assert set(diagnostic) >= {"code", "severity", "line", "column", "message", "hint"}
        assert diagnostic["severity"] in ("error", "warning", "info")
        assert (diagnostic["line"] is None) == (diagnostic["column"] is None)
    file_level = [d for d in file["diagnostics"] if d["line"] is None]
    assert {d["code"] for d in file_level} == {"JG302", "JG402"}
    assert set(file["tokens"]) >= {"total", "max_example", "per_example", "encoding"}
    assert set(file["cost"]) >= {"model", "epochs", "billed_tokens", "estimated_usd"}
    assert data["summary"]["errors"] == sum(
        1 for d in file["diagnostics"] if d["severity"] == "error"
    )


def test_tokens_total_sums_the_per_example_counts(tmp_path):
    rows = [example(i) for i in range(15)]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    report = check_path(path)
    singles = [check_examples([r]).tokens for r in rows]
    assert report.tokens is not None
    assert report.tokens.total == sum(t.total for t in singles if t is not None)
    assert (
        report_dict(Checker().check_paths([path]).__class__((report,)))["files"][0]["tokens"][
            "total"
        ]
        == report.tokens.total
    )


def test_nothing_prints_and_nothing_exits(capsys, tmp_path):
    check_path(tmp_path / "missing.jsonl")
    check_examples([{"bad": True}])
    assert capsys.readouterr() == ("", "")


def test_unreadable_path_is_reported_not_raised(tmp_path):
    report = check_path(tmp_path)
    assert report.io_error == "is a directory, not a JSONL file"
    assert not report.ok


def test_memory_stays_flat_while_streaming(tmp_path):
    # 2k examples of ~10 KB: parsed all at once they would take ~50 MB.
    filler = "The rear derailleur needs a new cable and housing. " * 200
    rows = [example(i) for i in range(2_000)]
    for row in rows:
        row["messages"][2]["content"] += filler  # type: ignore[index]
    path = write_jsonl(tmp_path / "big.jsonl", rows)
    del rows
    checker = Checker(CheckOptions())
    checker.check_examples([example(0)])  # load the tokenizer before measuring
    tracemalloc.start()
    report = checker.check_path(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.examples == 2_000
    assert path.stat().st_size > 20_000_000
    assert peak < 4_000_000, f"peak {peak:,} bytes"


@pytest.mark.parametrize("name", ["support-good.jsonl", "tiny.jsonl"])
def test_shipped_good_examples_have_no_line_findings(name):
    report = check_path(EXAMPLES / name)
    assert [d for d in report.diagnostics if d.line is not None] == []


def test_an_escaped_backslash_before_u_d800_is_text_not_a_surrogate():
    import json as _json

    from jsonl_guard import check_lines

    text = _json.dumps({"messages": [{"role": "user", "content": "C:\\ud800 dir"}]})
    assert "\\\\ud800" in text  # the file holds an escaped backslash, then 'ud800'
    lone = b'{"messages": [{"role": "user", "content": "\\ud800"}]}'
    report = check_lines([text.encode(), lone])
    assert [(d.code, d.line) for d in report.diagnostics if d.code == "JG102"] == [("JG102", 2)]
