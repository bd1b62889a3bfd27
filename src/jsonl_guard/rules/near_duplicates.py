"""Near-duplicates: examples whose conversations are nearly the same text.

Exact copies stay the exact rules' (JG303 within a file, JG305 between the training
and validation files): a line that is an exact copy is not reported again here. Each
example's sketch is made by the line checker (``engine/minhash.py``, on the text
``engine/conversation_text.py`` takes); the pairs are found on the merged sketches
(``engine/near_pairs.py``), so a file checked in parts or shards reports the same
pairs. The threshold is ``near-duplicate-threshold`` (docs/near-duplicates.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..engine.diagnostics import Severity
from ..engine.near_pairs import pairs_between, pairs_within
from ..engine.stats import DatasetStats
from .context import VALIDATION, DatasetContext
from .registry import dataset_rule


def _percent(share: float) -> str:
    return f"{share:.0%}"


@dataset_rule(
    code="JG314",
    name="near-duplicate-example",
    severity=Severity.WARNING,
    summary="An example is nearly the same text as an earlier one (a paraphrase, a few words "
    "changed).",
    hint="Keep one of them, or make them differ: near-copies are trained on as repeats and "
    "skew the model (near-duplicate-threshold in [tool.jsonl-guard] tunes it).",
    bad="(line 8 is line 3 with a few words changed)",
    good="(every example a different conversation)",
    rule_sets=("*",),
)
def near_duplicate_example(stats: DatasetStats, ctx: DatasetContext) -> Iterator[tuple[str, int]]:
    threshold = ctx.options.near_duplicate_threshold
    copies: set[int] | None = None
    for line, source, estimate in pairs_within(stats.sketches, threshold):
        if copies is None:  # only once there is a pair: JG303's and JG305's exact copies
            copies = {copy for copy, _ in stats.iter_duplicates()}
            if ctx.role == VALIDATION:
                copies.update(
                    mine for _, other in ctx.training for mine, _ in stats.shared_with(other)
                )
        if line not in copies:
            yield f"the example is ~{_percent(estimate)} similar to line {source}", line


@dataset_rule(
    code="JG315",
    name="near-duplicate-of-training",
    severity=Severity.WARNING,
    summary="A validation example is nearly the same text as a training example (leakage "
    "beyond an exact copy).",
    hint="Drop it from the validation file or from the training file: the validation loss "
    "then measures recall of training data, not generalisation.",
    bad="(a validation example that is a training example with a few words changed)",
    good="(validation examples that no training example paraphrases)",
    rule_sets=("*",),
)
def near_duplicate_of_training(
    stats: DatasetStats, ctx: DatasetContext
) -> Iterator[tuple[str, int]]:
    if ctx.role != VALIDATION or not ctx.training:
        return
    others = [(path, training.sketches) for path, training in ctx.training]
    threshold = ctx.options.near_duplicate_threshold
    shared: set[int] | None = None
    for line, path, their_line, estimate in pairs_between(stats.sketches, others, threshold):
        if shared is None:  # only once there is a pair: JG305's exact copies
            shared = {copy for _, other in ctx.training for copy, _ in stats.shared_with(other)}
        if line not in shared:
            yield (
                f"the example is ~{_percent(estimate)} similar to line {their_line} of {path}",
                line,
            )
