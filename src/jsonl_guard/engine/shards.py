"""Check a corpus in shards (files or parts of files) anywhere, then merge the results.

A ``Shard`` holds what checking some lines leaves behind: the mergeable stats, the
line findings, numbered from the shard's first line, and the profile its first
example was detected as. Shards merge in corpus order (later shards are renumbered
after earlier ones), and the merged shard gives the same report as checking the
concatenated lines in one go: counts, token sums, percentiles (from the exact
per-example counts), the first findings of each rule in file order with a count
of the rest (``cap`` per rule, as one file keeps them), and the dataset-level
rules, which run once on the merged totals. Shards pickle, so any engine (a
process pool, Dask, Ray, a batch system) can compute them;
``jsonl_guard.check_shard`` and ``shard_report`` are the two ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .diagnostics import CappedFindings, Finding
from .stats import DatasetStats

if TYPE_CHECKING:
    from .profiles import Detection


@dataclass
class Shard:
    stats: DatasetStats = field(default_factory=DatasetStats)
    findings: list[Finding] = field(default_factory=list)
    # The profile of the shard's lines (``None``: no line was checked yet).
    detection: Detection | None = None
    # The token counter that counted them, as the report names it ("": none yet), and
    # whether it is tiktoken because quicktok disagreed with it on this corpus.
    tokenizer: str = ""
    fell_back: bool = False
    # Findings past the first ``cap`` of their rule, counted by code; ``cap`` is the
    # options' ``max_findings_per_rule`` (0: none dropped; None: not known yet, a
    # merge takes the first shard's).
    dropped: dict[str, int] = field(default_factory=dict)
    cap: int | None = None

    def absorb(self, later: Shard) -> None:
        """Append ``later`` in place: merging many shards copies each one once."""
        offset = self.stats.lines
        self.stats.extend(later.stats, offset)
        if self.cap is None:
            self.cap = later.cap
        findings = CappedFindings.resume(self.cap or 0, self.findings, self.dropped)
        findings.extend(
            f if f.line is None else replace(f, line=f.line + offset) for f in later.findings
        )
        findings.count_dropped(later.dropped)
        self.findings, self.dropped = findings.kept, findings.dropped
        if self.detection is None or self.detection.source == "default":
            self.detection = later.detection or self.detection
        self.tokenizer = self.tokenizer or later.tokenizer
        self.fell_back = self.fell_back or later.fell_back


def merge_shards(shards: Iterable[Shard]) -> Shard:
    """The shards in corpus order, merged into one (each appended in place)."""
    merged = Shard()
    for shard in shards:
        merged.absorb(shard)
    return merged
