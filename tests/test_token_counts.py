"""Token counts, checked against the OpenAI cookbook formula computed here with tiktoken.

For plain examples (role / content / name only) jsonl-guard claims exact counts:
3 tokens per message, plus the tokens of role, content and name, plus 1 per name,
plus 3 per example (cookbook ``num_tokens_from_messages``). This file recomputes
that formula independently and compares.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jsonl_guard import Checker, CheckOptions, Severity
from jsonl_guard.strategies import chat_examples
from jsonl_guard.tokens.encodings import load_encoding

BASE = settings(
    deadline=None,  # the first count loads a tokenizer
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def budget(n: int) -> int:
    """``n`` examples under the default profile; scaled up by a bigger profile."""
    return n * max(1, settings.default.max_examples // 100)


# model -> encoding, as the model table claims; the tests hold it to that.
MODELS = {
    "gpt-4o-mini-2024-07-18": "o200k_base",  # the default model
    "gpt-3.5-turbo-0125": "cl100k_base",
}
_CHECKERS: dict[str, Checker] = {}


def checker(model: str) -> Checker:
    if model not in _CHECKERS:
        _CHECKERS[model] = Checker(CheckOptions(model=model))
    return _CHECKERS[model]


def n_tokens(text: str, encoding: str) -> int:
    return len(load_encoding(encoding).encode_ordinary(text))


def cookbook_tokens(example: dict[str, Any], encoding: str) -> int:
    """num_tokens_from_messages (tokens_per_message=3, tokens_per_name=1, +3 primer)."""
    total = 3
    for message in example["messages"]:
        total += 3
        for key in ("role", "content", "name"):
            if key in message:
                total += n_tokens(message[key], encoding)
        if "name" in message:
            total += 1
    return total


def cookbook_assistant_tokens(example: dict[str, Any], encoding: str) -> int:
    return sum(
        n_tokens(m["content"], encoding) for m in example["messages"] if m["role"] == "assistant"
    )


@pytest.fixture(scope="module", autouse=True)
def _warm_tokenizers():
    for model in MODELS:
        checker(model).check_examples([{"messages": [{"role": "user", "content": "hi"}]}])


@pytest.mark.parametrize("model", list(MODELS))
def test_models_use_the_expected_encoding(model):
    report = checker(model).check_examples([{"messages": [{"role": "user", "content": "hi"}]}])
    assert report.tokens is not None
    assert report.tokens.encoding == MODELS[model]


def test_plain_generated_examples_are_plain():
    # The differential test relies on this: no tools, no images, string content only.
    @settings(BASE, max_examples=budget(30))
    @given(chat_examples(tools=False, images=False))
    def check(example):
        assert set(example) == {"messages"}
        for message in example["messages"]:
            assert set(message) <= {"role", "content", "name", "weight"}
            assert isinstance(message["content"], str)

    check()


@pytest.mark.parametrize("model", list(MODELS))
@settings(BASE, max_examples=budget(40))
@given(examples=st.lists(chat_examples(tools=False, images=False), min_size=1, max_size=4))
def test_plain_examples_match_the_cookbook_formula(model, examples):
    encoding = MODELS[model]
    report = checker(model).check_examples(examples)
    expected = [cookbook_tokens(e, encoding) for e in examples]
    tokens = report.tokens
    assert tokens is not None
    assert tokens.total == sum(expected)
    assert tokens.messages == sum(expected)
    assert (tokens.tool_definitions, tokens.tool_calls, tokens.images) == (0, 0, 0)
    assert tokens.exact
    assert (tokens.per_example.min, tokens.per_example.max) == (min(expected), max(expected))
    assert tokens.assistant_total == sum(cookbook_assistant_tokens(e, encoding) for e in examples)
    assert "JG402" not in {d.code for d in report.diagnostics}


def test_toy_example_by_hand():
    o200k = load_encoding("o200k_base")
    example = {
        "messages": [
            {"role": "user", "content": "hello world"},
            {"role": "assistant", "content": "hi"},
        ]
    }
    # The token ids pin the vocab: if these change, so does every count.
    assert o200k.encode_ordinary("user") == [1428]
    assert o200k.encode_ordinary("hello world") == [24912, 2375]
    assert o200k.encode_ordinary("assistant") == [173781]
    assert o200k.encode_ordinary("hi") == [3686]
    expected = (3 + 1 + 2) + (3 + 1 + 1) + 3  # per message: 3 + role + content; +3 primer
    assert expected == 14

    report = checker("gpt-4o-mini-2024-07-18").check_examples([example])
    assert report.tokens is not None
    assert report.tokens.total == expected
    assert report.tokens.messages == expected
    assert report.tokens.assistant_total == 1
    assert report.tokens.exact


def test_name_costs_its_tokens_plus_one():
    with_name = {
        "messages": [
            {"role": "user", "content": "hello world", "name": "alice"},
            {"role": "assistant", "content": "hi"},
        ]
    }
    without = {"messages": [dict(with_name["messages"][0]), with_name["messages"][1]]}
    del without["messages"][0]["name"]
    count = checker("gpt-4o-mini-2024-07-18").check_examples
    total_with, total_without = count([with_name]).tokens.total, count([without]).tokens.total
    assert total_with - total_without == n_tokens("alice", "o200k_base") + 1


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "track_order",
            "description": "Look up where an order is.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    }
]
TOOL_EXAMPLE = {
    "tools": TOOLS,
    "messages": [
        {"role": "user", "content": "Where is order SW-1042?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "track_order", "arguments": '{"order_id": "SW-1042"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'},
        {"role": "assistant", "content": "It shipped today."},
    ],
}


def test_tool_example_splits_its_tokens():
    report = checker("gpt-4o-mini-2024-07-18").check_examples([TOOL_EXAMPLE])
    tokens = report.tokens
    assert tokens is not None
    assert tokens.tool_calls > 0
    assert tokens.tool_definitions > 0
    assert tokens.images == 0
    assert tokens.total == tokens.messages + tokens.tool_definitions + tokens.tool_calls
    assert not tokens.exact
    assert [(d.code, d.severity) for d in report.diagnostics if d.code == "JG402"] == [
        ("JG402", Severity.INFO)
    ]
    # The message part is still the cookbook formula (the tool-call turn has no content).
    o200k = "o200k_base"
    messages = 3 + sum(
        3 + n_tokens(m["role"], o200k) + n_tokens(m.get("content") or "", o200k)
        for m in TOOL_EXAMPLE["messages"]
    )
    assert tokens.messages == messages


def documented_estimate(example: dict[str, Any], encoding: str) -> dict[str, int]:
    """The approximation tokens/chat_formula.py documents for what the cookbook leaves out."""
    messages = 3
    calls = images = 0
    for message in example["messages"]:
        messages += 3 + n_tokens(message["role"], encoding)
        content = message.get("content")
        if isinstance(content, str):
            messages += n_tokens(content, encoding)
        elif isinstance(content, list):
            for part in content:
                if part["type"] == "text":
                    messages += n_tokens(part["text"], encoding)
                elif part["type"] == "image_url":
                    images += 85
        if "name" in message:
            messages += n_tokens(message["name"], encoding) + 1
        for call in message.get("tool_calls", ()):
            function = call["function"]
            calls += 3 + n_tokens(function["name"], encoding)
            calls += n_tokens(function["arguments"], encoding)
    tools = example.get("tools")
    definitions = (
        n_tokens(
            json.dumps(tools, ensure_ascii=False, separators=(",", ":"), sort_keys=True), encoding
        )
        if tools
        else 0
    )
    return {"messages": messages, "tool_definitions": definitions, "tool_calls": calls,
            "images": images}  # fmt: skip


@settings(BASE, max_examples=budget(40))
@given(examples=st.lists(chat_examples(tools=True, images=True), min_size=1, max_size=3))
def test_tool_and_image_tokens_follow_the_documented_estimate(examples):
    report = checker("gpt-4o-2024-08-06").check_examples(examples)
    tokens = report.tokens
    assert tokens is not None
    parts = [documented_estimate(e, "o200k_base") for e in examples]
    for key in ("messages", "tool_definitions", "tool_calls", "images"):
        assert getattr(tokens, key) == sum(p[key] for p in parts), key
    assert tokens.total == tokens.messages + tokens.tool_definitions + tokens.tool_calls + (
        tokens.images
    )
    assert tokens.exact == (tokens.total == tokens.messages)


# Values Python holds equal that JSON writes apart (0, 0.0, -0.0, False; 1, 1.0, True),
# and the floats msgspec writes as null: the memo of tool-definition counts is keyed by
# the exact JSON, so none of them may be taken for another.
LOOKALIKES = st.sampled_from(
    [0, 0.0, -0.0, False, 1, 1.0, True, None, "1", "null", 1e16, float("nan"), float("inf")]
)
DEFINITION_VALUES = st.recursive(
    LOOKALIKES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab"), inner),
    max_leaves=6,
)


@settings(BASE, max_examples=budget(60))
@given(st.lists(st.lists(DEFINITION_VALUES, min_size=1, max_size=3), min_size=1, max_size=5))
@example([[float("nan")], [None]])
@example([[None], [float("inf")]])
@example([[{"a": 1e16}], [{"a": 10000000000000000}]])
def test_tool_definition_counts_are_remembered_by_their_exact_json(definition_lists):
    from jsonl_guard.tokens.chat_formula import TokenCounter

    counter = TokenCounter("o200k_base")
    for definitions in definition_lists + definition_lists[::-1]:
        text = json.dumps(definitions, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        tokens = counter.count({"messages": [], "tools": definitions})
        assert tokens.tool_definitions == n_tokens(text, "o200k_base"), text


def test_the_memo_of_tool_definitions_stays_bounded():
    from jsonl_guard.tokens.chat_formula import DEFINITIONS_MEMO, TokenCounter

    counter = TokenCounter("o200k_base")
    for i in range(DEFINITIONS_MEMO * 2 + 3):
        definitions = [{"type": "function", "function": {"name": f"f{i}"}}]
        assert counter.count({"messages": [], "tools": definitions}).tool_definitions > 0
        assert len(counter._definition_tokens) <= DEFINITIONS_MEMO
