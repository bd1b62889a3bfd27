"""Example features: found from an example's compact JSON, or from a plain chat shape.

Whether gating by them ever changes a report is tested in test_rule_gating.py;
here: which features each kind of example shows.
"""

from __future__ import annotations

from typing import Any

import pytest

from jsonl_guard.engine.gating import FEATURES, example_features
from jsonl_guard.engine.parse import canonical_json

U = {"role": "user", "content": "Where is my order?"}
A = {"role": "assistant", "content": "It ships today."}
CALL = {"id": "c1", "type": "function", "function": {"name": "track", "arguments": "{}"}}


def features_of(example: Any) -> set[str]:
    return set(example_features(example, canonical_json(example)))


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ({"messages": [U, A]}, set()),
        ({"messages": [{**U, "name": "ana"}, A]}, set()),
        ({"messages": [U, {**A, "content": "Done.<|endoftext|>"}]}, {"special-tokens"}),
        ({"messages": [U, {**A, "content": "a < b | c"}]}, set()),
        ({"messages": [U, {**A, "weight": 0}]}, {"weights"}),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}, A]},
            {"parts"},
        ),
        ({"messages": [U, {"role": "assistant", "tool_calls": [CALL]}]}, {"tools"}),
        ({"messages": [U, {"role": "tool", "tool_call_id": "c1", "content": "ok"}]}, {"tools"}),
        ({"messages": [U, A], "tools": []}, {"tools"}),
        ({"messages": [U, A], "functions": []}, {"tools"}),
        # Not the plain shape (another format): the scan decides, and finds nothing here.
        ({"prompt": "Where is my order?", "completion": "It ships today."}, set()),
        ({"contents": [{"role": "user", "parts": [{"text": "<|im_end|>"}]}]}, {"special-tokens"}),
    ],
)
def test_features_of_each_kind_of_example(example: Any, expected: set[str]) -> None:
    assert features_of(example) == expected


def test_a_fragment_inside_a_text_only_costs_a_needless_check() -> None:
    # "tool" at the start of a string in a non-plain example: the tool rules run for
    # nothing, which is the one way the fragment test may err.
    example = {"messages": [U, A], "note": "tools are in the shed"}
    assert features_of(example) == {"tools"}


def test_every_feature_but_the_checker_set_ones_has_fragments() -> None:
    """The line checker sets two: estimated tokens (from the profile) and sensitive text
    (from the secret/PII screen, tests/test_rule_gating.py)."""
    unscanned = {name for name, fragments in FEATURES.items() if not fragments}
    assert unscanned == {"estimated-tokens", "sensitive-text"}
