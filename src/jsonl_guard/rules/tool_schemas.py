"""Tool schemas: every definition is valid JSON Schema, every call's arguments match it.

Datasets repeat the same few tools thousands of times, so each distinct schema is
checked and compiled once (``compiled``: an LRU cache keyed by the schema's canonical
text, bounded so a file of ever-new schemas does not grow it). As for the format
schemas (``engine/schema.py``), the compiled ``jsonschema_rs`` validator answers "valid
or not" per call, and the reference ``jsonschema`` explains the rare failure: the JSON
pointer of the failing value and what the schema expected. No ``$ref`` is fetched:
a reference outside the schema is a definition problem, never a network request.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import jsonschema_rs
import msgspec

from ..engine.diagnostics import Severity
from ..engine.schema import TYPE_WORDS, format_path, show_json
from .context import ExampleContext
from .helpers import U, path_of
from .registry import example_rule
from .tool_forms import NOT_PARSED, Definition, calls, definitions

# Distinct schemas kept compiled; a file rarely has more than a few dozen tools.
CACHE_SIZE = 512
# What the messages quote of a schema or a value.
_QUOTE = 80
_TYPES = "array, boolean, integer, null, number, object, string"
# Every profile whose format has tools; Mistral's definitions are checked by JG679
# (mistral-common's own Draft 7 check and words), its calls by JG229 like the rest.
TOOL_SETS = (
    "openai-tools",
    "openai-dpo",
    "trl",
    "bedrock",
    "vertex-gemini",
    "vertex-gemini-preference",
    "vertex-gemini-legacy",
    "together",
)
CALL_SETS = (*TOOL_SETS, "mistral")


def _refuse(uri: str) -> Any:
    raise ValueError(f"{uri} is outside the schema; jsonl-guard does not fetch references")


_OUTSIDE = re.compile(r"Resource '([^']*)' is not present")


@dataclass(frozen=True)
class Compiled:
    """A distinct schema: why it is not valid JSON Schema (``None``: it is), and its
    compiled validator when it is (``explain`` builds the reference one on a failure)."""

    problem: str | None
    schema: Any = None
    fast: Any = None


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _quote(value: Any) -> str:
    return show_json(value, _QUOTE)


def _from_openapi(schema: Any) -> Any:
    """Vertex's OpenAPI schema as JSON Schema: lower-case types, ``nullable`` as a null type."""
    if isinstance(schema, list):
        return [_from_openapi(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _from_openapi(value) for key, value in schema.items()}
    kind = converted.get("type")
    if isinstance(kind, str):
        converted["type"] = kind.lower()
        if converted.pop("nullable", False) is True:
            converted["type"] = [kind.lower(), "null"]
    return converted


def _unknown_required(schema: Any, path: tuple[Any, ...] = ()) -> Iterator[str]:
    """``required`` names that ``properties`` does not define, anywhere in the schema."""
    if isinstance(schema, list):
        for k, item in enumerate(schema):
            yield from _unknown_required(item, (*path, k))
        return
    if not isinstance(schema, dict):
        return
    required, properties = schema.get("required"), schema.get("properties")
    if isinstance(required, list) and isinstance(properties, dict):
        for k, name in enumerate(required):
            if isinstance(name, str) and name not in properties:
                yield (
                    f"{_pointer((*path, 'required', k))} names {name!r}, which is not among "
                    "its properties"
                )
    for key, value in schema.items():
        if key not in ("required", "enum", "const", "default", "examples"):
            yield from _unknown_required(value, (*path, key))


def _schema_problem(schema: Any) -> str | None:
    if _meta_valid(schema):
        return next(_unknown_required(schema), None)
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import best_match

    cls = validators.validator_for(schema, default=Draft202012Validator)
    error = best_match(islice(cls(cls.META_SCHEMA).iter_errors(schema), 50))
    if error is not None:
        where = _pointer(error.absolute_path) or "the schema"
        if error.absolute_path and error.absolute_path[-1] == "type":
            return f"{where} is {_quote(error.instance)}, not a JSON Schema type ({_TYPES})"
        return f"{where}: {error.message[:200]}"
    return next(_unknown_required(schema), None)


def _meta_valid(schema: Any) -> bool:
    """The compiled metaschema check: a valid schema (nearly every one) is passed without
    importing the reference ``jsonschema`` (~60 ms, which a valid file never pays); the
    reference decides, and words, every schema this check does not pass."""
    try:
        return bool(jsonschema_rs.meta.is_valid(schema))
    except Exception:  # an unknown $schema draft, a value it cannot read: ask the reference
        return False


@functools.lru_cache(maxsize=CACHE_SIZE)
def compiled(text: str, openapi: bool) -> Compiled:
    """The check and validators of one distinct schema (``text``: its canonical JSON)."""
    schema = json.loads(text)
    if openapi:
        schema = _from_openapi(schema)
    problem = _schema_problem(schema)
    if problem is not None:
        return Compiled(problem)
    try:
        fast = jsonschema_rs.validator_for(schema, retriever=_refuse)
    except Exception as error:  # any schema a validator cannot build is reported
        # A valid document the validator still cannot build: an unresolvable $ref,
        # a pattern that is no regular expression.
        text = str(error).splitlines()[0]
        outside = _OUTSIDE.search(text)
        if outside:
            return Compiled(
                f"$ref {outside.group(1)} points outside the schema, and references are not "
                "fetched: put the definition under $defs"
            )
        return Compiled(f"the schema cannot be compiled: {text[:200]}")
    return Compiled(None, schema, fast)


def compile_definition(definition: Definition) -> Compiled:
    schema = definition.schema
    if not isinstance(schema, (dict, bool)):
        return Compiled(f"it is {_kind(schema)}, not a schema object")
    if isinstance(schema, dict) and not isinstance(schema.get("$schema", ""), str):
        return Compiled("$schema is not a URI string")
    try:
        text = msgspec.json.encode(definition.schema, order="sorted").decode()
    except (msgspec.EncodeError, UnicodeDecodeError, OverflowError):
        return Compiled("the schema holds a value that is not JSON (an unpaired surrogate?)")
    return compiled(text, definition.openapi)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    kinds = {dict: "an object", list: "an array", str: "a string", int: "an integer"}
    return kinds.get(type(value), "a number" if isinstance(value, float) else "null")


def _expected(error: Any) -> str:
    if error.validator == "type":
        kinds = error.validator_value
        names = kinds if isinstance(kinds, list) else [kinds]
        return " or ".join(TYPE_WORDS.get(str(k), str(k)) for k in names)
    if error.validator == "enum" and isinstance(error.validator_value, list):
        return "one of " + ", ".join(_quote(v) for v in error.validator_value[:10])
    if error.validator == "const":
        return _quote(error.validator_value)
    return str(error.message)[:200]


def explain(schema: Compiled, arguments: Any) -> str:
    """The first failing value of ``arguments``: its pointer, what it is, what was expected."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import best_match

    reference = validators.validator_for(schema.schema, default=Draft202012Validator)
    error = best_match(islice(reference(schema.schema).iter_errors(arguments), 50))
    if error is None:  # the validators disagree: say so rather than guess
        return "do not match the tool's schema"
    where = _pointer(error.absolute_path) or "the arguments object"
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [n for n in error.validator_value if n not in error.instance]
        return f"{where} lacks {_quote(missing[0] if missing else '?')}, which the schema requires"
    if error.validator in ("type", "enum", "const"):
        got = f"{_kind(error.instance)} {_quote(error.instance)}"
        return f"{where} is {got}, expected {_expected(error)}"
    return f"{where}: {_expected(error)}"


# The last example's definitions and their compiled schemas: JG228 and JG229 run one
# after the other on the same example, and the walk and encoding are done once.
_LAST: list[Any] = [None, []]
# Datasets repeat one tool list on every line: the definitions of each distinct list,
# keyed by its JSON text (one encode in C instead of a walk and an encode per schema).
# The same text has the same paths, names, schema types and compiled schemas.
_BY_TOOLS: dict[bytes, list[tuple[Definition, Compiled]]] = {}
_KEPT = 256


def _tools_key(example: dict[str, Any]) -> bytes | None:
    source = example.get("input")
    nested = source.get("tools") if isinstance(source, dict) else None
    where = (example.get("tools"), example.get("functions"), example.get("toolConfig"), nested)
    try:
        return msgspec.json.encode(where)
    except (msgspec.EncodeError, OverflowError, UnicodeEncodeError, RecursionError):
        return None  # the walk below, as without the cache


def cache_clear() -> None:
    """Forget every compiled schema and tool list (tests count the compilations)."""
    compiled.cache_clear()
    _BY_TOOLS.clear()
    _LAST[:] = [None, []]


def compiled_definitions(example: dict[str, Any]) -> list[tuple[Definition, Compiled]]:
    if _LAST[0] is not example:
        key = _tools_key(example)
        found = _BY_TOOLS.get(key) if key is not None else None
        if found is None:
            found = [(d, compile_definition(d)) for d in definitions(example)]
            if key is not None:
                if len(_BY_TOOLS) >= _KEPT:
                    _BY_TOOLS.clear()
                _BY_TOOLS[key] = found
        _LAST[:] = [example, found]
    result: list[tuple[Definition, Compiled]] = _LAST[1]
    return result


@example_rule(
    code="JG228",
    name="invalid-tool-schema",
    severity=Severity.ERROR,
    summary="A tool definition's parameters are not a valid JSON Schema (a type that does not "
    "exist, `required` naming no property, ...), so its calls cannot be checked or trusted.",
    hint='Fix the schema: types are "object", "string", "number", "integer", "boolean", '
    '"array" or "null"; every name in `required` is a key of `properties`.',
    bad='{"tools": [{"type": "function", "function": {"name": "track", "parameters": '
    '{"type": "objekt"}}}], "messages": [' + U + "]}",
    good='{"tools": [{"type": "function", "function": {"name": "track", "parameters": '
    '{"type": "object"}}}], "messages": [' + U + "]}",
    rule_sets=TOOL_SETS,
    needs=("tools",),
)
def invalid_tool_schema(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for definition, schema in compiled_definitions(example):
        if not isinstance(definition.schema, dict):
            continue  # not an object at all: the format's schema says so (JG226, ...)
        problem = schema.problem
        if problem is not None:
            where = format_path(list(definition.path))
            yield f"{where} (tool {definition.name!r}) is not a valid JSON Schema: {problem}"


def _call(arguments: str) -> str:
    return (
        '{"tools": [{"type": "function", "function": {"name": "track", "parameters": '
        '{"type": "object", "properties": {"id": {"type": "integer"}}}}}], "messages": ['
        + U
        + ', {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "track", "arguments": "' + arguments + '"}}]}]}'
    )


@example_rule(
    code="JG229",
    name="tool-arguments-mismatch",
    severity=Severity.ERROR,
    summary="A tool call's arguments do not match the parameters schema of the tool it calls.",
    hint="Make the arguments match the schema (the pointer names the first wrong value), "
    "or fix the schema if the call is right.",
    bad=_call('{\\"id\\": \\"42\\"}'),
    good=_call('{\\"id\\": 42}'),
    rule_sets=CALL_SETS,
    needs=("tools",),
)
def tool_arguments_mismatch(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    schemas: dict[str, Compiled] = {}
    for definition, compiled_schema in compiled_definitions(example):
        schemas.setdefault(definition.name, compiled_schema)
    if not schemas:
        return
    for call in calls(example):
        schema = schemas.get(call.name)
        if schema is None or schema.fast is None or call.arguments is NOT_PARSED:
            continue  # an unknown tool, a bad schema or bad JSON: another rule's finding
        if not schema.fast.is_valid(call.arguments):
            where = path_of(*call.path)
            yield f"{where} (call of {call.name!r}): {explain(schema, call.arguments)}"
