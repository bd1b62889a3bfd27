"""What changed between two checks of a dataset (``jsonl-guard diff``): pure logic on
the ``FileSide`` figures of each side (engine/diff_input.py), no I/O.

- Files pair by path; when exactly one file is left unpaired on each side they pair
  with each other (``diff old.jsonl new.jsonl``). A file on one side only is new or
  gone: all its examples added or removed.
- Examples added/removed compare the multisets of content hashes (SHA-256 of each
  example's canonical JSON, the digest duplicate detection uses): moving an example
  is no change, a second copy of one is one added. Lines that are not an example of
  the file's format have no hash; they show in the example count only.
- Findings compare by rule code, as counts: a finding's line moves whenever an
  example is added above it, so "new" is the growth of a rule's count, "fixed" its
  shrinkage.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .diff_input import FileSide, RuleCount, TokenFigures


@dataclass(frozen=True)
class Change:
    """A figure before and after (``None``: not known on that side)."""

    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 6)  # no float noise in "+0.1"

    @property
    def percent(self) -> float | None:
        """The change in percent of ``before``; ``None`` when that is unknown or 0."""
        delta = self.delta
        if delta is None or not self.before:
            return None
        return delta / self.before * 100


@dataclass(frozen=True)
class RuleChange:
    code: str
    name: str
    severity: str  # the head's (the base's for a rule gone from the head)
    before: int
    after: int

    @property
    def new(self) -> int:
        return max(0, self.after - self.before)

    @property
    def fixed(self) -> int:
        return max(0, self.before - self.after)


@dataclass(frozen=True)
class FileDiff:
    before_path: str | None  # None: the file is new in the head
    after_path: str | None  # None: the file is gone from the head
    examples: Change
    # None: a side's report has no example hashes (an older jsonl-guard wrote it).
    added: int | None
    removed: int | None
    tokens_total: Change
    tokens_p50: Change
    tokens_p90: Change
    tokens_max: Change
    cost_usd: Change
    model: str
    rules: tuple[RuleChange, ...]
    # Why a side could not be read (its figures count as an absent file's).
    before_error: str | None = None
    after_error: str | None = None

    @property
    def path(self) -> str:
        return self.after_path or self.before_path or ""

    @property
    def status(self) -> str:
        """``new``, ``gone``, ``changed`` or ``unchanged`` (same examples, same findings)."""
        if self.before_path is None or self.before_error is not None:
            return "new"
        if self.after_path is None or self.after_error is not None:
            return "gone"
        same_examples = self.added == 0 and self.removed == 0
        if same_examples and not any(r.new or r.fixed for r in self.rules):
            return "unchanged"
        return "changed"

    @property
    def new_errors(self) -> int:
        return sum(r.new for r in self.rules if r.severity == "error")


@dataclass(frozen=True)
class Diff:
    files: tuple[FileDiff, ...]

    @property
    def tokens_total(self) -> Change:
        return _summed([f.tokens_total for f in self.files])

    @property
    def cost_usd(self) -> Change:
        """The run's estimate; a side is unknown when any of its files' price is."""
        return _summed([f.cost_usd for f in self.files])

    @property
    def examples(self) -> Change:
        return _summed([f.examples for f in self.files])

    @property
    def new_errors(self) -> int:
        return sum(f.new_errors for f in self.files)


def diff_sides(base: Sequence[FileSide], head: Sequence[FileSide]) -> Diff:
    """The per-file changes from ``base`` to ``head``, in the head's file order (then
    the files gone from it)."""
    return Diff(tuple(diff_file(before, after) for before, after in pair_files(base, head)))


def pair_files(
    base: Sequence[FileSide], head: Sequence[FileSide]
) -> list[tuple[FileSide | None, FileSide | None]]:
    before = {_key(side.path): side for side in base}
    paired = {_key(side.path) for side in head} & set(before)
    lonely_base = [side for side in base if _key(side.path) not in paired]
    lonely_head = [side for side in head if _key(side.path) not in paired]
    if len(lonely_base) == 1 and len(lonely_head) == 1:  # old.jsonl -> new.jsonl
        before[_key(lonely_head[0].path)] = lonely_base[0]
        lonely_base = []
    pairs: list[tuple[FileSide | None, FileSide | None]] = [
        (before.get(_key(side.path)), side) for side in head
    ]
    return pairs + [(side, None) for side in lonely_base]


def _key(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def diff_file(before: FileSide | None, after: FileSide | None) -> FileDiff:
    old, new = _readable(before), _readable(after)
    added = removed = None
    if old.hashes is not None and new.hashes is not None:
        added = sum((new.hashes - old.hashes).values())
        removed = sum((old.hashes - new.hashes).values())
    return FileDiff(
        before_path=None if before is None else before.path,
        after_path=None if after is None else after.path,
        examples=Change(old.examples, new.examples),
        added=added,
        removed=removed,
        tokens_total=Change(_total(old.tokens), _total(new.tokens)),
        tokens_p50=Change(*(None if s.tokens is None else s.tokens.p50 for s in (old, new))),
        tokens_p90=Change(*(None if s.tokens is None else s.tokens.p90 for s in (old, new))),
        tokens_max=Change(*(None if s.tokens is None else s.tokens.max for s in (old, new))),
        cost_usd=Change(_cost(old), _cost(new)),
        model=new.model or old.model,
        rules=_rules(old.findings, new.findings),
        before_error=None if before is None else before.io_error,
        after_error=None if after is None else after.io_error,
    )


# An absent file: no examples, no tokens, nothing to pay, no findings.
_ABSENT = FileSide(path="", hashes=Counter(), cost_usd=0.0)


def _readable(side: FileSide | None) -> FileSide:
    return _ABSENT if side is None or side.io_error is not None else side


def _total(tokens: TokenFigures | None) -> int:
    return 0 if tokens is None else tokens.total


def _cost(side: FileSide) -> float | None:
    """A file with nothing counted costs nothing; else its estimate (``None``: unknown price)."""
    return 0.0 if side.tokens is None and side.cost_usd is None else side.cost_usd


def _rules(old: dict[str, RuleCount], new: dict[str, RuleCount]) -> tuple[RuleChange, ...]:
    changes = []
    for code in sorted(set(old) | set(new)):
        shown = new.get(code) or old[code]
        before = old[code].count if code in old else 0
        after = new[code].count if code in new else 0
        changes.append(RuleChange(code, shown.name, shown.severity, before, after))
    return tuple(changes)


def _summed(changes: Sequence[Change]) -> Change:
    def total(values: list[float | None]) -> float | None:
        if any(value is None for value in values):
            return None
        return round(sum(value for value in values if value is not None), 6)

    return Change(total([c.before for c in changes]), total([c.after for c in changes]))
