"""Epochs, billed tokens and the cost estimate, as OpenAI bills training.

Billed tokens = sum over examples of min(tokens, model limit) x epochs; the price
is per 1M training tokens. Validation tokens are not charged.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .models import ModelSpec

# OpenAI's default epoch heuristic, as the cookbook reproduces it.
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def default_epochs(examples: int) -> int:
    if examples <= 0:
        return TARGET_EPOCHS
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // examples)
    if examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // examples)
    return TARGET_EPOCHS


@dataclass(frozen=True)
class CostEstimate:
    model: str
    model_source: str
    base_model: str
    epochs: int
    epochs_source: str
    billed_tokens_per_epoch: int
    billed_tokens: int
    price_per_million_usd: float | None
    estimated_usd: float | None
    max_cost_usd: float | None
    price_source: str

    @property
    def over_budget(self) -> bool:
        return (
            self.max_cost_usd is not None
            and self.estimated_usd is not None
            and self.estimated_usd > self.max_cost_usd
        )


def estimate_cost(
    totals: Collection[int],  # an array, a list or a Column (engine/columns.py)
    model: ModelSpec,
    *,
    model_source: str,
    epochs: int | None,
    max_cost: float | None,
) -> CostEstimate:
    per_epoch = sum(min(tokens, model.token_limit) for tokens in totals)
    if epochs is not None:
        chosen, source = epochs, "option"
    elif model.default_epochs is not None:
        chosen, source = model.default_epochs, "provider default"
    else:
        chosen, source = default_epochs(len(totals)), "default heuristic"
    billed = per_epoch * chosen
    price = model.price_per_million
    return CostEstimate(
        model=model.name,
        model_source=model_source,
        base_model=model.table_name,
        epochs=chosen,
        epochs_source=source,
        billed_tokens_per_epoch=per_epoch,
        billed_tokens=billed,
        price_per_million_usd=price,
        estimated_usd=None if price is None else round(billed * price / 1_000_000, 4),
        max_cost_usd=max_cost,
        price_source=model.source,
    )


@dataclass(frozen=True)
class RunBudget:
    """``check --max-cost``: the run's budget and what its training files would cost
    (``engine/budget.py`` builds it)."""

    max_cost_usd: float
    shares: tuple[tuple[str, float | None], ...]  # (training file, its estimate or None)
    models: tuple[str, ...] = ()  # models without a known price

    @property
    def total_usd(self) -> float | None:
        """The summed estimate; ``None`` when a file's price is unknown."""
        if any(usd is None for _, usd in self.shares):
            return None
        return round(sum(usd or 0.0 for _, usd in self.shares), 4)

    @property
    def checkable(self) -> bool:
        return self.total_usd is not None

    @property
    def over(self) -> bool:
        """Over budget, or not checkable: either way the run fails."""
        total = self.total_usd
        return total is None or total > self.max_cost_usd
