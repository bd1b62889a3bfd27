"""What a rule may know besides the example: the model, token counts, the cost estimate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._cost import CostEstimate
    from ._models import ModelSpec
    from ._options import CheckOptions
    from ._tokens import ExampleTokens


@dataclass(frozen=True)
class ExampleContext:
    model: ModelSpec
    tokens: ExampleTokens | None


@dataclass(frozen=True)
class DatasetContext:
    model: ModelSpec
    options: CheckOptions
    cost: CostEstimate
    format: str
