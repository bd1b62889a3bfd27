"""Google Vertex AI Gemini tuning: the token estimate and the supervised-tuning rules.

Three profiles (``providers/vertex/provider.toml``): ``vertex-gemini`` (supervised tuning,
``contents``/``parts``), ``vertex-gemini-preference`` (``contents`` + a scored pair of
``completions``) and ``vertex-gemini-legacy`` (the Gemini 1.0 ``messages`` schema, which
1.5 and 2.x tuning no longer take). This module holds the helpers that walk turns and
parts, the ``gemini-estimate`` token method, the rules on turns and parts (JG601-JG607)
and the systemInstruction schema rule (JG614); the preference rules are in
``providers/vertex/preference.py``, the legacy-schema rules in
``providers/vertex/legacy.py``. Facts and sources: docs/providers/vertex.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from ...engine.diagnostics import Severity
from ...rules.context import ExampleContext
from ...rules.helpers import path_of
from ...rules.registry import example_rule, schema_rule
from ...tokens.chat_formula import ExampleTokens
from ...tokens.methods import TokenTools, text_chars, token_method

ERROR, WARNING = Severity.ERROR, Severity.WARNING
SFT, PREFERENCE, LEGACY = "vertex-gemini", "vertex-gemini-preference", "vertex-gemini-legacy"
# Google's figure for one image of up to 384x384 pixels (and one 768x768 tile or one
# document page) on Gemini 2.x. A floor: bigger images, audio and video cost more, and
# their size or duration is not in the file.
FILE_PART_TOKENS = 258
PART_KINDS = ("text", "fileData", "functionCall", "functionResponse")
# A Cloud Storage object or a public web address ([FC-tuning]); anything else (a local
# path, file://, a data URL) cannot be read by the tuning job.
URI_SCHEMES = ("gs://", "https://", "http://")

# Documentation examples: one user turn and one model turn.
USER = '{"role": "user", "parts": [{"text": "Do you service e-bikes?"}]}'
MODEL = '{"role": "model", "parts": [{"text": "Yes, all brands."}]}'
GOOD = f'{{"contents": [{USER}, {MODEL}]}}'

Turn = tuple[tuple[str | int, ...], dict[str, Any]]


def _objects(value: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _contents(example: dict[str, Any]) -> list[Turn]:
    return [(("contents", i), turn) for i, turn in _objects(example.get("contents"))]


def _completions(example: dict[str, Any]) -> list[Turn]:
    turns: list[Turn] = []
    for i, scored in _objects(example.get("completions")):
        if isinstance(scored.get("completion"), dict):
            turns.append((("completions", i, "completion"), scored["completion"]))
    return turns


def _system(example: dict[str, Any]) -> list[Turn]:
    turns: list[Turn] = []
    for key in ("systemInstruction", "system_instruction"):
        if isinstance(example.get(key), dict):
            turns.append(((key,), example[key]))
    return turns


def _parts(turns: list[Turn]) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    for path, turn in turns:
        for k, part in _objects(turn.get("parts")):
            yield (*path, "parts", k), part


def _all_turns(example: dict[str, Any]) -> list[Turn]:
    return [*_system(example), *_contents(example), *_completions(example)]


def _legacy_messages(example: dict[str, Any]) -> list[Turn]:
    return [(("messages", i), m) for i, m in _objects(example.get("messages"))]


def _roles(turns: list[Turn]) -> list[Any]:
    return [turn.get("role") for _, turn in turns]


# -- tokens --------------------------------------------------------------------------------------


@token_method(
    "gemini-estimate",
    exact=False,
    # The text reporter shows the part before the first comma.
    description=f"estimate: text characters / the model's characters per token + "
    f"{FILE_PART_TOKENS} tokens per fileData part, where text is every text value (texts, "
    "system instruction, function declarations and calls; not roles, MIME types or URIs), "
    f"rounded up; {FILE_PART_TOKENS} is one small image (a floor for larger images, "
    "documents, audio and video)",
)
def gemini_estimate(example: dict[str, Any], tools: TokenTools) -> ExampleTokens | None:
    text = tools.estimate(text_chars(example))
    turns = [*_contents(example), *_completions(example)]
    files = sum(1 for _, part in _parts(turns) if "fileData" in part)
    model_turns = [t for t in turns if t[1].get("role") == "model"]
    model_turns += [m for m in _legacy_messages(example) if m[1].get("role") == "model"]
    answer = tools.estimate(sum(text_chars(turn) for _, turn in model_turns))
    images = files * FILE_PART_TOKENS
    # ``images`` is non-zero exactly for multimodal examples (nothing is put in the tool
    # fields), so DatasetStats.approximate_examples counts them.
    return ExampleTokens(text + images, text, 0, 0, images, answer)


# -- turns ---------------------------------------------------------------------------------------


def _turn_sequence(example: dict[str, Any]) -> list[Turn]:
    """The user/model turns in order: contents, or the legacy messages without system."""
    if "contents" in example:
        return _contents(example)
    return [m for m in _legacy_messages(example) if m[1].get("role") != "system"]


@example_rule(
    code="JG601",
    name="gemini-consecutive-turns",
    severity=ERROR,
    summary="Two consecutive turns have the same role; Gemini tuning needs user and model turns to "
    "alternate.",
    hint="Merge the two turns into one (their parts can be joined), or insert the missing turn.",
    bad=f'{{"contents": [{USER}, {USER}, {MODEL}]}}',
    good=GOOD,
    rule_sets=(SFT, PREFERENCE, LEGACY),
)
def consecutive_turns(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    turns = _turn_sequence(example)
    for (_, before), (path, turn) in pairwise(turns):
        role = turn.get("role")
        if role in ("user", "model") and role == before.get("role"):
            yield f"{path_of(*path)} is a second {role} turn in a row"


@example_rule(
    code="JG602",
    name="gemini-no-model-turn",
    severity=ERROR,
    summary="The example has no model turn, so there is nothing to learn from.",
    hint="Add the model's reply as a turn with role 'model' (not 'assistant').",
    bad=f'{{"contents": [{USER}]}}',
    good=GOOD,
    rule_sets=(SFT, LEGACY),
)
def no_model_turn(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    turns = _turn_sequence(example)
    if turns and "model" not in _roles(turns):
        yield "the example has no model turn to learn from"


@example_rule(
    code="JG603",
    name="gemini-trailing-user-turn",
    severity=WARNING,
    summary="The example ends with a user turn after the last model turn; nothing is learned from "
    "it.",
    hint="End the example with the model's reply, or drop the trailing user turn.",
    bad=f'{{"contents": [{USER}, {MODEL}, {USER}]}}',
    good=GOOD,
    rule_sets=(SFT, LEGACY),
)
def trailing_user_turn(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    turns = _turn_sequence(example)
    roles = _roles(turns)
    if "model" in roles and roles[-1] == "user":
        yield f"{path_of(*turns[-1][0])} (user) comes after the last model turn"


@example_rule(
    code="JG604",
    name="gemini-empty-text",
    severity=WARNING,
    summary="A text part (or a legacy message's content) is empty or only whitespace.",
    hint="Fill in the text, or drop the part; an empty model text trains the model to say nothing.",
    bad=f'{{"contents": [{USER}, {{"role": "model", "parts": [{{"text": " "}}]}}]}}',
    good=GOOD,
    rule_sets=(SFT, PREFERENCE, LEGACY),
)
def empty_text(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, part in _parts(_all_turns(example)):
        text = part.get("text")
        if isinstance(text, str) and not text.strip():
            yield f"{path_of(*path, 'text')} is empty"
    for path, message in _legacy_messages(example):
        content = message.get("content")
        if isinstance(content, str) and not content.strip():
            yield f"{path_of(*path, 'content')} is empty"


# -- parts ---------------------------------------------------------------------------------------


@example_rule(
    code="JG605",
    name="gemini-file-uri",
    severity=ERROR,
    summary="A fileData URI is neither a Cloud Storage URI (gs://) nor an http(s) URL, so the "
    "tuning job cannot read the file.",
    hint="Upload the file to Cloud Storage and use its gs://bucket/path URI (or a public https "
    "URL).",
    bad=f'{{"contents": [{{"role": "user", "parts": [{{"fileData": {{"mimeType": "image/jpeg", '
    f'"fileUri": "/home/ana/wheel.jpg"}}}}, {{"text": "Is this rim bent?"}}]}}, {MODEL}]}}',
    good=f'{{"contents": [{{"role": "user", "parts": [{{"fileData": {{"mimeType": "image/jpeg", '
    f'"fileUri": "gs://spokewise/wheel.jpg"}}}}, {{"text": "Is this rim bent?"}}]}}, {MODEL}]}}',
    rule_sets=(SFT, PREFERENCE),
)
def file_uri(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, part in _parts(_all_turns(example)):
        data = part.get("fileData")
        uri = data.get("fileUri") if isinstance(data, dict) else None
        if isinstance(uri, str) and not uri.lower().startswith(URI_SCHEMES):
            shown = uri if len(uri) <= 60 else uri[:59] + "…"
            yield (
                f"{path_of(*path, 'fileData', 'fileUri')} is {shown!r}; Vertex reads files "
                "from gs:// or http(s) URIs only"
            )


@example_rule(
    code="JG606",
    name="gemini-part-kind",
    severity=ERROR,
    summary="A part holds none or more than one of text, fileData, functionCall and "
    "functionResponse; each part is exactly one of them.",
    hint="Split the part into one part per kind (e.g. the file in one part, its question in the "
    "next).",
    bad=f'{{"contents": [{{"role": "user", "parts": [{{"text": "Is this rim bent?", "fileData": '
    f'{{"mimeType": "image/jpeg", "fileUri": "gs://spokewise/wheel.jpg"}}}}]}}, {MODEL}]}}',
    good=f'{{"contents": [{{"role": "user", "parts": [{{"fileData": {{"mimeType": "image/jpeg", '
    f'"fileUri": "gs://spokewise/wheel.jpg"}}}}, {{"text": "Is this rim bent?"}}]}}, {MODEL}]}}',
    rule_sets=(SFT, PREFERENCE),
)
def part_kind(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, part in _parts([*_contents(example), *_completions(example)]):
        kinds = [kind for kind in PART_KINDS if kind in part]
        if len(kinds) > 1:
            yield f"{path_of(*path)} holds {' and '.join(kinds)}; a part holds exactly one"
        elif not kinds and not set(part) - set(PART_KINDS):
            # Unknown keys are already reported by the schema (JG118).
            yield f"{path_of(*path)} holds no text, fileData, functionCall or functionResponse"


def _declared_functions(example: dict[str, Any]) -> set[str] | None:
    """Names declared in ``tools``; None when the example declares none."""
    names: set[str] = set()
    found = False
    for _, tool in _objects(example.get("tools")):
        for _, declaration in _objects(tool.get("functionDeclarations")):
            found = True
            if isinstance(declaration.get("name"), str):
                names.add(declaration["name"])
    return names if found else None


@example_rule(
    code="JG607",
    name="gemini-unknown-function",
    severity=ERROR,
    summary="A functionCall names a function that the example's tools do not declare.",
    hint="Declare the function in tools[].functionDeclarations, or fix the name in the call.",
    bad=f'{{"contents": [{USER}, {{"role": "model", "parts": [{{"functionCall": {{"name": '
    f'"book_service", "args": {{}}}}}}]}}], "tools": [{{"functionDeclarations": [{{"name": '
    f'"check_stock"}}]}}]}}',
    good=f'{{"contents": [{USER}, {{"role": "model", "parts": [{{"functionCall": {{"name": '
    f'"book_service", "args": {{}}}}}}]}}], "tools": [{{"functionDeclarations": [{{"name": '
    f'"book_service"}}]}}]}}',
    rule_sets=(SFT,),
)
def unknown_function(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    declared = _declared_functions(example)
    if declared is None:
        return
    for path, part in _parts(_contents(example)):
        call = part.get("functionCall")
        name = call.get("name") if isinstance(call, dict) else None
        if isinstance(name, str) and name and name not in declared:
            where = path_of(*path, "functionCall", "name")
            yield f"{where} is {name!r}, which the example's tools do not declare"


schema_rule(
    code="JG614",
    name="gemini-invalid-system-instruction",
    severity=ERROR,
    summary="systemInstruction is malformed: it takes parts with text only (its role is ignored).",
    hint='Write it as "systemInstruction": {"parts": [{"text": "..."}]}.',
    bad=f'{{"systemInstruction": "Be brief.", "contents": [{USER}, {MODEL}]}}',
    good=f'{{"systemInstruction": {{"parts": [{{"text": "Be brief."}}]}}, "contents": '
    f"[{USER}, {MODEL}]}}",
)
