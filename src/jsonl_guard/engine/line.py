"""Check one line of a JSONL file: a pure function of its bytes and the check setup.

Nothing here depends on other lines, so lines can be checked in any order, in
any process; ``LineOutcome`` carries what the file-level aggregation needs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import msgspec

from ..rules.catalogue import token_method_for
from ..rules.context import ExampleContext, object_messages
from ..rules.registry import ExampleCheck, Rule
from ..rules.replies import ANSWER_RULES, Keys, answer_keys
from ..rules.selection import RuleSelection
from ..rules.sensitive import may_be_sensitive
from ..tokens.chat_formula import ExampleTokens
from ..tokens.methods import Prefetch, TokenTools
from .chat_pass import chat_pass
from .conversation_text import conversation_text
from .diagnostics import DEFAULT_MAX_FINDINGS_PER_RULE, CappedFindings, Finding
from .gating import (
    ESTIMATED_TOKENS,
    NO_FEATURES,
    SENSITIVE_TEXT,
    example_features,
    plain_chat_features,
)
from .minhash import sketch
from .models import ModelSpec
from .options import CheckOptions
from .parse import nested_too_deeply, parse_line
from .profiles import Profile, detect, profile_table
from .schema import schema_findings
from .typed import plain_parser

BOM = b"\xef\xbb\xbf"
# Lines a token method's prefetch gets at once: enough for a batch tokenizer call to keep
# every core busy, few enough that the chunk's encodings stay small.
AHEAD_LINES = 256
SKETCH_RULES = ("JG314", "JG315")


@dataclass(slots=True)
class LineOutcome:
    # Capped per rule even within the line: one line may hold a million bad parts.
    findings: CappedFindings = field(default_factory=CappedFindings)
    is_example: bool = False
    tokens: ExampleTokens | None = None
    digest: bytes | None = None
    crlf: bool = False
    answer: Keys | None = None  # for the answer rules (JG311-JG313): prompt, answer, refusal
    # The near-duplicate sketch (engine/minhash.py) as its K values' native bytes.
    sketch: bytes | None = None


_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _lone_surrogate_column(raw: bytes) -> int:
    match = _LONE_SURROGATE.search(raw)
    return len(raw[: match.start()].decode("utf-8", "replace")) + 1 if match else 1


def _has_lone_surrogate(raw: bytes, example: Any) -> bool:
    """The regex on the raw line suspects; the parsed value confirms (escaped backslashes)."""
    if b"\\u" not in raw or not _LONE_SURROGATE.search(raw):
        return False
    try:
        json.dumps(example, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except RecursionError:
        return False
    return False


class LineChecker:
    """Holds what every line needs: the profile, the model, the tokenizer and the rules.

    Rules that need a feature (tools, content parts, ...) only run on examples that
    have it, which never changes an outcome; ``gate_rules=False`` runs every rule on
    every example (the tests compare the two). A plain chat line of a format with a
    typed decoder (``engine/typed.py``) skips the schema pass and the feature scan,
    which never changes an outcome either; ``typed=False`` reads every line on the full
    path. A line keeps at most
    ``max_findings_per_rule`` findings of a rule (0: all) and counts the rest.
    """

    def __init__(
        self,
        *,
        profile: Profile,
        model: ModelSpec,
        selection: RuleSelection,
        tools: TokenTools,
        gate_rules: bool = True,
        typed: bool = True,
        max_findings_per_rule: int = DEFAULT_MAX_FINDINGS_PER_RULE,
        allow: tuple[str, ...] = (),
    ) -> None:
        self.profile = profile
        self.allow = allow  # the allow-list of JG280/JG281
        self.max_findings_per_rule = max_findings_per_rule
        self.format_name = profile.schema
        self._parse_plain = plain_parser(profile.schema) if typed else None
        # A plain line holds only "messages": when that is this format's keys, no plain
        # line can be another format's (``other_format``), so it is not asked.
        self._plain_is_ours = profile.has_keys({"messages": []})
        self.model = model
        self.selection = selection
        self.tools = tools
        self.token_method = token_method_for(profile.tokens, model, tools.tokenizer)
        self.example_rules: list[Rule] = [
            rule
            for rule in selection.rules.values()
            if rule.example_check is not None and rule.applies_to(profile.rule_sets)
        ]
        # The answer rules need every example's prompt and answer digests.
        self._answers = any(
            (rule := selection.rules.get(code)) is not None and rule.applies_to(profile.rule_sets)
            for code in ANSWER_RULES
        )
        self._others = [p for p in profile_table().values() if p is not profile]
        self.gate_rules, self.typed = gate_rules, typed
        self._gated = gate_rules and any(rule.needs for rule in self.example_rules)
        # The secret/PII rules run only on examples their screen lets through.
        self._screened = self._gated and any(
            rule.needs >= SENSITIVE_TEXT for rule in self.example_rules
        )
        # The near-duplicate rules read every example's sketch; ignored, none is made.
        self.sketching = any(code in selection.rules for code in SKETCH_RULES)
        # The (code, check) pairs to run for each set of features, built on first sight.
        self._checks_for: dict[frozenset[str], list[tuple[str, ExampleCheck]]] = {}

    def variant(self, *, gate_rules: bool | None = None, typed: bool | None = None) -> LineChecker:
        """The same checker with the gating or the typed fast path switched (the tests
        and benchmarks compare each with the full path)."""
        return LineChecker(
            profile=self.profile,
            model=self.model,
            selection=self.selection,
            tools=self.tools,
            gate_rules=self.gate_rules if gate_rules is None else gate_rules,
            typed=self.typed if typed is None else typed,
            max_findings_per_rule=self.max_findings_per_rule,
            allow=self.allow,
        )

    def warm_up(self) -> None:
        """Load the tokenizer now (before forking workers, so they share it)."""
        if self.model.encoding and self.token_method.exact:
            self.tools.chat  # noqa: B018 - loads the vocab

    def read_ahead(self, lines: Iterable[bytes]) -> Iterable[bytes]:
        """``lines`` as they are; with a token method that prefetches, each chunk of
        ``AHEAD_LINES`` is handed to it before its lines are checked."""
        if self.token_method.prefetch is None:
            return lines
        return self._read_ahead(lines, self.token_method.prefetch)

    def _read_ahead(self, lines: Iterable[bytes], prefetch: Prefetch) -> Iterator[bytes]:
        iterator = iter(lines)
        while chunk := list(islice(iterator, AHEAD_LINES)):
            examples = []
            for raw in chunk:
                try:  # what fails here fails in check() too, which reports it
                    value = msgspec.json.decode(raw.rstrip(b"\r\n"))
                except (msgspec.DecodeError, RecursionError):
                    continue
                if isinstance(value, dict):
                    examples.append(value)
            prefetch(examples, self.tools)
            yield from chunk
        prefetch([], self.tools)  # let go of the last chunk

    def other_format(self, example: Any) -> Profile | None:
        """The profile a line's keys belong to, when it lacks this file's keys.

        Roles only steer the detection of a file: a system message in an RFT file is
        that file's error to report (JG201), not a line of another format.
        """
        if not isinstance(example, dict) or self.profile.has_keys(example):
            return None
        return detect(example, self._others)

    def check(self, raw: bytes, number: int, *, file_start: bool | None = None) -> LineOutcome:
        """``file_start``: the line opens the file (default: it is line 1)."""
        outcome = LineOutcome(CappedFindings(self.max_findings_per_rule))
        if raw.endswith(b"\r"):
            raw, outcome.crlf = raw[:-1], True
        if (number == 1 if file_start is None else file_start) and raw.startswith(BOM):
            raw = raw[len(BOM) :]
            if not self.model.allows_bom:
                outcome.findings.append(Finding("JG101", "the file starts with a UTF-8 BOM", 1, 1))
        if not raw or raw.isspace():  # isspace stops at the first other byte; strip copies
            outcome.findings.append(Finding("JG103", "blank line", number, 1))
            return outcome
        outcome.is_example = True
        parsed = None if self._parse_plain is None else self._parse_plain(raw)
        if parsed is None:
            parsed = parse_line(raw, number, outcome.findings)
        if parsed is None:
            return outcome
        example = parsed.value
        other = None if parsed.plain and self._plain_is_ours else self.other_format(example)
        if other is not None:
            # One finding instead of a flood of schema errors for a foreign line (and
            # no digest: it is not an example of this file's format).
            message = f"the line is in the {other.name} format, not {self.profile.name}"
            outcome.findings.append(Finding("JG130", message, number, 1))
            return outcome
        if not parsed.unicode_checked and _has_lone_surrogate(raw, example):
            column = _lone_surrogate_column(raw)
            message = "a \\u escape encodes an unpaired surrogate, which is not valid Unicode"
            outcome.findings.append(Finding("JG102", message, number, column))
            return outcome
        try:
            canonical = parsed.canonical
            if isinstance(example, dict):
                # sha256 runs on the CPU's SHA instructions: twice blake2b's speed here.
                outcome.digest = hashlib.sha256(canonical).digest()
                self._quality_keys(example, parsed.plain, outcome)
            self._check_example(example, canonical, number, outcome, plain=parsed.plain)
        except RecursionError:  # under the limit, but too deep for the stack left here
            outcome.findings.append(Finding("JG122", nested_too_deeply(), number, 1))
        return outcome

    def _quality_keys(self, example: dict[str, Any], plain: bool, outcome: LineOutcome) -> None:
        """The near-duplicate sketch and the answer keys the dataset rules read, when
        they are selected: a plain chat line (``{"messages": [...]}`` only) in one pass
        for both (``chat_pass``), any other by the Python walks."""
        if not (self.sketching or self._answers):
            return
        if plain:
            outcome.sketch, outcome.answer = chat_pass(
                example["messages"], self.sketching, self._answers
            )
            return
        if self.sketching:
            values = sketch(conversation_text(example))
            outcome.sketch = None if values is None else values.tobytes()
        if self._answers:
            outcome.answer = answer_keys(example)

    def _check_example(
        self, example: Any, canonical: bytes, number: int, outcome: LineOutcome, *, plain: bool
    ) -> None:
        """``plain``: the typed decoder read the line, so the schema accepts it and it
        is plain chat (``engine/typed.py``)."""
        if not plain:
            for finding in schema_findings(example, self.format_name):
                outcome.findings.append(Finding(finding.code, finding.message, number, 1))
        if not isinstance(example, dict):
            return
        outcome.tokens = self.token_method.count(example, self.tools)
        exact = self.token_method.exact
        # A plain line's messages are all objects (the typed decoder checked them).
        messages = list(enumerate(example["messages"])) if plain else object_messages(example)
        context = ExampleContext(self.model, outcome.tokens, messages, exact, canonical, self.allow)
        if not self._gated:
            features = NO_FEATURES
        elif plain:
            features = plain_chat_features(canonical)
        else:
            features = example_features(example, canonical)
        if self._screened and may_be_sensitive(canonical):
            features |= SENSITIVE_TEXT
        checks = self._checks_for.get(features)
        if checks is None:
            checks = self._checks_for[features] = self._checks(features)
        for code, check in checks:
            for message in check(example, context):
                outcome.findings.append(Finding(code, message, number, 1))

    def _checks(self, features: frozenset[str]) -> list[tuple[str, ExampleCheck]]:
        """The example rules that can fire on an example with ``features``."""
        if not self.token_method.exact:
            features |= ESTIMATED_TOKENS
        return [
            (rule.code, rule.example_check)
            for rule in self.example_rules
            if rule.example_check is not None and (not self._gated or rule.needs <= features)
        ]


def line_checker_for(
    options: CheckOptions,
    profile: Profile,
    model: ModelSpec,
    tokenizer: str,
    selection: RuleSelection | None = None,
) -> LineChecker:
    """The line checker ``options`` make for one profile, model and tokenizer: what a
    check runs and what ``FileReport.example_rows`` re-runs (one construction, so the two
    cannot drift, e.g. in the allow-list)."""
    return LineChecker(
        profile=profile,
        model=model,
        selection=selection
        or RuleSelection.build(options.select, options.ignore, options.severity),
        tools=TokenTools(
            model, tokenizer, max_seq_len=options.max_seq_len, training=options.training
        ),
        max_findings_per_rule=options.max_findings_per_rule,
        allow=options.allow,
    )
