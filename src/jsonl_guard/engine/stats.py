"""Per-file statistics that are kept instead of examples, and that merge.

Only a few integers per example are kept (its token counts and a 64-bit digest
for duplicate detection), each in a ``Column`` (engine/columns.py) that keeps a
bounded tail in memory and the rest in a temporary file, so memory stays bounded
whatever the file size; the dataset rules read them back in passes. Two
``DatasetStats`` of consecutive parts of a file merge into the stats of the
whole, which is what lets later work split a file across processes.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..tokens.chat_formula import ExampleTokens
from .columns import Column
from .near_pairs import Sketches
from .sieve import repeated_in_parts

if TYPE_CHECKING:
    from ..rules.replies import Keys


@dataclass
class DatasetStats:
    lines: int = 0
    examples: int = 0
    # 4 bytes a count ("I"): no example has 4 billion tokens, no file 4 billion lines.
    totals: Column = field(default_factory=lambda: Column("I"))
    assistant: Column = field(default_factory=lambda: Column("I"))
    messages_tokens: int = 0
    tool_definition_tokens: int = 0
    tool_call_tokens: int = 0
    image_tokens: int = 0
    approximate_examples: int = 0
    media_examples: int = 0  # examples holding images or other media
    crlf_lines: int = 0
    first_crlf_line: int | None = None
    # One 64-bit digest and its line per example (12 bytes each); duplicates are
    # found at the end, so parts merge by appending.
    digests: Column = field(default_factory=lambda: Column("Q"))
    digest_lines: Column = field(default_factory=lambda: Column("I"))
    # The training preview (tokens/training.py), per example that has one: tokens with
    # loss after truncation, and tokens kept (for packing); examples cut, trained
    # tokens lost to the cut.
    trained: Column = field(default_factory=lambda: Column("I"))
    kept: Column = field(default_factory=lambda: Column("I"))
    cut_examples: int = 0
    lost_tokens: int = 0
    # The LONGEST longest examples as a min-heap of (tokens, -line): ties go to the
    # earlier line, so any split of the file keeps the same ones (reports, HTML).
    longest: list[tuple[int, int]] = field(default_factory=list)
    # The text of the first EXCERPTS lines with any finding (each cut at EXCERPT_CHARS),
    # by line: the HTML report shows the offending example. Every line with a finding
    # counts, listed or not, so parts keep the same ones as the whole file.
    excerpts: dict[int, str] = field(default_factory=dict)
    # ``repeated(digests)`` for the first ``n`` digests: the duplicate rule and the
    # report's duplicate groups share one pass.
    _repeated_cache: tuple[int, set[int]] = field(default=(-1, set()), repr=False, compare=False)
    # The answer rules (rules/answers.py), per example with a final reply: 64-bit
    # digests of its normalised prompt and answer, and its line (20 bytes); per reply
    # with a refusal phrase, its line and the phrase (5 bytes).
    prompt_digests: Column = field(default_factory=lambda: Column("Q"))
    answer_digests: Column = field(default_factory=lambda: Column("Q"))
    answer_lines: Column = field(default_factory=lambda: Column("I"))
    refusal_lines: Column = field(default_factory=lambda: Column("I"))
    refusal_phrases: Column = field(default_factory=lambda: Column("B"))
    # Near-duplicate sketches (engine/near_pairs.py), when JG314 or JG315 is selected.
    sketches: Sketches = field(default_factory=Sketches)

    def add_tokens(self, tokens: ExampleTokens, line: int = 0) -> None:
        preview = tokens.training
        if preview is not None and not (preview.template_error or preview.no_template):
            self.trained.append(preview.trained)
            self.kept.append(preview.kept)
            self.cut_examples += preview.cut
            self.lost_tokens += preview.lost
        self.totals.append(tokens.total)
        self.assistant.append(tokens.assistant)
        self.messages_tokens += tokens.messages
        self.tool_definition_tokens += tokens.tool_definitions
        self.tool_call_tokens += tokens.tool_calls
        self.image_tokens += tokens.images
        self.approximate_examples += tokens.approximate
        self.media_examples += tokens.images > 0
        self.add_longest(tokens.total, line)

    def add_longest(self, total: int, line: int) -> None:
        entry = (total, -line)
        if len(self.longest) < LONGEST:
            heapq.heappush(self.longest, entry)
        elif entry > self.longest[0]:
            heapq.heapreplace(self.longest, entry)

    def add_excerpt(self, line: int, text: bytes, mask: Callable[[str], str] = str) -> None:
        """Keep the line's text for the report; ``mask`` hides what no report may hold
        (secrets, personal data), before the text is cut, so no part of one is kept."""
        if len(self.excerpts) < EXCERPTS:
            # 4 bytes a character at most: decode no more than can be shown.
            shown = mask(text[: EXCERPT_CHARS * 4].decode("utf-8", "replace"))
            cut = len(shown) > EXCERPT_CHARS or len(text) > EXCERPT_CHARS * 4
            self.excerpts[line] = shown[:EXCERPT_CHARS] + ("…" if cut else "")

    def add_digest(self, digest: bytes, line: int) -> None:
        self.digests.append(int.from_bytes(digest[:8], "little"))
        self.digest_lines.append(line)

    def add_answer(self, keys: Keys, line: int) -> None:
        prompt, answer, refusal = keys
        self.prompt_digests.append(prompt)
        self.answer_digests.append(answer)
        self.answer_lines.append(line)
        if refusal:
            self.refusal_lines.append(line)
            self.refusal_phrases.append(refusal)

    def add_crlf(self, line: int) -> None:
        self.crlf_lines += 1
        if self.first_crlf_line is None:
            self.first_crlf_line = line

    def extend(self, later: DatasetStats, offset: int = 0) -> None:
        """Append ``later`` in place (no copy of what is already here), its lines moved
        ``offset`` further into the file."""
        self.lines += later.lines
        self.examples += later.examples
        self.totals.extend(later.totals)
        self.assistant.extend(later.assistant)
        self.messages_tokens += later.messages_tokens
        self.tool_definition_tokens += later.tool_definition_tokens
        self.tool_call_tokens += later.tool_call_tokens
        self.image_tokens += later.image_tokens
        self.approximate_examples += later.approximate_examples
        self.media_examples += later.media_examples
        self.crlf_lines += later.crlf_lines
        if self.first_crlf_line is None and later.first_crlf_line is not None:
            self.first_crlf_line = later.first_crlf_line + offset
        self.trained.extend(later.trained)
        self.kept.extend(later.kept)
        self.cut_examples += later.cut_examples
        self.lost_tokens += later.lost_tokens
        for total, negative_line in later.longest:
            self.add_longest(total, -negative_line + offset)
        for line, text in later.excerpts.items():
            if len(self.excerpts) >= EXCERPTS:
                break
            self.excerpts[line + offset] = text
        self.digests.extend(later.digests)
        self.prompt_digests.extend(later.prompt_digests)
        self.answer_digests.extend(later.answer_digests)
        self.refusal_phrases.extend(later.refusal_phrases)
        self.digest_lines.extend(later.digest_lines, offset)
        self.answer_lines.extend(later.answer_lines, offset)
        self.refusal_lines.extend(later.refusal_lines, offset)
        self.sketches.extend(later.sketches, offset)

    def first_lines(
        self, among: set[int] | None = None, part: tuple[int, int] = (0, 1)
    ) -> dict[int, int]:
        """Digest -> the first line holding that example (only digests ``among``, if given,
        and of ``part`` (p, n): those whose remainder by n is p).

        Digests are appended in line order, so the first seen is the first line.
        """
        first: dict[int, int] = {}
        p, n = part
        for digest, line in zip(self.digests, self.digest_lines, strict=True):
            if (
                digest not in first
                and (among is None or digest in among)
                and (n == 1 or digest % n == p)
            ):
                first[digest] = line
        return first

    def shared_with(self, other: DatasetStats) -> list[tuple[int, int]]:
        """(line here, line in ``other``) of each example both hold, in line order.

        The digests are split by remainder into passes of at most ``FIRST_LINES`` each,
        so the tables of first lines stay bounded whatever the file size (the pairs
        found are the same, and sorted at the end)."""
        passes = max(1, -(-len(self.digests) // FIRST_LINES))
        pairs: list[tuple[int, int]] = []
        for p in range(passes):
            mine = self.first_lines(part=(p, passes))
            theirs = other.first_lines(among=set(mine), part=(p, passes))
            pairs += ((line, theirs[digest]) for digest, line in mine.items() if digest in theirs)
        return sorted(pairs)

    @property
    def duplicates(self) -> list[tuple[int, int]]:
        """(line, first line with the same example), in line order."""
        return list(self.iter_duplicates())

    def iter_duplicates(self) -> Iterator[tuple[int, int]]:
        """``duplicates`` one at a time: a file of one line repeated millions of times
        holds millions of them, and the report lists only the first few."""
        twice = self.repeated()
        first: dict[int, int] = {}
        for digest, line in zip(self.digests, self.digest_lines, strict=True):
            if digest in twice:
                if digest in first:
                    yield line, first[digest]
                else:
                    first[digest] = line

    def repeated(self) -> set[int]:
        """The digests that occur more than once (computed once per state)."""
        count, found = self._repeated_cache
        if count != len(self.digests):
            found = repeated(self.digests)  # the module's function, not this method
            self._repeated_cache = (len(self.digests), found)
        return found

    def longest_examples(self) -> list[tuple[int, int]]:
        """(line, tokens) of the longest examples, longest first (earlier line first)."""
        return [(-negative, total) for total, negative in sorted(self.longest, reverse=True)]

    @property
    def total_tokens(self) -> int:
        return sum(self.totals)


# The longest examples a report lists, and the lines with findings whose text it keeps
# (bounded: EXCERPTS x EXCERPT_CHARS characters at most, ~2 MB, whatever the file).
LONGEST = 10
EXCERPTS = 500
EXCERPT_CHARS = 1000

# Digests in one pass of ``shared_with``: a dict and a set of 100,000 of them take
# ~15 MB; a bigger file takes more passes over its spilled digests.
FIRST_LINES = 100_000

# 2**24 bits (2 MB) sift 64-bit digests for repeats without a set or a sorted list of
# them all (~60 MB for the 800k examples of a 2 GB file); 2**20 digests a pass let
# through ~32,000 that are not repeats at most (2 MB), whatever the file size.
_SIEVE_BITS = 24
_SIEVE_PART = 1 << 20


def repeated(digests: Collection[int]) -> set[int]:
    """The digests that occur more than once."""
    return set(repeated_in_parts(digests, len(digests), _SIEVE_BITS, _SIEVE_PART))


def percentiles(values: Column | array[int] | list[int], qs: tuple[float, ...]) -> list[float]:
    """Linear-interpolated percentiles (numpy's default, as the cookbook reports them).

    Built from the count of each distinct value: exact, and small whatever the file
    size (token counts repeat; a sorted copy of them all would not).
    """
    if not values:
        return [0.0] * len(qs)
    counts = Counter(values)
    ordered = sorted(counts)
    cumulative = list(itertools.accumulate(counts[value] for value in ordered))

    def nth(k: int) -> int:  # the k-th smallest value, from 0
        return ordered[bisect.bisect_right(cumulative, k)]

    results = []
    for q in qs:
        position = (len(values) - 1) * q
        low = int(position)
        high = min(low + 1, len(values) - 1)
        results.append(nth(low) + (nth(high) - nth(low)) * (position - low))
    return results
