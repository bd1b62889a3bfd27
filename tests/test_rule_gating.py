"""Rules that need a feature (tools, content parts, weights, special-token text) are
skipped for examples without it (speed): that must never change a report. Checked on
every rule fixture, the example datasets and generated chat examples: each line's
outcome (findings, tokens, digest) is the same with the gating on and off, so every
report built from them is too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES
from jsonl_guard import Checker, CheckOptions, Severity, all_rules
from jsonl_guard.engine.gating import NO_FEATURES
from jsonl_guard.engine.line import LineChecker, LineOutcome
from jsonl_guard.rules.registry import example_rule
from jsonl_guard.strategies import Corruption, chat_datasets, corruptions

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "rules").glob("*/*.jsonl"))
FILES = [*FIXTURES, *sorted(EXAMPLES.glob("*.jsonl"))]
VISION = CheckOptions(model="gpt-4o-2024-08-06")


def _line_checkers(lines: list[bytes], options: CheckOptions) -> tuple[LineChecker, LineChecker]:
    """The line checker a check of ``lines`` uses, and the same one without the gating."""
    run = Checker(options).open()
    run.detect_from(lines)
    gated = run.line_checker
    ungated = gated.variant(gate_rules=False)
    return gated, ungated


def _both(lines: list[bytes], options: CheckOptions) -> tuple[list[LineOutcome], list[LineOutcome]]:
    """Every line's outcome, with the gating on and off."""
    gated, ungated = _line_checkers(lines, options)
    raw = [line.removesuffix(b"\n") for line in lines]
    return (
        [gated.check(line, number) for number, line in enumerate(raw, 1)],
        [ungated.check(line, number) for number, line in enumerate(raw, 1)],
    )


def test_the_gating_skips_rules_for_a_plain_example() -> None:
    gated, ungated = _line_checkers([b'{"messages": []}'], CheckOptions())
    assert len(gated._checks(NO_FEATURES)) < len(ungated._checks(NO_FEATURES))


def test_the_secret_rules_run_only_where_their_screen_lets_an_example_through() -> None:
    """JG280/JG281 cost two calls a line for nothing on most lines: the screen of the
    compact JSON adds their feature only where it may find something."""
    reply = b'{"role":"assistant","content":"It ships today."}'
    plain = b'{"messages":[{"role":"user","content":"Where is my order?"},' + reply + b"]}"
    mailed = b'{"messages":[{"role":"user","content":"Mail lee.moreau@gmail.com"},' + reply + b"]}"
    gated, _ = _line_checkers([plain], CheckOptions())
    assert [f.code for f in gated.check(plain, 1).findings] == []
    assert [f.code for f in gated.check(mailed, 1).findings] == ["JG281"]
    ran = {features: {code for code, _ in checks} for features, checks in gated._checks_for.items()}
    assert [bool({"JG280", "JG281"} & codes) for codes in ran.values()] == [False, True]
    assert [("sensitive-text" in features) for features in ran] == [False, True]


def test_the_gated_rules_are_the_tool_image_weight_and_special_token_rules() -> None:
    needs = {rule.code: "+".join(sorted(rule.needs)) for rule in all_rules() if rule.needs}
    assert needs == {
        **dict.fromkeys(
            ["JG221", "JG222", "JG223", "JG224", "JG225", "JG228", "JG229", "JG230"], "tools"
        ),
        **dict.fromkeys(["JG240", "JG241", "JG242", "JG243", "JG244"], "parts"),
        "JG207": "weights",
        "JG250": "special-tokens",
        "JG403": "estimated-tokens",
        **dict.fromkeys(["JG280", "JG281"], "sensitive-text"),
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
def test_gating_never_changes_a_fixture_report(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    for options in (CheckOptions(), VISION):
        gated, ungated = _both(lines, options)
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
    gated, ungated = _both(lines, VISION)
    assert gated == ungated


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_datasets(1, 4, tools=True, images=True))
def test_gating_never_changes_a_generated_report(examples: list[dict]) -> None:
    lines = [json.dumps(e).encode() for e in examples]
    gated, ungated = _both(lines, VISION)
    assert gated == ungated
