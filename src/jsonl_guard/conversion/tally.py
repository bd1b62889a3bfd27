"""The source's tokens and estimated cost, for the convert report to put next to the
target's (issue 12: "tokens and estimated cost on the target next to the source's").

Counted as ``check`` counts the source (the source profile's token method, for the
source model: the profile's default model unless ``--from-model`` names the one the
data was trained on), from each example as the conversion streams it: no second read
of the input. The tokenizer is chosen as ``check`` chooses it: tiktoken, or quicktok
for a file big enough to win its vocab load back, spot-checked against tiktoken at the
end (a stream is not read twice: on a disagreement the count is reported as an
estimate). The per-example totals are kept, as ``check`` keeps them for its cost.
"""

from __future__ import annotations

from typing import Any

from ..engine.cost import CostEstimate, estimate_cost
from ..engine.models import resolve_model
from ..engine.profiles import Profile
from ..rules.catalogue import token_method_for
from ..tokens.backends import FAST_TOKENIZER_MIN_BYTES, first_mismatch, quicktok_available
from ..tokens.methods import TokenTools


class SourceTally:
    def __init__(self, profile: Profile, model: str | None, size: int = 0) -> None:
        self.model = resolve_model(model or profile.default_model)
        self.model_source = "option" if model else "default"
        fast = size >= FAST_TOKENIZER_MIN_BYTES and quicktok_available()
        self.tools = TokenTools(self.model, "quicktok" if fast else "tiktoken")
        self.method = token_method_for(profile.tokens, self.model, self.tools.tokenizer)
        self.totals: list[int] = []
        self.agreed = True

    def add(self, example: dict[str, Any]) -> None:
        counted = self.method.count(example, self.tools)
        if counted is not None:
            self.totals.append(counted.total)

    def verify(self) -> None:
        """Recount quicktok's samples with tiktoken; a disagreement makes the count an
        estimate."""
        if first_mismatch(self.tools.take_spot_samples()) is not None:
            self.agreed = False

    @property
    def exact(self) -> bool:
        return self.method.exact and self.agreed

    def cost(self) -> CostEstimate | None:
        if not self.totals:
            return None
        return estimate_cost(
            self.totals, self.model, model_source=self.model_source, epochs=None, max_cost=None
        )
