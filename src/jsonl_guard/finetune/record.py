"""The fine-tune run record: what was submitted, so nothing is lost and nothing is sent twice.

The record is a small JSON file rewritten atomically (temp file + rename) before
each step of a run completes: a crash or Ctrl-C leaves the last good state, and
``jsonl-guard finetune --resume RECORD`` continues from it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import JsonlGuardError

RECORD_VERSION = 1
# How every platform's job ends (``finetune.backend``: each backend maps its own words).
SUCCEEDED, FAILED, CANCELLED = "succeeded", "failed", "cancelled"
TERMINAL_STATUSES = (SUCCEEDED, FAILED, CANCELLED)


class RecordError(JsonlGuardError, ValueError):
    """A run record that cannot be read or is not one of ours."""


@dataclass
class RunRecord:
    run_id: str
    model: str
    training_path: str
    training_sha256: str
    validation_path: str | None = None
    validation_sha256: str | None = None
    epochs: int | None = None
    suffix: str | None = None
    seed: int | None = None
    method: str = "supervised"  # the job's method type: supervised or dpo
    platform: str = "openai"  # the fine-tune backend (finetune.backends.BACKENDS) it runs on
    estimate: dict[str, Any] = field(default_factory=dict)
    training_file_id: str | None = None
    validation_file_id: str | None = None
    job_create_started: bool = False
    job_id: str | None = None
    status: str = "checked"
    fine_tuned_model: str | None = None
    error: dict[str, Any] | None = None
    trained_tokens: int | None = None
    seen_event_ids: list[str] = field(default_factory=list)
    version: int = RECORD_VERSION

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def save(self, path: Path) -> None:
        text = json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> RunRecord:
        try:
            data = json.loads(path.read_text("utf-8"))
        except OSError as error:
            raise RecordError(f"cannot read run record {path}: {error.strerror or error}") from None
        except ValueError as error:
            raise RecordError(f"{path} is not a jsonl-guard run record ({error})") from None
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            raise RecordError(f"{path} is not a jsonl-guard run record (version {RECORD_VERSION})")
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as error:
            raise RecordError(f"{path}: incomplete run record ({error})") from None


def default_record_path(training: Path) -> Path:
    """``data/train.jsonl`` -> ``data/train.jsonl.finetune.json``."""
    return training.with_name(training.name + ".finetune.json")
