"""What a rule may know besides the example: the model, token counts, the cost estimate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine.cost import CostEstimate
    from ..engine.models import ModelSpec
    from ..engine.options import CheckOptions
    from ..engine.profiles import Detection
    from ..engine.stats import DatasetStats
    from ..tokens.chat_formula import ExampleTokens

TRAINING = "training"
VALIDATION = "validation"


@dataclass
class ExampleContext:
    """``messages`` holds the example's messages that are objects, with their index.

    ``exact`` is false when the profile's tokens are estimated (no offline tokenizer).
    ``canonical`` is the example's compact JSON (empty when the caller has none), for
    rules that screen the text before reading it; ``allow`` the config's allow-list
    globs (JG280/JG281). Rules read it; they do not change it.
    """

    model: ModelSpec
    tokens: ExampleTokens | None
    messages: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    exact: bool = True
    canonical: bytes = b""
    allow: tuple[str, ...] = ()
    _roles: tuple[Any, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def roles(self) -> tuple[Any, ...]:
        """The ``role`` of each object message (None where it has none)."""
        # Not functools.cached_property: before Python 3.12 it takes a lock on every
        # first read, which is once a line here (~1.5 us).
        if self._roles is None:
            self._roles = tuple([m.get("role") for _, m in self.messages])
        return self._roles


def object_messages(example: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    messages = example.get("messages")
    if not isinstance(messages, list):
        return []
    return [(i, m) for i, m in enumerate(messages) if isinstance(m, dict)]


@dataclass(frozen=True)
class DatasetContext:
    """``role`` is ``training`` or ``validation``; a validation file's ``training``
    holds (path, stats) of the training files it goes with."""

    model: ModelSpec
    options: CheckOptions
    cost: CostEstimate
    detection: Detection
    role: str = TRAINING
    training: tuple[tuple[str, DatasetStats], ...] = ()
    size: int | None = None
    tokens_exact: bool = True  # false: the profile's counts are estimates throughout

    @property
    def format(self) -> str:
        return self.detection.profile.name
