"""How a fine-tune run calls its platform: within its time limit, and with one clear line
when a call fails for good.

``Deadline`` is ``finetune --timeout``: it starts with the first request of the run
(upload, job creation, following and the smoke test all count; checking the files and
the confirmation do not) and is handed to the backend (``set_time_limit``), which cuts
each request's HTTP timeout to what is left. ``api_call`` runs one call and turns what
is left of a failure (after the backend's retries) into a ``FinetuneStop`` that names
the step and how to resume.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..errors import ExitCode
from ..untrusted import printable
from .backend import FinetuneBackend, TimeLimitReached, failure_message
from .console import FinetuneStop

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass
class Deadline:
    """The run's time limit: ``timeout`` seconds from when it is made (``None``: none)."""

    timeout: float | None
    clock: Clock = time.monotonic
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def time_left(self) -> float | None:
        """Seconds left (never below 0); ``None`` without a limit."""
        return None if self.timeout is None else max(0.0, self.timeout - self.elapsed())

    def passed(self) -> bool:
        return self.timeout is not None and self.elapsed() >= self.timeout

    def stop(self, doing: str, record_file: Path, job_id: str | None = None) -> FinetuneStop:
        """The stop when the time is up ``doing`` something: exit 2, the way to resume."""
        lines = [
            f"--timeout {self.timeout:g} s reached while {doing} (after {self.elapsed():,.0f} s); "
            "the run record is kept.",
            f"  resume:     jsonl-guard finetune --resume {record_file}",
        ]
        if job_id is not None:
            lines[0] += f" Job {printable(job_id)} keeps running on the server."
            lines.append(f"  cancel it:  jsonl-guard finetune --cancel {record_file}")
        return FinetuneStop(ExitCode.USAGE, "\n".join(lines))


def failure(
    backend: FinetuneBackend,
    error: BaseException,
    step: str,
    record_file: Path | None,
    deadline: Deadline | None = None,
) -> FinetuneStop | None:
    """The stop for ``error`` raised by a backend call ``step``; ``None``: not the
    platform's error (a bug), to be raised on."""
    if isinstance(error, FinetuneStop):  # the run's own stop, already worded
        return error
    if isinstance(error, TimeLimitReached) and deadline is not None and record_file is not None:
        return deadline.stop(step, record_file)
    message = failure_message(backend, error, step)
    if message is None:
        return None
    if record_file is not None:
        message += f"\nThe run record is kept: jsonl-guard finetune --resume {record_file}"
    return FinetuneStop(ExitCode.USAGE, message)


def api_call(
    backend: FinetuneBackend,
    step: str,
    record_file: Path | None,
    call: Callable[[], T],
    deadline: Deadline | None = None,
) -> T:
    """Run one backend call; a failure left after its retries stops the run (``failure``)."""
    try:
        return call()
    except Exception as error:
        stop = failure(backend, error, step, record_file, deadline)
        if stop is None:
            raise
        raise stop from None


__all__ = ["Clock", "Deadline", "Sleep", "api_call", "failure"]
