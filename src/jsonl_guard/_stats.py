"""Per-file statistics that are kept instead of examples, and that merge.

Only a few integers per example are kept (its token counts and a 64-bit digest
for duplicate detection), so memory stays small for big files. Two
``DatasetStats`` of consecutive parts of a file merge into the stats of the
whole, which is what lets later work split a file across processes.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field, replace

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
    media_examples: int = 0  # examples holding images or other media
    crlf_lines: int = 0
    first_crlf_line: int | None = None
    # One 64-bit digest and its line per example (16 bytes each, whatever the file
    # size); duplicates are found by sorting at the end, so parts merge by appending.
    digests: array[int] = field(default_factory=lambda: array("Q"))
    digest_lines: array[int] = field(default_factory=lambda: array("q"))

    def add_tokens(self, tokens: ExampleTokens) -> None:
        self.totals.append(tokens.total)
        self.assistant.append(tokens.assistant)
        self.messages_tokens += tokens.messages
        self.tool_definition_tokens += tokens.tool_definitions
        self.tool_call_tokens += tokens.tool_calls
        self.image_tokens += tokens.images
        self.approximate_examples += tokens.approximate
        self.media_examples += tokens.images > 0

    def add_digest(self, digest: bytes, line: int) -> None:
        self.digests.append(int.from_bytes(digest[:8], "little"))
        self.digest_lines.append(line)

    def add_crlf(self, line: int) -> None:
        self.crlf_lines += 1
        if self.first_crlf_line is None:
            self.first_crlf_line = line

    def merge(self, later: DatasetStats) -> DatasetStats:
        """The stats of this part followed by ``later`` (the next part of the same file)."""
        return DatasetStats(
            lines=self.lines + later.lines,
            examples=self.examples + later.examples,
            totals=self.totals + later.totals,
            assistant=self.assistant + later.assistant,
            messages_tokens=self.messages_tokens + later.messages_tokens,
            tool_definition_tokens=self.tool_definition_tokens + later.tool_definition_tokens,
            tool_call_tokens=self.tool_call_tokens + later.tool_call_tokens,
            image_tokens=self.image_tokens + later.image_tokens,
            approximate_examples=self.approximate_examples + later.approximate_examples,
            media_examples=self.media_examples + later.media_examples,
            crlf_lines=self.crlf_lines + later.crlf_lines,
            first_crlf_line=self.first_crlf_line or later.first_crlf_line,
            digests=self.digests + later.digests,
            digest_lines=self.digest_lines + later.digest_lines,
        )

    def shifted(self, offset: int) -> DatasetStats:
        """These stats as if the part started ``offset`` lines further into the file."""
        return replace(
            self,
            first_crlf_line=None if self.first_crlf_line is None else self.first_crlf_line + offset,
            digest_lines=array("q", (line + offset for line in self.digest_lines)),
        )

    def first_lines(self) -> dict[int, int]:
        """Digest -> the first line holding that example."""
        first: dict[int, int] = {}
        for digest, line in sorted(zip(self.digests, self.digest_lines, strict=True)):
            first.setdefault(digest, line)
        return first

    def shared_with(self, other: DatasetStats) -> list[tuple[int, int]]:
        """(line here, line in ``other``) of each example both hold, in line order."""
        mine, theirs = self.first_lines(), other.first_lines()
        return sorted((line, theirs[digest]) for digest, line in mine.items() if digest in theirs)

    @property
    def duplicates(self) -> list[tuple[int, int]]:
        """(line, first line with the same example), in line order."""
        repeats = []
        previous_digest, first_line = None, 0
        for digest, line in sorted(zip(self.digests, self.digest_lines, strict=True)):
            if digest == previous_digest:
                repeats.append((line, first_line))
            else:
                previous_digest, first_line = digest, line
        return sorted(repeats)

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
