"""The fine-tune run record: what was submitted, so nothing is lost and nothing is sent twice.

The record is a small JSON file rewritten atomically (temp file + rename) before
each step of a run completes: a crash or Ctrl-C leaves the last good state, and
``jsonl-guard finetune --resume RECORD`` continues from it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
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
        # The folder was checked by ``claim_record_path``; it is never created here.
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


# A run record is a few kilobytes (its event ids included); a bigger file is not one
# of ours, and is not read whole to find out.
MAX_RECORD_BYTES = 16 * 1024 * 1024


def claim_record_path(path: Path, inputs: Iterable[Path | None], *, new: bool = False) -> Path:
    """Where a new run's record is written; a ``RecordError`` (exit 2) before any upload.

    Never an input file (compared resolved), a folder, a path in a folder that is
    missing or cannot be written, or an existing file that is not a run record. A
    record of an unfinished run is kept: it is refused, or with ``new`` the new
    record goes beside it (``NAME.2.json``, the first free number).
    """
    from ..engine.checker import same_file  # only a new run needs the engine here

    for item in inputs:
        if item is not None and same_file(item, path):
            raise RecordError(
                f"the run record {path} would overwrite the input file {item}: choose another "
                "--record path (nothing was uploaded)"
            )
    if path.is_dir():
        raise RecordError(f"cannot write the run record {path}: it is a directory")
    _check_folder(path)
    if not path.exists() and not path.is_symlink():
        return path
    record = _existing_record(path)
    if not new and not record.finished:
        raise RecordError(
            f"{path} records run {record.run_id}, which is not finished (job "
            f"{record.job_id or 'not created yet'}, status {record.status}); a new run would "
            "start a second paid job, so nothing was uploaded.\n"
            f"  follow it:  jsonl-guard finetune --resume {path}\n"
            f"  cancel it:  jsonl-guard finetune --cancel {path}\n"
            "  or start another run anyway with --new (this record is kept)"
        )
    return _beside(path) if new else path


def _check_folder(path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        reason = "is not a folder" if folder.exists() else "does not exist"
        raise RecordError(f"cannot write the run record {path}: the folder {folder} {reason}")
    try:  # a real write: permission bits alone miss read-only mounts and ACLs
        handle, probe = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=folder)
        os.close(handle)
        Path(probe).unlink()
    except OSError as error:
        raise RecordError(
            f"cannot write the run record {path}: {error.strerror or error}"
        ) from None


def _existing_record(path: Path) -> RunRecord:
    refusal = (
        f"{path} exists and is not a jsonl-guard run record: refusing to overwrite it "
        "(nothing was uploaded); choose another --record path"
    )
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            raise RecordError(refusal)
    except OSError as error:
        raise RecordError(f"cannot read run record {path}: {error.strerror or error}") from None
    try:
        return RunRecord.load(path)
    except RecordError:
        raise RecordError(refusal) from None


def _beside(path: Path) -> Path:
    """``run.json`` -> ``run.2.json`` (``run`` -> ``run.2``): the first name not taken."""
    stem, suffix = (path.name[:-5], ".json") if path.name.endswith(".json") else (path.name, "")
    number = 2
    while True:
        candidate = path.with_name(f"{stem}.{number}{suffix}")
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
        number += 1
