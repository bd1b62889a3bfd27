"""The training preview of each example type TRL trains, and of prompt/answer pairs.

Conversations and plain text are previewed in ``masks.py``. Here: the dispatch by
example type, and the pairs of a prompt and an answer that are not a conversation
to render turn by turn:

- SFT prompt-completion with strings (trl 1.16 ``SFTTrainer._prepare_dataset``): the
  EOS is appended to the completion as text when it does not end with it, prompt and
  prompt + completion are tokenized with the tokenizer's special tokens, and the
  completion starts where the two stop agreeing (``common_prefix_length``). With
  ``completion_only_loss`` (TRL's default for this type) only the completion trains;
  ``--loss all`` trains every token. TRL refuses ``assistant_only_loss`` for data that
  is not conversational (a ``ValueError`` at start-up): no preview then.
- DPO preference pairs (trl 1.16 ``DPOTrainer._prepare_dataset`` and its collator):
  a missing prompt is the shared start of chosen and rejected (``extract_prompt``);
  string answers get the EOS as text; prompt + chosen and prompt + rejected are
  tokenized (conversations rendered, the prompt with the generation prompt), the
  prompt length is the smaller of the two common prefixes, and each sequence is cut
  to ``max_length`` on its own. Only answer tokens carry the loss; the side that keeps
  worse off is the example's preview (``side``: one that trains nothing, else the
  one truncation cuts most).
- KTO unpaired preference (prompt, completion, label): one such sequence, answer
  tokens only, tokenized as DPO tokenizes a side.

The truncation findings (JG690, JG691) then read the preview as for a conversation:
the answer is the "last assistant turn". Facts and sources: docs/open-weight.md.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...tokens.training import TrainingPreview, TrainingSetup, truncate
from .masks import preview_chat, preview_text
from .template import TemplateRejected
from .tokens import HFTokenizer, extract_prompt


def _common_prefix(a: list[int], b: list[int]) -> int:
    """trl's ``common_prefix_length``."""
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def pair_tokens(hf: HFTokenizer, prompt: Any, answer: Any, tools: Any) -> tuple[list[int], int]:
    """(ids of prompt + answer, where the answer starts) as TRL tokenizes the pair;
    ``TemplateRejected`` when the chat template refuses it."""
    if isinstance(prompt, str) and isinstance(answer, str):
        if hf.eos and not answer.endswith(hf.eos):  # TRL's add_eos, on the answer only
            answer += hf.eos
        prompt_ids = list(hf.encode(prompt, specials=True).ids)
        ids = list(hf.encode(prompt + answer, specials=True).ids)
    else:  # conversations: the prompt ends with the generation prompt
        prompt_text = hf.render(prompt, generation=True, tools=tools)[0]
        text = hf.render(prompt + answer, generation=False, tools=tools)[0]
        prompt_ids = list(hf.encode(prompt_text, specials=False).ids)
        ids = list(hf.encode(text, specials=False).ids)
    return ids, _common_prefix(prompt_ids, ids)


def _bos_twice(hf: HFTokenizer, ids: list[int]) -> str:
    if hf.doubled_bos(ids):
        return f"the prompt starts with {hf.bos} and the tokenizer adds {hf.bos} again"
    return ""


def answer_preview(
    ids: list[int], start: int, loss: str, limit: int | None, side: str
) -> TrainingPreview:
    """A sequence whose tokens from ``start`` on are the answer, cut as TRL cuts it."""
    kept_start, kept_end = truncate(len(ids), limit, side)
    first = 0 if loss == "all" else start
    answer = (start, len(ids)) if start < len(ids) else None
    lost = 0 if answer is None else len(ids) - start - _overlap(answer, kept_start, kept_end)
    return TrainingPreview(
        length=len(ids),
        kept=kept_end - kept_start,
        trained_full=len(ids) - first,
        trained=_overlap((first, len(ids)), kept_start, kept_end),
        last_turn=answer,
        last_turn_lost=lost,
    )


def _overlap(span: tuple[int, int], start: int, end: int) -> int:
    return max(0, min(span[1], end) - max(span[0], start))


def preview_answer(
    hf: HFTokenizer,
    prompt: Any,
    answer: Any,
    tools: Any,
    setup: TrainingSetup,
    limit: int | None,
    loss: str = "completion-only",
) -> TrainingPreview:
    """SFT's string prompt-completion (``loss``: the user's choice) or KTO's sequence."""
    if hf.template is None and not isinstance(prompt, str):
        return TrainingPreview(no_template=True)
    try:
        ids, start = pair_tokens(hf, prompt, answer, tools)
    except TemplateRejected as error:
        return TrainingPreview(template_error=str(error))
    preview = answer_preview(ids, start, loss, limit, setup.truncation_side)
    return replace(preview, duplicated_bos=_bos_twice(hf, ids))


def preview_pair(
    hf: HFTokenizer,
    prompt: Any,
    chosen: Any,
    rejected: Any,
    tools: Any,
    setup: TrainingSetup,
    limit: int | None,
) -> TrainingPreview:
    """DPO: both sequences, the prompt length shared; the side that trains less."""
    if hf.template is None and not isinstance(prompt, str):
        return TrainingPreview(no_template=True)
    try:
        sides = [(name, *pair_tokens(hf, prompt, answer, tools)) for name, answer in
                 (("chosen", chosen), ("rejected", rejected))]  # fmt: skip
    except TemplateRejected as error:
        return TrainingPreview(template_error=str(error))
    start = min(start for _, _, start in sides)
    previews = [
        replace(
            answer_preview(ids, start, "completion-only", limit, setup.truncation_side),
            side=name,
            duplicated_bos=_bos_twice(hf, ids),
        )
        for name, ids, _ in sides
    ]
    # Worst first: a side that trains nothing, else the one truncation cuts most.
    return min(previews, key=lambda p: (bool(p.trained), -p.last_turn_lost, p.trained))


def preview_example(
    hf: HFTokenizer, example: dict[str, Any], setup: TrainingSetup, limit: int | None
) -> TrainingPreview | None:
    """The preview of the example types TRL trains (None for the others, and for a
    prompt and answer in two formats, which JG681 reports)."""
    tools = example.get("tools")
    messages = example.get("messages")
    if isinstance(messages, list) and messages:
        return preview_chat(hf, messages, None, tools, setup, limit)
    prompt, completion = example.get("prompt"), example.get("completion")
    pair = _same_format(prompt, completion)
    if pair and "label" in example:  # KTO: the answer's tokens carry the loss
        return preview_answer(hf, prompt, completion, tools, setup, limit)
    if pair and isinstance(prompt, list):
        return preview_chat(hf, prompt, completion, tools, setup, limit)
    if pair and setup.loss != "assistant-only":
        loss = setup.loss or "completion-only"
        return preview_answer(hf, prompt, completion, tools, setup, limit, loss)
    chosen, rejected = example.get("chosen"), example.get("rejected")
    if _same_format(chosen, rejected):
        if "prompt" not in example:
            prompt, chosen, rejected = extract_prompt(chosen, rejected)
        if _same_format(prompt, chosen):
            return preview_pair(hf, prompt, chosen, rejected, tools, setup, limit)
    if isinstance(example.get("text"), str) and len(example) == 1:
        return preview_text(hf, example["text"], limit, setup.truncation_side)
    return None


def _same_format(a: Any, b: Any) -> bool:
    """Both strings, or both lists of messages."""
    if isinstance(a, str) and isinstance(b, str):
        return True
    return (
        isinstance(a, list)
        and isinstance(b, list)
        and all(isinstance(m, dict) for m in a + b)
        and bool(b)
    )
