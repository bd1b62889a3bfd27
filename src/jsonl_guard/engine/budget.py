"""The run's budget: ``check --max-cost`` bounds what the whole run would bill.

Each training file has its own cost estimate (``engine/cost.py``); a run of several
training files is billed for all of them, so the budget is compared with their sum.
Validation files are left out: OpenAI does not charge validation tokens
(/work/shared/reference/openai-fine-tuning.md, FT-GUIDE-2024), and every estimate
here prices training tokens only (``engine/cost.py``). A budget that cannot be judged
(a training file's model has no known price) is an error too: the run is never
said to be within a budget nobody could check. Per-file budgets stay available as
``max-cost`` in the config (JG501/JG502 on each file).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..rules.context import TRAINING
from .cost import RunBudget
from .diagnostics import Finding
from .report import FileReport

# The budget rule's code: over the run's budget is the same promise as over a file's.
OVER_BUDGET = "JG501"


def run_budget(files: Sequence[FileReport], max_cost: float) -> RunBudget:
    """The budget over the training files that were read (a file that could not be
    read already fails the run)."""
    billed = [f for f in files if f.role == TRAINING and f.io_error is None]
    shares = tuple((f.path, None if f.cost is None else f.cost.estimated_usd) for f in billed)
    unknown = {f.cost.model for f in billed if f.cost is not None and f.cost.estimated_usd is None}
    return RunBudget(max_cost, shares, tuple(sorted(unknown)))


def budget_finding(budget: RunBudget) -> Finding | None:
    """The run's one budget finding (file-level), or ``None`` within budget."""
    if not budget.over or not budget.shares:
        return None
    limit = f"${budget.max_cost_usd:,.2f}"
    if budget.total_usd is None:
        unpriced = ", ".join(path for path, usd in budget.shares if usd is None)
        models = ", ".join(budget.models) or "the model"
        return Finding(
            OVER_BUDGET,
            f"the run's budget of {limit} (--max-cost) cannot be checked: no training price "
            f"is known for {models} ({unpriced}); set price_per_million in "
            '[tool.jsonl-guard.models."MODEL"]',
        )
    shares = ", ".join(f"{path} ${usd or 0.0:,.2f}" for path, usd in budget.shares)
    files = len(budget.shares)
    return Finding(
        OVER_BUDGET,
        f"the run's estimated cost ${budget.total_usd:,.2f} for {files} training file(s) "
        f"is over the budget of {limit} (--max-cost): {shares}",
    )
