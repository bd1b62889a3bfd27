"""Rules about a whole file, run on its merged statistics (never on the examples)."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine.diagnostics import Severity
from ..engine.profiles import profiles_of
from ..engine.stats import DatasetStats
from .context import TRAINING, VALIDATION, DatasetContext
from .registry import DatasetMessage, dataset_rule


def _minimum(ctx: DatasetContext) -> int:
    if ctx.role == VALIDATION:
        return 1  # providers set no minimum for validation files
    chosen = ctx.options.min_examples
    return chosen if chosen is not None else ctx.model.min_examples


def _provider(ctx: DatasetContext) -> str:
    return ctx.model.provider.replace("-", " ").title().replace("Openai", "OpenAI")


@dataset_rule(
    code="JG301",
    name="too-few-examples",
    severity=Severity.ERROR,
    summary="The training file has fewer examples than the model's minimum (10 for OpenAI).",
    hint="Add examples until you reach the minimum; the provider rejects smaller training files.",
    bad="(a file with 9 examples)",
    good="(a file with 10 or more examples)",
    rule_sets=("*",),
)
def too_few_examples(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    minimum = _minimum(ctx)
    if 0 < stats.examples < minimum:
        yield (
            f"the file has {stats.examples} example(s); {ctx.model.name} needs at least "
            f"{minimum} ({minimum - stats.examples} more)"
        )


@dataset_rule(
    code="JG302",
    name="few-examples",
    severity=Severity.WARNING,
    summary="The training file has fewer examples than the provider recommends (50 for OpenAI).",
    hint="Aim for at least the recommended number of well-made examples; quality tends to "
    "improve with each doubling.",
    bad="(a file with 20 examples)",
    good="(a file with 50 or more examples)",
    rule_sets=("*",),
)
def few_examples(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    recommended = ctx.model.recommended_examples
    if ctx.role == TRAINING and _minimum(ctx) <= stats.examples < recommended:
        yield (
            f"the file has {stats.examples} examples; {_provider(ctx)} recommends starting "
            f"with {recommended}"
        )


@dataset_rule(
    code="JG303",
    name="duplicate-example",
    severity=Severity.WARNING,
    summary="An example is an exact copy of an earlier one (key order ignored).",
    hint="Remove the duplicate; repeated examples are trained on twice and skew the model.",
    bad='(the same line twice: {"messages": [...]} / {"messages": [...]})',
    good="(every example different)",
    rule_sets=("*",),
)
def duplicate_example(stats: DatasetStats, ctx: DatasetContext) -> Iterator[DatasetMessage]:
    # Every one, lazily: the file keeps the first max-findings-per-rule and counts the rest.
    for line, first in stats.iter_duplicates():
        yield f"the example repeats line {first}", line


@dataset_rule(
    code="JG310",
    name="method-not-supported",
    severity=Severity.ERROR,
    summary="The chosen model does not take this file's format (e.g. SFT data for an RFT-only "
    "model, or Gemini data for an OpenAI model).",
    hint="Pick a model that takes this format (`jsonl-guard profiles` lists them), or convert the "
    "file.",
    bad="(chat SFT data with --model o4-mini-2025-04-16)",
    good="(chat SFT data with --model gpt-4o-mini-2024-07-18)",
    rule_sets=("*",),
)
def method_not_supported(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    profile = ctx.detection.profile
    taken = profiles_of(ctx.model)
    if profile not in taken:
        names = ", ".join(p.name for p in taken) or "none"
        yield (
            f"{ctx.model.name} does not take the {profile.name} format "
            f"({profile.method.upper()}; it takes: {names})"
        )


@dataset_rule(
    code="JG105",
    name="file-too-large",
    severity=Severity.ERROR,
    summary="The file is larger than the provider accepts for one upload (512 MB for OpenAI).",
    hint="Split the file (OpenAI: or upload it in parts through the Uploads API, up to 8 GB).",
    bad="(a 600 MB file for OpenAI)",
    good="(a 400 MB file for OpenAI)",
    rule_sets=("*",),
)
def file_too_large(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    limit_mb = ctx.model.max_file_mb
    if ctx.role == VALIDATION and ctx.model.max_validation_file_mb is not None:
        limit_mb = ctx.model.max_validation_file_mb
    if ctx.size is not None and ctx.size > limit_mb * 1024 * 1024:
        yield (
            f"the {ctx.role} file is {ctx.size / 1024**2:,.0f} MB; {_provider(ctx)} takes at "
            f"most {limit_mb:,g} MB"
        )


@dataset_rule(
    code="JG304",
    name="too-many-examples",
    severity=Severity.ERROR,
    summary="The file has more examples than the provider accepts (training or validation limit).",
    hint="Drop or split examples; validation files usually have a much lower limit.",
    bad="(10,001 training examples for Claude 3 Haiku on Bedrock)",
    good="(10,000 training examples)",
    rule_sets=("*",),
)
def too_many_examples(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    validation = ctx.role == VALIDATION
    limit = ctx.model.max_validation_examples if validation else ctx.model.max_examples
    if limit is not None and stats.examples > limit:
        yield (
            f"the {ctx.role} file has {stats.examples:,} examples; {ctx.model.name} takes at "
            f"most {limit:,} ({stats.examples - limit:,} too many)"
        )


@dataset_rule(
    code="JG306",
    name="too-many-media-examples",
    severity=Severity.ERROR,
    summary="The file has more examples with images (or other media) than the provider accepts "
    "(50,000 for OpenAI vision, 300,000 multimodal for Gemini 2.5).",
    hint="Drop or split the examples with media; text-only examples do not count toward this cap.",
    bad="(50,001 examples with images for gpt-4o-2024-08-06)",
    good="(50,000 examples with images, any number without)",
    rule_sets=("*",),
)
def too_many_media_examples(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    limit = ctx.model.max_media_examples
    if limit is not None and stats.media_examples > limit:
        yield (
            f"{stats.media_examples:,} examples hold images or other media; {ctx.model.name} "
            f"takes at most {limit:,} ({stats.media_examples - limit:,} too many)"
        )


@dataset_rule(
    code="JG305",
    name="shared-with-training",
    severity=Severity.ERROR,
    summary="A validation example also appears in the training file.",
    hint="Remove it from one of the files: shared examples make the validation loss meaningless "
    "(OpenAI rejects them).",
    bad="(the same example in train.jsonl and valid.jsonl)",
    good="(disjoint training and validation files)",
    rule_sets=("*",),
)
def shared_with_training(stats: DatasetStats, ctx: DatasetContext) -> Iterator[tuple[str, int]]:
    if ctx.role != VALIDATION or not ctx.training:
        return
    shared = [
        (line, path, their_line)
        for path, training in ctx.training
        for line, their_line in stats.shared_with(training)
    ]
    for line, path, their_line in sorted(shared):
        yield f"the example is also line {their_line} of {path}", line


@dataset_rule(
    code="JG402",
    name="approximate-tokens",
    severity=Severity.INFO,
    summary="Some token counts include estimates (tool definitions, tool calls or images).",
    hint="Nothing to fix; the estimate method is documented in docs/tokens.md.",
    bad="(examples with tools or images)",
    good="(plain role/content examples: exact counts)",
    rule_sets=("*",),
)
def approximate_tokens(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    # An estimating profile says so once, in the report's token line and method.
    if stats.approximate_examples and ctx.tokens_exact:
        yield (
            f"{stats.approximate_examples} example(s) have tool or image tokens, which are "
            "estimated; plain message tokens are exact"
        )


@dataset_rule(
    code="JG501",
    name="over-budget",
    severity=Severity.ERROR,
    summary="The estimated training cost is above the budget set with --max-cost.",
    hint="Trim or shorten examples, lower --epochs, pick a cheaper model, or raise the budget.",
    bad="(estimate $12.40 with --max-cost 10)",
    good="(estimate $8.10 with --max-cost 10)",
    rule_sets=("*",),
)
def over_budget(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    cost = ctx.cost
    # Training is billed on the training files; a validation file's tokens are not.
    if ctx.role != TRAINING:
        return
    if cost.over_budget and cost.estimated_usd is not None and cost.max_cost_usd is not None:
        yield (
            f"estimated cost ${cost.estimated_usd:,.2f} ({cost.billed_tokens:,} billed tokens, "
            f"{cost.epochs} epochs) is over the budget of ${cost.max_cost_usd:,.2f}"
        )


@dataset_rule(
    code="JG502",
    name="unknown-price",
    severity=Severity.WARNING,
    summary="A budget was set but the model's training price is unknown, so it cannot be checked.",
    hint='Set the price in pyproject.toml: [tool.jsonl-guard.models."MODEL"] price_per_million = '
    "...",
    bad="(--max-cost 10 with a model that has no price in the table)",
    good="(--max-cost 10 with gpt-4o-mini-2024-07-18)",
    rule_sets=("*",),
)
def unknown_price(stats: DatasetStats, ctx: DatasetContext) -> Iterator[str]:
    if ctx.cost.max_cost_usd is not None and ctx.cost.price_per_million_usd is None:
        yield (
            f"no training price is known for {ctx.model.name}; the budget of "
            f"${ctx.cost.max_cost_usd:,.2f} cannot be checked"
        )
