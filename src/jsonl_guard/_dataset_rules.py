"""Rules about a whole file, run on its merged statistics (never on the examples)."""

from __future__ import annotations

from collections.abc import Iterator

from ._context import DatasetContext
from ._diagnostics import Finding, Severity
from ._rules import dataset_rule
from ._stats import DatasetStats

RECOMMENDED_EXAMPLES = 50
MAX_LISTED_DUPLICATES = 1000


def _minimum(ctx: DatasetContext) -> int:
    chosen = ctx.options.min_examples
    return chosen if chosen is not None else ctx.model.min_examples


@dataset_rule(
    "JG301",
    "too-few-examples",
    Severity.ERROR,
    "The file has fewer examples than the provider's minimum (10 for OpenAI).",
    "Add examples until you reach the minimum; OpenAI rejects smaller training files.",
    bad="(a file with 9 examples)",
    good="(a file with 10 or more examples)",
)
def too_few_examples(stats: DatasetStats, ctx: DatasetContext) -> Iterator[Finding]:
    minimum = _minimum(ctx)
    if 0 < stats.examples < minimum:
        yield Finding(
            "JG301",
            f"the file has {stats.examples} example(s); {ctx.model.name} needs at least "
            f"{minimum} ({minimum - stats.examples} more)",
        )


@dataset_rule(
    "JG302",
    "few-examples",
    Severity.WARNING,
    "The file has fewer than 50 examples, OpenAI's recommended starting point.",
    "Aim for 50-100 well-made examples; quality tends to improve with each doubling.",
    bad="(a file with 20 examples)",
    good="(a file with 50 or more examples)",
)
def few_examples(stats: DatasetStats, ctx: DatasetContext) -> Iterator[Finding]:
    if _minimum(ctx) <= stats.examples < RECOMMENDED_EXAMPLES:
        yield Finding(
            "JG302",
            f"the file has {stats.examples} examples; OpenAI recommends starting with "
            f"{RECOMMENDED_EXAMPLES}",
        )


@dataset_rule(
    "JG303",
    "duplicate-example",
    Severity.WARNING,
    "An example is an exact copy of an earlier one (key order ignored).",
    "Remove the duplicate; repeated examples are trained on twice and skew the model.",
    bad='(the same line twice: {"messages": [...]} / {"messages": [...]})',
    good="(every example different)",
)
def duplicate_example(stats: DatasetStats, ctx: DatasetContext) -> Iterator[Finding]:
    for line, first in stats.duplicates[:MAX_LISTED_DUPLICATES]:
        yield Finding("JG303", f"the example repeats line {first}", line=line)
    hidden = len(stats.duplicates) - MAX_LISTED_DUPLICATES
    if hidden > 0:
        yield Finding("JG303", f"{hidden:,} more duplicate examples not listed")


@dataset_rule(
    "JG310",
    "method-not-supported",
    Severity.ERROR,
    "The chosen model cannot be fine-tuned with this file's format (e.g. an RFT-only model).",
    "Pick a model that supports this method (see `jsonl-guard rules JG310` and the model table).",
    bad="(chat SFT data with --model o4-mini-2025-04-16)",
    good="(chat SFT data with --model gpt-4o-mini-2024-07-18)",
)
def method_not_supported(stats: DatasetStats, ctx: DatasetContext) -> Iterator[Finding]:
    method = {"openai-chat": "sft"}.get(ctx.format)
    if method and method not in ctx.model.methods:
        supported = ", ".join(ctx.model.methods) or "none"
        yield Finding(
            "JG310",
            f"{ctx.model.name} does not support {method.upper()} fine-tuning "
            f"(it supports: {supported})",
        )


@dataset_rule(
    "JG402",
    "approximate-tokens",
    Severity.INFO,
    "Some token counts include estimates (tool definitions, tool calls or images).",
    "Nothing to fix; the estimate method is documented in docs/tokens.md.",
    bad="(examples with tools or images)",
    good="(plain role/content examples: exact counts)",
)
def approximate_tokens(stats: DatasetStats, ctx: DatasetContext) -> Iterator[Finding]:
    if stats.approximate_examples:
        yield Finding(
            "JG402",
            f"{stats.approximate_examples} example(s) have tool or image tokens, which are "
            "estimated; plain message tokens are exact",
        )


@dataset_rule(
    "JG501",
    "over-budget",
    Severity.ERROR,
    "The estimated training cost is above the budget set with --max-cost.",
    "Trim or shorten examples, lower --epochs, pick a cheaper model, or raise the budget.",
    bad="(estimate $12.40 with --max-cost 10)",
    good="(estimate $8.10 with --max-cost 10)",
)
def over_budget(stats: DatasetStats, ctx: DatasetContext) -> Iterator[Finding]:
    cost = ctx.cost
    if cost.over_budget and cost.estimated_usd is not None and cost.max_cost_usd is not None:
        yield Finding(
            "JG501",
            f"estimated cost ${cost.estimated_usd:,.2f} ({cost.billed_tokens:,} billed tokens, "
            f"{cost.epochs} epochs) is over the budget of ${cost.max_cost_usd:,.2f}",
        )


@dataset_rule(
    "JG502",
    "unknown-price",
    Severity.WARNING,
    "A budget was set but the model's training price is unknown, so it cannot be checked.",
    'Set the price in pyproject.toml: [tool.jsonl-guard.models."MODEL"] price_per_million = ...',
    bad="(--max-cost 10 with a model that has no price in the table)",
    good="(--max-cost 10 with gpt-4o-mini-2024-07-18)",
)
def unknown_price(stats: DatasetStats, ctx: DatasetContext) -> Iterator[Finding]:
    if ctx.cost.max_cost_usd is not None and ctx.cost.price_per_million_usd is None:
        yield Finding(
            "JG502",
            f"no training price is known for {ctx.model.name}; the budget of "
            f"${ctx.cost.max_cost_usd:,.2f} cannot be checked",
        )
