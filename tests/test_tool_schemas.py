"""JG228/JG229: tool definitions are valid JSON Schema and calls match them, in every
provider's form, each distinct schema compiled once, nothing fetched."""

from __future__ import annotations

import copy
import json
import socket
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jsonl_guard import CheckOptions, check_examples
from jsonl_guard.rules import tool_schemas

U = {"role": "user", "content": "Where is my order SW-100231?"}
PARAMS = {
    "type": "object",
    "properties": {"order_id": {"type": "string"}, "speed": {"enum": ["standard", "express"]}},
    "required": ["order_id"],
}
GOOD_ARGS = {"order_id": "SW-100231", "speed": "express"}
BAD_ARGS = {"order_id": "SW-100231", "speed": "overnight"}  # /speed outside its enum


def openai_call(args: Any, *, as_text: bool = True) -> dict[str, Any]:
    arguments = json.dumps(args) if as_text else args
    function = {"name": "track_order", "arguments": arguments}
    return {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": function}]}  # fmt: skip


def openai(params: Any, args: Any) -> dict[str, Any]:
    tool = {"type": "function", "function": {"name": "track_order", "parameters": params}}
    return {"tools": [tool], "messages": [U, openai_call(args)]}


def legacy(params: Any, args: Any) -> dict[str, Any]:
    call = {"name": "track_order", "arguments": json.dumps(args)}
    return {
        "functions": [{"name": "track_order", "parameters": params}],
        "messages": [U, {"role": "assistant", "content": None, "function_call": call}],
    }


def dpo(params: Any, args: Any) -> dict[str, Any]:
    tool = {"type": "function", "function": {"name": "track_order", "parameters": params}}
    return {
        "input": {"messages": [U], "tools": [tool]},
        "preferred_output": [openai_call(args)],
        "non_preferred_output": [{"role": "assistant", "content": "No idea."}],
    }


def upper(schema: Any) -> Any:
    """The same schema in Vertex's OpenAPI spelling (upper-case types)."""
    if isinstance(schema, dict):
        return {
            k: v.upper() if k == "type" and isinstance(v, str) else upper(v)
            for k, v in schema.items()
        }
    return [upper(v) for v in schema] if isinstance(schema, list) else schema


def vertex(params: Any, args: Any) -> dict[str, Any]:
    declaration = {"name": "track_order", "description": "Track", "parameters": upper(params)}
    return {
        "contents": [
            {"role": "user", "parts": [{"text": U["content"]}]},
            {"role": "model", "parts": [{"functionCall": {"name": "track_order", "args": args}}]},
        ],
        "tools": [{"functionDeclarations": [declaration]}],
    }


def nova(params: Any, args: Any) -> dict[str, Any]:
    spec = {"name": "track_order", "description": "Track", "inputSchema": {"json": params}}
    use = {"toolUse": {"toolUseId": "t1", "name": "track_order", "input": args}}
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "toolConfig": {"tools": [{"toolSpec": spec}]},
        "messages": [
            {"role": "user", "content": [{"text": U["content"]}]},
            {"role": "assistant", "content": [use]},
        ],
    }


def trl(params: Any, args: Any) -> dict[str, Any]:
    example = openai(params, args)
    example["messages"][1] = openai_call(args, as_text=False)  # TRL: arguments as an object
    return example


# (form, example builder, options): every provider form of tool calling.
FORMS = [
    ("openai", openai, {}),
    ("openai-legacy", legacy, {}),
    ("openai-dpo", dpo, {}),
    ("fireworks", openai, {"model": "accounts/fireworks/models/llama-v3p1-8b-instruct"}),
    ("vertex", vertex, {"model": "gemini-2.5-flash"}),
    ("bedrock-nova", nova, {"model": "amazon.nova-2-lite-v1:0"}),
    ("trl", trl, {"profile": "trl-messages"}),
    ("mistral", openai, {"model": "mistral-small-latest"}),
    ("together", openai, {"model": "openai/gpt-oss-20b", "profile": "together-conversation"}),
]
IDS = [form for form, _, _ in FORMS]


def findings(examples: list[dict[str, Any]], options: dict[str, Any], code: str) -> list[Any]:
    report = check_examples(examples, CheckOptions(**options))
    return [(d.line, d.message) for d in report.diagnostics if d.code == code]


@pytest.mark.parametrize(("form", "build", "options"), FORMS, ids=IDS)
def test_a_call_outside_its_schema_is_reported_with_its_pointer(form, build, options):
    found = findings([build(PARAMS, GOOD_ARGS), build(PARAMS, BAD_ARGS)], options, "JG229")
    assert len(found) == 1 and found[0][0] == 2, found
    assert '/speed is a string "overnight", expected one of "standard", "express"' in found[0][1]


@pytest.mark.parametrize(("form", "build", "options"), FORMS, ids=IDS)
def test_an_invalid_definition_is_reported_at_its_path(form, build, options):
    bad = copy.deepcopy(PARAMS)
    bad["properties"]["order_id"]["type"] = "strin"
    found = findings([build(PARAMS, GOOD_ARGS), build(bad, GOOD_ARGS)], options, "JG228")
    if form == "mistral":  # JG679 says it with mistral-common's words
        assert found == []
        assert findings([build(bad, GOOD_ARGS)], options, "JG679")
        return
    assert len(found) == 1 and found[0][0] == 2, found
    assert '/properties/order_id/type is "strin", not a JSON Schema type' in found[0][1]


def test_required_must_name_a_property():
    bad = {**PARAMS, "required": ["order_id", "order_number"]}
    (found,) = findings([openai(bad, GOOD_ARGS)], {}, "JG228")
    assert "/required/1 names 'order_number', which is not among its properties" in found[1]


def test_missing_and_mistyped_arguments_name_what_the_schema_expects():
    params = {**PARAMS, "properties": {**PARAMS["properties"], "n": {"type": "integer"}}}
    found = findings([openai(params, {"speed": "standard"}), openai(params, {"order_id": 7})], {}, "JG229")  # fmt: skip
    assert 'the arguments object lacks "order_id", which the schema requires' in found[0][1]
    assert "/order_id is an integer 7, expected a string" in found[1][1]


def test_the_rejected_output_of_a_pair_is_not_checked():
    example = dpo(PARAMS, GOOD_ARGS)
    example["non_preferred_output"] = [openai_call(BAD_ARGS)]
    assert findings([example], {}, "JG229") == []


def test_arguments_that_are_not_json_are_left_to_jg221():
    example = openai(PARAMS, GOOD_ARGS)
    example["messages"][1]["tool_calls"][0]["function"]["arguments"] = "{order_id: 1}"
    report = check_examples([example])
    assert {d.code for d in report.diagnostics} & {"JG221", "JG229"} == {"JG221"}


def test_each_distinct_schema_is_compiled_once():
    tool_schemas.cache_clear()
    other = {**PARAMS, "required": []}
    examples = [openai(PARAMS if i % 2 else other, {"order_id": f"SW-{i}"}) for i in range(200)]
    assert findings(examples, {}, "JG229") == []
    info = tool_schemas.compiled.cache_info()
    assert info.misses == 2 and info.maxsize == tool_schemas.CACHE_SIZE


def test_a_reference_outside_the_schema_is_never_fetched(monkeypatch):
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    params = {"$ref": "https://schemas.example.com/order.json"}
    (found,) = findings([openai(params, GOOD_ARGS)], {}, "JG228")
    assert "$ref https://schemas.example.com/order.json points outside the schema" in found[1]
    assert "references are not fetched" in found[1]


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.integers(0, 10**6), min_size=3, max_size=15, unique=True),
    st.data(),
)
def test_a_planted_bad_argument_is_reported_at_its_line_only(ids, data):
    examples = [openai(PARAMS, {"order_id": f"SW-{i}"}) for i in ids]
    target = data.draw(st.integers(0, len(ids) - 1))
    examples[target] = openai(PARAMS, {"order_id": ids[target]})  # a number, not a string
    assert [line for line, _ in findings(examples, {}, "JG229")] == [target + 1]


# Generated datasets with tools (whose calls now always hold their required arguments)
# get no finding at all: tests/test_properties.py asserts it for every valid file.


@pytest.mark.parametrize(
    "params",
    [None, 5, "x", [1], True, {"$schema": 5}, {"$schema": ["a"]}, {"required": None},
     {"type": ["object", 5]}, {"$ref": "#/nope"}, {"properties": {"a": {"pattern": "("}}}],
)  # fmt: skip
def test_any_value_as_parameters_is_reported_or_passed_never_a_crash(params):
    report = check_examples([openai(params, GOOD_ARGS)])
    assert report.examples == 1
    if isinstance(params, dict):
        assert found_codes(report) & {"JG228", "JG226", "JG119"}


def found_codes(report: Any) -> set[str]:
    return {d.code for d in report.diagnostics}


_KEYWORDS = st.sampled_from(
    ["type", "properties", "required", "enum", "items", "minimum", "maxLength", "const",
     "additionalProperties", "anyOf", "format", "pattern", "description", "$schema"]
)  # fmt: skip
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(
        ["object", "objekt", "string", "integer", "array", "a", "^a+$", "(",
         "http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2020-12/schema"]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYWORDS, inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_KEYWORDS, _VALUES, max_size=4))
def test_the_compiled_metaschema_check_passes_only_what_the_reference_passes(schema):
    """A valid file never imports jsonschema: the compiled metaschema check passes the
    schemas, and it must never pass one the reference rejects."""
    from jsonschema import Draft202012Validator, validators

    if tool_schemas._meta_valid(schema):
        cls = validators.validator_for(schema, default=Draft202012Validator)
        assert not list(cls(cls.META_SCHEMA).iter_errors(schema))


def test_arguments_are_parsed_once_and_only_short_ones_are_kept() -> None:
    """JG221 and JG229 share one parse of a call's arguments through a small cache; a
    long arguments string is parsed where it stands, so 64 of them never stay in memory."""
    from jsonl_guard.rules.tool_forms import CACHED_CHARS, NOT_PARSED, _parse_shallow
    from jsonl_guard.rules.tool_forms import parse_arguments as parse

    _parse_shallow.cache_clear()
    short = '{"city": "Paris"}'
    assert parse(short) == {"city": "Paris"} and parse(short) is parse(short)
    assert _parse_shallow.cache_info().currsize == 1
    long = json.dumps({"text": "x" * CACHED_CHARS})
    assert parse(long) == {"text": "x" * CACHED_CHARS}
    assert parse("{not json") is NOT_PARSED
    deep = "[" * 250 + "]" * 250
    assert parse(deep) == json.loads(deep)
    assert _parse_shallow.cache_info().currsize == 2  # the short one and the bad one
