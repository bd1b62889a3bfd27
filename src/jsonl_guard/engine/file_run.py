"""One file's check: its profile, its lines fed in order (or in parts), then its report.

A ``Checker`` is the immutable setup shared by many files; everything that belongs
to one file lives here: the detected profile and the model it implies, the
tokenizer the file is counted with, whether quicktok was dropped for it, its role
(training or validation) and the training files a validation file is compared
with. ``Checker`` opens a run per file; nothing outside the engine drives one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

from ..rules.catalogue import token_method_for
from ..rules.context import TRAINING, DatasetContext
from ..rules.sensitive_text import mask_text
from ..tokens.backends import QUICKTOK_FELL_BACK, Sample, TokenizerMismatch, is_tokenizer_file
from .cost import estimate_cost
from .details import FileDetails
from .diagnostics import CappedFindings, Diagnostic, Finding
from .line import LineChecker
from .lines import LongLine, line_bytes, size_text
from .models import DEFAULT_MODEL, ModelSpec, resolve_model
from .options import CheckOptions
from .profiles import Detection, Profile, choose_profile
from .report import FileReport, NotShown, TokenSummary
from .shards import Shard
from .spot_check import recount
from .stats import DatasetStats

if TYPE_CHECKING:
    from .checker import Checker

PROGRESS_EVERY_LINES = 500
# The profile is detected from the first object among a file's first lines.
DETECT_LINES = 64
# ... or fewer, once they hold this many bytes: lines up to max-line-bytes are held here.
DETECT_BYTES = 16 * 1024 * 1024
Progress = Callable[[int], None]
# (shown path, stats) of each training file a validation file goes with.
Training = tuple[tuple[str, DatasetStats], ...]


def _counts_with_a_tokenizer_file(profile: Profile) -> bool:
    return bool(token_method_for(profile.tokens).with_tokenizer_file)


def model_chosen(options: CheckOptions) -> bool:
    # A library caller may set ``model`` and leave ``model_source`` at its default.
    return options.model_source != "default" or options.model != DEFAULT_MODEL


def _head(lines: Iterator[bytes]) -> list[bytes]:
    """The first lines to detect the profile from (``DETECT_LINES``, ``DETECT_BYTES``)."""
    head: list[bytes] = []
    held = 0
    for line in islice(lines, DETECT_LINES):
        head.append(line)
        held += len(line)
        if held >= DETECT_BYTES:
            break
    return head


def first_object(lines: Iterable[bytes]) -> Any:
    """The first line that parses as a JSON object (``None`` if none does)."""
    for raw in lines:
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None


class FileRun:
    """The state of checking one file; ``feed`` its lines, then ``finish`` it once."""

    def __init__(
        self,
        checker: Checker,
        *,
        tokenizer: str,
        role: str = TRAINING,
        training: Training = (),
        progress: Progress | None = None,
        fell_back: bool = False,
    ) -> None:
        self.checker = checker
        self.tokenizer = tokenizer
        self.role = role
        self.training = training
        self.progress = progress
        self.fell_back = fell_back  # quicktok disagreed with tiktoken: counted with tiktoken
        self.detection: Detection | None = None
        self.model: ModelSpec = checker.chosen_model
        self.take_spot_samples()  # a previous file's leftovers are not this file's

    def detect(self, first_example: Any = None) -> Detection:
        """Choose the profile (and, when none was chosen, the model) from the first example."""
        options = self.checker.options
        detection = choose_profile(
            first_example,
            model=self.checker.chosen_model if model_chosen(options) else None,
            chosen=options.profile,
            chosen_source=options.profile_source,
            prefer=_counts_with_a_tokenizer_file if is_tokenizer_file(options.tokenizer) else None,
        )
        self.adopt(detection)
        return detection

    def adopt(self, detection: Detection) -> None:
        """Check with ``detection``'s profile (and the model it implies, unless chosen)."""
        options = self.checker.options
        model = self.checker.chosen_model
        if not model_chosen(options):
            model = resolve_model(detection.profile.default_model, options.models)
        if options.max_seq_len is not None:
            model = replace(model, token_limit=options.max_seq_len)
        self.detection, self.model = detection, model

    def detect_from(self, lines: Iterable[bytes]) -> Iterable[bytes]:
        """Detect from the head of ``lines``; the returned lines still hold the head."""
        if isinstance(lines, (list, tuple)):
            head: Sequence[bytes] = lines[:DETECT_LINES]
            rest: Iterable[bytes] = lines
        else:
            iterator = iter(lines)
            head = _head(iterator)
            rest = chain(head, iterator)
        found = first_object(head)
        if self.detection is None or found is not None:
            self.detect(found)
        return rest

    @property
    def line_checker(self) -> LineChecker:
        detection = self.detection or self.detect()
        return self.checker.line_checker(detection.profile, self.model, self.tokenizer)

    def feed(
        self, lines: Iterable[bytes], *, first_line: int = 1, file_start: bool | None = None
    ) -> Shard:
        """Check consecutive lines of the file, numbered from ``first_line``.

        The parts of one file can be fed separately (in any process) and their shards
        merged in file order before ``finish``. ``file_start`` says whether the first
        line opens the file (default: when ``first_line`` is 1).
        """
        # An empty part (or one of blank lines) decides nothing: a later part may.
        if self.detection is None or self.detection.source == "default":
            lines = self.detect_from(lines)
        stats = DatasetStats()
        cap = self.checker.options.max_findings_per_rule
        findings = CappedFindings(cap)  # the first of each rule, the rest counted
        checker = self.line_checker
        opens_file = first_line == 1 if file_start is None else file_start
        progress, consumed = self.progress, 0
        limit = self.checker.options.max_line_bytes
        for number, raw in enumerate(checker.read_ahead(lines), first_line):
            if progress is not None:
                consumed += line_bytes(raw)
                if number % PROGRESS_EVERY_LINES == 0:
                    progress(consumed)
            line = raw[:-1] if raw.endswith(b"\n") else raw
            if isinstance(raw, LongLine) or len(line) > limit:
                # Not blank, so an example, like a line of invalid JSON; nothing in it is read.
                length = raw.length if isinstance(raw, LongLine) else len(line)
                message = f"the line is {length:,} bytes, over the {size_text(limit)} limit"
                findings.append(Finding("JG106", message + " (max-line-bytes)", number, 1))
                stats.lines += 1
                stats.examples += 1
                continue
            outcome = checker.check(line, number, file_start=opens_file and number == first_line)
            stats.lines += 1
            if outcome.findings.kept or outcome.findings.dropped:
                stats.add_excerpt(number, line, mask_text)
            findings.absorb(outcome.findings)
            if outcome.crlf:
                stats.add_crlf(number)
            if outcome.is_example:
                stats.examples += 1
            if outcome.tokens is not None:
                stats.add_tokens(outcome.tokens, number)
            if outcome.digest is not None:
                stats.add_digest(outcome.digest, number)
            if outcome.answer is not None:
                stats.add_answer(outcome.answer, number)
            if outcome.sketch is not None:
                stats.sketches.add(outcome.sketch, number)
        used = checker.tools.used
        return Shard(
            stats, findings.kept, self.detection, used, self.fell_back, findings.dropped, cap
        )

    def take_spot_samples(self) -> list[Sample]:
        """quicktok's spot-check samples since the last call, for ``verify``."""
        samples: list[Sample] = []
        for line_checker in self.checker.line_checkers(self.tokenizer):
            samples += line_checker.tools.take_spot_samples()
        return samples

    def verify(self, samples: list[Sample] | None = None) -> None:
        """Recount quicktok's samples (``samples``, else this process's) with tiktoken,
        quicktok's vocab let go first (engine/spot_check.py); ``TokenizerMismatch`` if
        one differs."""
        samples = self.take_spot_samples() if samples is None else samples
        holders = [checker.tools for checker in self.checker.line_checkers(self.tokenizer)]
        mismatch = recount(samples, holders)
        if mismatch is not None:
            raise TokenizerMismatch(*mismatch)

    def _tokenizer(self, shard: Shard) -> tuple[str, bool]:
        """The counter the report names, and whether quicktok was dropped for tiktoken."""
        fell_back = self.fell_back or shard.fell_back
        described = shard.tokenizer or self.line_checker.tools.used
        if not shard.stats.totals:
            return "", fell_back
        return (f"{described} ({QUICKTOK_FELL_BACK})" if fell_back else described), fell_back

    def finish(self, path: str, shard: Shard, *, size: int | None = None) -> FileReport:
        """Run the dataset-level rules on the file's merged shard and build its report."""
        detection = self.detection or self.detect()
        checker, stats = self.line_checker, shard.stats
        options = self.checker.options
        cost = estimate_cost(
            stats.totals,
            self.model,
            model_source=options.model_source,
            epochs=options.epochs,
            max_cost=options.max_cost,
        )
        context = DatasetContext(
            self.model,
            options,
            cost,
            detection,
            self.role,
            self.training,
            size,
            checker.token_method.exact,
        )
        # File findings first, then the lines': each rule keeps its first findings.
        findings = CappedFindings(options.max_findings_per_rule)
        findings.extend(_file_findings(stats))
        if stats.examples:
            for rule in self.checker.selection.rules.values():
                if rule.dataset_check is not None and rule.applies_to(detection.profile.rule_sets):
                    findings.extend(rule.dataset_check(stats, context))
        findings.extend(shard.findings)
        findings.count_dropped(shard.dropped)
        _first_foreign_line(findings)
        tokenizer, fell_back = self._tokenizer(shard)
        diagnostics = self._diagnose(findings.kept)
        tokens = TokenSummary.from_stats(
            stats,
            encoding=self.model.encoding,
            limit=self.model.known_token_limit,
            tokenizer=tokenizer,
            quicktok_dropped=fell_back,
            exact=checker.token_method.exact,
            method=checker.token_method.description,
            packing=self.checker.options.packing,
        )
        return FileReport(
            path,
            detection.profile.name,
            stats.examples,
            diagnostics,
            tokens,
            cost,
            role=self.role,
            profile_source=detection.source,
            not_shown=self._not_shown(findings),
            details=FileDetails.of(
                stats, limit=self.model.known_token_limit, lines=(d.line for d in diagnostics)
            ),
            options=options,
            example_digests=stats.digests,
        )

    def _diagnose(self, findings: list[Finding]) -> tuple[Diagnostic, ...]:
        diagnosed = (self.checker.selection.diagnose(f) for f in findings)
        kept = [d for d in diagnosed if d is not None]
        return tuple(sorted(kept, key=Diagnostic.sort_key))

    def _not_shown(self, findings: CappedFindings) -> tuple[NotShown, ...]:
        """The counted findings of each selected rule, past the ones listed."""
        selection = self.checker.selection
        listed = Counter(f.code for f in findings.kept)
        not_shown = []
        for code, count in sorted(findings.dropped.items()):
            diagnosed = selection.diagnose(Finding(code, ""))
            if diagnosed is not None and count:
                not_shown.append(
                    NotShown(code, diagnosed.name, diagnosed.severity, count, listed[code])
                )
        return tuple(not_shown)


def _file_findings(stats: DatasetStats) -> list[Finding]:
    findings = []
    if stats.examples == 0:
        message = "the file has no examples" if stats.lines else "the file is empty"
        findings.append(Finding("JG100", message))
    if stats.crlf_lines:
        findings.append(
            Finding(
                "JG104",
                f"{stats.crlf_lines:,} line(s) end with CRLF (first: line {stats.first_crlf_line})",
            )
        )
    return findings


def _first_foreign_line(findings: CappedFindings) -> None:
    """A file that mixes formats is reported once, at the first line that differs
    (the count includes the lines past the cap: they are not listed either way)."""
    foreign = [f for f in findings.kept if f.code == "JG130"]
    more = len(foreign) - 1 + findings.dropped.pop("JG130", 0)
    if not foreign or not more:
        return
    first = foreign[0]
    summary = f"{first.message}; {more:,} more line(s) differ from the file's format"
    findings.kept[:] = [
        replace(f, message=summary) if f is first else f
        for f in findings.kept
        if f.code != "JG130" or f is first
    ]
