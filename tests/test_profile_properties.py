"""Every profile, proven on generated data: valid files stay clean, and a single
corruption is reported at exactly its line, as exactly its rule, and nowhere else.

This is the one place the per-provider strategies are proven (the provider test
files test their rules, detection and limits).

The strategies come from ``jsonl_guard.strategies.profile_examples`` /
``profile_corruptions`` (one module per provider under ``strategies._profiles``).
"""

from __future__ import annotations

import functools
import json

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from helpers import true_near_duplicate
from jsonl_guard import Checker, CheckOptions, Severity
from jsonl_guard.engine.models import resolve_model
from jsonl_guard.engine.profiles import resolve_profile
from jsonl_guard.strategies import (
    Corruption,
    profile_corruptions,
    profile_datasets,
    profile_examples,
)
from jsonl_guard.strategies._profiles import corruptions, example_strategies

PROFILES = sorted(example_strategies())
CORRUPTED = sorted(
    (profile, index) for profile, items in corruptions().items() for index in range(len(items))
)
# Budgets sized for CI: many profiles x many corruptions (each a test of its own).
BASE = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Warnings a small generated file may rightly get: fewer examples than recommended.
# JG302: too few examples. JG313: refusal boilerplate over a share of the replies;
# Hypothesis draws string constants from the code under test, the refusal phrase list
# among them, and one such reply in ten is over the 5% share. The format rules are what
# these properties hold; tests/test_answers.py holds JG313's.
SIZE_WARNINGS = {"JG302", "JG313"}


@functools.cache
def checker(profile: str) -> Checker:
    model = resolve_profile(profile).default_model
    return Checker(CheckOptions(model=model, model_source="cli", profile=profile))


# The corruption property reads files just over a minimum of this many examples,
# whatever the model's: what it holds is one line's verdict, which the file's size does
# not change, and drawing Bedrock Claude's 32 examples per file was a third of its time.
# Real minimums are the valid-file property's (below) and each profile's own tests'.
SMALL_MINIMUM = 3


@functools.cache
def small_checker(profile: str) -> Checker:
    """``checker(profile)`` with the default model's minimum lowered to ``SMALL_MINIMUM``
    (a ``models`` override, as a project's config gives one)."""
    model = resolve_profile(profile).default_model
    options = CheckOptions(
        model=model,
        model_source="cli",
        profile=profile,
        models={model: {"min_examples": SMALL_MINIMUM}},
    )
    return Checker(options)


def sizes(profile: str | None) -> tuple[int, int]:
    """File sizes just over the minimum of ``profile``'s default model (``None``: over
    ``SMALL_MINIMUM``)."""
    minimum = SMALL_MINIMUM
    if profile is not None:
        minimum = resolve_model(resolve_profile(profile).default_model).min_examples
    low = max(minimum, 3) + 1  # one line may break without going under the minimum
    return low, low + 2


def _lines(examples: list[dict]) -> list[bytes]:
    return [json.dumps(e, ensure_ascii=False).encode() for e in examples]


def test_every_profile_has_strategies() -> None:
    from jsonl_guard.engine.profiles import profile_table

    refused = {name for name in profile_table() if name.endswith("-legacy")}
    # openai-chat has its own, older strategies in jsonl_guard.strategies.
    missing = set(profile_table()) - set(PROFILES) - refused - {"openai-chat"}
    assert not missing, f"profiles without strategies: {sorted(missing)}"


def test_profile_corruptions_are_the_public_corruption_type() -> None:
    """One ``Corruption`` type: the chat corruptions' and every profile's."""
    for profile, items in corruptions().items():
        assert profile_corruptions(profile) == items
        for item in items:
            assert isinstance(item, Corruption), (profile, item)
            assert item.name and item.code.startswith("JG")


@given(data=st.data())
@settings(BASE, max_examples=5)
def test_a_profile_corruption_is_used_like_a_chat_one(data: st.DataObject) -> None:
    example = data.draw(profile_examples("openai-dpo"))
    for item in profile_corruptions("openai-dpo"):
        if item.applies_to(example):
            line, code = item(example)
            assert isinstance(line, str) and code == item.code
            assert item.apply(example) is not example  # a changed copy, or the raw line
            assert item.applies(example)  # the name profile corruptions had before


@pytest.mark.parametrize("profile", PROFILES)
@BASE
@given(data=st.data())
def test_valid_files_stay_clean(profile: str, data: st.DataObject) -> None:
    examples = data.draw(profile_datasets(profile, *sizes(profile)))
    lines = _lines(examples)
    report = checker(profile).check_lines(lines)
    found = [
        f"{d.code}@{d.line}: {d.message}"
        for d in report.diagnostics
        if d.severity is not Severity.INFO
        and d.code not in SIZE_WARNINGS
        and not (d.code == "JG314" and true_near_duplicate(lines, d.line or 0, d.message))
    ]
    assert report.format == profile
    assert found == []


@pytest.mark.parametrize(("profile", "index"), CORRUPTED)
@settings(BASE, max_examples=8)
@given(data=st.data())
def test_one_corruption_is_reported_at_its_line_only(
    profile: str, index: int, data: st.DataObject
) -> None:
    corruption = profile_corruptions(profile)[index]
    examples = data.draw(profile_datasets(profile, *sizes(None)))
    candidates = [i for i, e in enumerate(examples) if corruption.applies_to(e)]
    if not candidates:
        return
    target = data.draw(st.sampled_from(candidates))
    lines = _lines(examples)
    broken, code = corruption(json.loads(lines[target]))
    lines[target] = broken.encode()
    note(f"line {target + 1}: {lines[target][:300]!r}")
    report = small_checker(profile).check_lines(lines)
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    at_line = {d.code for d in report.diagnostics if d.line == target + 1}
    assert code in at_line
    # Exactly its rule: no other error on that line, and none anywhere else.
    assert {d.code for d in errors if d.line == target + 1} <= {code}
    assert [d for d in errors if d.line != target + 1] == []
