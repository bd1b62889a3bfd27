"""Replies that teach the wrong thing: empty replies, conflicting answers to one prompt,
one answer to many prompts, refusals and AI boilerplate.

The dataset rules read the per-example digests the line checker keeps
(``rules.replies.answer_keys`` into ``DatasetStats``), which merge across byte ranges
and shards, so ``--jobs N`` and merged shards report what one process does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engine.diagnostics import Severity
from ..engine.stats import DatasetStats, repeated
from .context import DatasetContext, ExampleContext
from .helpers import A, U, path_of
from .refusals import PHRASES
from .registry import DatasetMessage, dataset_rule, example_rule
from .replies import view

WARNING = Severity.WARNING
# JG312 needs at least this many examples with the same answer, whatever the share.
MIN_REPEATS = 3
# The profiles whose empty replies no provider rule reports: JG120 (OpenAI chat),
# JG276/JG277 (legacy completions), JG604 (Vertex), JG621/JG638 (Bedrock) and JG661
# (Together) already do for theirs, so every profile reports an empty reply once.
EMPTY_REPLY_SETS = ("openai-dpo", "trl", "mistral")


@example_rule(
    code="JG208",
    name="empty-reply",
    severity=WARNING,
    summary="An assistant reply (a turn, a completion, a chosen or preferred output) is empty "
    "or only whitespace, so the model learns to say nothing.",
    hint="Write the reply the model should learn, or drop the example.",
    bad='{"input": {"messages": [' + U + ']}, "preferred_output": [{"role": "assistant", '
    '"content": " "}], "non_preferred_output": [' + A + "]}",
    good='{"input": {"messages": [' + U + ']}, "preferred_output": [' + A + "], "
    '"non_preferred_output": [{"role": "assistant", "content": "No idea."}]}',
    rule_sets=EMPTY_REPLY_SETS,
)
def empty_reply(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    seen = view(example)
    for reply in seen.replies if seen is not None else ():
        if reply.text is not None and not reply.calls and not reply.text.strip():
            yield f"{path_of(*reply.path)} ({reply.role} reply) is empty or only whitespace"


def _sft(ctx: DatasetContext) -> bool:
    # Preference data pairs one prompt with several outputs by design.
    return ctx.detection.profile.method == "sft"


@dataset_rule(
    code="JG311",
    name="conflicting-answers",
    severity=WARNING,
    summary="Two examples have the same prompt (everything before the final reply, ignoring "
    "case and whitespace) but different final answers.",
    hint="Keep the answer you want the model to learn, or make the prompts differ by the "
    "context that decides the answer.",
    bad="(line 3 and line 8: the same question, answered 'Yes' and 'No')",
    good="(each prompt has one answer)",
    rule_sets=("*",),
)
def conflicting_answers(stats: DatasetStats, ctx: DatasetContext) -> Iterator[DatasetMessage]:
    twice = repeated(stats.prompt_digests) if _sft(ctx) else set()
    twice.discard(0)  # examples without a prompt
    first: dict[int, tuple[int, int]] = {}
    for prompt, answer, line in zip(
        stats.prompt_digests, stats.answer_digests, stats.answer_lines, strict=True
    ):
        if prompt not in twice:
            continue
        if prompt not in first:
            first[prompt] = (answer, line)
        elif answer != first[prompt][0]:
            yield f"the prompt of line {first[prompt][1]} gets a different final answer here", line


@dataset_rule(
    code="JG312",
    name="repeated-answer",
    severity=WARNING,
    summary="The same final answer is given to many different prompts (more than "
    "repeated-answer-share of the examples): a template the model collapses into.",
    hint="Write answers for their prompts; answers of fewer than 4 words (labels) do not count. "
    "Raise repeated-answer-share in [tool.jsonl-guard] if the repetition is meant.",
    bad="(the same 12-word answer to 30 of 100 different questions)",
    good="(answers written for their questions)",
    rule_sets=("*",),
)
def repeated_answer(stats: DatasetStats, ctx: DatasetContext) -> Iterator[DatasetMessage]:
    total = len(stats.answer_digests)
    share = ctx.options.repeated_answer_share
    # The lowest bit marks an answer long enough to count (rules/replies.py).
    candidates = {a for a in repeated(stats.answer_digests) if a & 1} if _sft(ctx) else set()
    if not candidates:
        return
    prompts: dict[int, set[int]] = {a: set() for a in candidates}
    counts = dict.fromkeys(candidates, 0)
    for answer, prompt in zip(stats.answer_digests, stats.prompt_digests, strict=True):
        if answer in counts:
            counts[answer] += 1
            prompts[answer].add(prompt)
    flagged = {
        a
        for a, n in counts.items()
        if n >= MIN_REPEATS and n > share * total and len(prompts[a]) > 1
    }
    first: dict[int, int] = {}
    for answer, line in zip(stats.answer_digests, stats.answer_lines, strict=True):
        if answer in flagged:
            n, seen = counts[answer], first.setdefault(answer, line)
            yield (
                f"the final answer of line {seen} is given to {len(prompts[answer]):,} different "
                f"prompts ({n:,} of {total:,} examples, {n / total:.0%}; repeated-answer-share "
                f"is {share:.0%})",
                line,
            )


@dataset_rule(
    code="JG313",
    name="refusal-boilerplate",
    severity=WARNING,
    summary="More than refusal-share of the replies are refusals or AI boilerplate ('As an AI "
    "language model', 'I'm sorry, but I can't ...'), which the model learns to repeat.",
    hint="Replace them with the answers you want, or drop them; raise refusal-share in "
    "[tool.jsonl-guard] if teaching refusals is the point.",
    bad="(10 of 100 replies start 'As an AI language model, I cannot ...')",
    good="(replies that answer)",
    rule_sets=("*",),
)
def refusal_boilerplate(stats: DatasetStats, ctx: DatasetContext) -> Iterator[DatasetMessage]:
    total, found = len(stats.answer_lines), len(stats.refusal_lines)
    share = ctx.options.refusal_share
    if not found or found <= share * total:
        return
    for line, phrase in zip(stats.refusal_lines, stats.refusal_phrases, strict=True):
        yield (
            f'the reply holds "{PHRASES[phrase - 1][0]}": {found:,} of {total:,} examples '
            f"({found / total:.0%}) hold a refusal or AI boilerplate; refusal-share is {share:.0%}",
            line,
        )
