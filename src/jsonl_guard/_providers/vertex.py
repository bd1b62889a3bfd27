"""Google Vertex AI Gemini tuning: the token estimate and the rules a schema cannot express.

Three profiles (``data/providers/vertex.toml``): ``vertex-gemini`` (supervised tuning,
``contents``/``parts``), ``vertex-gemini-preference`` (``contents`` + a scored pair of
``completions``) and ``vertex-gemini-legacy`` (the Gemini 1.0 ``messages`` schema, which
1.5 and 2.x tuning no longer take). Facts and sources: docs/providers/vertex.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from .._context import DatasetContext, ExampleContext
from .._diagnostics import Finding, Severity
from .._models import DEFAULT_MODEL
from .._profiles import profiles_of
from .._rule_helpers import path_of
from .._rules import Scope, dataset_rule, declare, example_rule
from .._stats import DatasetStats
from .._token_methods import TokenTools, strings, token_method
from .._tokens import ExampleTokens

ERROR, WARNING = Severity.ERROR, Severity.WARNING
SFT, PREFERENCE, LEGACY = "vertex-gemini", "vertex-gemini-preference", "vertex-gemini-legacy"
# Google's figure for one image of up to 384x384 pixels (and one 768x768 tile or one
# document page) on Gemini 2.x. A floor: bigger images, audio and video cost more, and
# their size or duration is not in the file.
FILE_PART_TOKENS = 258
# The Gemini 1.0 docs: at most 8,192 tokens per model turn.
LEGACY_MODEL_TURN_TOKENS = 8192
PART_KINDS = ("text", "fileData", "functionCall", "functionResponse")
# A Cloud Storage object or a public web address ([FC-tuning]); anything else (a local
# path, file://, a data URL) cannot be read by the tuning job.
URI_SCHEMES = ("gs://", "https://", "http://")

# Documentation examples: one user turn and one model turn.
USER = '{"role": "user", "parts": [{"text": "Do you service e-bikes?"}]}'
MODEL = '{"role": "model", "parts": [{"text": "Yes, all brands."}]}'
GOOD = f'{{"contents": [{USER}, {MODEL}]}}'
_SCORED = (
    '{"score": 1, "completion": {"role": "model", "parts": [{"text": "Yes, all brands."}]}}, '
    '{"score": 0, "completion": {"role": "model", "parts": [{"text": "No."}]}}'
)
PREF_GOOD = f'{{"contents": [{USER}], "completions": [{_SCORED}]}}'
_BOTH_PREFERRED = _SCORED.replace('"score": 0', '"score": 1')
_SAME_TEXT = _SCORED.replace('"No."', '"Yes, all brands."')
LEGACY_USER = '{"role": "user", "content": "Do you service e-bikes?"}'
LEGACY_MODEL = '{"role": "model", "content": "Yes, all brands."}'

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
    text = tools.estimate(sum(len(s) for s in strings(example)))
    turns = [*_contents(example), *_completions(example)]
    files = sum(1 for _, part in _parts(turns) if "fileData" in part)
    model_turns = [t for t in turns if t[1].get("role") == "model"]
    model_turns += [m for m in _legacy_messages(example) if m[1].get("role") == "model"]
    answer = tools.estimate(sum(len(s) for _, turn in model_turns for s in strings(turn)))
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
    "JG601",
    "gemini-consecutive-turns",
    ERROR,
    "Two consecutive turns have the same role; Gemini tuning needs user and model turns to "
    "alternate.",
    "Merge the two turns into one (their parts can be joined), or insert the missing turn.",
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
    "JG602",
    "gemini-no-model-turn",
    ERROR,
    "The example has no model turn, so there is nothing to learn from.",
    "Add the model's reply as a turn with role 'model' (not 'assistant').",
    bad=f'{{"contents": [{USER}]}}',
    good=GOOD,
    rule_sets=(SFT, LEGACY),
)
def no_model_turn(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    turns = _turn_sequence(example)
    if turns and "model" not in _roles(turns):
        yield "the example has no model turn to learn from"


@example_rule(
    "JG603",
    "gemini-trailing-user-turn",
    WARNING,
    "The example ends with a user turn after the last model turn; nothing is learned from it.",
    "End the example with the model's reply, or drop the trailing user turn.",
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
    "JG604",
    "gemini-empty-text",
    WARNING,
    "A text part (or a legacy message's content) is empty or only whitespace.",
    "Fill in the text, or drop the part; an empty model text trains the model to say nothing.",
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
    "JG605",
    "gemini-file-uri",
    ERROR,
    "A fileData URI is neither a Cloud Storage URI (gs://) nor an http(s) URL, so the tuning "
    "job cannot read the file.",
    "Upload the file to Cloud Storage and use its gs://bucket/path URI (or a public https URL).",
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
    "JG606",
    "gemini-part-kind",
    ERROR,
    "A part holds none or more than one of text, fileData, functionCall and functionResponse; "
    "each part is exactly one of them.",
    "Split the part into one part per kind (e.g. the file in one part, its question in the next).",
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
    "JG607",
    "gemini-unknown-function",
    ERROR,
    "A functionCall names a function that the example's tools do not declare.",
    "Declare the function in tools[].functionDeclarations, or fix the name in the call.",
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


# -- preference ----------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@example_rule(
    "JG608",
    "gemini-preference-pair",
    ERROR,
    "The completions are not one preferred (score 1) and one dispreferred (score 0) completion.",
    "Give exactly two completions: the better reply with score 1, the worse with score 0.",
    bad=f'{{"contents": [{USER}], "completions": [{_BOTH_PREFERRED}]}}',
    good=PREF_GOOD,
    rule_sets=(PREFERENCE,),
)
def preference_pair(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    scored = _objects(example.get("completions"))
    scores = []
    for i, item in scored:
        score = item.get("score")
        if _is_number(score) and score not in (0, 1):
            yield f"{path_of('completions', i, 'score')} is {score!r}; a score is 0 or 1"
        scores.append(score)
    valid = len(scored) == 2 and all(_is_number(s) and s in (0, 1) for s in scores)
    if valid and scores[0] == scores[1]:
        yield f"both completions have score {scores[0]!r}; one must be 1 and the other 0"


@example_rule(
    "JG609",
    "gemini-preference-prompt-end",
    ERROR,
    "The prompt (contents) of a preference example does not end with a user turn.",
    "End contents with the user turn the completions answer; move model replies into completions.",
    bad=f'{{"contents": [{USER}, {MODEL}], "completions": [{_SCORED}]}}',
    good=PREF_GOOD,
    rule_sets=(PREFERENCE,),
)
def preference_prompt_end(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    turns = _contents(example)
    if turns and turns[-1][1].get("role") == "model":
        yield f"{path_of(*turns[-1][0])} is a model turn; the prompt must end with a user turn"


@example_rule(
    "JG610",
    "gemini-preference-multimodal",
    ERROR,
    "A preference example holds a non-text part; Gemini preference tuning takes text only.",
    "Drop the fileData part (describe the file in text), or use supervised tuning for it.",
    bad=f'{{"contents": [{{"role": "user", "parts": [{{"fileData": {{"mimeType": "image/jpeg", '
    f'"fileUri": "gs://spokewise/wheel.jpg"}}}}, {{"text": "Is this rim bent?"}}]}}], '
    f'"completions": [{_SCORED}]}}',
    good=PREF_GOOD,
    rule_sets=(PREFERENCE,),
)
def preference_multimodal(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, part in _parts([*_contents(example), *_completions(example)]):
        if "fileData" in part:
            yield f"{path_of(*path)} is a fileData part; preference tuning takes text only"


@example_rule(
    "JG611",
    "gemini-preference-identical",
    WARNING,
    "The preferred and the dispreferred completion are identical, so the pair teaches nothing.",
    "Replace one of them with a genuinely different reply, or drop the example.",
    bad=f'{{"contents": [{USER}], "completions": [{_SAME_TEXT}]}}',
    good=PREF_GOOD,
    rule_sets=(PREFERENCE,),
)
def preference_identical(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    completions = _completions(example)
    if len(completions) == 2 and completions[0][1].get("parts") == completions[1][1].get("parts"):
        yield "completions[0] and completions[1] have the same parts"


# -- the legacy Gemini 1.0 schema ---------------------------------------------------------------


def _explicitly_targets(ctx: DatasetContext) -> bool:
    """The user chose a model that takes this file's format (e.g. gemini-1.0-pro-002)."""
    options = ctx.options
    explicit = options.model_source != "default" or options.model != DEFAULT_MODEL
    return explicit and ctx.detection.profile in profiles_of(ctx.model)


@dataset_rule(
    "JG600",
    "gemini-legacy-format",
    ERROR,
    "The file uses the Gemini 1.0 `messages` schema; Gemini 1.5 and 2.x tuning take "
    "`contents` with `parts`.",
    "Convert each line: messages -> contents; role 'model' stays, each content string becomes "
    'parts: [{"text": ...}]; a first system message becomes systemInstruction: {"parts": '
    '[{"text": ...}]}. Only for gemini-1.0-pro-002, choose it with --model.',
    bad="(a file of Gemini 1.0 lines: messages with roles user/model and string content)",
    good="(the same examples as contents/parts)",
    rule_sets=(LEGACY,),
)
def legacy_format(stats: DatasetStats, ctx: DatasetContext) -> Iterator[Finding]:
    if _explicitly_targets(ctx):
        return  # the 1.0 model takes this schema; its own checks run instead
    yield Finding(
        "JG600",
        "the file is in the Gemini 1.0 messages/content schema; Gemini 1.5 and 2.x tuning "
        "take contents/parts (messages -> contents, content -> parts [{text}], system -> "
        "systemInstruction)",
    )


@example_rule(
    "JG612",
    "gemini-legacy-late-system",
    ERROR,
    "A Gemini 1.0 example has a system message that is not the first message.",
    "Keep one system message, first; move later instructions into it.",
    bad=f'{{"messages": [{LEGACY_USER}, {{"role": "system", "content": "Be brief."}}, '
    f"{LEGACY_MODEL}]}}",
    good=f'{{"messages": [{{"role": "system", "content": "Be brief."}}, {LEGACY_USER}, '
    f"{LEGACY_MODEL}]}}",
    rule_sets=(LEGACY,),
)
def legacy_late_system(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, message in _legacy_messages(example):
        if message.get("role") == "system" and path[1] != 0:
            yield f"{path_of(*path)} is a system message; only the first message may be one"


@example_rule(
    "JG613",
    "gemini-legacy-model-turn-too-long",
    ERROR,
    f"A Gemini 1.0 model turn has more than {LEGACY_MODEL_TURN_TOKENS:,} tokens (estimated).",
    "Shorten the reply or split the conversation.",
    bad=f'{{"messages": [{LEGACY_USER}, {{"role": "model", "content": "<70,000 tokens of '
    f'text>"}}]}}',
    good=f'{{"messages": [{LEGACY_USER}, {LEGACY_MODEL}]}}',
    rule_sets=(LEGACY,),
)
def legacy_model_turn_too_long(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    per_token = ctx.model.chars_per_token or 4.0
    for path, message in _legacy_messages(example):
        content = message.get("content")
        if message.get("role") == "model" and isinstance(content, str):
            tokens = -(-len(content) // per_token)  # rounded up, like every estimate
            if tokens > LEGACY_MODEL_TURN_TOKENS:
                yield (
                    f"{path_of(*path)} has an estimated {int(tokens):,} tokens; Gemini 1.0 "
                    f"takes at most {LEGACY_MODEL_TURN_TOKENS:,} per model turn"
                )


declare(
    "JG614",
    "gemini-invalid-system-instruction",
    ERROR,
    Scope.SCHEMA,
    "systemInstruction is malformed: it takes parts with text only (its role is ignored).",
    'Write it as "systemInstruction": {"parts": [{"text": "..."}]}.',
    bad=f'{{"systemInstruction": "Be brief.", "contents": [{USER}, {MODEL}]}}',
    good=f'{{"systemInstruction": {{"parts": [{{"text": "Be brief."}}]}}, "contents": '
    f"[{USER}, {MODEL}]}}",
)
