"""fireworks-chat: OpenAI-compatible chat data with Fireworks' example counts and models."""

from __future__ import annotations

import json

from helpers import FIXTURES, example
from jsonl_guard import CheckOptions, Severity, check_lines, check_path
from jsonl_guard.engine.models import resolve_model
from jsonl_guard.engine.profiles import resolve_profile

MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"
GOOD = FIXTURES / "profiles" / "fireworks-chat" / "good.jsonl"


def _options(**fields) -> CheckOptions:
    return CheckOptions(**{"model": MODEL, "model_source": "cli", **fields})


def _codes(report) -> list[str]:
    return [d.code for d in report.diagnostics if d.severity is not Severity.INFO]


def test_openai_chat_data_is_fireworks_chat_with_a_fireworks_model() -> None:
    report = check_path(GOOD, _options())
    assert (report.format, _codes(report)) == ("fireworks-chat", [])
    assert report.tokens is not None and not report.tokens.exact  # no offline Llama tokenizer
    # Without a model the same file is OpenAI chat: Fireworks is reached through its models.
    assert check_path(GOOD).format == "openai-chat"


def test_profile_reuses_the_openai_chat_schema_and_rules() -> None:
    profile = resolve_profile("fireworks-chat")
    assert profile.schema == "openai-chat"
    assert profile.rule_sets == ("openai-chat", "openai-tools", "openai-text")


def test_at_least_three_examples() -> None:
    lines = [json.dumps(example(i)).encode() for i in range(3)]
    assert "JG301" in _codes(check_lines(lines[:2], _options()))
    assert _codes(check_lines(lines, _options())) == []


def test_at_most_three_million_examples() -> None:
    spec = resolve_model(MODEL)
    assert (spec.min_examples, spec.max_examples) == (3, 3_000_000)
    # The limit is read from the table: a lower override shows JG304 at work.
    lines = [json.dumps(example(i)).encode() for i in range(4)]
    capped = _options(models={MODEL: {"max_examples": 3}})
    assert "JG304" in _codes(check_lines(lines, capped))


def test_short_names_resolve_and_chat_rules_apply() -> None:
    assert resolve_model("llama-v3p1-8b-instruct").name == "llama-v3p1-8b-instruct"
    bad = example(0)
    bad["messages"][2]["weight"] = 0.5  # Fireworks weights are 0 or 1, like OpenAI's
    lines = [json.dumps(e).encode() for e in (bad, example(1), example(2))]
    assert _codes(check_lines(lines, _options(model="llama-v3p1-8b-instruct"))) == ["JG205"]
