"""Token statistics are honest where the count is an estimate (issue 11).

Every profile whose models are counted by an estimate fills the assistant statistics
(the answer is estimated like the total) instead of zeros, and ``jsonl-guard
profiles`` says "estimated" where ``check`` estimates (fireworks-chat said "exact").
"""

from __future__ import annotations

import json

import pytest

from helpers import FIXTURES
from jsonl_guard import Checker, CheckOptions
from jsonl_guard.cli import main
from jsonl_guard.engine.profiles import profile_table, resolve_profile

# Estimating profiles with a fixture of their own, and whether every token is trained.
ESTIMATED = {
    "mistral": False,
    "mistral-pretrain": True,  # plain text: every token is trained
    "together-conversation": False,
    "together-instruction": False,
    "together-preference": False,
    "together-text": True,
    "bedrock-nova": False,
    "bedrock-claude": False,
    "bedrock-converse": False,
    "bedrock-llama-completion": False,
    "fireworks-chat": False,
}


@pytest.mark.parametrize(("fixture", "all_trained"), sorted(ESTIMATED.items()))
def test_estimating_profiles_count_the_answer(fixture: str, all_trained: bool) -> None:
    path = FIXTURES / "profiles" / fixture / "good.jsonl"
    report = Checker(CheckOptions(model=resolve_profile_model(fixture))).check_path(path)
    tokens = report.tokens
    assert tokens is not None and not tokens.exact, tokens
    assert tokens.counted_examples > 0
    assert tokens.assistant_per_example.min > 0, "an estimated answer of zero tokens"
    if all_trained:
        assert tokens.assistant_total == tokens.total
    else:
        assert 0 < tokens.assistant_total < tokens.total


def resolve_profile_model(fixture: str) -> str:
    """The fixture's profile's default model (bedrock-converse is a Nova file)."""
    name = fixture if fixture in profile_table() else "bedrock-nova"
    return resolve_profile(name).default_model


def test_the_text_report_shows_the_estimated_answer(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "profiles" / "mistral" / "good.jsonl"
    main(["check", str(path), "--model", resolve_profile("mistral").default_model])
    line = next(x for x in capsys.readouterr().out.splitlines() if "assistant" in x)
    assert "min 0 " not in line and "(total 0)" not in line


def test_profiles_say_estimated_where_check_estimates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "fireworks-chat"]) == 0
    out = capsys.readouterr().out
    assert "tokens: estimated" in out and "tokens: exact" not in out
    assert "token counting: estimate:" in out
    assert main(["profiles", "fireworks-chat", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens_exact"] is False
    path = FIXTURES / "profiles" / "fireworks-chat" / "good.jsonl"
    model = resolve_profile("fireworks-chat").default_model
    tokens = Checker(CheckOptions(model=model)).check_path(path).tokens
    assert tokens is not None and not tokens.exact  # what the listing now says
    assert main(["profiles", "openai-chat"]) == 0
    assert "tokens: exact" in capsys.readouterr().out
