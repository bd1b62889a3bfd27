"""Mistral profiles: mistral-common's finetuning test cases, the model table, strategies.

Conformance cases (tests/fixtures/conformance/mistral/) are mistral-common's
``test_finetuning_validation.py`` message lists, one ``{"messages": [...]}`` line each,
and the mistral-finetune README examples. Every verdict agrees with the peer.
"""

from __future__ import annotations

import json

import pytest

from helpers import FIXTURES, assert_peer_case, peer_cases
from jsonl_guard import Checker, CheckOptions, Severity, check_lines, check_path
from jsonl_guard.engine.models import builtin_models, resolve_model

CONFORMANCE = FIXTURES / "conformance" / "mistral"
CASES = json.loads((CONFORMANCE / "cases.json").read_text("utf-8"))
MODEL = "mistral-small-latest"
U = {"role": "user", "content": "Where is my order?"}
A = {"role": "assistant", "content": "It ships today."}


def _options(**fields) -> CheckOptions:
    return CheckOptions(**{"model": MODEL, "model_source": "cli", **fields})


def _errors(report) -> list[tuple[str, int | None]]:
    return [(d.code, d.line) for d in report.diagnostics if d.severity is Severity.ERROR]


def _check(*examples: dict, **fields) -> list[tuple[str, int | None]]:
    lines = [json.dumps(e).encode() for e in examples]
    return _errors(check_lines(lines, _options(profile="mistral", **fields)))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["file"])
def test_verdict_matches_mistral_common(case: dict) -> None:
    model = "mistral-7B-v0.3" if case["profile"] == "mistral-pretrain" else MODEL
    options = _options(model=model, profile=case["profile"])
    report = check_path(CONFORMANCE.parent / case["file"], options)
    errors = _errors(report)
    if case["expect"] == "valid":
        assert errors == []
    else:
        assert errors, case["reason"]
        assert sorted({line for _, line in errors}) == case["invalid_lines"]


def test_the_peer_cases_fail_for_the_peer_reason() -> None:
    def codes(name: str) -> set[str]:
        report = check_path(CONFORMANCE / name, _options(profile="mistral"))
        return {code for code, _ in _errors(report)}

    assert codes("assistant_weight_0_5.jsonl") == {"JG205"}
    assert codes("last_message_user.jsonl") == {"JG670"}
    assert codes("non_final_tool_call_without_id.jsonl") == {"JG673"}
    assert codes("parallel_tool_calls_extra_response.jsonl") == {"JG674"}


def test_consecutive_same_roles_are_allowed_unlike_together() -> None:
    example = {"messages": [U, U, A, {**A, "content": "Anything else?"}]}
    assert _check(example) == []
    together = CheckOptions(
        model="meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", model_source="cli"
    )
    report = check_lines([json.dumps(example).encode()], together)
    assert {code for code, _ in _errors(report)} == {"JG652"}


def test_weight_is_checked_by_value_so_one_point_zero_passes() -> None:
    assert _check({"messages": [U, {**A, "weight": 1.0}]}) == []
    assert _check({"messages": [{**U, "weight": 1}, A]}) == [("JG206", 1)]


def test_role_order_and_tool_wiring() -> None:
    call = {"id": "TX92Jm8Zi", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    answer = {"role": "tool", "content": "{}", "tool_call_id": "TX92Jm8Zi"}
    calling = {"role": "assistant", "tool_calls": [call]}
    assert _check({"messages": [U, calling, answer, A]}) == []
    assert _check({"messages": [U, answer, A]}) == [("JG671", 1)]
    assert _check({"messages": [U, calling, {**answer, "tool_call_id": "AB12cd34E"}, A]}) == [
        ("JG675", 1)
    ]
    assert _check({"messages": [U, {**calling, "content": "Let me look."}, answer, A]}) == [
        ("JG676", 1)
    ]
    short = {**call, "id": "call_1"}
    wired = [U, {"role": "assistant", "tool_calls": [short]}, {**answer, "tool_call_id": "call_1"}]
    assert _check({"messages": [*wired, A]}) == [("JG672", 1), ("JG672", 1)]
    bad_name = {**call, "function": {"name": "look up", "arguments": "{}"}}
    assert _check({"messages": [U, {"role": "assistant", "tool_calls": [bad_name]}]}) == [
        ("JG220", 1)
    ]


def test_pretrain_text_and_detection_by_model() -> None:
    pretrain = FIXTURES / "profiles" / "mistral-pretrain" / "good.jsonl"
    report = check_path(pretrain, _options(model="mistral-7B-v0.3"))
    assert (report.format, report.diagnostics) == ("mistral-pretrain", ())
    # The API models take only conversations: pretraining text is refused (JG310).
    refused = check_path(pretrain, _options())
    assert "JG310" in {code for code, _ in _errors(refused)}
    chat = check_path(FIXTURES / "profiles" / "mistral" / "good.jsonl", _options())
    assert (chat.format, chat.diagnostics) == ("mistral", ())
    assert chat.tokens is not None and not chat.tokens.exact


def test_model_table() -> None:
    models = {n: m for n, m in builtin_models().items() if m.provider == "mistral"}
    assert {"mistral-small-latest", "codestral-latest", "open-mistral-nemo"} <= set(models)
    assert all(m.source and m.chars_per_token and m.min_examples == 1 for m in models.values())
    assert resolve_model("mistral-large-latest").token_limit == 131_072
    assert resolve_model(MODEL).max_file_mb == 512


def test_file_over_512_mb_is_refused() -> None:
    lines = (FIXTURES / "profiles" / "mistral" / "good.jsonl").read_bytes().splitlines()
    checker = Checker(_options())
    report = checker.check_lines(lines, size=512 * 1024 * 1024 + 1)
    assert ("JG105", None) in _errors(report)


# -- the disagreements with mistral-common found by the differential run (issue 11) ----------------

FOUND_PEER_CASES = peer_cases("mistral")


@pytest.mark.parametrize("case", FOUND_PEER_CASES, ids=lambda case: case["file"])
def test_verdict_on_a_case_mistral_common_was_found_to_disagree_on(case: dict) -> None:
    """Each file is one disagreement found once (tests/fixtures/peers/cases.json: the peer's
    verdict and reason); the peer's verdict is checked again in tests/peers/."""
    assert_peer_case(case)
