"""The fine-tune run record: what was submitted, so nothing is lost and nothing is sent twice.

The record is a small JSON file rewritten atomically (temp file + rename) before
each step of a run completes: a crash or Ctrl-C leaves the last good state, and
``jsonl-guard finetune --resume RECORD`` continues from it.

A record is read back only through ``RunRecord.load``, which checks every field's type
and how the fields fit together (``FIELD_CHECKS``, ``_check_consistency``): a record
edited by hand or cut short is refused with the file, the field and what to do, never
half-believed (a corrupt "succeeded" must not report a tuned model).
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import JsonlGuardError

RECORD_VERSION = 1
# How every platform's job ends (``finetune.backend``: each backend maps its own words).
SUCCEEDED, FAILED, CANCELLED = "succeeded", "failed", "cancelled"
TERMINAL_STATUSES = (SUCCEEDED, FAILED, CANCELLED)
# The status while the job-creation request is out: the job may exist without an id here.
CREATING = "creating"


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
    # The platform's settings (project, bucket URI, role): never a credential.
    platform_settings: dict[str, str] = field(default_factory=dict)
    estimate: dict[str, Any] = field(default_factory=dict)
    training_file_id: str | None = None
    validation_file_id: str | None = None
    job_create_started: bool = False
    create_started_at: float | None = None  # wall-clock seconds when creation began
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
        """The record in ``path``, checked field by field; a ``RecordError`` (exit 2) else."""
        data = _read_json(path)
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            raise RecordError(f"{path} is not a jsonl-guard run record (version {RECORD_VERSION})")
        for name, check in FIELD_CHECKS.items():
            if name in data or name in _REQUIRED:
                problem = check(data.get(name)) if name in data else "is missing"
                if problem is not None:
                    raise _corrupt(path, name, problem)
        known = {f.name for f in fields(cls)}  # keys of other versions are left alone
        record = cls(**{k: v for k, v in data.items() if k in known})
        problem_field, problem = _check_consistency(record) or (None, None)
        if problem_field is not None and problem is not None:
            raise _corrupt(path, problem_field, problem)
        return record


def _read_json(path: Path) -> Any:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a folder, a FIFO (would block), a device
            raise RecordError(f"cannot read run record {path}: it is not a regular file")
        if info.st_size > MAX_RECORD_BYTES:
            raise RecordError(f"{path} is not a jsonl-guard run record (over 16 MB)")
        text = path.read_text("utf-8")
    except OSError as error:
        raise RecordError(f"cannot read run record {path}: {error.strerror or error}") from None
    except ValueError as error:  # not UTF-8
        raise RecordError(f"{path} is not a jsonl-guard run record ({error})") from None
    try:
        return json.loads(text)
    except ValueError as error:  # JSONDecodeError names the line and column
        raise RecordError(f"{path} is not a jsonl-guard run record ({error})") from None
    except RecursionError:
        raise RecordError(
            f"{path} is not a jsonl-guard run record (JSON nested too deeply to read)"
        ) from None


def _corrupt(path: Path, name: str, problem: str) -> RecordError:
    return RecordError(
        f"{path}: corrupt run record: {name!r} {problem}. Restore the file (or fix that "
        "field), then --resume again; or start over with `jsonl-guard finetune TRAIN.jsonl "
        "--new` (a job this run started keeps running: check your platform's job list)"
    )


# -- the record's schema: one check per field, None when the value is fine -----------------

Check = Callable[[Any], "str | None"]
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "a list", dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _text(*, optional: bool = False, pattern: re.Pattern[str] | None = None) -> Check:
    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            return f"must be a non-empty string{' or null' if optional else ''}, not {_kind(value)}"
        if pattern is not None and not pattern.fullmatch(value):
            return "must be a SHA-256 (64 hexadecimal digits)"
        return None

    return check


def _whole(*, low: int = 0, high: int | None = None) -> Check:
    def check(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number or null, not {_kind(value)}"
        if value < low or (high is not None and value > high):
            return f"must be between {low} and {high}" if high else f"must be {low} or more"
        return None

    return check


def _of(kind: type, what: str, *, optional: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if (value is None and optional) or (isinstance(value, kind) and type(value) is not bool):
            return None
        return f"must be {what}{' or null' if optional else ''}, not {_kind(value)}"

    return check


def _event_ids(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return "must be a list of strings (event ids)"
    return None


def _error(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return f"must be an object (code, message, param) or null, not {_kind(value)}"
    for key in ("code", "message", "param"):
        if value.get(key) is not None and not isinstance(value[key], str):
            return f"field {key!r} must be a string or null, not {_kind(value[key])}"
    return None


def _started_at(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        return "must be a time (seconds since 1970) or null"
    return None


def _settings(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"must be an object of platform settings, not {_kind(value)}"
    for key, item in value.items():
        if not isinstance(item, str):
            return f"setting {key!r} must be a string, not {_kind(item)}"
    return None


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {_kind(value)}"


# Every field of ``RunRecord`` with its check (``tests/test_finetune_record.py`` holds
# them in step with the dataclass).
FIELD_CHECKS: dict[str, Check] = {
    "run_id": _text(),
    "model": _text(),
    "training_path": _text(),
    "training_sha256": _text(pattern=_SHA256),
    "validation_path": _text(optional=True),
    "validation_sha256": _text(optional=True, pattern=_SHA256),
    "epochs": _whole(low=1, high=50),
    "suffix": _text(optional=True),
    "seed": _whole(),
    "method": _text(),
    "platform": _text(),
    "platform_settings": _settings,
    "estimate": _of(dict, "an object"),
    "training_file_id": _text(optional=True),
    "validation_file_id": _text(optional=True),
    "job_create_started": _flag,
    "create_started_at": _started_at,
    "job_id": _text(optional=True),
    "status": _text(),
    "fine_tuned_model": _text(optional=True),
    "error": _error,
    "trained_tokens": _whole(),
    "seen_event_ids": _event_ids,
    "version": _whole(low=RECORD_VERSION, high=RECORD_VERSION),
}
_REQUIRED = frozenset({"run_id", "model", "training_path", "training_sha256"})


def _check_consistency(record: RunRecord) -> tuple[str, str] | None:
    """The first field that contradicts the others, with why; ``None`` if they agree."""
    if (record.validation_path is None) != (record.validation_sha256 is None):
        return "validation_sha256", "must be given exactly when validation_path is"
    if record.validation_file_id is not None and record.validation_path is None:
        return "validation_file_id", "is set but the run has no validation_path"
    if record.job_id is not None and record.training_file_id is None:
        return "job_id", "is set but no training file was uploaded (training_file_id is null)"
    if record.job_id is None and record.finished:
        return "job_id", f"is null but the record says the job ended ({record.status})"
    return None


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
    from ..engine.lines import virtual_root  # only a new run needs the engine here

    virtual = virtual_root(folder)  # a record is never written on a kernel file system
    if virtual is not None:
        raise RecordError(
            f"cannot write the run record {path}: {virtual} is a kernel file system, not a "
            "place for files; choose a --record path in a normal folder (nothing was uploaded)"
        )
    if not folder.is_dir():
        reason = "is not a folder" if folder.exists() else "does not exist"
        raise RecordError(f"cannot write the run record {path}: the folder {folder} {reason}")
    try:  # a real write: permission bits alone miss read-only mounts and ACLs
        handle, probe = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=folder)
        os.close(handle)
        Path(probe).unlink()
    except OSError as error:
        raise RecordError(
            f"cannot write the run record {path}: cannot create a file in {folder}: "
            f"{error.strerror or error}"
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
