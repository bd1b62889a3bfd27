"""Vertex AI Gemini profiles: detection, peer cases, the token estimate, per-model limits
(training and validation files), the legacy 1.0 schema, and the hypothesis strategies."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from helpers import FIXTURES, write_jsonl
from jsonl_guard import Checker, CheckOptions, Severity, check_lines, check_path
from jsonl_guard.engine.models import resolve_model
from jsonl_guard.engine.profiles import choose_profile, profiles_of
from jsonl_guard.rules.catalogue import token_method_for
from jsonl_guard.tokens.methods import TokenTools

CONFORMANCE = FIXTURES / "conformance" / "vertex"
CASES = json.loads((CONFORMANCE / "cases.json").read_text("utf-8"))
SYS = {"parts": [{"text": "You are Spokewise's support assistant."}]}


def _example(i: int, answer: str = "") -> dict[str, Any]:
    return {
        "systemInstruction": SYS,
        "contents": [
            {"role": "user", "parts": [{"text": f"Where is my order SW-{100000 + i}?"}]},
            {"role": "model", "parts": [{"text": answer or f"Order SW-{100000 + i} ships today."}]},
        ],
    }


def _lines(rows: list[Any]) -> list[bytes]:
    return [json.dumps(row).encode() for row in rows]


def _codes(report: Any, severity: Severity | None = None) -> list[str]:
    return [d.code for d in report.diagnostics if severity is None or d.severity is severity]


# -- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "profile"),
    [
        (_example(1), "vertex-gemini"),
        ({"contents": [], "completions": []}, "vertex-gemini-preference"),
        ({"messages": [{"role": "user", "content": "Hi"}, {"role": "model", "content": "Hello"}]},
         "vertex-gemini-legacy"),
        ({"messages": [{"role": "user", "content": "Hi"}]}, "openai-chat"),
    ],
)  # fmt: skip
def test_detected_from_keys_without_a_model(example: dict[str, Any], profile: str) -> None:
    assert choose_profile(example, model=None).profile.name == profile


def test_models_take_their_formats_and_other_models_report_them() -> None:
    flash = resolve_model("gemini-2.5-flash")
    assert [p.name for p in profiles_of(flash)] == ["vertex-gemini", "vertex-gemini-preference"]
    assert [p.name for p in profiles_of(resolve_model("gemini-1.5-pro-002"))] == ["vertex-gemini"]
    legacy = {"messages": [{"role": "user", "content": "Hi"}, {"role": "model", "content": "Yo"}]}
    detection = choose_profile(legacy, model=flash)
    assert (detection.profile.name, detection.other_model_format) == ("vertex-gemini-legacy", True)
    report = check_lines(
        _lines([_example(i) for i in range(3)]),
        CheckOptions(model="gpt-4o-mini-2024-07-18", model_source="cli"),
    )
    assert report.format == "vertex-gemini" and "JG310" in _codes(report)


def test_a_gemini_line_in_an_openai_file_is_a_mixed_format() -> None:
    chat = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}
    report = check_lines(_lines([chat, _example(1), chat]))
    [mixed] = [d for d in report.diagnostics if d.code == "JG130"]
    assert mixed.line == 2 and "vertex-gemini format" in mixed.message


# -- peer conformance ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_conformance_cases_match_the_peer_verdict(case: dict[str, Any]) -> None:
    # Each peer case is a single documented example, so the count rules (1 of the
    # recommended 100) are not part of its verdict.
    options = CheckOptions(profile=case["profile"], ignore=("JG302",))
    report = check_path(CONFORMANCE / case["file"], options)
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    assert case["expect"] == "valid" and errors == []
    if case["profile"] == "vertex-gemini-preference":
        # Agreed verdict (valid), plus our warning: the notebook's two completions are both
        # the placeholder "...", a pair that teaches nothing (JG611).
        assert _codes(report, Severity.WARNING) == ["JG611"]
    else:
        assert _codes(report, Severity.WARNING) == []
    # Detection agrees with the profile the peer case names.
    assert check_path(CONFORMANCE / case["file"]).format == case["profile"]


# -- the token estimate --------------------------------------------------------------------------


def test_estimate_counts_text_characters_and_a_floor_per_file_part() -> None:
    model = resolve_model("gemini-2.5-flash")
    method = token_method_for("gemini-estimate", model)
    assert not method.exact
    example = {
        "systemInstruction": {"role": "system", "parts": [{"text": "Be brief."}]},
        "contents": [
            {
                "role": "user",
                "parts": [
                    {
                        "fileData": {
                            "mimeType": "image/jpeg",
                            "fileUri": "gs://b/very-long-name.jpg",
                        }
                    },
                    {"text": "Is this rim bent?"},
                ],
            },
            {"role": "model", "parts": [{"text": "Yes, slightly."}]},
        ],
    }
    tokens = method.count(example, TokenTools(model))
    assert tokens is not None
    chars = len("Be brief.") + len("Is this rim bent?") + len("Yes, slightly.")
    assert tokens.messages == math.ceil(chars / 4)  # roles, MIME type and URI not counted
    assert tokens.images == 258
    assert tokens.total == math.ceil(chars / 4) + 258
    assert tokens.assistant == math.ceil(len("Yes, slightly.") / 4)


def test_estimated_limits_error_above_and_warn_within_the_margin() -> None:
    # gemini-1.5-flash-002: 32,000 tokens at 4 characters per token.
    options = CheckOptions(model="gemini-1.5-flash-002", min_examples=1, ignore=("JG302",))
    over = _example(1, "x" * (4 * 32_001))
    near = _example(2, "y" * (4 * 30_000))
    report = check_lines(_lines([over, near, _example(3)]), options)
    assert [(d.code, d.line) for d in report.diagnostics] == [("JG401", 1), ("JG403", 2)]
    assert "estimated" in report.diagnostics[0].message
    assert report.tokens is not None and report.tokens.exact is False


# -- limits per model, training and validation files ----------------------------------------------


@pytest.mark.parametrize(
    ("model", "limit"),
    [("gemini-2.5-flash", 5000), ("gemini-2.5-flash-lite", 5000), ("gemini-1.5-pro-002", 256)],
)
def test_validation_file_limit(tmp_path: Path, model: str, limit: int) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [_example(i) for i in range(100)])
    valid = write_jsonl(tmp_path / "valid.jsonl", [_example(10_000 + i) for i in range(limit + 1)])
    ok = write_jsonl(tmp_path / "ok.jsonl", [_example(10_000 + i) for i in range(limit)])
    options = CheckOptions(model=model, model_source="cli")
    over = Checker(options).check_pair(train, valid)
    assert [d.code for d in over.files[0].diagnostics if d.severity is Severity.ERROR] == []
    [finding] = [d for d in over.files[1].diagnostics if d.code == "JG304"]
    assert f"takes at most {limit:,}" in finding.message
    assert "JG304" not in _codes(Checker(options).check_pair(train, ok).files[1])


def test_validation_examples_shared_with_training(tmp_path: Path) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [_example(i) for i in range(100)])
    valid = write_jsonl(tmp_path / "valid.jsonl", [_example(500), _example(7)])
    report = Checker(CheckOptions(model="gemini-2.5-flash")).check_pair(train, valid)
    assert [(d.code, d.line) for d in report.files[1].diagnostics if d.code == "JG305"] == [
        ("JG305", 2)
    ]


def test_counts_and_file_size_follow_the_model() -> None:
    lines = _lines([_example(i) for i in range(20)])
    flash = check_lines(lines, CheckOptions(model="gemini-2.5-flash"))
    assert _codes(flash) == ["JG302"]  # no minimum; Google recommends starting with 100
    assert "recommends starting with 100" in flash.diagnostics[0].message
    checker = Checker(CheckOptions(model="gemini-2.5-flash"))
    assert "JG105" not in _codes(checker.check_lines(lines, size=1024 * 1024 * 1024))
    assert "JG105" in _codes(checker.check_lines(lines, size=1024 * 1024 * 1024 + 1))


# -- the legacy Gemini 1.0 schema ----------------------------------------------------------------


def _legacy(i: int) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "You are Spokewise's support assistant."},
            {"role": "user", "content": f"Where is my order SW-{100000 + i}?"},
            {"role": "model", "content": f"Order SW-{100000 + i} ships today."},
        ]
    }


def test_legacy_file_gets_one_error_with_the_migration_hint() -> None:
    report = check_lines(_lines([_legacy(i) for i in range(20)]))
    assert report.format == "vertex-gemini-legacy"
    [finding] = [d for d in report.diagnostics if d.code == "JG600"]
    assert finding.line is None and "contents/parts" in finding.message
    assert _codes(report, Severity.ERROR) == ["JG600"]


def test_legacy_checks_apply_to_the_1_0_model() -> None:
    options = CheckOptions(model="gemini-1.0-pro-002")
    rows = [_legacy(i) for i in range(15)]
    rows[3]["messages"].append({"role": "model", "content": "Anything else?"})
    report = check_lines(_lines(rows), options)
    assert "JG600" not in _codes(report)
    assert [(d.code, d.line) for d in report.diagnostics if d.severity is Severity.ERROR] == [
        ("JG301", None),  # minimum 16 examples
        ("JG601", 4),  # user/model alternate
    ]
