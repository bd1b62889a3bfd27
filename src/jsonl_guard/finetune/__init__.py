"""``jsonl-guard finetune``: check, upload, start and follow a fine-tuning job, then smoke-test
the model.
"""

from __future__ import annotations

from .console import Console, FinetuneStop
from .estimate import estimate_lines
from .follow import Clock, Follower, FollowSettings, Sleep
from .run import (
    FinetuneRequest,
    T,
    cancel_finetune,
    check_files,
    check_smoke_file,
    choose_backend,
    confirm_or_stop,
    connect,
    finish,
    job_method,
    new_record,
    prepare,
    record_path,
    resume_finetune,
    run_finetune,
    sha256_of,
    submit,
    submit_and_follow,
)

__all__ = [
    "Clock",
    "Console",
    "FinetuneRequest",
    "FinetuneStop",
    "FollowSettings",
    "Follower",
    "Sleep",
    "T",
    "cancel_finetune",
    "check_files",
    "check_smoke_file",
    "choose_backend",
    "confirm_or_stop",
    "connect",
    "estimate_lines",
    "finish",
    "job_method",
    "new_record",
    "prepare",
    "record_path",
    "resume_finetune",
    "run_finetune",
    "sha256_of",
    "submit",
    "submit_and_follow",
]
