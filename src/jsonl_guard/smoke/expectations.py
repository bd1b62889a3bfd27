"""Evaluating a reply against a case's expectations: pure, never touches the network.

``evaluate`` turns a ``SmokeCase`` and the model's ``Reply`` into a ``CaseResult`` of
``CheckResult`` items; a run of cases is a ``SmokeResult``. When a reply has no usage,
``count_reply_tokens`` counts its tokens offline with the model's tiktoken encoding.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine.models import UnknownModelError, base_model_name, resolve_model
from ..errors import ExitCode
from ..finetune.backend import Reply
from ..tokens.encodings import SUPPORTED_ENCODINGS
from .file import SmokeCase


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
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.passed else ExitCode.ERRORS


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
    from ..tokens.chat_formula import TokenCounter

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
    import referencing
    import referencing.exceptions

    validator_class = jsonschema.validators.validator_for(schema)
    # An empty registry: a $ref to another document is unresolvable, never fetched
    # (jsonschema's default would download an https:// $ref while checking a reply).
    validator = validator_class(
        schema, format_checker=validator_class.FORMAT_CHECKER, registry=referencing.Registry()
    )
    try:
        errors = list(validator.iter_errors(value))
    except referencing.exceptions.Unresolvable as error:
        # A valid schema whose $ref points nowhere ({"$ref": "#/x"}): only checking a
        # reply finds it. The case fails with the reason instead of ending the run.
        message = f"the schema cannot be checked: a $ref cannot be resolved ({error.ref!r})"
        return CheckResult("json_schema", schema, False, message)
    if not errors:
        return CheckResult("json_schema", schema, True, "the reply is JSON matching the schema")
    best = jsonschema.exceptions.best_match(errors)
    where = best.json_path if best.json_path != "$" else "the top level"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    message = f"the reply does not match the schema at {where}: {best.message}{more}"
    return CheckResult("json_schema", schema, False, message)
