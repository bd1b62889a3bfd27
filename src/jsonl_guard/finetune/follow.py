"""Following a fine-tuning job: poll it until it ends, show its status changes and new
events, and keep each in the run record (``FollowSettings``: how often, for how long).

``finetune.run`` submits the job, then hands it to a ``Follower``; the ``sleep`` and
``clock`` it waits with are parameters, so the tests follow a job without waiting.
The run's ``Deadline`` (``--timeout``) bounds the following too: the last wait is cut
to the time left, and the run stops (exit 2, the way to resume) when it is up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .backend import FinetuneBackend, Job, TimeLimitReached
from .calls import Clock, Deadline, Sleep
from .console import Console
from .record import RunRecord


@dataclass
class Follower:
    """Polls a job until it ends, showing status changes and new events."""

    backend: FinetuneBackend
    record: RunRecord
    path: Path
    console: Console
    poll_interval: float
    deadline: Deadline
    sleep: Sleep = time.sleep

    def run(self) -> Job:
        assert self.record.job_id is not None
        job_id = self.record.job_id
        while True:
            try:
                job = self.backend.retrieve_job(job_id)
                self._show_events()
            except TimeLimitReached:  # during a request: the same stop as between them
                raise self.deadline.stop("following the job", self.path, job_id) from None
            self._update(job)
            if self.record.finished:
                return job
            status = self.console.quote(job.status)
            doing = f"following the job (still {status})"
            if self.deadline.passed():
                raise self.deadline.stop(doing, self.path, job_id)
            elapsed = self.deadline.elapsed()
            self.console.status(f"job {self.console.quote(job_id)}: {status} ({elapsed:,.0f} s)")
            left = self.deadline.time_left()
            self.sleep(self.poll_interval if left is None else min(self.poll_interval, left))
            if self.deadline.passed():  # the last wait was cut to the time left
                raise self.deadline.stop(doing, self.path, job_id)

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
            self.console.say(f"status: {self.console.quote(job.status)}")

    def _show_events(self) -> None:
        assert self.record.job_id is not None
        events = self.backend.list_events(self.record.job_id)
        seen = set(self.record.seen_event_ids)
        fresh = [event for event in events if event.id not in seen]
        quote = self.console.quote
        for event in sorted(fresh, key=lambda e: (e.created_at, e.id)):
            self.console.say(f"  [{quote(event.level)}] {quote(event.message)}")
            self.record.seen_event_ids.append(event.id)
        if fresh:
            self.record.save(self.path)


@dataclass
class FollowSettings:
    poll_interval: float = 10.0
    timeout: float | None = None  # the whole run's, from its first request (``Deadline``)
    smoke: Path | None = None
    sleep: Sleep = time.sleep
    clock: Clock = time.monotonic


__all__ = ["Clock", "FollowSettings", "Follower", "Sleep"]
