"""The fast line parser agrees with the reference one on every line it accepts.

``parse_line`` trusts msgspec only for lines it can prove have no duplicate keys;
everything else goes to ``json`` with the duplicate-key hook. These properties
hold the two to the same value, the same findings and the same canonical form,
over generated lines that include duplicate keys, escaped colons, huge integers,
non-finite numbers, unpaired surrogates and invalid UTF-8.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jsonl_guard.engine.diagnostics import Finding
from jsonl_guard.engine.parse import _parse_with_reference, canonical_json, parse_line

# Colons, quotes, backslashes and surrogates are what the fast path must get right.
_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(':":\\/ \t\n\u2028é€😀\u0000<|'),
        st.characters(codec="utf-8"),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    ),
    max_size=12,
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63, max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    _TEXT,
)
_KEYS = st.one_of(st.sampled_from(["role", "content", "a:b", "messages", "x"]), _TEXT)


def _write(value: Any, ensure_ascii: bool) -> str:
    return json.dumps(value, ensure_ascii=ensure_ascii)


@st.composite
def raw_json(draw: st.DrawFn, depth: int = 0) -> str:
    """JSON text, objects written pair by pair so a key may repeat."""
    kind = draw(st.sampled_from(["scalar", "list", "object"] if depth < 3 else ["scalar"]))
    ascii_only = draw(st.booleans())
    if kind == "scalar":
        return _write(draw(_SCALARS), ascii_only)
    if kind == "list":
        items = draw(st.lists(raw_json(depth + 1), max_size=3))
        return "[" + ", ".join(items) + "]"
    keys = draw(st.lists(_KEYS, max_size=4))
    if keys and draw(st.booleans()):
        keys.append(draw(st.sampled_from(keys)))  # a duplicate key
    pairs = [f"{_write(k, ascii_only)}: {draw(raw_json(depth + 1))}" for k in keys]
    return "{" + ", ".join(pairs) + "}"


@st.composite
def raw_lines(draw: st.DrawFn) -> bytes:
    text = draw(raw_json())
    if draw(st.booleans()):
        text = text.replace(":", "\\u003a" if draw(st.booleans()) else "\\u003A")
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        data = data.replace(b"0", b"NaN", 1) if b"0" in data else data + b"\xff"
    return data


def _same(a: Any, b: Any) -> bool:
    """Equality that counts NaN equal to NaN (the reference may parse big exponents)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b) and type(a) is type(b)


@settings(max_examples=400, deadline=None)
@given(raw_lines())
def test_the_fast_parser_gives_the_reference_verdict_value_and_canonical_form(raw: bytes) -> None:
    fast_findings: list[Finding] = []
    reference_findings: list[Finding] = []
    fast = parse_line(raw, 7, fast_findings)
    reference = _parse_with_reference(raw, 7, reference_findings)
    assert fast_findings == reference_findings
    assert (fast is None) == (reference is None)
    if fast is None or reference is None:
        return
    assert _same(fast.value, reference.value) or fast.value == reference.value
    assert fast.canonical == canonical_json(reference.value)


def test_a_duplicate_key_is_reported_even_when_the_fast_parser_could_read_the_line() -> None:
    findings: list[Finding] = []
    parsed = parse_line(b'{"role": "user", "role": "assistant", "content": "a:b"}', 3, findings)
    assert parsed is not None and parsed.value == {"role": "assistant", "content": "a:b"}
    assert [(f.code, f.line) for f in findings] == [("JG121", 3)]


def test_an_escaped_colon_cannot_hide_a_duplicate_key() -> None:
    # One escaped colon makes up for the colon the dropped key took with it.
    raw = b'{"a": "x", "a": "y\\u003a"}'
    findings: list[Finding] = []
    parse_line(raw, 1, findings)
    assert [f.code for f in findings] == ["JG121"]


def test_integers_beyond_64_bits_stay_exact() -> None:
    parsed = parse_line(b'{"n": 123456789012345678901234567890}', 1, [])
    assert parsed is not None and parsed.value == {"n": 123456789012345678901234567890}


def test_the_canonical_form_is_one_per_value_whichever_way_the_line_was_written() -> None:
    lines = [
        b'{"b": 1, "a": "x:y"}',
        b'{"a":"x\\u003ay","b":1}',
        b'  {"a": "x:y", "b": 1.0e0}  ',
    ]
    forms = {parse_line(raw, 1, []).canonical for raw in lines}  # type: ignore[union-attr]
    assert len(forms) == 2  # 1 and 1.0 are different JSON values for a duplicate check
    assert canonical_json({"a": math.inf}) != canonical_json({"a": None})
