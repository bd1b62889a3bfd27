"""Which tokens of an example train: the render, the loss mask and the truncation point.

The example is rendered with the chat template as transformers renders it
(``template.py``) and the text tokenized once, without special tokens, with offsets
(``apply_chat_template(tokenize=True)``). The assistant mask is, as in transformers
>= 5.24, every token overlapping a character span: the ``{% generation %}`` bodies
when the template has the tag; else each assistant turn found by rendering growing
prefixes of the conversation (the prefix up to the turn with the generation prompt,
then up to and with the turn: the difference is the turn; Megatron-Bridge PR #3927).
A turn whose prefixes are not prefixes of the full render (Qwen3 drops old reasoning,
Mistral v3 moves the system message) is not attributed. Then TRL's truncation
(``max_length``, ``keep_start`` = right) decides what is kept. Pure logic on a loaded
tokenizer; sources in docs/open-weight.md.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Any

from ...tokens.training import TrainingPreview, TrainingSetup, TurnEnd, truncate
from .template import REASONING_FIELDS, ChatTemplate, TemplateRejected
from .tokens import HFTokenizer

Span = tuple[int, int]
THINK = re.compile(r"<think>(.*?)</think>(.*)", re.DOTALL)


def token_mask(offsets: list[tuple[int, int]], spans: list[Span]) -> list[int]:
    """transformers 5.25's loop: 1 for every token overlapping a span (spans in order)."""
    mask = [0] * len(offsets)
    index = 0
    for token, (start, end) in enumerate(offsets):
        while index < len(spans) and start >= spans[index][1]:
            index += 1
        if index == len(spans):
            break
        if end > spans[index][0]:
            mask[token] = 1
    return mask


def _render(
    hf: HFTokenizer, messages: list[Any], generation: bool, tools: Any
) -> tuple[str, list[Span]]:
    return hf.render(messages, generation=generation, tools=tools)


def assistant_turns(
    hf: HFTokenizer, messages: list[Any], tools: Any, full: str
) -> list[tuple[int, Span]]:
    """(message index, character span) of each assistant turn the growing prefixes find."""
    turns = []
    for index, message in enumerate(messages):
        if not (isinstance(message, dict) and message.get("role") == "assistant"):
            continue
        try:
            prompt = _render(hf, messages[:index], True, tools)[0]
            upto = _render(hf, messages[: index + 1], False, tools)[0]
        except TemplateRejected:
            continue
        if upto.startswith(prompt) and full.startswith(upto) and len(upto) > len(prompt):
            turns.append((index, (len(prompt), len(upto))))
    return turns


class Offsets:
    """A rendered chat's token offsets, to find the tokens of one span at a time."""

    def __init__(self, offsets: list[tuple[int, int]]) -> None:
        self.offsets = offsets
        starts, ends = zip(*offsets, strict=True) if offsets else ((), ())
        self.starts: tuple[int, ...] = starts
        self.ends: tuple[int, ...] = ends
        # Offsets in text order (always, for one sequence) let two bisections give
        # token_mask's answer without a pass over every token per span.
        self.ordered = list(starts) == sorted(starts) and list(ends) == sorted(ends)

    def tokens_in(self, span: Span) -> list[int]:
        """The tokens ``token_mask(offsets, [span])`` marks."""
        if self.ordered:
            return list(range(bisect_right(self.ends, span[0]), bisect_left(self.starts, span[1])))
        return [i for i, bit in enumerate(token_mask(self.offsets, [span])) if bit]


def _texts(content: Any) -> Iterator[tuple[str, str]]:
    """(suffix of the path, text) of a content: a string, or its text parts."""
    if isinstance(content, str):
        found = THINK.fullmatch(content.strip())
        if found:  # inline reasoning: the template may keep the answer and drop the rest
            yield ".content <think>", found.group(1)
            yield ".content", found.group(2)
        else:
            yield ".content", content
    elif isinstance(content, list):
        for i, part in enumerate(content):
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                yield f".content[{i}].text", part["text"]


def _name(item: Any) -> str:
    function = item.get("function") if isinstance(item, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else ""


def dropped_content(messages: list[Any], tools: Any, text: str) -> tuple[str, ...]:
    """Paths of the example's text that the rendered chat does not hold."""
    missing = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        for suffix, piece in _texts(message.get("content")):
            if piece.strip() and piece.strip() not in text:
                missing.append(f"messages[{i}]{suffix} ({role})")
        reasoning = next((message[k] for k in REASONING_FIELDS if message.get(k) is not None), None)
        if isinstance(reasoning, str) and reasoning.strip() and reasoning.strip() not in text:
            key = next(k for k in REASONING_FIELDS if message.get(k) is not None)
            missing.append(f"messages[{i}].{key} ({role})")
        calls = message.get("tool_calls")
        for j, call in enumerate(calls if isinstance(calls, list) else []):
            if _name(call) and _name(call) not in text:
                missing.append(f"messages[{i}].tool_calls[{j}] ({_name(call)})")
    for j, tool in enumerate(tools if isinstance(tools, list) else []):
        if _name(tool) and _name(tool) not in text:
            missing.append(f"tools[{j}] ({_name(tool)})")
    return tuple(missing)


def _turn_ends(
    hf: HFTokenizer, ids: list[int], offsets: Offsets, regions: list[tuple[int, Span]]
) -> tuple[TurnEnd, ...]:
    """How each assistant turn's trained span ends: TRL's is_chat_template_stop_token_trained
    (the last non-whitespace token of the span must be an added token)."""
    ends = []
    for message, span in regions:
        tokens = offsets.tokens_in(span)
        last = next(
            (
                i
                for i in reversed(tokens)
                if hf.tokenizer.decode([ids[i]], skip_special_tokens=False).strip()
            ),
            None,
        )
        if last is not None:
            shown = hf.tokenizer.id_to_token(ids[last]) or ""
            ends.append(TurnEnd(message, shown, ids[last] in hf.added))
    return tuple(ends)


def _bos_twice(hf: HFTokenizer, ids: list[int]) -> str:
    return f"the rendered chat starts with {hf.bos} twice" if hf.doubled_bos(ids) else ""


def preview_chat(
    hf: HFTokenizer,
    prompt: list[Any],
    answer: list[Any] | None,
    tools: Any,
    setup: TrainingSetup,
    limit: int | None,
) -> TrainingPreview:
    """The preview of a conversation (``answer`` None) or a conversational
    prompt/completion pair, with the loss mode TRL defaults to for each."""
    template: ChatTemplate | None = hf.template
    if template is None:
        return TrainingPreview(no_template=True)
    messages = prompt + (answer or [])
    loss = setup.loss or ("all" if answer is None else "completion-only")
    try:
        text, generation_spans = _render(hf, messages, False, tools)
        prompt_text = _render(hf, prompt, True, tools)[0] if answer is not None else ""
    except TemplateRejected as error:
        return TrainingPreview(template_error=str(error))
    encoding = hf.encode(text, specials=False)
    ids, offsets = list(encoding.ids), list(encoding.offsets)
    turns = assistant_turns(hf, messages, tools, text)
    if hf.memo.recording:  # the batch pre-pass wants only the texts and renders (memo.py)
        if answer is not None:
            hf.encode(prompt_text, specials=False)
        return TrainingPreview()
    tagged = loss == "assistant-only" and template.has_generation
    if loss == "assistant-only":
        mask = token_mask(offsets, generation_spans if tagged else [s for _, s in turns])
    elif loss == "completion-only" and answer is not None:
        prompt_ids = hf.encode(prompt_text, specials=False).ids
        common = next(
            (i for i, (a, b) in enumerate(zip(prompt_ids, ids, strict=False)) if a != b), None
        )
        start = min(len(prompt_ids), len(ids)) if common is None else common
        mask = [0] * start + [1] * (len(ids) - start)
    else:  # all; completion-only without a completion: TRL has no completion mask then
        mask = [1] * len(ids)
    kept_start, kept_end = truncate(len(ids), limit, setup.truncation_side)
    located = Offsets(offsets)
    last_turn, lost = None, 0
    if turns:
        tokens = located.tokens_in(turns[-1][1])
        if tokens:
            last_turn = (tokens[0], tokens[-1] + 1)
            lost = sum(1 for i in tokens if not kept_start <= i < kept_end)
    regions = turns
    if tagged:  # the generation bodies belong to the assistant turns, in order
        indexes = [i for i, _ in turns]
        if len(indexes) != len(generation_spans):
            indexes = [-1] * len(generation_spans)  # not attributable to a message
        regions = list(zip(indexes, generation_spans, strict=True))
    return TrainingPreview(
        length=len(ids),
        kept=kept_end - kept_start,
        trained_full=sum(mask),
        trained=sum(mask[kept_start:kept_end]),
        last_turn=last_turn,
        last_turn_lost=lost,
        no_markers=loss == "assistant-only" and not template.has_generation,
        turn_ends=_turn_ends(hf, ids, located, regions),
        dropped=dropped_content(messages, tools, text),
        duplicated_bos=_bos_twice(hf, ids),
    )


def preview_text(hf: HFTokenizer, text: str, limit: int | None, side: str) -> TrainingPreview:
    """Language modeling on ``text``: TRL appends the EOS as text when it is missing and
    tokenizes with the tokenizer's special tokens; every token trains."""
    if hf.eos and not text.endswith(hf.eos):
        text += hf.eos
    ids = hf.encode(text, specials=True).ids
    start, end = truncate(len(ids), limit, side)
    twice = ""
    if hf.doubled_bos(ids):
        twice = f"the text starts with {hf.bos} and the tokenizer adds {hf.bos} again"
    return TrainingPreview(
        length=len(ids), kept=end - start, trained_full=len(ids), trained=end - start,
        duplicated_bos=twice,
    )  # fmt: skip
