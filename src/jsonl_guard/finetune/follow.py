"""Following a fine-tuning job: poll it until it ends, show its status changes and new
events, and keep each in the run record (``FollowSettings``: how often, for how long).

``finetune.run`` submits the job, then hands it to a ``Follower``; the ``sleep`` and
``clock`` it waits with are parameters, so the tests follow a job without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExitCode
from .backend import FinetuneBackend, Job
from .console import Console, FinetuneStop
from .record import RunRecord

Sleep = Callable[[float], None]
Clock = Callable[[], float]


@dataclass
class Follower:
    """Polls a job until it ends, showing status changes and new events."""

    backend: FinetuneBackend
    record: RunRecord
    path: Path
    console: Console
    poll_interval: float
    timeout: float | None
    sleep: Sleep = time.sleep
    clock: Clock = time.monotonic

    def run(self) -> Job:
        assert self.record.job_id is not None
        started = self.clock()
        while True:
            job = self.backend.retrieve_job(self.record.job_id)
            self._show_events()
            self._update(job)
            if self.record.finished:
                return job
            elapsed = self.clock() - started
            if self.timeout is not None and elapsed >= self.timeout:
                raise FinetuneStop(
                    ExitCode.ERRORS,
                    f"timed out after {elapsed:,.0f} s; job {self.record.job_id} is still "
                    f"{job.status}. Resume with: jsonl-guard finetune --resume {self.path}",
                )
            self.console.status(f"job {self.record.job_id}: {job.status} ({elapsed:,.0f} s)")
            self.sleep(self.poll_interval)

    def _update(self, job: Job) -> None:
        changed = job.status != self.record.status
        self.record.status = job.status
        self.record.fine_tuned_model = job.fine_tuned_model
        self.record.trained_tokens = job.trained_tokens
        if job.error is not None and job.error.message:
            self.record.error = {
                "code": job.error.code,
                "message": job.error.message,
                "param": job.error.param,
            }
        if changed:
            self.record.save(self.path)
            self.console.say(f"status: {job.status}")

    def _show_events(self) -> None:
        assert self.record.job_id is not None
        events = self.backend.list_events(self.record.job_id)
        seen = set(self.record.seen_event_ids)
        fresh = [event for event in events if event.id not in seen]
        for event in sorted(fresh, key=lambda e: (e.created_at, e.id)):
            self.console.say(f"  [{event.level}] {event.message}")
            self.record.seen_event_ids.append(event.id)
        if fresh:
            self.record.save(self.path)


@dataclass
class FollowSettings:
    poll_interval: float = 10.0
    timeout: float | None = None
    smoke: Path | None = None
    sleep: Sleep = time.sleep
    clock: Clock = time.monotonic
