"""``jsonl-guard smoke``: send a few prompts to a (fine-tuned) model and check the replies.

The smoke file
==============

A JSONL file, one case per line (blank lines are skipped)::

    {"name": "refund", "messages": [{"role": "user", "content": "Refund window?"}],
     "expect": {"contains": "30 days", "max_tokens": 60}}

Keys of a case:

``messages`` (required)
    The chat messages sent as they are: a non-empty array of objects whose ``role`` is
    system, developer, user, assistant, tool or function.
``expect`` (required)
    An object with at least one expectation (all must hold):

    ``contains`` / ``not_contains``
        A string or an array of strings that must (must not) occur in the reply;
        case-sensitive.
    ``regex``
        A Python regular expression (or an array of them) that must match somewhere in
        the reply (``re.search``); use ``(?i)`` for case-insensitive, ``^...$`` to anchor.
    ``equals``
        The exact reply. Whitespace around the reply and around the expected text is
        stripped first; everything else (case, inner whitespace) must match.
    ``json_schema``
        A JSON Schema (an object): the reply, stripped of surrounding whitespace, must
        parse as JSON and validate against it. A reply wrapped in a Markdown code fence
        is not JSON and fails.
    ``max_tokens``
        The reply may have at most this many completion tokens. The count is the
        response's ``usage.completion_tokens``; when a server sends no usage it is
        counted with tiktoken, with the model's encoding from jsonl-guard's model table
        (``ft:`` names map to their base model), else tiktoken's own model table, else
        o200k_base.
``name`` (optional)
    Shown in reports, unique in the file; default ``line N``.
``temperature`` (optional)
    A number from 0 to 2, or ``null`` to send none. Default 0, for repeatable replies,
    except for reasoning models (o1/o3/o4 and gpt-5 families), which take no
    temperature: they get none.
``max_completion_tokens`` (optional)
    A cap sent with the request (``max_completion_tokens``) so a rambling model cannot
    run long; the reply is then cut off (``finish_reason`` "length"). Unlike
    ``expect.max_tokens`` it is not a check.

Any other key is an error, as is a wrong type, an invalid regex or an invalid JSON
Schema: every bad line is reported as ``path:line: message`` and nothing is sent.

Exit codes: 0 every case passed, 1 a case failed, 2 a bad smoke file, bad usage,
missing credentials or an API error that persisted after the retries.

``--format json`` prints one object::

    {"version": 1, "path": "smoke.jsonl", "model": "ft:...", "passed": false,
     "summary": {"cases": 3, "passed": 2, "failed": 1},
     "cases": [{"name": "refund", "line": 1, "passed": false,
                "reply": "...", "refusal": null, "finish_reason": "stop",
                "completion_tokens": 12, "tokens_source": "usage",
                "expectations": [{"kind": "contains", "expected": "30 days",
                                  "passed": false, "message": "..."}]}]}

``completion_tokens`` is from ``usage`` (``tokens_source`` "usage"), from tiktoken
(``"tiktoken:<encoding>"``, only when needed for ``max_tokens``), or ``null``.
``--format junit`` writes one ``<testcase>`` per smoke case.

``run_smoke(path, model, client=...)`` is the library entry point (it raises);
``run_smoke_cli(path, model, client=..., out=...)`` prints the report and returns the exit
code, for other commands; ``load_smoke_file`` and ``evaluate`` are the pure parts (no
network).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeGuard, cast

from ._encodings import SUPPORTED_ENCODINGS, EncodingUnavailableError
from ._models import UnknownModelError, base_model_name, resolve_model
from ._openai_client import (
    DEFAULT_TIMEOUT,
    CredentialsError,
    OpenAIMissingError,
    describe_api_error,
    make_client,
)

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "junit")
EXPECTATION_KINDS = ("contains", "not_contains", "regex", "equals", "json_schema", "max_tokens")
CASE_KEYS = ("name", "messages", "expect", "temperature", "max_completion_tokens")
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
_BOM = "\ufeff"


# -- the smoke file --------------------------------------------------------------------------


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


class SmokeFileError(Exception):
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


class SmokeAPIError(Exception):
    """A request failed for good (after the client's retries); the message names the step."""

    def __init__(self, message: str, *, completed: int = 0) -> None:
        super().__init__(message)
        self.completed = completed


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


# -- evaluation (pure) -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """What the model answered: the text the expectations are checked against."""

    content: str
    completion_tokens: int | None = None  # usage.completion_tokens, when the server sent it
    finish_reason: str | None = None
    refusal: str | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    kind: str  # one of EXPECTATION_KINDS
    expected: Any  # JSON-ready: the string, pattern, schema or token limit
    passed: bool
    message: str  # why it failed, or what held


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: SmokeCase
    reply: Reply
    checks: tuple[CheckResult, ...]
    completion_tokens: int | None = None
    tokens_source: str | None = None  # "usage", "tiktoken:<encoding>" or None

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if not check.passed)


@dataclass(frozen=True, slots=True)
class SmokeResult:
    path: str
    model: str
    cases: tuple[CaseResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(case.passed for case in self.cases)

    @property
    def failed_cases(self) -> tuple[CaseResult, ...]:
        return tuple(case for case in self.cases if not case.passed)

    @property
    def exit_code(self) -> int:
        return EXIT_PASSED if self.passed else EXIT_FAILED


def reply_encoding(model: str) -> str:
    """The tiktoken encoding used to count a reply's tokens when usage is missing."""
    try:
        encoding = resolve_model(model).encoding
    except UnknownModelError:
        import tiktoken.model

        try:
            encoding = tiktoken.model.encoding_name_for_model(base_model_name(model))
        except KeyError:
            encoding = "o200k_base"
    return encoding if encoding in SUPPORTED_ENCODINGS else "o200k_base"


def count_reply_tokens(model: str, text: str) -> tuple[int, str]:
    """``(tokens, encoding)`` for ``text`` with ``model``'s tokenizer (offline)."""
    from ._tokens import TokenCounter

    encoding = reply_encoding(model)
    return TokenCounter(encoding).text(text), encoding


def evaluate(
    case: SmokeCase,
    reply: Reply,
    *,
    model: str = "",
    count_tokens: Callable[[str], tuple[int, str]] | None = None,
) -> CaseResult:
    """Check ``reply`` against every expectation of ``case``; never touches the network.

    ``count_tokens(text) -> (tokens, encoding)`` is used for ``max_tokens`` when the reply
    has no usage; by default, ``model``'s tiktoken encoding.
    """
    text = reply.content
    expect = case.expect
    checks: list[CheckResult] = []
    for needle in expect.contains:
        found = needle in text
        message = f"found {needle!r}" if found else f"{needle!r} not found in the reply"
        checks.append(CheckResult("contains", needle, found, message))
    for needle in expect.not_contains:
        at = text.find(needle)
        message = (
            f"{needle!r} not in the reply"
            if at < 0
            else f"{needle!r} found in the reply (at character {at + 1})"
        )
        checks.append(CheckResult("not_contains", needle, at < 0, message))
    for pattern in expect.regex:
        match = pattern.search(text)
        message = (
            f"/{pattern.pattern}/ matched {match.group(0)[:60]!r}"
            if match
            else f"no match for /{pattern.pattern}/ in the reply"
        )
        checks.append(CheckResult("regex", pattern.pattern, match is not None, message))
    if expect.equals is not None:
        checks.append(_check_equals(expect.equals, text))
    if expect.json_schema is not None:
        checks.append(_check_json(expect.json_schema, text))
    tokens = reply.completion_tokens
    source = None if tokens is None else "usage"
    if expect.max_tokens is not None:
        label = "from usage"
        if tokens is None:
            counter = count_tokens or (lambda t: count_reply_tokens(model, t))
            tokens, encoding = counter(text)
            source, label = f"tiktoken:{encoding}", f"counted with {encoding}"
        passed = tokens <= expect.max_tokens
        relation = "at most" if passed else "more than"
        message = (
            f"the reply has {tokens} completion tokens ({label}), {relation} {expect.max_tokens}"
        )
        checks.append(CheckResult("max_tokens", expect.max_tokens, passed, message))
    return CaseResult(case, reply, tuple(checks), tokens, source)


def _check_equals(expected: str, text: str) -> CheckResult:
    want, got = expected.strip(), text.strip()
    if want == got:
        return CheckResult("equals", expected, True, "the reply equals the expected text")
    index = next(
        (i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b),
        min(len(want), len(got)),
    )
    message = (
        f"the reply differs from the expected text at character {index + 1}: "
        f"expected {want[index : index + 30]!r}, got {got[index : index + 30]!r}"
    )
    return CheckResult("equals", expected, False, message)


def _check_json(schema: Mapping[str, Any], text: str) -> CheckResult:
    try:
        value = json.loads(text.strip())
    except ValueError as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        fenced = (
            " (it is wrapped in a Markdown code fence)" if text.lstrip().startswith("```") else ""
        )
        return CheckResult("json_schema", schema, False, f"the reply is not JSON: {reason}{fenced}")
    import jsonschema.exceptions
    import jsonschema.validators

    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = list(validator.iter_errors(value))
    if not errors:
        return CheckResult("json_schema", schema, True, "the reply is JSON matching the schema")
    best = jsonschema.exceptions.best_match(errors)
    where = best.json_path if best.json_path != "$" else "the top level"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    message = f"the reply does not match the schema at {where}: {best.message}{more}"
    return CheckResult("json_schema", schema, False, message)


# -- running against the API -----------------------------------------------------------------


def run_smoke(
    path: str | Path,
    model: str,
    client: openai.OpenAI | None = None,
    *,
    max_retries: int = 3,
    timeout: float | None = DEFAULT_TIMEOUT,
    on_result: Callable[[CaseResult], None] | None = None,
) -> SmokeResult:
    """Run every case of the smoke file at ``path`` against ``model``.

    The file is validated first (``SmokeFileError``, before any request). Without a
    ``client`` one is made from the environment (``CredentialsError`` /
    ``OpenAIMissingError``) and closed afterwards; ``max_retries`` and ``timeout`` apply
    to it only. An API error that outlasts the retries raises ``SmokeAPIError``.
    """
    cases = load_smoke_file(path)
    return run_cases(
        cases,
        model,
        client,
        path=str(path),
        max_retries=max_retries,
        timeout=timeout,
        on_result=on_result,
    )


def run_cases(
    cases: Sequence[SmokeCase],
    model: str,
    client: openai.OpenAI | None = None,
    *,
    path: str = "<smoke>",
    max_retries: int = 3,
    timeout: float | None = DEFAULT_TIMEOUT,
    on_result: Callable[[CaseResult], None] | None = None,
) -> SmokeResult:
    """``run_smoke`` for cases already loaded."""
    own_client = client is None
    active = make_client(max_retries=max_retries, timeout=timeout) if client is None else client
    results: list[CaseResult] = []
    try:
        for case in cases:
            reply = ask(active, model, case, completed=len(results))
            result = evaluate(case, reply, model=model)
            results.append(result)
            if on_result is not None:
                on_result(result)
    finally:
        if own_client:
            active.close()
    return SmokeResult(path, model, tuple(results))


def ask(client: openai.OpenAI, model: str, case: SmokeCase, *, completed: int = 0) -> Reply:
    """Send one case's messages; raises ``SmokeAPIError`` naming the case on failure."""
    import openai

    step = f"smoke case {case.name!r} (line {case.line}): chat completion with {model}"
    temperature = case.request_temperature(model)
    try:
        completion = client.chat.completions.create(
            model=model,
            messages=cast("list[ChatCompletionMessageParam]", list(case.messages)),
            temperature=openai.omit if temperature is None else temperature,
            max_completion_tokens=case.max_completion_tokens or openai.omit,
        )
    except openai.OpenAIError as error:
        message = describe_api_error(error, step)
        raise SmokeAPIError(message, completed=completed) from error
    if not completion.choices:
        raise SmokeAPIError(f"{step} failed: the API returned no choices", completed=completed)
    choice = completion.choices[0]
    usage = completion.usage
    return Reply(
        content=choice.message.content or "",
        completion_tokens=usage.completion_tokens if usage is not None else None,
        finish_reason=choice.finish_reason,
        refusal=choice.message.refusal,
    )


# -- reports -------------------------------------------------------------------------------


def render(result: SmokeResult, output_format: str = "text") -> str:
    if output_format == "json":
        return json.dumps(result_dict(result), indent=2, ensure_ascii=False) + "\n"
    if output_format == "junit":
        return render_junit(result)
    if output_format == "text":
        return render_text(result)
    raise ValueError(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")


def result_dict(result: SmokeResult) -> dict[str, Any]:
    """The ``--format json`` object (see the module docstring)."""
    return {
        "version": 1,
        "path": result.path,
        "model": result.model,
        "passed": result.passed,
        "summary": {
            "cases": len(result.cases),
            "passed": len(result.cases) - len(result.failed_cases),
            "failed": len(result.failed_cases),
        },
        "cases": [
            {
                "name": case.case.name,
                "line": case.case.line,
                "passed": case.passed,
                "reply": case.reply.content,
                "refusal": case.reply.refusal,
                "finish_reason": case.reply.finish_reason,
                "completion_tokens": case.completion_tokens,
                "tokens_source": case.tokens_source,
                "expectations": [
                    {
                        "kind": check.kind,
                        "expected": check.expected,
                        "passed": check.passed,
                        "message": check.message,
                    }
                    for check in case.checks
                ],
            }
            for case in result.cases
        ],
    }


def render_text(result: SmokeResult, *, reply_chars: int = 400, reply_lines: int = 8) -> str:
    """The pass/fail table; failed cases show why and (the start of) the reply."""
    out = [
        f"Smoke test of {result.model} with {result.path} ({_plural(len(result.cases), 'case')})"
    ]
    width = min(max((len(c.case.name) for c in result.cases), default=4), 40)
    for case in result.cases:
        status = "PASS" if case.passed else "FAIL"
        name = case.case.name if len(case.case.name) <= width else case.case.name[: width - 1] + "~"
        tokens = "" if case.completion_tokens is None else f"  {case.completion_tokens} tokens"
        out.append(f"  {status}  {name:<{width}}  line {case.case.line}{tokens}")
        if case.passed:
            continue
        for check in case.failures:
            out.append(f"        - {check.kind}: {check.message}")
        out.extend("        " + line for line in _reply_lines(case.reply, reply_chars, reply_lines))
    failed = len(result.failed_cases)
    passed = len(result.cases) - failed
    verdict = "all passed" if not failed else f"{failed} failed, {passed} passed"
    out.append(f"{verdict} ({_plural(len(result.cases), 'case')} against {result.model})")
    return "\n".join(out) + "\n"


def _reply_lines(reply: Reply, max_chars: int, max_lines: int) -> list[str]:
    notes = []
    if reply.finish_reason and reply.finish_reason != "stop":
        notes.append(f"finish_reason {reply.finish_reason}")
    if reply.refusal:
        notes.append(f"refusal: {reply.refusal[:200]!r}")
    text = reply.content
    if not text:
        return [f"reply: (empty{'; ' + '; '.join(notes) if notes else ''})"]
    shown = text[:max_chars].splitlines()[:max_lines]
    cut = len("\n".join(shown)) < len(text)
    size = f"{len(text)} characters"
    if cut:
        size += f", first {len(chr(10).join(shown))} shown"
    header = f"reply ({'; '.join([size, *notes])}):"
    lines = [header, *(f"  | {_printable(line)}" for line in shown)]
    if cut:
        lines.append("  | ...")
    return lines


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """A reply line safe for a terminal: control characters (ANSI escapes...) escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(result: SmokeResult) -> str:
    """JUnit XML: one ``<testcase>`` per smoke case, failures with the reply."""
    failed = len(result.failed_cases)
    attributes = {
        "name": "jsonl-guard smoke",
        "tests": str(len(result.cases)),
        "failures": str(failed),
        "errors": "0",
    }
    suites = ET.Element("testsuites", attributes)
    suite = ET.SubElement(
        suites, "testsuite", {**attributes, "name": _xml(f"smoke {result.model}"), "skipped": "0"}
    )
    for case in result.cases:
        element = ET.SubElement(
            suite,
            "testcase",
            classname="jsonl-guard.smoke",
            name=_xml(case.case.name),
            file=_xml(result.path),
            line=str(case.case.line),
        )
        if not case.passed:
            kinds = ", ".join(dict.fromkeys(c.kind for c in case.failures))
            summary = f"{len(case.failures)} of {len(case.checks)} expectation(s) failed: {kinds}"
            details = [f"{c.kind}: {c.message}" for c in case.failures]
            details += _reply_lines(case.reply, 4000, 200)
            failure = ET.SubElement(element, "failure", message=_xml(summary), type="smoke")
            failure.text = _xml("\n".join(details))
        ET.SubElement(element, "system-out").text = _xml(case.reply.content)
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


# -- the command -----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``smoke`` sub-command's arguments (``cli.build_parsers`` calls this)."""
    parser.description = (
        "Send each case of SMOKE.jsonl to MODEL and check the reply against its "
        "expectations (contains, not_contains, regex, equals, json_schema, max_tokens). "
        "Credentials: OPENAI_API_KEY (and OPENAI_BASE_URL), or AZURE_OPENAI_ENDPOINT with "
        "AZURE_OPENAI_API_KEY and OPENAI_API_VERSION."
    )
    parser.epilog = (
        'Each line: {"name": ..., "messages": [...], "expect": {...}, "temperature": 0, '
        '"max_completion_tokens": N}. Exit 0 all passed, 1 a case failed, 2 a bad smoke '
        "file, missing credentials or an API error after the retries."
    )
    parser.add_argument("path", metavar="SMOKE.jsonl", help="the smoke cases, one per line")
    parser.add_argument(
        "--model", required=True, help="the model to test, e.g. ft:gpt-4o-mini-2024-07-18:acme::x1"
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument(
        "--max-retries",
        type=_non_negative_int,
        default=3,
        metavar="N",
        help="retries per request on rate limits, 5xx and connection errors (default 3)",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"timeout per request (default {DEFAULT_TIMEOUT:g})",
    )


def run_command(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """``jsonl-guard smoke``: returns the exit code; errors are one clear line, no traceback."""
    return run_smoke_cli(
        args.path,
        args.model,
        out=out,
        err=err,
        output_format=args.format,
        max_retries=args.max_retries,
        timeout=args.timeout,
    )


def run_smoke_cli(
    path: str | Path,
    model: str,
    *,
    client: openai.OpenAI | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    output_format: str = "text",
    max_retries: int = 3,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> int:
    """Run the smoke file, write the report to ``out`` and return the exit code (0, 1, 2).

    For other commands (``finetune --smoke``): pass their ``client`` to reuse it. Problems
    (a bad smoke file, credentials, an API error after retries) go to ``err`` as
    ``jsonl-guard: error: ...`` lines and give 2; nothing raises.
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        cases = load_smoke_file(path)
    except SmokeFileError as error:
        for line in error.lines():
            print(line, file=err)
        count = _plural(len(error.problems), "problem")
        lines = _plural(len({p.line for p in error.problems}), "line")
        print(
            f"jsonl-guard: error: {count} on {lines} of {error.path}; no request was sent",
            file=err,
        )
        return EXIT_ERROR
    try:
        result = run_cases(
            cases, model, client, path=str(path), max_retries=max_retries, timeout=timeout
        )
    except (CredentialsError, OpenAIMissingError, EncodingUnavailableError) as error:
        print(f"jsonl-guard: error: {error}", file=err)
        return EXIT_ERROR
    except SmokeAPIError as error:
        ran = f" ({error.completed} of {len(cases)} cases had run)" if error.completed else ""
        print(f"jsonl-guard: error: {error}{ran}", file=err)
        return EXIT_ERROR
    out.write(render(result, output_format))
    return result.exit_code


def _non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be zero or more")
    return number


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} must be more than zero")
    return number


# -- helpers -------------------------------------------------------------------------------


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


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


__all__ = [
    "EXPECTATION_KINDS",
    "CaseResult",
    "CheckResult",
    "Expectations",
    "Problem",
    "Reply",
    "SmokeAPIError",
    "SmokeCase",
    "SmokeFileError",
    "SmokeResult",
    "add_arguments",
    "count_reply_tokens",
    "evaluate",
    "load_smoke_file",
    "parse_smoke_lines",
    "render",
    "result_dict",
    "run_cases",
    "run_command",
    "run_smoke",
    "run_smoke_cli",
]
