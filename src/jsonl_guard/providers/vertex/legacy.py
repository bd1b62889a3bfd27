"""Google Vertex AI Gemini tuning: the rules of the legacy Gemini 1.0 schema.

``vertex-gemini-legacy`` files use the Gemini 1.0 ``messages`` schema (roles
user/model/system, string content), which only gemini-1.0-pro-002 takes. The rules here
say so for other models (JG600) and check the 1.0 limits when that model is chosen
(JG612, JG613); the helpers and the rules the profiles share are in ``vertex.py``.
Facts and sources: docs/providers/vertex.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...engine.models import DEFAULT_MODEL
from ...engine.profiles import profiles_of
from ...engine.stats import DatasetStats
from ...rules.context import DatasetContext, ExampleContext
from ...rules.helpers import path_of
from ...rules.registry import dataset_rule, example_rule
from .rules import ERROR, LEGACY, _legacy_messages

# The Gemini 1.0 docs: at most 8,192 tokens per model turn.
LEGACY_MODEL_TURN_TOKENS = 8192
LEGACY_USER = '{"role": "user", "content": "Do you service e-bikes?"}'
LEGACY_MODEL = '{"role": "model", "content": "Yes, all brands."}'


def _explicitly_targets(ctx: DatasetContext) -> bool:
    """The user chose a model that takes this file's format (e.g. gemini-1.0-pro-002)."""
    options = ctx.options
    explicit = options.model_source != "default" or options.model != DEFAULT_MODEL
    return explicit and ctx.detection.profile in profiles_of(ctx.model)


@dataset_rule(
    code="JG600",
    name="gemini-legacy-format",
    severity=ERROR,
    summary="The file uses the Gemini 1.0 `messages` schema; Gemini 1.5 and 2.x tuning take "
    "`contents` with `parts`.",
    hint="Convert each line: messages -> contents; role 'model' stays, each content string becomes "
    'parts: [{"text": ...}]; a first system message becomes systemInstruction: {"parts": '
    '[{"text": ...}]}. Only for gemini-1.0-pro-002, choose it with --model.',
    bad="(a file of Gemini 1.0 lines: messages with roles user/model and string content)",
    good="(the same examples as contents/parts)",
    rule_sets=(LEGACY,),
)
def legacy_format(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    if _explicitly_targets(ctx):
        return  # the 1.0 model takes this schema; its own checks run instead
    yield (
        "the file is in the Gemini 1.0 messages/content schema; Gemini 1.5 and 2.x tuning "
        "take contents/parts (messages -> contents, content -> parts [{text}], system -> "
        "systemInstruction)"
    )


@example_rule(
    code="JG612",
    name="gemini-legacy-late-system",
    severity=ERROR,
    summary="A Gemini 1.0 example has a system message that is not the first message.",
    hint="Keep one system message, first; move later instructions into it.",
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
    code="JG613",
    name="gemini-legacy-model-turn-too-long",
    severity=ERROR,
    summary=f"A Gemini 1.0 model turn has more than {LEGACY_MODEL_TURN_TOKENS:,} tokens "
    "(estimated).",
    hint="Shorten the reply or split the conversation.",
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
