"""Hugging Face TRL: what actually trains (JG687-JG694), read from the training preview.

With a ``--tokenizer`` tokenizer.json (or model folder) the Hugging Face token method
renders each example with the chat template as transformers does and works out its
loss mask and truncation (``masks.py``); these rules report what that shows. Without a
tokenizer there is no preview and they stay silent. What each finding means for TRL,
axolotl and unsloth, and how to fix it: docs/open-weight.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...engine.diagnostics import Severity
from ...rules.context import ExampleContext
from ...rules.registry import example_rule
from ...tokens.training import TrainingPreview

ERROR, WARNING = Severity.ERROR, Severity.WARNING
NEEDS = "(needs --tokenizer with a chat template; the fixture's options.json sets it)"


def _side(preview: TrainingPreview) -> str:
    """Which sequence of a preference pair a message is about."""
    return f"{preview.side} (prompt + {preview.side}): " if preview.side else ""


def _preview(ctx: ExampleContext) -> TrainingPreview | None:
    preview = None if ctx.tokens is None else ctx.tokens.training
    if preview is None or preview.template_error or preview.no_template:
        return None
    return preview


@example_rule(
    code="JG687",
    name="chat-template-error",
    severity=ERROR,
    summary="The chat template raises on this example (raise_exception or a Jinja error), so "
    "apply_chat_template fails and TRL stops while it prepares the dataset.",
    hint="Fix the example (roles that alternate, no system message for templates without "
    "one, ...) or use a template that accepts it (--chat-template).",
    bad=f"(a system message with a template that raises 'System role not supported'; {NEEDS})",
    good="(the same example without the system message)",
    rule_sets=("trl",),
)
def chat_template_error(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    preview = None if ctx.tokens is None else ctx.tokens.training
    if preview is not None and preview.template_error:
        yield f"the chat template rejects the example: {preview.template_error}"


@example_rule(
    code="JG688",
    name="no-chat-template",
    severity=ERROR,
    summary="The tokenizer has no chat template, so a conversational example cannot be "
    "rendered; TRL's apply_chat_template raises ValueError.",
    hint="Use the tokenizer folder of an instruct model (tokenizer_config.json with "
    "chat_template), or pass --chat-template FILE as you set tokenizer.chat_template.",
    bad=f"(a messages example with a tokenizer.json without a chat template; {NEEDS})",
    good="(the same example with a tokenizer that has a chat template)",
    rule_sets=("trl",),
)
def no_chat_template(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    preview = None if ctx.tokens is None else ctx.tokens.training
    if preview is not None and preview.no_template:
        yield "the tokenizer has no chat template to render these messages with"


@example_rule(
    code="JG689",
    name="assistant-only-without-generation-tags",
    severity=ERROR,
    summary="--loss assistant-only, but the chat template has no {% generation %} tags: "
    "transformers' assistant mask is all zeros; TRL swaps in its own training template only "
    "for the stock templates it stores, and raises otherwise.",
    hint="Use a template whose assistant turns are wrapped in {% generation %} ... "
    "{% endgeneration %} (TRL's *_training.jinja), or train on all tokens.",
    bad=f"(--loss assistant-only with a template without generation tags; {NEEDS})",
    good="(the same examples with a template with generation tags)",
    rule_sets=("trl",),
)
def no_generation_tags(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    preview = _preview(ctx)
    if preview is not None and preview.no_markers:
        yield (
            "assistant-only loss, but the chat template has no {% generation %} tags: "
            "transformers marks no token as assistant, TRL raises (or swaps in a stock "
            "training template)"
        )


@example_rule(
    code="JG690",
    name="nothing-trains-after-truncation",
    severity=ERROR,
    summary="After truncation at --max-seq-len no token of the example carries loss: the "
    "trained part is cut away (loss 0 or NaN; TRL >= 1.9 drops the example silently).",
    hint="Raise --max-seq-len (TRL: max_length), shorten the prompt, or cut the conversation "
    "into shorter ones.",
    bad=f"(a prompt longer than --max-seq-len before the answer; {NEEDS})",
    good="(the same example with a short prompt)",
    rule_sets=("trl",),
)
def nothing_trains(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    preview = _preview(ctx)
    if preview is None or preview.no_markers or preview.trained or not preview.trained_full:
        return
    yield (
        f"{_side(preview)}no token trains: truncation keeps {preview.kept:,} of "
        f"{preview.length:,} tokens and all {preview.trained_full:,} trained tokens are past "
        f"the cut (max-seq-len {ctx.model.token_limit:,})"
    )


@example_rule(
    code="JG691",
    name="last-assistant-turn-truncated",
    severity=ERROR,
    summary="Truncation at --max-seq-len cuts the last assistant turn: the model learns an "
    "answer that stops mid-way and never sees its end-of-turn token.",
    hint="Raise --max-seq-len (TRL: max_length), shorten the example, or drop it.",
    bad=f"(an answer that runs past --max-seq-len; {NEEDS})",
    good="(the same example with a shorter answer)",
    rule_sets=("trl",),
)
def last_turn_truncated(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    preview = _preview(ctx)
    if preview is None or preview.last_turn is None or not preview.last_turn_lost:
        return
    if preview.trained_full and not preview.trained and not preview.no_markers:
        return  # JG690 says it: nothing trains at all
    start, end = preview.last_turn
    what = "the answer" if preview.side else "the last assistant turn"
    yield (
        f"{_side(preview)}truncation at {ctx.model.token_limit:,} tokens cuts "
        f"{preview.last_turn_lost:,} of the {end - start:,} tokens of {what} "
        f"(tokens {start:,}-{end - 1:,} of {preview.length:,})"
    )


@example_rule(
    code="JG692",
    name="end-of-turn-not-trained",
    severity=WARNING,
    summary="An assistant turn's trained span does not end with an end-of-turn/EOS token, so "
    "the model does not learn to stop (TRL's is_chat_template_stop_token_trained).",
    hint="Put the end-of-turn token inside {% generation %} (or after the content in the "
    "template), e.g. {% generation %}{{ content }}<|im_end|>{% endgeneration %}.",
    bad=f"(a template whose generation block ends before <|im_end|>; {NEEDS})",
    good="(the same examples with <|im_end|> inside the block)",
    rule_sets=("trl",),
)
def end_of_turn_not_trained(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    preview = _preview(ctx)
    if preview is None:
        return
    for end in preview.turn_ends:
        if not end.special:
            where = f"messages[{end.message}]" if end.message >= 0 else "an assistant turn"
            yield (
                f"{where}: the trained span ends with {end.last!r}, not an end-of-turn token; "
                "the model will not learn to stop"
            )


@example_rule(
    code="JG693",
    name="template-drops-content",
    severity=WARNING,
    summary="The chat template leaves out text the example holds (the system message, tool "
    "definitions, tool calls or results, reasoning): the model never sees it.",
    hint="Use a template that renders it (or move it where the template reads it, e.g. "
    "reasoning_content for <think> text), or drop it from the data.",
    bad=f"(a system message with a template that ignores system messages; {NEEDS})",
    good="(the same examples with a template that renders it)",
    rule_sets=("trl",),
)
def template_drops_content(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    preview = _preview(ctx)
    if preview is not None and preview.dropped:
        yield "the rendered chat lacks " + ", ".join(preview.dropped)


@example_rule(
    code="JG694",
    name="duplicated-bos",
    severity=WARNING,
    summary="The tokenized example starts with the BOS token twice (the template or the "
    "text holds it and the tokenizer adds it again).",
    hint="Drop the BOS from the text (or the template), or tokenize the rendered text with "
    "add_special_tokens=False.",
    bad=f"(a text that starts with <|bos|>, with a tokenizer that adds <|bos|>; {NEEDS})",
    good="(the same text without <|bos|> in front)",
    rule_sets=("trl",),
)
def duplicated_bos(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    preview = None if ctx.tokens is None else ctx.tokens.training
    if preview is not None and preview.duplicated_bos:
        yield preview.duplicated_bos
