"""Check a corpus in shards (files or parts of files) anywhere, then merge the results.

A ``Shard`` holds what checking some lines leaves behind: the mergeable stats and
the line findings, numbered from the shard's first line. Shards merge in corpus
order (later shards are renumbered after earlier ones), and the merged shard gives
the same report as checking the concatenated lines in one go: counts, token
sums, percentiles (from the exact per-example counts) and the dataset-level
rules, which run once on the merged totals. Shards pickle, so any engine (a
process pool, Dask, Ray, a batch system) can compute them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ._checker import Checker
from ._diagnostics import Finding
from ._report import FileReport
from ._stats import DatasetStats


@dataclass
class Shard:
    stats: DatasetStats = field(default_factory=DatasetStats)
    findings: list[Finding] = field(default_factory=list)

    def merge(self, later: Shard) -> Shard:
        """This shard followed by ``later``; ``later``'s lines come after this one's."""
        merged = Shard()
        merged.absorb(self)
        merged.absorb(later)
        return merged

    def absorb(self, later: Shard) -> None:
        """Append ``later`` in place: merging many shards copies each one once."""
        offset = self.stats.lines
        self.stats.extend(later.stats, offset)
        self.findings.extend(
            f if f.line is None else replace(f, line=f.line + offset) for f in later.findings
        )


def check_shard(checker: Checker, lines: Iterable[bytes]) -> Shard:
    """Raises ``TokenizerMismatch`` if quicktok disagreed with tiktoken on a sample."""
    stats, findings = checker.collect_verified(lines)
    return Shard(stats, findings)


def check_shard_path(checker: Checker, path: str | os.PathLike[str]) -> Shard:
    with Path(path).open("rb") as stream:
        return check_shard(checker, stream)


def merge_shards(shards: Iterable[Shard]) -> Shard:
    """The shards in corpus order, merged into one (each appended in place)."""
    merged = Shard()
    for shard in shards:
        merged.absorb(shard)
    return merged


def shard_report(checker: Checker, shard: Shard, *, path: str = "<merged>") -> FileReport:
    """The report for merged shards: dataset-level rules run on the merged totals."""
    return checker.finish(path, shard.stats, list(shard.findings))
