"""Check options: what the caller (CLI, config, plugin, library user) asks for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..tokens.training import TrainingSetup
from .diagnostics import DEFAULT_MAX_FINDINGS_PER_RULE, Severity
from .lines import DEFAULT_MAX_LINE_BYTES
from .models import DEFAULT_MODEL

# Chosen from benchmarks/bench_near_duplicates.py (docs/near-duplicates.md).
DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.6


@dataclass(frozen=True)
class CheckOptions:
    """Everything that changes a check's verdict. Immutable; build a new one to change it.

    ``select``/``ignore`` take rule codes, code prefixes (``JG2``) or rule names.
    ``severity`` overrides a rule's default severity, e.g. ``{"JG401": WARNING}``.
    ``model_source`` records where the model came from, for the report.
    ``profile`` forces a file format (``None``: detect it per file); ``tokenizer`` is
    ``auto``, ``tiktoken``, ``quicktok`` or the path of a Hugging Face tokenizer.json,
    and ``max_seq_len`` is the token limit that goes with such a tokenizer.
    ``truncation_side`` (right: TRL's keep_start), ``loss`` (assistant-only,
    completion-only, all; ``None``: TRL's default for the profile), ``chat_template``
    (a file replacing the tokenizer's template) and ``packing`` say how the trainer
    builds sequences, for the training preview (docs/open-weight.md).
    ``max_line_bytes``: a longer line is skipped unread and reported (JG106).
    ``max_findings_per_rule`` findings of each rule are listed per file, the rest
    only counted (0: list them all). ``allow``: globs (``sk-test-*``,
    ``*@corp.example``) of secrets and personal data never reported (docs/secrets.md).
    ``near_duplicate_threshold``: the estimated similarity (0-1] from which two
    examples are reported as near-duplicates (JG314, JG315; docs/near-duplicates.md).
    """

    model: str = DEFAULT_MODEL
    model_source: str = "default"
    epochs: int | None = None
    max_cost: float | None = None
    min_examples: int | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    profile: str | None = None
    profile_source: str = "option"
    tokenizer: str = "auto"
    max_seq_len: int | None = None
    truncation_side: str = "right"
    loss: str | None = None
    chat_template: str | None = None
    packing: bool = False
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_findings_per_rule: int = DEFAULT_MAX_FINDINGS_PER_RULE
    allow: tuple[str, ...] = ()  # globs of known placeholders JG280/JG281 never report
    # Above these shares of the examples with a reply, JG312 and JG313 warn (docs/answers.md).
    repeated_answer_share: float = 0.1
    refusal_share: float = 0.05
    near_duplicate_threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD

    @property
    def training(self) -> TrainingSetup:
        """How the trainer builds sequences, for the providers that preview it."""
        return TrainingSetup(self.truncation_side, self.loss, self.chat_template, self.packing)
