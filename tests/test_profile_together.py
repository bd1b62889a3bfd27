"""Together profiles: the peer's own test cases, the model table, and the strategies.

Conformance cases come from Together's SDK test suites (tests/fixtures/conformance/
together/, copied from the shared corpus with their cases.json). Together's
``check_file`` stops at the first bad line; every case file has one bad line.
"""

from __future__ import annotations

import json

import pytest

from helpers import FIXTURES, assert_peer_case, peer_cases
from jsonl_guard import Checker, CheckOptions, Severity, check_lines, check_path
from jsonl_guard.engine.models import resolve_model

CONFORMANCE = FIXTURES / "conformance" / "together"
CASES = json.loads((CONFORMANCE / "cases.json").read_text("utf-8"))
MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
TOGETHER_PROFILES = [
    "together-text",
    "together-instruction",
    "together-conversation",
    "together-preference",
]

# The newer Together SDK (together-py) only checks that each line is a JSON object
# and leaves the rest to the server, so it passes these files. We deliberately keep
# the older, stricter check_file rules (the server still rejects these lines), so
# our verdict is "invalid" for every one of them: file -> the codes we report.
STRUCTURAL_DISAGREEMENTS = {
    "together/missing_required_field.jsonl": {"JG119"},  # prompt without completion
    "together/inconsistent_dataset_format.jsonl": {"JG130"},  # text line in a chat file
    "together/invalid_role.jsonl": {"JG201", "JG653"},
    "together/assistant_role_missing.jsonl": {"JG653"},
    "together/invalid_value_type.jsonl": {"JG116"},  # "text": 123
    "together/missing_role_in_conversation.jsonl": {"JG115", "JG653"},
    "together/missing_content_user_only.jsonl": {"JG116", "JG653"},
    "together/assistant_without_content_or_tool_calls.jsonl": {"JG116"},
    "together/wrong_turn_type.jsonl": {"JG115", "JG116"},
    "together/extra_column.jsonl": {"JG650"},
    "together/empty_messages.jsonl": {"JG114"},
    "together/invalid_weight_float.jsonl": {"JG651"},
    "together/invalid_weight_value.jsonl": {"JG651"},
    "together/invalid_multimodal_content.jsonl": {"JG656"},
}


def _errors(report) -> list[tuple[str, int | None]]:
    return [(d.code, d.line) for d in report.diagnostics if d.severity is Severity.ERROR]


def _options(**fields) -> CheckOptions:
    return CheckOptions(**{"model": MODEL, "model_source": "cli", **fields})


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["profile"] != "together-structural"],
    ids=lambda c: f"{c['profile']}:{c['file']}",
)
def test_verdict_matches_together_check_file(case: dict) -> None:
    report = check_path(CONFORMANCE.parent / case["file"], _options(profile=case["profile"]))
    errors = _errors(report)
    if case["expect"] == "valid":
        # trailing_blank_line.jsonl: the older check_file fails it on line 3 (JSON
        # parse error); we agree with the newer SDK: a blank line is a warning (JG103).
        assert errors == []
    else:
        assert errors, case["reason"]
        if case["invalid_lines"]:
            assert sorted({line for _, line in errors}) == case["invalid_lines"]


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["profile"] == "together-structural"],
    ids=lambda c: c["file"],
)
def test_newer_sdk_passes_what_we_reject(case: dict) -> None:
    """Deliberate disagreement (docs/providers/together.md): our verdict is invalid."""
    assert case["expect"] == "valid"
    # No --profile: the format is detected from the keys, among the Together model's.
    report = check_path(CONFORMANCE.parent / case["file"], _options())
    assert report.format.startswith("together-")
    assert {code for code, _ in _errors(report)} == STRUCTURAL_DISAGREEMENTS[case["file"]]


def test_every_structural_case_is_documented() -> None:
    files = {c["file"] for c in CASES if c["profile"] == "together-structural"}
    assert files == set(STRUCTURAL_DISAGREEMENTS)


@pytest.mark.parametrize("profile", TOGETHER_PROFILES)
def test_each_format_is_detected_with_a_together_model(profile: str) -> None:
    report = check_path(FIXTURES / "profiles" / profile / "good.jsonl", _options())
    assert (report.format, report.profile_source) == (profile, "detected")
    assert report.diagnostics == ()
    assert report.tokens is not None and not report.tokens.exact


def test_a_messages_file_without_a_model_stays_openai() -> None:
    report = check_path(FIXTURES / "profiles" / "together-conversation" / "good.jsonl")
    assert report.format == "openai-chat"


def test_weight_one_point_zero_is_rejected_but_integer_one_is_not() -> None:
    line = '{"messages": [{"role": "user", "content": "Hi"}, '
    lines = [
        (line + '{"role": "assistant", "content": "Hello", "weight": 1.0}]}').encode(),
        (line + '{"role": "assistant", "content": "Hello!", "weight": 1}]}').encode(),
        (line + '{"role": "assistant", "content": "Hey", "weight": true}]}').encode(),
    ]
    report = check_lines(lines, _options(profile="together-conversation"))
    # One question answered three ways is also JG311 (conflicting answers): not this test's.
    found = [(d.code, d.line, d.message) for d in report.diagnostics if d.code != "JG311"]
    assert [(c, n) for c, n, _ in found] == [("JG651", 1), ("JG651", 3)]
    assert "messages[1].weight is 1.0 (a float)" in found[0][2]


def test_one_example_is_enough_and_the_file_limit_is_50_1_gb() -> None:
    spec = resolve_model(MODEL)
    assert (spec.min_examples, spec.max_file_mb) == (1, 50.1 * 1024)
    lines = (FIXTURES / "profiles" / "together-text" / "good.jsonl").read_bytes().splitlines()
    checker = Checker(_options())
    assert checker.check_lines(lines[:1]).diagnostics == ()
    limit = int(50.1 * 1024**3)

    def too_large(size: int) -> bool:
        report = checker.check_lines(lines, size=size)
        return any(d.code == "JG105" for d in report.diagnostics)

    assert not too_large(limit)
    assert too_large(limit + 1)


def test_estimated_tokens_over_the_limit_say_so() -> None:
    text = "spoke " * 20_000  # 120,000 characters: ~30,000 tokens at 4 per token
    report = check_lines(
        [json.dumps({"text": text}).encode()], _options(model="openai/gpt-oss-20b")
    )
    (finding,) = [d for d in report.diagnostics if d.code == "JG401"]
    assert "tokens (estimated)" in finding.message and "16,384" in finding.message


def test_every_together_model_names_a_source() -> None:
    from jsonl_guard.engine.models import builtin_models

    models = [m for m in builtin_models().values() if m.provider == "together"]
    assert len(models) >= 3
    assert all(m.source and m.chars_per_token and not m.encoding for m in models)


# -- the disagreements with together's check_file found by the differential run (issue 11) ----------------

FOUND_PEER_CASES = peer_cases("together")


@pytest.mark.parametrize("case", FOUND_PEER_CASES, ids=lambda case: case["file"])
def test_verdict_on_a_case_together_was_found_to_disagree_on(case: dict) -> None:
    """Each file is one disagreement found once (tests/fixtures/peers/cases.json: the peer's
    verdict and reason); the peer's verdict is checked again in tests/peers/."""
    assert_peer_case(case)
