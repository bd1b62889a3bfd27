"""Every rule survives any JSON value in any field, for every profile and model.

Two halves, both checking through ``Checker.check_examples`` with the profile forced:

* systematic (``test_every_field_takes_every_type``): each path of a generated valid
  example (any key at any depth, list items and the whole example included) gets a
  value of each JSON type (``EACH_TYPE``), one line per case, in one file;
* random (``test_any_value_anywhere_gives_a_report``): files of up to eight copies of
  an example, each with one to three wrong values (scalars, huge numbers, strings
  holding JSON, nested containers, parts of the example moved elsewhere) or
  unexpected keys.

Checking must give a report (each line is reported, or it is valid) and never raise:
a wrong type is the schema rule's to report; every other rule skips what it cannot read.

Each profile is checked with every model that takes it (models switch rules on:
Mistral, Nova, Gemini, …) and the TRL profiles also with the tiny tokenizer of
``tests/fixtures/hf``. Crashes found here keep a named regression case in
``REGRESSIONS`` below.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from jsonl_guard import Checker, CheckOptions
from jsonl_guard.engine.models import builtin_models
from jsonl_guard.engine.profiles import models_of, profile_table, resolve_profile
from jsonl_guard.strategies import chat_examples, profile_examples
from jsonl_guard.strategies._profiles import example_strategies

PROFILES = sorted(profile_table())
TOKENIZER = str(Path(__file__).resolve().parent / "fixtures" / "hf" / "tokenizer.json")
HAVE_TOKENIZERS = importlib.util.find_spec("tokenizers") is not None
JsonPath = tuple[str | int, ...]

# Deterministic for CI (no example database, a fixed seed per test); the file takes
# about 35 s of CPU (openai-chat, counted exactly, is the slowest).
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Keys the profiles read somewhere: an unexpected key is most telling when some rule
# of some profile gives it a meaning.
KNOWN_KEYS = (
    "role", "content", "name", "weight", "tool_calls", "tool_call_id", "id", "type",
    "function", "arguments", "parameters", "tools", "functions", "function_call",
    "messages", "system", "prompt", "completion", "text", "chosen", "rejected", "label",
    "input", "preferred_output", "non_preferred_output", "contents", "parts",
    "systemInstruction", "functionCall", "functionResponse", "inlineData", "fileData",
    "completions", "score", "schemaVersion", "toolUse", "toolResult", "toolUseId",
    "toolSpec", "inputSchema", "json", "image", "video", "document", "source", "bytes",
    "format", "image_url", "url", "detail", "reasoning_content", "thinking", "prefix",
    "response", "output", "response_format", "reference_answer",
)  # fmt: skip
ROLES = ("system", "user", "assistant", "tool", "function", "model", "developer", "")


def _nested(depth: int, as_list: bool) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value] if as_list else {"a": value}
    return value


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 2**31, 2**64, -(2**63) - 1, 10**40]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(ROLES + KNOWN_KEYS[:12]),
    # Strings that hold JSON (tool arguments do): empty, cut, deep, a huge number.
    st.sampled_from(["{}", "[]", "null", '{"a":', "[" * 2000, "1" * 5000, "1e999", "<|im_end|>"]),
)
KEYS = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=8))
WRONG_VALUES = st.one_of(
    SCALARS,
    st.sampled_from([[], {}, [[]], [{}], {"": {}}]),
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
        max_leaves=8,
    ),
    st.builds(_nested, st.integers(10, 60), st.booleans()),
)


def _vertex_legacy() -> st.SearchStrategy[dict[str, Any]]:
    """Gemini 1.0 (legacy) examples: the project has no strategy for a refused format."""
    turn = st.sampled_from(["Hi", "Where is my order?", "It ships today."])
    return st.lists(turn, min_size=1, max_size=4).map(
        lambda texts: {
            "messages": [
                {"role": "user" if i % 2 == 0 else "model", "content": text}
                for i, text in enumerate(texts)
            ]
        }
    )


@functools.cache  # one strategy object per profile: Hypothesis caches per object
def examples_of(profile: str) -> st.SearchStrategy[dict[str, Any]]:
    if profile in example_strategies():
        return profile_examples(profile)
    if profile == "openai-chat":
        return chat_examples(tools=True, images=True)
    if profile == "vertex-gemini-legacy":
        return _vertex_legacy()
    raise AssertionError(f"no example strategy for {profile}: add one here")


def setups(profile: str) -> list[tuple[str, str]]:
    """(model, tokenizer) pairs: every model of the profile, plus a tokenizer file."""
    models = [m.name for m in models_of(resolve_profile(profile), builtin_models().values())]
    pairs = [(model, "auto") for model in models]
    if profile.startswith("trl-") and HAVE_TOKENIZERS:
        pairs += [(model, TOKENIZER) for model in models]
    return pairs or [(resolve_profile(profile).default_model, "auto")]


@functools.cache
def checker(profile: str, model: str, tokenizer: str) -> Checker:
    options = CheckOptions(model=model, model_source="cli", profile=profile, tokenizer=tokenizer)
    return Checker(options)


def paths(value: Any, prefix: JsonPath = ()) -> Iterator[JsonPath]:
    """Every path in ``value``, the root (``()``) included."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def at(value: Any, path: JsonPath) -> Any:
    for step in path:
        value = value[step]
    return value


def replaced(example: Any, path: JsonPath, new: Any) -> Any:
    if not path:
        return new
    copied = copy.deepcopy(example)
    at(copied, path[:-1])[path[-1]] = new
    return copied


def mutate(draw: st.DrawFn, example: Any) -> Any:
    """``example`` with one to three wrong values or unexpected keys."""
    for _ in range(draw(st.integers(1, 3))):
        # A depth first, then a path at that depth: the fields the rules read (a role,
        # an id) are not drowned by the many leaves of a tool's JSON Schema. The whole
        # example (depth 0) comes last: the simplest draws hit a field, not the root.
        by_depth: dict[int, list[JsonPath]] = {}
        for path in paths(example):
            by_depth.setdefault(len(path), []).append(path)
        depth = draw(st.sampled_from(sorted(by_depth, key=lambda d: (d == 0, d))))
        where = draw(st.sampled_from(by_depth[depth]))
        kind = draw(st.sampled_from(["replace", "replace", "move", "add-key"]))
        if kind == "add-key":
            target = at(example, where)
            if isinstance(target, dict):
                example = replaced(example, where, {**target, draw(KEYS): draw(WRONG_VALUES)})
                continue
        if kind == "move":  # another part of the same example: right shape, wrong place
            new = copy.deepcopy(at(example, draw(st.sampled_from(list(paths(example))))))
        else:
            new = draw(WRONG_VALUES)
        example = replaced(example, where, new)
    return example


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A valid example with one to three wrong values or unexpected keys."""
    return mutate(draw, draw(base))


@st.composite
def mutated_files(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> list[Any]:
    """Up to eight lines, each a valid example broken its own way: one check reads them
    all (8x the cases per second), and the dataset rules see several broken lines."""
    example = draw(base)
    return [mutate(draw, example) for _ in range(draw(st.integers(1, 8)))]


@functools.cache
def files_of(profile: str) -> st.SearchStrategy[list[Any]]:
    return mutated_files(examples_of(profile))


def check_survives(profile: str, model: str, tokenizer: str, examples: list[Any]) -> None:
    report = checker(profile, model, tokenizer).check_examples(examples)
    # A report for the forced profile: each line is reported, or it is valid.
    assert report.format == profile
    assert report.examples <= len(examples)
    lines = range(1, len(examples) + 1)
    assert all(d.line is None or d.line in lines for d in report.diagnostics), report.diagnostics


@pytest.mark.parametrize("profile", PROFILES)
@SETTINGS
@given(data=st.data())
def test_any_value_anywhere_gives_a_report(profile: str, data: st.DataObject) -> None:
    model, tokenizer = data.draw(st.sampled_from(setups(profile)), label="setup")
    examples = data.draw(files_of(profile), label="examples")
    note(f"{profile} / {model} / {tokenizer}")
    check_survives(profile, model, tokenizer, examples)


# One value of each JSON type (and the shapes rules index into): every field gets each.
EACH_TYPE = (None, True, 0, -1, 2**64, 1.5, "", "x", [], [[]], [{}], {}, {"": {}})


def sweep(example: Any) -> list[Any]:
    """``example`` with the value at one path replaced by one of ``EACH_TYPE``, for
    every path and every value: one line each.

    Paths that differ only by list indices past the second are one case: the first
    and a later item (rules compare an item with the one before) stand for all.
    """
    shapes: dict[JsonPath, JsonPath] = {}
    for path in paths(example):
        shape = tuple(min(step, 1) if isinstance(step, int) else step for step in path)
        shapes.setdefault(shape, path)
    return [replaced(example, path, value) for path in shapes.values() for value in EACH_TYPE]


@pytest.mark.parametrize("profile", PROFILES)
@settings(SETTINGS, max_examples=2)
@given(data=st.data())
def test_every_field_takes_every_type(profile: str, data: st.DataObject) -> None:
    """The systematic half: each path of a generated example, each JSON type, in one
    file (a few hundred lines); random draws above cover combinations and new keys."""
    model, tokenizer = data.draw(st.sampled_from(setups(profile)), label="setup")
    example = data.draw(examples_of(profile), label="example")
    check_survives(profile, model, tokenizer, sweep(example))


def test_every_profile_has_setups_and_examples() -> None:
    for profile in PROFILES:
        assert setups(profile), profile
        examples_of(profile)  # raises for a profile without a strategy


# -- regressions: each crash the property found, kept by name -------------------------------

_CALL = {"type": "function", "function": {"name": "track_order", "arguments": "{}"}}
REGRESSIONS: dict[str, tuple[str, str, Any]] = {
    # providers/mistral/rules.py: a role looked up in a dict and a set (TypeError: unhashable).
    "mistral-list-role": (
        "mistral",
        "mistral-small-latest",
        {"messages": [{"role": "user", "content": "Q."}, {"role": [], "content": "Q."}]},
    ),
    # providers/mistral/rules.py: call ids gathered in a set (TypeError: unhashable).
    "mistral-object-tool-call-id": (
        "mistral",
        "mistral-small-latest",
        {
            "messages": [
                {"role": "user", "content": "Q."},
                {"role": "assistant", "tool_calls": [{**_CALL, "id": {"a": 1}}]},
                {"role": "tool", "content": "ok", "tool_call_id": "TX92Jm8Zi"},
                {"role": "assistant", "content": "Done."},
            ]
        },
    ),
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regression(name: str) -> None:
    profile, model, example = REGRESSIONS[name]
    check_survives(profile, model, "auto", [example])
