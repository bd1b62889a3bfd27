"""How the diff reporters (text, markdown) write a figure's change: ``before → after
(delta, percent)``, the same words in both."""

from __future__ import annotations

from collections.abc import Callable

from ..engine.diff import Change, FileDiff, RuleChange
from ..engine.diff_gates import usd


def number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def change(figure: Change, *, money: bool = False) -> str:
    """``4,821 → 5,100 (+279, +5.8%)``; a side not known is ``?``."""
    write = usd if money else number
    before = "?" if figure.before is None else write(figure.before)
    after = "?" if figure.after is None else write(figure.after)
    if figure.before is not None and figure.before == figure.after:
        return f"{after} (no change)"
    delta = figure.delta
    if delta is None:
        return f"{before} → {after}"
    signed = ("+" if delta >= 0 else "") + write(delta)
    percent = figure.percent
    tail = "" if percent is None else f", {percent:+.1f}%"
    return f"{before} → {after} ({signed}{tail})"


def examples(file: FileDiff) -> str:
    """The example count's change, and what the hashes say about it."""
    text = change(file.examples)
    if file.added is None or file.removed is None:
        return f"{text}; added/removed unknown (a report without example hashes)"
    return f"{text}; {file.added:,} added, {file.removed:,} removed"


def findings(file: FileDiff, escape: Callable[[str], str]) -> tuple[list[str], list[str]]:
    """(new, fixed): ``JG201 unknown-role +2 (error)`` per rule. Codes, names and
    severities come from a report file, so they pass through ``escape``."""

    def rule(r: RuleChange, count: str) -> str:
        return f"{escape(r.code)} {escape(r.name)} {count} ({escape(r.severity)})"

    new = [rule(r, f"+{r.new:,}") for r in file.rules if r.new]
    fixed = [rule(r, f"-{r.fixed:,}") for r in file.rules if r.fixed]
    return new, fixed


def status(file: FileDiff) -> str:
    words = {"new": "new file", "gone": "gone", "changed": "changed", "unchanged": "no change"}
    return words[file.status]
