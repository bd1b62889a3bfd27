"""Per-file statistics that are kept instead of examples, and that merge.

Only a few integers per example are kept (its token counts and a 12-byte digest
for duplicate detection), so memory stays small for big files. Two
``DatasetStats`` of consecutive parts of a file merge into the stats of the
whole, which is what lets later work split a file across processes.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from ._tokens import ExampleTokens


@dataclass
class DatasetStats:
    lines: int = 0
    examples: int = 0
    totals: array[int] = field(default_factory=lambda: array("q"))
    assistant: array[int] = field(default_factory=lambda: array("q"))
    messages_tokens: int = 0
    tool_definition_tokens: int = 0
    tool_call_tokens: int = 0
    image_tokens: int = 0
    approximate_examples: int = 0
    crlf_lines: int = 0
    first_crlf_line: int | None = None
    first_seen: dict[bytes, int] = field(default_factory=dict)
    # (line, digest) of every example whose digest was seen on an earlier line;
    # the earlier line is looked up at the end, so merged parts agree with a whole.
    repeated: list[tuple[int, bytes]] = field(default_factory=list)

    def add_tokens(self, tokens: ExampleTokens) -> None:
        self.totals.append(tokens.total)
        self.assistant.append(tokens.assistant)
        self.messages_tokens += tokens.messages
        self.tool_definition_tokens += tokens.tool_definitions
        self.tool_call_tokens += tokens.tool_calls
        self.image_tokens += tokens.images
        self.approximate_examples += tokens.approximate

    def add_digest(self, digest: bytes, line: int) -> None:
        first = self.first_seen.setdefault(digest, line)
        if first != line:
            self.repeated.append((line, digest))

    def add_crlf(self, line: int) -> None:
        self.crlf_lines += 1
        if self.first_crlf_line is None:
            self.first_crlf_line = line

    def merge(self, later: DatasetStats) -> DatasetStats:
        """The stats of this part followed by ``later`` (the next part of the same file)."""
        merged = DatasetStats(
            lines=self.lines + later.lines,
            examples=self.examples + later.examples,
            totals=self.totals + later.totals,
            assistant=self.assistant + later.assistant,
            messages_tokens=self.messages_tokens + later.messages_tokens,
            tool_definition_tokens=self.tool_definition_tokens + later.tool_definition_tokens,
            tool_call_tokens=self.tool_call_tokens + later.tool_call_tokens,
            image_tokens=self.image_tokens + later.image_tokens,
            approximate_examples=self.approximate_examples + later.approximate_examples,
            crlf_lines=self.crlf_lines + later.crlf_lines,
            first_crlf_line=self.first_crlf_line or later.first_crlf_line,
            first_seen=dict(self.first_seen),
            repeated=list(self.repeated),
        )
        for digest, line in later.first_seen.items():
            first = merged.first_seen.setdefault(digest, line)
            if first != line:
                merged.repeated.append((line, digest))
        merged.repeated.extend(later.repeated)
        merged.repeated.sort()
        return merged

    @property
    def duplicates(self) -> list[tuple[int, int]]:
        """(line, first line with the same example), in line order."""
        return sorted((line, self.first_seen[digest]) for line, digest in self.repeated)

    @property
    def total_tokens(self) -> int:
        return sum(self.totals)


def percentile(values: array[int] | list[int], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), as the cookbook reports it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
