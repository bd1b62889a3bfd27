"""Property-based tests: generated valid data passes, and every injected defect is found
exactly where it was put, whatever else the file holds.

Budgets are sized for CI (the whole file runs in well under 30 s). For a deeper run:
``pytest tests/test_properties.py --hypothesis-profile=thorough`` (10x the examples).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from helpers import true_near_duplicate
from jsonl_guard import Checker, CheckOptions, Severity, find_rule
from jsonl_guard.strategies import (
    CORRUPTION_CODES,
    SPECIAL_TOKEN_TEXTS,
    Corruption,
    chat_datasets,
    chat_examples,
    corruptions,
    texts,
)

settings.register_profile(
    "ci", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=1000)

# The first check loads a tokenizer (about a second), and datasets are big draws.
BASE = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def budget(n: int) -> int:
    """``n`` examples under the default profile; scaled up by a bigger profile."""
    return n * max(1, settings.default.max_examples // 100)


@dataclass(frozen=True)
class Setup:
    name: str
    tools: bool
    images: bool
    model: str | None = None

    @property
    def checker(self) -> Checker:
        return _checker(self.model)

    def datasets(self, min_size: int = 10, max_size: int = 12) -> st.SearchStrategy[Any]:
        return chat_datasets(min_size, max_size, tools=self.tools, images=self.images)


_CHECKERS: dict[str | None, Checker] = {}


def _checker(model: str | None) -> Checker:
    if model not in _CHECKERS:
        _CHECKERS[model] = Checker(CheckOptions(model=model) if model else None)
    return _CHECKERS[model]


TEXT = Setup("text", tools=False, images=False)
TOOLS = Setup("tools", tools=True, images=False)
VISION = Setup("vision", tools=True, images=True, model="gpt-4o-2024-08-06")
CL100K = Setup("cl100k", tools=True, images=False, model="gpt-3.5-turbo-0125")
SETUPS = [TEXT, TOOLS, VISION, CL100K]


@pytest.fixture(scope="module", autouse=True)
def _warm_tokenizers():
    # Load every vocab once, outside the timed examples.
    for setup in SETUPS:
        setup.checker.check_examples([{"messages": [{"role": "user", "content": "hi"}]}])


def lines_of(dataset: list[Any], **dumps: Any) -> list[bytes]:
    return [json.dumps(e, ensure_ascii=False, **dumps).encode("utf-8") + b"\n" for e in dataset]


def approximate(example: dict[str, Any]) -> bool:
    """Whether jsonl-guard estimates part of the example's tokens (tools or images)."""
    images = any(
        isinstance(part, dict) and part.get("type") == "image_url"
        for message in example["messages"]
        if isinstance(message.get("content"), list)
        for part in message["content"]
    )
    return bool(example.get("tools")) or images


def widened(dataset: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """``dataset`` padded to ``size`` distinct valid examples (numbered copies)."""
    out = list(dataset)
    for n in range(size - len(dataset)):
        copy = json.loads(json.dumps(dataset[n % len(dataset)]))
        copy["messages"].append({"role": "user", "content": f"One more thing (#{n})."})
        copy["messages"].append({"role": "assistant", "content": f"Noted (#{n})."})
        out.append(copy)
    return out


# --------------------------------------------------------------------- the strategies


@settings(BASE, max_examples=budget(40))
@given(texts())
def test_texts_are_never_blank_and_never_hold_special_tokens(text):
    assert text.strip()
    assert not any(token in text for token in SPECIAL_TOKEN_TEXTS)
    text.encode("utf-8")  # no lone surrogates


@settings(BASE, max_examples=budget(25))
@given(chat_examples(tools=True, images=True))
def test_generated_examples_have_the_promised_shape(example):
    messages = example["messages"]
    roles = [m["role"] for m in messages]
    assert "system" not in roles[1:]
    assert roles[-1] == "assistant"
    assistants = [m for m in messages if m["role"] == "assistant"]
    assert any(m.get("weight", 1) == 1 for m in assistants)
    assert all(m.get("weight", 0) in (0, 1) for m in assistants)
    calls = [c for m in messages for c in m.get("tool_calls", ())]
    ids = [c["id"] for c in calls]
    assert len(ids) == len(set(ids))
    defined = {t["function"]["name"] for t in example.get("tools", ())}
    for call in calls:
        assert call["function"]["name"] in defined
        assert isinstance(json.loads(call["function"]["arguments"]), dict)
    # Every call is answered before the next non-tool message.
    pending: set[str] = set()
    for message in messages:
        if message["role"] == "tool":
            pending.remove(message["tool_call_id"])
            continue
        assert not pending
        pending = {c["id"] for c in message.get("tool_calls", ())}


def test_corruptions_cover_the_promised_rules():
    wanted = {"JG201", "JG202", "JG110", "JG205", "JG222", "JG116", "JG250"}
    assert wanted <= CORRUPTION_CODES
    with pytest.raises(ValueError, match="JG999"):
        corruptions(codes=["JG999"])


@pytest.mark.parametrize("code", sorted(CORRUPTION_CODES))
@settings(BASE, max_examples=budget(3))
@given(data=st.data())
def test_every_corruption_raises_its_code(code, data):
    example = data.draw(chat_examples(tools=True, images=True), label="example")
    corruption = data.draw(corruptions(codes=[code]), label="corruption")
    assume(corruption.applies_to(example))
    line, raised = corruption(example)
    assert raised == code
    report = VISION.checker.check_lines([line.encode("utf-8")])
    assert code in {d.code for d in report.diagnostics if d.line == 1}, report.diagnostics


@settings(BASE, max_examples=budget(30))
@given(corruptions(warnings=False))
def test_error_only_corruptions_are_for_error_rules(corruption):
    rule = find_rule(corruption.code)
    assert rule is not None
    assert rule.severity is Severity.ERROR


# ----------------------------------------------------- (a) valid data raises nothing


@pytest.mark.parametrize("setup", SETUPS, ids=lambda s: s.name)
@settings(BASE, max_examples=budget(5))
@given(data=st.data())
def test_valid_dataset_has_no_error_and_no_warning_but_jg302(setup, data):
    dataset = data.draw(setup.datasets(), label="dataset")
    report = setup.checker.check_examples(dataset)

    assert report.examples == len(dataset)
    # JG313 (refusal share): Hypothesis also draws the refusal phrases, string constants
    # of the code under test; tests/test_answers.py holds that rule's properties.
    # JG314: Hypothesis reuses strings, so a drawn dataset may hold true near-duplicates;
    # any other is a false alarm (helpers.true_near_duplicate).
    lines = [json.dumps(e).encode() for e in dataset]
    found = [
        d
        for d in report.diagnostics
        if d.code != "JG313"
        and not (d.code == "JG314" and true_near_duplicate(lines, d.line or 0, d.message))
    ]
    assert [d for d in found if d.line is not None] == []
    codes = sorted(d.code for d in found)
    expected = ["JG302"] + (["JG402"] if any(approximate(e) for e in dataset) else [])
    assert codes == expected, report.diagnostics
    assert report.ok
    assert report.tokens is not None
    assert report.tokens.counted_examples == len(dataset)


@settings(BASE, max_examples=budget(2))
@given(VISION.datasets(min_size=10, max_size=10))
def test_fifty_valid_examples_raise_no_warning_at_all(dataset):
    report = VISION.checker.check_examples(widened(dataset, 50))
    # widened pads with numbered copies, near-duplicates by construction (JG314); clean
    # datasets of distinct texts are tests/test_near_duplicates.py's property.
    assert {d.code for d in report.diagnostics} - {"JG314"} <= {"JG402"}, report.diagnostics


# -------------------------------------------- (b) a defect is reported where it is


@pytest.mark.parametrize("setup", [TEXT, TOOLS, VISION], ids=lambda s: s.name)
@settings(BASE, max_examples=budget(10))
@given(data=st.data())
def test_corruption_is_reported_at_its_line_and_nowhere_else(setup, data):
    dataset = data.draw(setup.datasets(10, 10), label="dataset")
    corruption: Corruption = data.draw(corruptions(), label="corruption")
    applicable = [i for i, example in enumerate(dataset) if corruption.applies_to(example)]
    assume(applicable)
    index = data.draw(st.sampled_from(applicable), label="index")
    line, code = corruption(dataset[index])
    note(f"line {index + 1}: {line}")

    lines = lines_of(dataset)
    lines[index] = line.encode("utf-8") + b"\n"
    report = setup.checker.check_lines(lines)

    number = index + 1
    assert {d.line for d in report.diagnostics if d.code == code} == {number}, report.diagnostics
    stray_errors = [
        d for d in report.diagnostics if d.severity is Severity.ERROR and d.line != number
    ]
    assert stray_errors == []
    # A corruption never changes the number of examples.
    assert report.examples == len(dataset)


# ------------------------------------------------------- (c) the checker never raises

JSON_KEYS = st.one_of(
    st.sampled_from(
        [
            "messages", "role", "content", "name", "weight", "tool_calls", "tool_call_id",
            "id", "type", "function", "arguments", "tools", "functions", "function_call",
            "parameters", "description", "strict", "text", "image_url", "url", "detail",
            "refusal", "audio", "parallel_tool_calls",
        ]
    ),
    st.text(max_size=6),
)  # fmt: skip
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.text(st.characters(categories=["Cs", "L"]), max_size=4),  # lone surrogates too
    st.sampled_from(
        [
            "system", "user", "assistant", "tool", "function", "developer", "text",
            "image_url", "refusal", "{}", "{", "https://example.com/a.png", "http://x",
            "data:image/png;base64,iVBORw0KGgo=", "data:image/png;base64,", "data:",
            "<|endoftext|>",
            "\ud800",
            "lone \udfff", "", " ", 0, 1, 0.5, -1, 2**63, 10**30,
        ]
    ),
)  # fmt: skip
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(JSON_KEYS, children, max_size=5)
    ),
    max_leaves=30,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _paths(child, (*prefix, i))
    return found


@st.composite
def grafted_examples(draw: st.DrawFn) -> Any:
    """A valid example with one subtree replaced by (or one key dropped for) junk."""
    example = draw(chat_examples(tools=True, images=True))
    path = draw(st.sampled_from(_paths(example)))
    if not path:
        return draw(JSON_VALUES)
    parent = example
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON_VALUES)
    return example


def _assert_sane(report, lines: int):
    assert report.io_error is None
    assert all(d.line is None or 1 <= d.line <= lines for d in report.diagnostics)
    assert all(d.message for d in report.diagnostics)


@settings(BASE, max_examples=budget(50))
@given(
    st.lists(st.one_of(JSON_VALUES, grafted_examples()), min_size=1, max_size=4),
    st.booleans(),
)
def test_any_json_value_gets_a_report_not_an_exception(values, ensure_ascii):
    # With ensure_ascii, lone surrogates become \udXXX escapes (valid JSON); without,
    # they become bytes that are not valid UTF-8.
    lines = [
        json.dumps(v, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass") for v in values
    ]
    for setup in (TOOLS, VISION):
        report = setup.checker.check_lines(lines)
        _assert_sane(report, len(values))
        assert report.examples == len(values)


@pytest.mark.parametrize(
    "line",
    [
        rb'{"messages": [{"role": "user", "content": "\ud800"}, '
        rb'{"role": "assistant", "content": "ok"}]}',
        rb'{"x\udfff": 1}',
    ],
)
def test_lone_surrogate_escape_gets_a_report_not_an_exception(line):
    # Regression (validator bug): json.loads accepts the escape \ud800 (a lone
    # surrogate), then the duplicate digest's .encode("utf-8") raised
    # UnicodeEncodeError out of check_lines.
    report = TOOLS.checker.check_lines([line])
    _assert_sane(report, 1)


@st.composite
def mutated_lines(draw: st.DrawFn) -> bytes:
    """A valid line with a few bytes flipped, dropped or inserted, maybe with BOM/CR."""
    line = bytearray(json.dumps(draw(chat_examples())).encode("utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(line)))
        kind = draw(st.sampled_from(["flip", "drop", "insert"]))
        if kind == "insert" or at == len(line):
            line[at:at] = draw(st.binary(min_size=1, max_size=3))
        elif kind == "drop":
            del line[at]
        else:
            line[at] = draw(st.integers(0, 255))
    prefix = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b" "]))
    suffix = draw(st.sampled_from([b"", b"\n", b"\r\n", b"\r", b"\r\r\n"]))
    return prefix + bytes(line) + suffix


@settings(BASE, max_examples=budget(40))
@given(st.lists(st.one_of(st.binary(max_size=200), mutated_lines()), max_size=5))
def test_any_bytes_get_a_report_not_an_exception(lines):
    report = TOOLS.checker.check_lines(lines)
    _assert_sane(report, len(lines))


def test_deeply_nested_json_gets_a_report_not_an_exception():
    # Regression (validator bug): a nesting depth that json.loads still accepts but
    # json.dumps, called deeper in the stack, does not, raised RecursionError out of
    # check_lines (from the token counter's tool definitions, or the digest). The
    # exact depth depends on the stack, so try every depth around the limit.
    checker = TOOLS.checker
    crashed = []
    for depth in range(700, 1100):
        nested = "[" * depth + "]" * depth
        line = (
            '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", '
            '"content": "ok"}], "tools": [{"type": "function", "function": {"name": "f", '
            f'"parameters": {{"a": {nested}}}}}}}]}}'
        )
        try:
            report = checker.check_lines([line.encode()])
        except RecursionError:
            crashed.append(depth)
        else:
            _assert_sane(report, 1)
    assert crashed == []


# ----------------------------- (d) key order and serialization never change a verdict
#
# Lines are checked independently (only JG303 compares them), so these properties
# work on a few examples at a time: failures then shrink to one small example.


def verdict(report) -> tuple[Any, ...]:
    return (
        report.ok,
        report.examples,
        sorted((d.code, d.severity.value, d.line) for d in report.diagnostics),
        report.tokens,
    )


def shuffled(value: Any, rnd: random.Random) -> Any:
    """``value`` with the keys of every object in a random order."""
    if isinstance(value, dict):
        keys = list(value)
        rnd.shuffle(keys)
        return {key: shuffled(value[key], rnd) for key in keys}
    if isinstance(value, list):
        return [shuffled(item, rnd) for item in value]
    return value


SEPARATORS = st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : "), (",\t", ":\t")])
PADDING = st.sampled_from(["", " ", "\t", "  "])


@pytest.mark.parametrize("setup", [TEXT, TOOLS, VISION], ids=lambda s: s.name)
@settings(BASE, max_examples=budget(20))
@given(data=st.data())
def test_reserializing_never_changes_the_verdict(setup, data):
    examples = data.draw(
        st.lists(chat_examples(tools=setup.tools, images=setup.images), min_size=1, max_size=3),
        label="examples",
    )
    separators = data.draw(SEPARATORS, label="separators")
    ensure_ascii = data.draw(st.booleans(), label="ensure_ascii")
    before, after = data.draw(PADDING, label="before"), data.draw(PADDING, label="after")
    original = setup.checker.check_lines(lines_of(examples))
    again = setup.checker.check_lines(
        (before + json.dumps(e, separators=separators, ensure_ascii=ensure_ascii) + after).encode()
        for e in examples
    )
    assert verdict(again) == verdict(original)


@pytest.mark.parametrize("setup", [TEXT, TOOLS, VISION], ids=lambda s: s.name)
@settings(BASE, max_examples=budget(20))
@given(data=st.data())
def test_reordering_keys_never_changes_the_verdict(setup, data):
    # Fails with tools (validator bug): a tool definition is counted as the tokens of
    # its JSON text in the line's key order, so reordering the keys of a tool
    # definition changes tokens.tool_definitions and tokens.total.
    examples = data.draw(
        st.lists(chat_examples(tools=setup.tools, images=setup.images), min_size=1, max_size=3),
        label="examples",
    )
    if data.draw(st.booleans(), label="sort_keys"):
        reordered = [json.loads(json.dumps(e, sort_keys=True)) for e in examples]
    else:
        rnd = data.draw(st.randoms(use_true_random=False), label="key order")
        reordered = [shuffled(e, rnd) for e in examples]
    original = setup.checker.check_lines(lines_of(examples))
    again = setup.checker.check_lines(lines_of(reordered))
    assert verdict(again) == verdict(original)


def test_reordering_the_keys_of_a_tool_definition_keeps_its_token_count():
    # Minimal reproduction of the bug above.
    tool = {"type": "function", "function": {"name": "f", "description": "Get the weather"}}
    reordered = {"function": {"description": "Get the weather", "name": "f"}, "type": "function"}
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]
    first = TOOLS.checker.check_examples([{"messages": messages, "tools": [tool]}])
    second = TOOLS.checker.check_examples([{"messages": messages, "tools": [reordered]}])
    assert first.tokens == second.tokens


@settings(BASE, max_examples=budget(20))
@given(
    examples=st.lists(chat_examples(tools=True, images=True), min_size=1, max_size=3),
    corruption=corruptions(),
    data=st.data(),
)
def test_reordering_keys_never_changes_the_diagnostics_of_broken_lines(examples, corruption, data):
    # Diagnostics (token counts aside) of defective lines do not depend on key order.
    broken = []
    for example in examples:
        if corruption.applies_to(example):
            line, _ = corruption(example)
            try:
                broken.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    assume(broken)
    rnd = data.draw(st.randoms(use_true_random=False), label="key order")
    original = VISION.checker.check_examples(broken)
    again = VISION.checker.check_examples([shuffled(b, rnd) for b in broken])
    assert verdict(again)[:3] == verdict(original)[:3]
