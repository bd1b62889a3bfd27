"""Rules that need a feature (tools, content parts, weights, special-token text) are
skipped for examples without it (speed): that must never change a report. Checked on every rule fixture, the example datasets and
generated chat examples, with the gating on and off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import jsonl_guard._line as line_module
from helpers import EXAMPLES
from jsonl_guard import CheckOptions, Severity, all_rules, check_lines
from jsonl_guard._rules import example_rule
from jsonl_guard.strategies import Corruption, chat_datasets, corruptions

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "rules").glob("*/*.jsonl"))
FILES = [*FIXTURES, *sorted(EXAMPLES.glob("*.jsonl"))]
VISION = CheckOptions(model="gpt-4o-2024-08-06")


def _both(lines: list[bytes], options: CheckOptions, monkeypatch: pytest.MonkeyPatch) -> tuple:
    gated = check_lines(lines, options)
    monkeypatch.setattr(line_module, "GATE_RULES", False)
    ungated = check_lines(lines, options)
    monkeypatch.setattr(line_module, "GATE_RULES", True)
    return gated, ungated


def test_the_gated_rules_are_the_tool_image_weight_and_special_token_rules() -> None:
    needs = {rule.code: "+".join(sorted(rule.needs)) for rule in all_rules() if rule.needs}
    assert needs == {
        **dict.fromkeys(["JG221", "JG222", "JG223", "JG224", "JG225", "JG230"], "tools"),
        **dict.fromkeys(["JG240", "JG241", "JG242", "JG243", "JG244"], "parts"),
        "JG207": "weights",
        "JG250": "special-tokens",
        "JG403": "estimated-tokens",
    }


def test_a_rule_cannot_need_a_feature_nobody_detects() -> None:
    declaration = example_rule(
        code="JG999",
        name="x",
        severity=Severity.ERROR,
        summary="s",
        hint="h",
        bad="",
        good="",
        rule_sets=("*",),
        needs=("tool",),
    )
    with pytest.raises(ValueError, match="unknown features"):
        declaration(lambda example, ctx: iter(()))


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_gating_never_changes_a_fixture_report(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    for options in (CheckOptions(), VISION):
        gated, ungated = _both(lines, options, monkeypatch)
        assert gated == ungated


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_datasets(2, 3, tools=True, images=True), corruptions(), st.integers(0, 2))
def test_gating_never_changes_the_report_of_a_corrupted_line(
    examples: list[dict], corruption: Corruption, index: int
) -> None:
    target = examples[index % len(examples)]
    assume(corruption.applies_to(target))
    lines = [json.dumps(e).encode() for e in examples]
    lines[index % len(examples)] = corruption(target)[0].encode()
    with pytest.MonkeyPatch.context() as monkeypatch:
        gated, ungated = _both(lines, VISION, monkeypatch)
    assert gated == ungated


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_datasets(1, 4, tools=True, images=True))
def test_gating_never_changes_a_generated_report(examples: list[dict]) -> None:
    lines = [json.dumps(e).encode() for e in examples]
    with pytest.MonkeyPatch.context() as monkeypatch:
        gated, ungated = _both(lines, VISION, monkeypatch)
    assert gated == ungated
