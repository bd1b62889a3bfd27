"""Peer cases (OpenAI cookbook data): our verdict matches theirs, or the difference is chosen."""

from __future__ import annotations

import json

import pytest

from helpers import FIXTURES
from jsonl_guard import CheckOptions, Severity, check_path

CASES = json.loads((FIXTURES / "conformance" / "cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
@pytest.mark.parametrize("model", ["gpt-4o-mini-2024-07-18", "gpt-3.5-turbo-0125"])
def test_peer_valid_files_have_no_findings_on_any_line(case, model):
    options = CheckOptions(model=model, min_examples=1, ignore=("JG302",))
    report = check_path(FIXTURES / "conformance" / case["file"], options)
    assert case["expect"] == "valid"
    assert [d for d in report.diagnostics if d.severity is not Severity.INFO] == []


def test_truncation_warning_lines_match_the_cookbook():
    (case,) = [c for c in CASES if c.get("truncation_model")]
    options = CheckOptions(model=case["truncation_model"], min_examples=1, ignore=("JG302",))
    report = check_path(FIXTURES / "conformance" / case["file"], options)
    assert [(d.code, d.line) for d in report.diagnostics] == [
        ("JG401", line) for line in case["warn_lines"]
    ]
    relaxed = CheckOptions(
        model=case["truncation_model"],
        min_examples=1,
        ignore=("JG302",),
        severity={"JG401": Severity.WARNING},
    )
    assert check_path(FIXTURES / "conformance" / case["file"], relaxed).errors == 0


def test_toy_dataset_tokens_follow_the_cookbook_formula():
    from jsonl_guard.tokens.encodings import load_encoding

    encoding = load_encoding("cl100k_base")
    path = FIXTURES / "conformance" / "toy_chat_fine_tuning.jsonl"
    expected = 0
    for line in path.read_text("utf-8").splitlines():
        expected += 3
        for message in json.loads(line)["messages"]:
            expected += 3 + sum(len(encoding.encode(value)) for value in message.values())
            expected += "name" in message
    report = check_path(path, CheckOptions(model="gpt-3.5-turbo-0125"))
    assert report.tokens is not None and report.cost is not None
    assert report.tokens.total == expected
    assert report.cost.epochs == 20  # 5 examples: 100 // 5
    assert report.cost.billed_tokens == 20 * expected
