"""What a rule may know besides the example: the model, token counts, the cost estimate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cost import CostEstimate
    from ._models import ModelSpec
    from ._options import CheckOptions
    from ._tokens import ExampleTokens


@dataclass(frozen=True)
class ExampleContext:
    """``messages`` holds the example's messages that are objects, with their index."""

    model: ModelSpec
    tokens: ExampleTokens | None
    messages: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def object_messages(example: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    messages = example.get("messages")
    if not isinstance(messages, list):
        return []
    return [(i, m) for i, m in enumerate(messages) if isinstance(m, dict)]


@dataclass(frozen=True)
class DatasetContext:
    model: ModelSpec
    options: CheckOptions
    cost: CostEstimate
    format: str
