"""Starting the fine-tuning job exactly once, whatever happens to the request.

A job-creation request whose answer is lost (the server started the job, then answered
500 or dropped the connection; a timeout; a kill -9 while waiting) may have started a
paid job. So the request is never retried blindly, by the SDK or here:

1. the record says ``creating`` (with the time) before the request is sent, so a run
   killed while waiting knows on ``--resume`` that a job may exist;
2. before every new attempt, and on ``--resume`` of such a record, the jobs are listed
   and one that is this run's (``FinetuneBackend.find_jobs``: tagged with the run's id,
   or on a server that drops the tag, started from the run's training file for its model
   since creation began) is adopted instead of creating another;
3. several candidates with nothing to tell them apart stop the run (exit 2) with their
   ids: the user decides.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import ExitCode
from .backend import DEFAULT_RETRIES, FinetuneBackend, Job, TimeLimitReached, backoff
from .calls import Deadline, Sleep, api_call, failure
from .console import Console, FinetuneStop
from .record import CANCELLED, CREATING, RunRecord

STEP = "creating the fine-tuning job"


def start_job(
    backend: FinetuneBackend,
    record: RunRecord,
    path: Path,
    console: Console,
    deadline: Deadline,
    sleep: Sleep = time.sleep,
) -> Job:
    """The run's job: one found again (a creation cut off before), else a new one."""
    if record.job_create_started or record.status == CREATING:  # it may exist
        job = find_job(
            backend, record, path, console, deadline, "looking for the job started before"
        )
        if job is not None:
            return _adopted(job, console)
    record.job_create_started = True
    if record.create_started_at is None:
        record.create_started_at = time.time()  # wall clock: compared with the server's
    record.status = CREATING
    record.save(path)
    for attempt in range(DEFAULT_RETRIES + 1):
        if attempt:
            _wait(backoff(attempt - 1), deadline, path, sleep)
            job = find_job(backend, record, path, console, deadline, "looking for the job")
            if job is not None:
                return _adopted(job, console)
        try:
            job = backend.create_job(record)
        except Exception as error:
            if isinstance(error, TimeLimitReached) or not backend.retryable(error):
                raise _stop(backend, error, record, path, deadline) from None
            if attempt == DEFAULT_RETRIES:
                raise _stop(backend, error, record, path, deadline, maybe_created=True) from None
            continue
        console.say(f"job {console.quote(job.id)} created ({console.quote(job.status)})")
        return job
    raise AssertionError("unreachable: the last attempt returns or raises")


def _adopted(job: Job, console: Console) -> Job:
    console.say(
        f"job {console.quote(job.id)} found ({console.quote(job.status)}): this run started "
        "it, its answer was lost; following it (no second job)"
    )
    return job


def find_job(
    backend: FinetuneBackend,
    record: RunRecord,
    path: Path,
    console: Console,
    deadline: Deadline,
    step: str,
) -> Job | None:
    """This run's job if one was started; ``None`` if none; a stop when it is ambiguous."""
    found = api_call(backend, step, path, lambda: backend.find_jobs(record), deadline)
    jobs = _one_if_possible(found)
    if not jobs:
        return None
    if len(jobs) == 1:
        return jobs[0]
    ids = ", ".join(console.quote(job.id) for job in jobs)
    raise FinetuneStop(
        ExitCode.USAGE,
        f"cannot tell which job this run started: {ids} were all started from "
        f"{record.training_file_id} for {record.model} since this run began creating one, "
        "and the server keeps no tag to tell them apart. No job was created.\n"
        "  keep one: cancel the others (on the platform), then run "
        f"jsonl-guard finetune --resume {path}\n"
        f"  or start over: jsonl-guard finetune {record.training_path} --new",
    )


def _one_if_possible(jobs: Sequence[Job]) -> Sequence[Job]:
    """Several candidates of which one alone is not cancelled: that one (the user
    cancelled the others, as the ambiguity message asks)."""
    if len(jobs) > 1:
        live = [job for job in jobs if job.status != CANCELLED]
        if len(live) == 1:
            return live
    return jobs


def _wait(seconds: float, deadline: Deadline, path: Path, sleep: Sleep) -> None:
    left = deadline.time_left()
    if left is not None and seconds >= left:
        raise deadline.stop(STEP, path)
    sleep(seconds)


def _stop(
    backend: FinetuneBackend,
    error: Exception,
    record: RunRecord,
    path: Path,
    deadline: Deadline,
    *,
    maybe_created: bool = False,
) -> Exception:
    stop = failure(backend, error, STEP, path, deadline)
    if stop is None:
        return error  # not the platform's error: a bug, raised as it is
    if maybe_created or isinstance(error, TimeLimitReached):
        stop = FinetuneStop(
            stop.exit_code,
            f"{stop}\nThe job may have been started all the same: --resume looks for it "
            "before it starts one, so it is never started twice.",
        )
    record.save(path)
    return stop


__all__ = ["STEP", "find_job", "start_job"]
