"""The compiled validator (hot path) and the reference jsonschema agree on every verdict.

jsonschema_rs decides whether a line is valid; jsonschema explains invalid ones.
If the two ever disagreed, a defect could pass unreported, so this differential
test feeds both valid examples, mutated examples and arbitrary JSON.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from jsonl_guard.engine.schema import _fast_validator, load_schema
from jsonl_guard.strategies import chat_examples

REFERENCE = Draft202012Validator(load_schema("openai-chat"))
FAST = _fast_validator("openai-chat")
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["role", "content", "messages", "tool_calls", "weight", "type", "x"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


def mutate(value: Any, path: list[Any], replacement: Any) -> Any:
    if not path:
        return replacement
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = mutate(value[head], rest, replacement)
    return copy


def paths(value: Any, prefix: list[Any] | None = None) -> list[list[Any]]:
    prefix = prefix or []
    found = [prefix]
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in items:
        found.extend(paths(child, [*prefix, key]))
    return found


def agree(instance: Any) -> None:
    assert bool(FAST.is_valid(instance)) == REFERENCE.is_valid(instance), instance


@settings(max_examples=150, deadline=None)
@given(chat_examples(tools=True, images=True))
def test_valid_examples(example):
    agree(example)


@settings(max_examples=300, deadline=None)
@given(chat_examples(tools=True, images=True), st.data(), JSON)
def test_examples_with_one_value_replaced(example, data, replacement):
    path = data.draw(st.sampled_from(paths(example)))
    agree(mutate(example, path, replacement))


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_arbitrary_json(value):
    agree(value)
