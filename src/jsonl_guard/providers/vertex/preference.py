"""Google Vertex AI Gemini tuning: the rules of the preference profile.

``vertex-gemini-preference`` examples hold a prompt (``contents``, ending with a user
turn) and a scored pair of ``completions``, one preferred (score 1) and one dispreferred
(score 0). The rules here (JG608-JG611) check that pair; the helpers and the rules the
profiles share are in ``vertex.py``. Facts and sources: docs/providers/vertex.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...rules.context import ExampleContext
from ...rules.helpers import path_of
from ...rules.registry import example_rule
from .rules import (
    ERROR,
    MODEL,
    PREFERENCE,
    USER,
    WARNING,
    _completions,
    _contents,
    _objects,
    _parts,
)

_SCORED = (
    '{"score": 1, "completion": {"role": "model", "parts": [{"text": "Yes, all brands."}]}}, '
    '{"score": 0, "completion": {"role": "model", "parts": [{"text": "No."}]}}'
)
PREF_GOOD = f'{{"contents": [{USER}], "completions": [{_SCORED}]}}'
_BOTH_PREFERRED = _SCORED.replace('"score": 0', '"score": 1')
_SAME_TEXT = _SCORED.replace('"No."', '"Yes, all brands."')


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@example_rule(
    code="JG608",
    name="gemini-preference-pair",
    severity=ERROR,
    summary="The completions are not one preferred (score 1) and one dispreferred (score 0) "
    "completion.",
    hint="Give exactly two completions: the better reply with score 1, the worse with score 0.",
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
    code="JG609",
    name="gemini-preference-prompt-end",
    severity=ERROR,
    summary="The prompt (contents) of a preference example does not end with a user turn.",
    hint="End contents with the user turn the completions answer; move model replies into "
    "completions.",
    bad=f'{{"contents": [{USER}, {MODEL}], "completions": [{_SCORED}]}}',
    good=PREF_GOOD,
    rule_sets=(PREFERENCE,),
)
def preference_prompt_end(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    turns = _contents(example)
    if turns and turns[-1][1].get("role") == "model":
        yield f"{path_of(*turns[-1][0])} is a model turn; the prompt must end with a user turn"


@example_rule(
    code="JG610",
    name="gemini-preference-multimodal",
    severity=ERROR,
    summary="A preference example holds a non-text part; Gemini preference tuning takes text only.",
    hint="Drop the fileData part (describe the file in text), or use supervised tuning for it.",
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
    code="JG611",
    name="gemini-preference-identical",
    severity=WARNING,
    summary="The preferred and the dispreferred completion are identical, so the pair teaches "
    "nothing.",
    hint="Replace one of them with a genuinely different reply, or drop the example.",
    bad=f'{{"contents": [{USER}], "completions": [{_SAME_TEXT}]}}',
    good=PREF_GOOD,
    rule_sets=(PREFERENCE,),
)
def preference_identical(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    completions = _completions(example)
    if len(completions) == 2 and completions[0][1].get("parts") == completions[1][1].get("parts"):
        yield "completions[0] and completions[1] have the same parts"
