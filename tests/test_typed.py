"""The typed fast path (``engine/typed.py``) against the JSON Schemas and the full path.

1. The schemas stay the single source of truth: for every shape, a line the typed
   decoder accepts is read exactly as the untyped parser reads it (same value, same key
   order, same canonical form, no finding), its schema accepts it (the reference
   validator) and it is plain chat for the gating; and every plain chat example its
   schema accepts, the typed decoder accepts. So a schema that changes under a shape
   fails here instead of drifting.
2. What the full path detects is never skipped: duplicate keys, lone surrogates, huge
   numbers, deep nesting, a BOM, unknown keys all fall back.
3. Every line's outcome is the same with the typed path on and off, on every fixture,
   example and generated dataset of the profiles that have a shape.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES, FIXTURES
from jsonl_guard import Checker, CheckOptions
from jsonl_guard.engine.gating import _plain_chat
from jsonl_guard.engine.line import LineOutcome
from jsonl_guard.engine.parse import MAX_NESTING, parse_line
from jsonl_guard.engine.profiles import profile_table, resolve_profile
from jsonl_guard.engine.schema import _validator
from jsonl_guard.engine.typed import SHAPES, parse_plain, typed_decoder
from jsonl_guard.strategies import chat_datasets, corruptions, profile_corruptions
from jsonl_guard.strategies._profiles import example_strategies

FORMATS = sorted(SHAPES)
ROLES = ["system", "user", "assistant", "tool", "function", "developer", "model", "User"]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _shape_of(value: Any) -> Any:
    """``value`` with every dict's keys in order (dict equality ignores the order)."""
    if isinstance(value, dict):
        return [(key, _shape_of(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_shape_of(item) for item in value]
    return value


def _schema_accepts(format_name: str, value: Any) -> bool:
    return bool(_validator(format_name).is_valid(value))


def _assert_read_as_the_full_path_reads(format_name: str, raw: bytes) -> bool:
    """Whether the typed decoder accepted ``raw``; if so, that it is sound."""
    decode = typed_decoder(format_name)
    assert decode is not None
    parsed = parse_plain(raw, decode)
    if parsed is None:
        return False
    findings: list[Any] = []
    full = parse_line(raw, 1, findings)
    assert not findings and full is not None
    assert _shape_of(parsed.value) == _shape_of(full.value)
    assert parsed.canonical == full.canonical
    assert _schema_accepts(format_name, parsed.value), raw
    assert _plain_chat(parsed.value), raw
    return True


# Values near the shapes: right and wrong roles, types, keys, in any key order.
_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=4,
)
_parts = st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": st.text()}), max_size=2)


@st.composite
def _shuffled(draw: st.DrawFn, items: dict[str, Any]) -> dict[str, Any]:
    keys = draw(st.permutations(list(items)))
    return {key: items[key] for key in keys}


def _message(*, near: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A message; ``near``: keys and types mostly right (the plain shape and its edges)."""
    content = st.text() if near else st.text() | _json | _parts
    extra: dict[str, st.SearchStrategy[Any]] = {"name": st.text(max_size=6)}
    if not near:
        extra |= {
            "name": st.text(max_size=6) | _json,
            "weight": st.sampled_from([0, 1, 2]),
            "tool_call_id": st.text(max_size=4),
            "tool_calls": st.lists(_json, max_size=1),
            "refusal": st.none() | st.text(max_size=4),
        }
    return st.fixed_dictionaries(
        {"role": st.sampled_from(ROLES), "content": content}, optional=extra
    ).flatmap(_shuffled)


def _examples(*, near: bool) -> st.SearchStrategy[Any]:
    messages = st.lists(_message(near=near), min_size=1, max_size=4)
    if near:
        return st.fixed_dictionaries({"messages": messages})
    top = st.fixed_dictionaries(
        {},
        optional={"messages": messages | _json, "tools": _json, "weight": _json, "x": _json},
    ).flatmap(_shuffled)
    return top | _json


def _dumps(value: Any, ascii_only: bool, compact: bool) -> bytes:
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(value, ensure_ascii=ascii_only, separators=separators).encode()


@SETTINGS
@given(st.sampled_from(FORMATS), _examples(near=False), st.booleans(), st.booleans())
def test_what_the_typed_decoder_accepts_the_schema_accepts(
    format_name: str, value: Any, ascii_only: bool, compact: bool
) -> None:
    _assert_read_as_the_full_path_reads(format_name, _dumps(value, ascii_only, compact))


@SETTINGS
@given(st.sampled_from(FORMATS), _examples(near=True), st.booleans(), st.booleans())
def test_every_plain_example_the_schema_accepts_is_typed(
    format_name: str, value: Any, ascii_only: bool, compact: bool
) -> None:
    accepted = _assert_read_as_the_full_path_reads(format_name, _dumps(value, ascii_only, compact))
    assert accepted == (_plain_chat(value) and _schema_accepts(format_name, value))


@pytest.mark.parametrize("format_name", FORMATS)
def test_the_plain_examples_are_not_vacuous(format_name: str) -> None:
    plain = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "a:b"}]}'
    assert _assert_read_as_the_full_path_reads(format_name, plain)


UNUSUAL = {
    "duplicate key": b'{"messages": [{"role": "user", "role": "assistant", "content": "x"}]}',
    "duplicate top key": b'{"messages": [{"role": "user", "content": "x"}], "messages": []}',
    "unknown key": b'{"messages": [{"role": "assistant", "content": "x", "weight": 0}]}',
    "unknown top key": b'{"messages": [{"role": "user", "content": "x"}], "tools": []}',
    "lone surrogate": b'{"messages": [{"role": "user", "content": "\\ud800"}]}',
    "huge number": b'{"messages": [{"role": "user", "content": "x", "n": 1' + b"0" * 5000 + b"}]}",
    "deep nesting": b'{"messages": [{"role": "user", "content": "x", "n": '
    + b"[" * (MAX_NESTING + 5)
    + b"]" * (MAX_NESTING + 5)
    + b"}]}",
    "BOM": b'\xef\xbb\xbf{"messages": [{"role": "user", "content": "x"}]}',
    "escaped colon": b'{"messages": [{"role": "user", "content": "a\\u003ab"}]}',
    "tool role": b'{"messages": [{"role": "tool", "content": "x", "tool_call_id": "1"}]}',
    "no messages": b'{"messages": []}',
    "null content": b'{"messages": [{"role": "assistant", "content": null}]}',
    "content parts": b'{"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]}',
    "invalid UTF-8": b'{"messages": [{"role": "user", "content": "\xff"}]}',
    "not an object": b'[{"role": "user", "content": "x"}]',
}


@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize("case", sorted(UNUSUAL))
def test_an_unusual_line_takes_the_full_path(format_name: str, case: str) -> None:
    decode = typed_decoder(format_name)
    assert decode is not None
    assert parse_plain(UNUSUAL[case], decode) is None


# Outcome equivalence: the line checker with the typed path on and off.
TYPED_PROFILES = sorted(name for name, p in profile_table().items() if p.schema in SHAPES)


def _options(profile: str | None) -> CheckOptions:
    if profile is None:
        return CheckOptions()
    model = resolve_profile(profile).default_model
    return CheckOptions(model=model, model_source="cli", profile=profile)


def _both(lines: list[bytes], options: CheckOptions) -> tuple[list[LineOutcome], ...]:
    run = Checker(options).open()
    run.detect_from(lines)
    typed = run.line_checker
    full = typed.variant(typed=False)
    raw = [line.removesuffix(b"\n") for line in lines]
    return tuple([c.check(line, n) for n, line in enumerate(raw, 1)] for c in (typed, full))


def _files() -> list[tuple[Path, str | None]]:
    files: list[tuple[Path, str | None]] = [
        (p, None) for p in sorted((FIXTURES / "rules").glob("*/*.jsonl"))
    ]
    files += [(p, None) for p in sorted(EXAMPLES.glob("*.jsonl"))]
    for profile in TYPED_PROFILES:
        files += [(p, profile) for p in sorted((FIXTURES / "profiles" / profile).glob("*.jsonl"))]
        generated = FIXTURES / "generated" / f"{profile}.jsonl"
        if generated.exists():
            files.append((generated, profile))
    return files


FILES = _files()


@pytest.mark.parametrize(
    ("path", "profile"), FILES, ids=[f"{p.parent.name}/{p.name}" for p, _ in FILES]
)
def test_the_typed_path_never_changes_a_line_outcome(path: Path, profile: str | None) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    typed, full = _both(lines, _options(profile))
    assert typed == full


def test_the_typed_path_reads_most_plain_lines() -> None:
    """The benchmark's kind of line takes it (else the speed-up silently vanishes)."""
    lines = (FIXTURES / "rules" / "JG100" / "good.jsonl").read_bytes().splitlines()
    run = Checker(CheckOptions()).open()
    run.detect_from(lines)
    decode = typed_decoder(run.line_checker.profile.schema)
    assert decode is not None
    assert sum(parse_plain(line, decode) is not None for line in lines) == len(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_datasets(2, 3, tools=True, images=True), corruptions(), st.integers(0, 2))
def test_the_typed_path_never_changes_a_corrupted_chat_line(
    examples: list[dict[str, Any]], corruption: Any, index: int
) -> None:
    target = examples[index % len(examples)]
    lines = [json.dumps(e).encode() for e in examples]
    if corruption.applies_to(target):
        lines[index % len(examples)] = corruption(target)[0].encode()
    typed, full = _both(lines, CheckOptions(model="gpt-4o-2024-08-06"))
    assert typed == full


PROFILE_STRATEGIES = sorted(set(TYPED_PROFILES) & set(example_strategies()))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PROFILE_STRATEGIES).flatmap(
        lambda p: st.tuples(st.just(p), st.lists(example_strategies()[p](), min_size=2, max_size=4))
    ),
    st.randoms(use_true_random=False),
)
def test_the_typed_path_never_changes_a_profile_line(
    drawn: tuple[str, list[Any]], rng: random.Random
) -> None:
    profile, examples = drawn
    lines = [json.dumps(e).encode() for e in examples]
    usable = [c for c in profile_corruptions(profile) if c.applies(examples[0])]
    if usable:
        lines[0] = rng.choice(usable)(examples[0])[0].encode()
    typed, full = _both(lines, _options(profile))
    assert typed == full
