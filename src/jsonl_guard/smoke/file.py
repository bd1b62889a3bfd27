"""The smoke file: its cases, and their checks with line numbers (no network).

``parse_smoke_lines`` validates the lines of a smoke file (``load_smoke_file`` reads one)
into ``SmokeCase`` objects with their ``Expectations``; every bad line is collected as a
``Problem`` and raised together in one ``SmokeFileError``. The format is documented in
``jsonl_guard.smoke``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from ..engine.models import base_model_name
from ..errors import ERROR_PREFIX, JsonlGuardError

EXPECTATION_KINDS = ("contains", "not_contains", "regex", "equals", "json_schema", "max_tokens")
CASE_KEYS = ("name", "messages", "expect", "temperature", "max_completion_tokens")
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class Expectations:
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    regex: tuple[re.Pattern[str], ...] = ()
    equals: str | None = None
    json_schema: Mapping[str, Any] | None = None
    max_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class SmokeCase:
    line: int
    name: str
    messages: tuple[Mapping[str, Any], ...]
    expect: Expectations
    temperature: float | None = None
    temperature_given: bool = False  # False: the model's default (see request_temperature)
    max_completion_tokens: int | None = None

    def request_temperature(self, model: str) -> float | None:
        """The temperature to send (``None``: send none)."""
        if self.temperature_given:
            return self.temperature
        return None if _REASONING_MODEL.match(base_model_name(model)) else 0.0


@dataclass(frozen=True, slots=True)
class Problem:
    line: int  # 0: the file as a whole
    message: str


class SmokeFileError(JsonlGuardError):
    """The smoke file cannot be used; ``problems`` lists every bad line."""

    def __init__(self, path: str, problems: Sequence[Problem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [
            f"{self.path}:{p.line}: {p.message}" if p.line else f"{self.path}: {p.message}"
            for p in self.problems
        ]

    def report(self, prefix: str = ERROR_PREFIX) -> str:
        """Every bad line, then how many: nothing was sent."""
        count = plural(len(self.problems), "problem")
        lines = plural(len({p.line for p in self.problems}), "line")
        summary = f"{prefix}{count} on {lines} of {self.path}; no request was sent"
        return "\n".join([*self.lines(), summary])


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def load_smoke_file(path: str | Path) -> list[SmokeCase]:
    """Read and validate a smoke file; raises ``SmokeFileError`` listing every problem."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        problem = Problem(0, f"cannot read: {error.strerror or error}")
        raise SmokeFileError(str(path), [problem]) from None
    return parse_smoke_lines(data.splitlines(), str(path))


def parse_smoke_lines(lines: Iterable[bytes | str], path: str = "<smoke>") -> list[SmokeCase]:
    """Validate smoke-file lines (numbered from 1); raises ``SmokeFileError``."""
    cases: list[SmokeCase] = []
    problems: list[Problem] = []
    names: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as error:
            problems.append(Problem(number, f"not UTF-8 text (byte {error.start + 1})"))
            continue
        if number == 1:
            text = text.removeprefix(_BOM)
        if not text.strip():
            continue
        case, messages = _parse_case(text, number)
        problems.extend(Problem(number, m) for m in messages)
        if case is None:
            continue
        if case.name in names:
            problems.append(
                Problem(number, f"name {case.name!r} is already used on line {names[case.name]}")
            )
            continue
        names[case.name] = number
        cases.append(case)
    if not cases and not problems:
        problems.append(Problem(0, "no smoke cases (the file is empty)"))
    if problems:
        raise SmokeFileError(path, problems)
    return cases


def _parse_case(text: str, number: int) -> tuple[SmokeCase | None, list[str]]:
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        if not isinstance(error, json.JSONDecodeError):
            return None, [f"invalid JSON: {error}"]
        return None, [f"invalid JSON: {error.msg} (column {error.colno})"]
    except RecursionError:
        return None, ["invalid JSON: nested too deeply"]
    if not isinstance(data, dict):
        return None, [f"a smoke case must be a JSON object, not {_json_type(data)}"]
    problems: list[str] = []
    for key in data:
        if key not in CASE_KEYS:
            problems.append(f"unknown key {key!r}{_did_you_mean(key, CASE_KEYS)}")
    messages = _check_messages(data, problems)
    expect = _check_expect(data, problems)
    name = data.get("name", f"line {number}")
    if not isinstance(name, str):
        problems.append(f"'name' must be a string, not {_json_type(name)}")
    elif not name.strip():
        problems.append("'name' is empty")
    temperature = data.get("temperature")
    if temperature is not None and (
        not _is_number(temperature) or not 0 <= float(temperature) <= 2
    ):
        problems.append(f"'temperature' must be a number from 0 to 2 or null, not {temperature!r}")
    cap = data.get("max_completion_tokens")
    if cap is not None and not (_is_int(cap) and cap >= 1):
        problems.append(f"'max_completion_tokens' must be a whole number >= 1, not {cap!r}")
    if problems or messages is None or expect is None:
        return None, problems
    case = SmokeCase(
        line=number,
        name=str(name),
        messages=messages,
        expect=expect,
        temperature=None if temperature is None else float(temperature),
        temperature_given="temperature" in data,
        max_completion_tokens=cap,
    )
    return case, []


def _check_messages(data: dict[str, Any], problems: list[str]) -> tuple[dict[str, Any], ...] | None:
    if "messages" not in data:
        problems.append("missing 'messages' (the chat messages to send)")
        return None
    messages = data["messages"]
    if not isinstance(messages, list) or not messages:
        problems.append("'messages' must be a non-empty array of message objects")
        return None
    before = len(problems)
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            problems.append(f"{where} must be an object, not {_json_type(message)}")
            continue
        role = message.get("role")
        if "role" not in message:
            problems.append(f"{where} has no 'role'")
        elif role not in ROLES:
            problems.append(f"{where}.role must be one of {', '.join(ROLES)}; got {role!r}")
        content = message.get("content")
        may_be_empty = role == "assistant" and bool(message.get("tool_calls"))
        if content is None:
            if not may_be_empty:
                missing = "is null" if "content" in message else "is missing"
                problems.append(f"{where}.content {missing}")
        elif not (
            isinstance(content, str)
            or (isinstance(content, list) and all(isinstance(p, dict) for p in content))
        ):
            problems.append(
                f"{where}.content must be a string or an array of content parts, "
                f"not {_json_type(content)}"
            )
    return tuple(messages) if len(problems) == before else None


def _check_expect(data: dict[str, Any], problems: list[str]) -> Expectations | None:
    if "expect" not in data:
        problems.append(f"missing 'expect' (one or more of: {', '.join(EXPECTATION_KINDS)})")
        return None
    expect = data["expect"]
    if not isinstance(expect, dict):
        problems.append(f"'expect' must be an object, not {_json_type(expect)}")
        return None
    if not expect:
        problems.append(f"'expect' is empty: add one of {', '.join(EXPECTATION_KINDS)}")
        return None
    before = len(problems)
    for key in expect:
        if key not in EXPECTATION_KINDS:
            problems.append(
                f"unknown expectation {key!r}{_did_you_mean(key, EXPECTATION_KINDS)}; "
                f"known: {', '.join(EXPECTATION_KINDS)}"
            )
    strings = {
        kind: _string_list(expect[kind], f"expect.{kind}", problems)
        for kind in ("contains", "not_contains", "regex")
        if kind in expect
    }
    patterns: list[re.Pattern[str]] = []
    for pattern in strings.get("regex", ()):
        try:
            patterns.append(re.compile(pattern))
        except re.error as error:
            where = f" at position {error.pos}" if error.pos is not None else ""
            problems.append(
                f"expect.regex {pattern!r} is not a valid regular expression: {error.msg}{where}"
            )
    equals = expect.get("equals")
    if equals is not None and not isinstance(equals, str):
        problems.append(f"expect.equals must be a string, not {_json_type(equals)}")
    elif "equals" in expect and equals is None:
        problems.append("expect.equals must be a string, not null")
    schema = expect.get("json_schema")
    if "json_schema" in expect:
        _check_schema(schema, problems)
    max_tokens = expect.get("max_tokens")
    if "max_tokens" in expect and not (_is_int(max_tokens) and max_tokens >= 1):
        problems.append(f"expect.max_tokens must be a whole number >= 1, not {max_tokens!r}")
    if len(problems) != before:
        return None
    return Expectations(
        contains=strings.get("contains", ()),
        not_contains=strings.get("not_contains", ()),
        regex=tuple(patterns),
        equals=equals,
        json_schema=schema,
        max_tokens=max_tokens,
    )


def _string_list(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        problems.append(f"{where} must be a string or a non-empty array of strings")
        return ()
    if any(item == "" for item in items):
        problems.append(f"{where} has an empty string, which matches any reply")
        return ()
    return tuple(items)


def _check_schema(schema: Any, problems: list[str]) -> None:
    if not isinstance(schema, dict):
        problems.append(
            f"expect.json_schema must be a JSON Schema object, not {_json_type(schema)}"
        )
        return
    import jsonschema.exceptions  # lazily: only smoke files with json_schema need it
    import jsonschema.validators

    try:
        validator = jsonschema.validators.validator_for(schema)
        validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        where = "/".join(str(p) for p in error.absolute_path)
        at = f" (at {where})" if where else ""
        problems.append(f"expect.json_schema is not a valid JSON Schema: {error.message}{at}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
