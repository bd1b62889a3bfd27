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

from jsonl_guard.engine.schema import _explainer, _fast_validator, load_schema, schema_folders
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


# -- the explainer: the reference walk, minus the array items the compiled one passes --


def _errors(errors: Any) -> list[Any]:
    """What a report is phrased from: each error's place, keyword, message and schema
    path, and the same of the errors under it (an anyOf's branches)."""
    return [
        (
            list(error.absolute_path),
            error.validator,
            error.message,
            list(error.relative_schema_path),
            _errors(sorted(error.context, key=lambda e: (list(e.schema_path), e.message))),
        )
        for error in errors
    ]


def same_errors(format_name: str, instance: Any) -> None:
    reference = Draft202012Validator(load_schema(format_name))
    explainer = _explainer(format_name)
    assert _errors(explainer.iter_errors(instance)) == _errors(reference.iter_errors(instance))


@settings(max_examples=300, deadline=None)
@given(chat_examples(tools=True, images=True), st.data(), JSON)
def test_the_explainer_gives_the_references_errors(example, data, replacement):
    """Skipping the items the compiled validator passes changes no error, for a value
    replaced anywhere in a chat example (several messages, one of them wrong)."""
    path = data.draw(st.sampled_from(paths(example)))
    same_errors("openai-chat", mutate(example, path, replacement))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(schema_folders())), JSON)
def test_the_explainer_gives_the_references_errors_for_every_format(format_name, value):
    same_errors(format_name, {"messages": [value, {"role": "user", "content": "hi"}, value]})
    same_errors(format_name, value)


def test_a_line_with_one_wrong_message_walks_only_that_message() -> None:
    """Why the explainer exists: the valid messages are not walked (a file whose every
    line has the same mistake took ~2 ms a line to explain)."""
    message = {"role": "user", "content": "Where is my order?"}
    example = {
        "messages": [message, {"role": "assistant", "content": "Here."}] * 10
        + [{"role": "developer", "content": "x"}]
    }
    walked: list[int] = []
    explainer = _explainer("openai-chat")
    descend = type(explainer).descend

    def counting(self: Any, instance: Any, schema: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(instance, dict) and "role" in instance:
            walked.append(id(instance))
        return descend(self, instance, schema, *args, **kwargs)

    type(explainer).descend = counting  # type: ignore[method-assign]
    try:
        errors = list(explainer.iter_errors(example))
    finally:
        type(explainer).descend = descend  # type: ignore[method-assign]
    assert errors and set(walked) == {id(example["messages"][-1])}
