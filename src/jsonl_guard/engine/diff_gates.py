"""The gates of ``jsonl-guard diff``: when a change fails the run (exit 1).

- ``new-errors``: a rule of error severity has more findings in the head than in the
  base (summed over files; see engine/diff.py for why findings compare as counts).
- ``max-cost-increase``: the run's estimated training cost grew by more than an amount
  in USD, or a percentage of the base's. An unknown price on either side cannot be
  checked, so it trips (a gate that cannot be checked must not pass silently).
- ``max-token-growth``: the run's total tokens grew by more than a percentage.

A growth equal to the limit passes. From a base of 0, any growth is over every
percentage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .diff import Change, Diff


@dataclass(frozen=True)
class Limit:
    value: float
    percent: bool  # a percentage of the base, else an amount (USD for cost)

    def shown(self) -> str:
        return f"{self.value:g}%" if self.percent else usd(self.value)


@dataclass(frozen=True)
class Gates:
    fail_on_new_errors: bool = False
    max_cost_increase: Limit | None = None
    max_token_growth: Limit | None = None


@dataclass(frozen=True)
class GateResult:
    gate: str  # the option: "--fail-on new-errors", "--max-cost-increase 10%", ...
    tripped: bool
    message: str  # what was measured, and by how much it is over when it tripped


def evaluate(diff: Diff, gates: Gates) -> tuple[GateResult, ...]:
    results = []
    if gates.fail_on_new_errors:
        results.append(_new_errors(diff))
    if gates.max_cost_increase is not None:
        results.append(_cost(diff.cost_usd, gates.max_cost_increase))
    if gates.max_token_growth is not None:
        results.append(_tokens(diff.tokens_total, gates.max_token_growth))
    return tuple(results)


def _new_errors(diff: Diff) -> GateResult:
    gate = "--fail-on new-errors"
    grown: dict[str, int] = {}
    for file in diff.files:
        for rule in file.rules:
            if rule.severity == "error" and rule.new:
                grown[rule.code] = grown.get(rule.code, 0) + rule.new
    if not grown:
        return GateResult(gate, False, "no new error findings")
    detail = ", ".join(f"{code} +{count:,}" for code, count in sorted(grown.items()))
    total = sum(grown.values())
    return GateResult(gate, True, f"{total:,} new error finding(s): {detail}")


def _cost(cost: Change, limit: Limit) -> GateResult:
    gate = f"--max-cost-increase {limit.shown()}"
    if cost.before is None or cost.after is None:
        side = "base" if cost.before is None else "head"
        return GateResult(
            gate,
            True,
            f"cannot be checked: the {side}'s estimated cost is unknown (a model without a "
            "known training price; add price_per_million to its model table)",
        )
    delta = cost.delta or 0.0
    signed = ("+" if delta >= 0 else "") + usd(delta)
    measured = f"estimated cost {usd(cost.before)} → {usd(cost.after)} ({signed})"
    return _judge(gate, cost, limit, measured, usd)


def _tokens(tokens: Change, limit: Limit) -> GateResult:
    gate = f"--max-token-growth {limit.shown()}"
    measured = f"tokens {tokens.before or 0:,.0f} → {tokens.after or 0:,.0f}"
    return _judge(gate, tokens, limit, measured, lambda amount: f"{amount:,.0f} tokens")


def _judge(
    gate: str, change: Change, limit: Limit, measured: str, unit: Callable[[float], str]
) -> GateResult:
    before, after = change.before or 0.0, change.after or 0.0
    growth = after - before
    if limit.percent:
        if before == 0:
            tripped = growth > 0
            over = "from nothing: growth over any percentage" if tripped else ""
        else:
            percent = growth / before * 100
            tripped = percent > limit.value
            measured += f", {percent:+.1f}%"
            over = f"{percent - limit.value:.1f} points over the {limit.shown()} allowed"
    else:
        tripped = growth > limit.value + 1e-9  # the report rounds to 1/10000 of a dollar
        over = f"{unit(growth - limit.value)} over the {limit.shown()} allowed"
    if tripped:
        return GateResult(gate, True, f"{measured}: {over}")
    return GateResult(gate, False, f"{measured}: within {limit.shown()}")


def usd(value: float) -> str:
    """Dollars: cents when it is a dollar or more, else four places (a small file's
    estimate is a fraction of a cent, and its change must not read as $0.00)."""
    sign = "-" if value < 0 else ""
    amount = abs(value)
    return f"{sign}${amount:,.2f}" if amount >= 1 else f"{sign}${amount:.4f}"
