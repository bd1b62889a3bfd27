"""Validate one example against a format's JSON Schema and phrase the errors for humans.

The schema documents live in ``providers/*/schemas/``. Each subschema may name the rule it
stands for with ``x-rule`` (any keyword) or ``x-rules`` (per keyword), so a
failing keyword maps to a stable rule code without any Python per rule.

Two validators read the same document: the compiled ``jsonschema_rs`` answers
"valid or not" on the hot path (most lines are valid), and the reference
``jsonschema`` implementation explains the rare invalid line, error by error.
A differential test keeps their verdicts identical.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from itertools import islice
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from .diagnostics import Finding

if TYPE_CHECKING:
    # The reference validator is imported only to explain an invalid line (start-up).
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

FALLBACK_CODE = "JG119"
# Schema errors read from one line: a line with 100k wrong parts would otherwise build
# (and sort) 100k errors before the per-rule cap could drop them.
MAX_SCHEMA_ERRORS_PER_LINE = 200
_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}
TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "boolean": "a boolean",
    "number": "a number",
    "integer": "an integer",
    "null": "null",
}


@cache
def schema_folders() -> dict[str, str]:
    """Schema name -> the provider folder holding it (``providers/<provider>/schemas/``)."""
    found: dict[str, str] = {}
    providers = resources.files("jsonl_guard").joinpath("providers")
    for provider in sorted(providers.iterdir(), key=lambda e: e.name):
        schemas = provider.joinpath("schemas")
        if not (provider.is_dir() and schemas.is_dir()):
            continue
        for entry in schemas.iterdir():
            if not entry.name.endswith(".json"):
                continue
            name = entry.name[: -len(".json")]
            if found.setdefault(name, provider.name) != provider.name:
                raise ValueError(f"schema {name!r} is in both {found[name]} and {provider.name}")
    return found


@cache
def load_schema(format_name: str) -> dict[str, Any]:
    folder = schema_folders().get(format_name, "-")
    path = f"providers/{folder}/schemas/{format_name}.json"
    text = resources.files("jsonl_guard").joinpath(path).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator(format_name: str) -> Validator:
    from jsonschema import Draft202012Validator

    schema = load_schema(format_name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def _fast_validator(format_name: str) -> Any:
    return jsonschema_rs.validator_for(load_schema(format_name))


@cache
def _explainer(format_name: str) -> Validator:
    """The reference validator, but an array item the compiled validator finds valid
    against ``items`` is not walked: it has no error to yield. Explaining a line with
    one wrong message out of twenty walked every message's allOf/if branches (~2 ms a
    line, minutes for a file whose every line has the same mistake). The errors are the
    same, in the same order (tests/test_schema_validators.py holds them equal)."""
    from jsonschema import validators

    reference = _validator(format_name)
    root = load_schema(format_name)
    walk_items = type(reference).VALIDATORS["items"]
    compiled: dict[int, Any] = {}

    def valid_item(subschema: dict[str, Any], item: Any) -> bool:
        fast = compiled.get(id(subschema))
        if fast is None:  # the subschema, its references resolved in the root's $defs
            document = {"$schema": root.get("$schema"), "$defs": root.get("$defs", {})}
            fast = compiled[id(subschema)] = jsonschema_rs.validator_for({**document, **subschema})
        try:
            return bool(fast.is_valid(item))
        except (ValueError, TypeError, OverflowError):
            return False  # undecided: walk it

    def items(validator: Any, subschema: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if not (
            isinstance(subschema, dict)
            and isinstance(instance, list)
            and "$defs" not in subschema
            and "$id" not in subschema
        ):
            yield from walk_items(validator, subschema, instance, schema)
            return
        for index in range(len(schema.get("prefixItems", [])), len(instance)):
            if not valid_item(subschema, instance[index]):
                yield from validator.descend(instance[index], subschema, path=index)

    extended = validators.extend(type(reference), {"items": items})  # type: ignore[no-untyped-call]
    explainer: Validator = extended(root)
    return explainer


def is_valid(example: Any, format_name: str) -> bool:
    """The compiled validator's verdict (the reference one if it cannot decide)."""
    try:
        return bool(_fast_validator(format_name).is_valid(example))
    except (ValueError, TypeError, OverflowError):
        return bool(_validator(format_name).is_valid(example))


def schema_findings(example: Any, format_name: str) -> list[Finding]:
    """The schema violations in one parsed line (the first ``MAX_SCHEMA_ERRORS_PER_LINE``),
    as findings without a line number."""
    if is_valid(example, format_name):
        return []
    validator = _explainer(format_name)
    # A branch of anyOf/oneOf collects every error under it before yielding one, so a
    # 100k-item array would be read whole: read the first items of each array instead,
    # and the whole example only when the errors lie past them.
    shortened, cut = _shortened(example)
    found = islice(validator.iter_errors(shortened), MAX_SCHEMA_ERRORS_PER_LINE + 1)
    errors = sorted(found, key=_error_order)
    if cut and not errors:
        found = islice(validator.iter_errors(example), MAX_SCHEMA_ERRORS_PER_LINE + 1)
        errors = sorted(found, key=_error_order)
    findings: dict[Finding, None] = {}
    for error in errors[:MAX_SCHEMA_ERRORS_PER_LINE]:
        # One error per missing key reads the same once phrased: keep one.
        findings.update(dict.fromkeys(_phrase(error)))
    if len(errors) > MAX_SCHEMA_ERRORS_PER_LINE:
        message = (
            f"more than {MAX_SCHEMA_ERRORS_PER_LINE:,} schema errors in this line; "
            "the first are listed, the rest were not read"
        )
        findings[Finding(FALLBACK_CODE, message)] = None
    elif cut and errors:
        message = (
            f"an array here has more than {MAX_SCHEMA_ERRORS_PER_LINE:,} items: its schema "
            f"errors are listed from the first {MAX_SCHEMA_ERRORS_PER_LINE:,} items only"
        )
        findings[Finding(FALLBACK_CODE, message)] = None
    return list(findings)


def _shortened(value: Any) -> tuple[Any, bool]:
    """``value`` with every array cut to its first ``MAX_SCHEMA_ERRORS_PER_LINE`` items,
    and whether anything was cut (the nesting is bounded by the parser's limit)."""
    if isinstance(value, dict):
        items = {key: _shortened(item) for key, item in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(c for _, c in items.values())
    if isinstance(value, list):
        kept = [_shortened(item) for item in value[:MAX_SCHEMA_ERRORS_PER_LINE]]
        cut = len(value) > MAX_SCHEMA_ERRORS_PER_LINE or any(c for _, c in kept)
        return [v for v, _ in kept], cut
    return value, False


def _error_order(error: ValidationError) -> tuple[str, ...]:
    return tuple(str(part).zfill(6) for part in error.absolute_path)


def format_path(path: Sequence[str | int] | deque[str | int]) -> str:
    """``["messages", 2, "role"]`` -> ``messages[2].role``; the root is ``the example``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the example"


def show_json(value: Any, limit: int = 40) -> str:
    """``value`` as JSON, cut to ``limit`` characters (with …) for a message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _code_for(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    per_keyword = schema.get("x-rules", {})
    code = per_keyword.get(error.validator) or schema.get("x-rule")
    return str(code) if code else FALLBACK_CODE


def _phrase(error: ValidationError) -> Iterator[Finding]:
    if error.validator in ("anyOf", "oneOf") and error.context:
        narrowed = _narrow(error)
        if narrowed:
            for sub in narrowed:
                yield from _phrase(sub)
            return
    yield Finding(_code_for(error), _message(error))


def _narrow(error: ValidationError) -> list[ValidationError]:
    """The sub-errors of the one ``anyOf`` branch whose type matches the value, if any."""
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branch = int(sub.relative_schema_path[0])
        by_branch.setdefault(branch, []).append(sub)
    matching = [
        subs
        for subs in by_branch.values()
        if not any(s.validator == "type" and not s.relative_path for s in subs)
    ]
    return matching[0] if len(matching) == 1 else []


def _message(error: ValidationError) -> str:
    path = format_path(error.absolute_path)
    value: Any = error.instance
    keyword = error.validator
    expected: Any = error.validator_value
    if keyword == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        words = " or ".join(TYPE_WORDS.get(str(w), str(w)) for w in wanted)
        return f"{path} must be {words}, not {_kind(value)}"
    if keyword == "required":
        missing = [key for key in expected if isinstance(value, dict) and key not in value]
        return f"{path} is missing the {_quote_list(missing)}"
    if keyword == "enum":
        options = ", ".join(show_json(option) for option in expected)
        return f"{path} is {show_json(value)}; expected one of {options}"
    if keyword == "const":
        return f"{path} is {show_json(value)}; expected {show_json(expected)}"
    if keyword == "additionalProperties":
        allowed = (
            set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
        )
        extra = [key for key in value if key not in allowed]
        return f"unknown {_quote_list(extra)} in {path}"
    if keyword == "minItems":
        if expected == 1 and isinstance(value, list) and not value:
            return f"{path} is empty"
        return f"{path} has {len(value)} items; at least {expected} required"
    if keyword == "maxItems":
        return f"{path} has {len(value)} items; at most {expected} allowed"
    if keyword == "minLength":
        return f"{path} is an empty string"
    if keyword == "pattern":
        return f"{path} is {show_json(value)}, which does not match {expected}"
    if keyword == "not":
        if expected == {}:
            return f"{path} is not allowed here"
        if expected == {"type": "null"}:
            return f"{path} must not be null"
    if keyword in ("anyOf", "oneOf"):
        wanted = list(dict.fromkeys(_branch_types(error)))
        if wanted:
            return f"{path} must be {' or '.join(wanted)}, not {_kind(value)}"
        return f"{path} has the wrong shape ({_kind(value)} {show_json(value)})"
    return f"{path}: {error.message}"


def _branch_types(error: ValidationError) -> Iterator[str]:
    """The types an ``anyOf`` accepts, looking through nested ``anyOf``s."""
    for sub in error.context or []:
        if sub.relative_path:
            continue
        if sub.validator == "type":
            yield TYPE_WORDS.get(str(sub.validator_value), str(sub.validator_value))
        elif sub.validator in ("anyOf", "oneOf"):
            yield from _branch_types(sub)


def _quote_list(keys: Sequence[str]) -> str:
    quoted = ", ".join(f"'{key}'" for key in keys)
    return f"key {quoted}" if len(keys) == 1 else f"keys {quoted}"
