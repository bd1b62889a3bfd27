"""The interface of a fine-tuning platform: ``FinetuneBackend`` and the values it returns.

``jsonl-guard finetune`` (check, estimate, confirm, record, submit, follow, finish) and
``jsonl-guard smoke`` talk to a platform only through a ``FinetuneBackend``; nothing
else in the package knows a platform's SDK. OpenAI (with Azure OpenAI, chosen by
environment variables) is ``finetune.openai_backend.OpenAIBackend``. This module is the
interface only (it imports no backend); ``finetune.backends`` is the registry of the
platforms and finds the backend for a model.

Adding a platform is one module plus its tests
==============================================

1. A module ``finetune/<platform>_backend.py`` with a subclass of ``FinetuneBackend``
   (it imports this module, never ``finetune.backends``): set ``platform`` and
   ``job_methods``, implement the abstract methods. Import the platform's SDK inside
   the methods (``connect`` first), never at module level, so ``jsonl-guard check``
   never pays for it.
   The settings it needs beyond credentials (a project, a bucket URI, a role) are
   named in ``options``; each is a row of ``finetune.settings.PLATFORM_OPTIONS`` (one
   ``--flag`` of ``finetune`` and ``smoke``), added there if new. The run passes them to
   ``configure`` and keeps them in its record; ``check_settings`` completes them from
   the environment and refuses a missing or malformed one before any file is read.
2. One entry in ``BACKENDS`` in ``finetune/backends.py`` (a factory that imports the
   module lazily). Models whose ``provider`` (``providers/*/provider.toml``) is the
   platform's name then go to it; a provider spelt otherwise needs an entry in
   ``PROVIDER_PLATFORMS`` there too.
3. Tests: ``tests/test_finetune_backend.py`` runs a whole ``jsonl-guard finetune`` with
   a toy in-memory backend; it is the walk-through.

The contract, beyond the signatures:

* The constructor is cheap and offline (no credentials, no network): the run builds
  the backend before checking the files, to know the job methods, and calls
  ``connect()`` only when it is about to upload.
* ``create_job`` sends ONE request, never retried (not even by the SDK: a request whose
  answer was lost may have started a paid job). It tags the job with the run's id
  (``record.run_id``, under ``RUN_METADATA_KEY`` where the platform takes metadata or
  labels). ``find_jobs`` lists the jobs that may be the run's: those tagged with its
  id, else (a server that drops the tag) those started from ``record.training_file_id``
  for ``record.model`` since ``record.create_started_at`` less ``CLOCK_SKEW``. The run
  (``finetune.create``) looks before every new attempt and on ``--resume``, so a job
  is created once.
* Every other method may retry (rate limits, 5xx, connection errors) up to the
  ``max_retries`` of ``connect``; ``retryable`` says which errors a retry may cure.
* After ``set_time_limit(time_left)`` no request may outlast ``time_left()`` seconds,
  retries and waits included (the HTTP timeout is cut to what is left); when it runs
  out the method raises ``TimeLimitReached``.
* An answer that is not the platform's (HTML from a proxy, a body that is not JSON,
  a job without an id) raises ``UnexpectedAnswer`` naming the endpoint, never an
  ``AttributeError`` from deep in the SDK.
* A ``Job``'s ``status`` is shown to the user and kept in the run record as it is: the
  platform's own word while the job runs, but exactly one of ``SUCCEEDED``, ``FAILED``
  or ``CANCELLED`` once it has ended (the run stops following on those).
* The SDK's own retries (rate limits, 5xx, connection errors) happen inside the
  methods; what still fails is raised as the SDK raised it, and ``describe_error``
  turns it into the one line the user sees. Other exceptions pass through.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..errors import JsonlGuardError
from ..untrusted import safe
from .record import CANCELLED, FAILED, SUCCEEDED, TERMINAL_STATUSES, RunRecord

# The key (or label) under which a job carries the id of the run that created it.
RUN_METADATA_KEY = "jsonl_guard_run"
DEFAULT_RETRIES = 3
DEFAULT_TIMEOUT = 120.0  # seconds per request
# How far the platform's clock may be behind ours when ``find_jobs`` compares a job's
# creation time with ``record.create_started_at`` (seconds).
CLOCK_SKEW = 600.0
# Seconds left before the run's time limit; ``None``: no limit.
TimeLeft = Callable[[], float | None]


def backoff(attempt: int) -> float:
    """Seconds to wait before retry ``attempt + 1``: 0.5, 1, 2, 4, 8, 8, ... less up to a
    quarter, so clients that failed together do not retry together (the OpenAI SDK's
    schedule)."""
    return min(0.5 * 2.0 ** min(attempt, 16), 8.0) * (1 - 0.25 * random.random())


def failure_message(backend: FinetuneBackend, error: BaseException, step: str) -> str | None:
    """The one line shown for a failed call ``step``, secrets masked: the backend's own
    errors (a time limit, an unexpected answer) as worded, the SDK's by ``describe_error``;
    ``None``: neither (a bug, raised on)."""
    if isinstance(error, JsonlGuardError):
        return safe(f"{step} failed: {error}", backend.secrets())
    return backend.describe_error(error, step)


class TimeLimitReached(JsonlGuardError):
    """The run's time limit (``finetune --timeout``) ran out before or during a request."""


class UploadMismatch(JsonlGuardError):
    """The platform stored something other than the bytes that were checked (by size,
    hash or MD5, whichever it reports): nothing may be trained on it."""


class UnexpectedAnswer(JsonlGuardError):
    """The server answered something that is not the platform API's answer."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the model answered: the text the expectations are checked against."""

    content: str
    completion_tokens: int | None = None  # usage.completion_tokens, when the server sent it
    finish_reason: str | None = None
    refusal: str | None = None


@dataclass(frozen=True)
class JobError:
    """Why a job failed, as the platform says it."""

    message: str
    code: str | None = None
    param: str | None = None


@dataclass(frozen=True)
class Job:
    """A fine-tuning job as the run sees it (see the module's note on ``status``)."""

    id: str
    status: str
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    error: JobError | None = None
    created_at: int | None = None  # seconds since the epoch, as the platform says


@dataclass(frozen=True)
class JobEvent:
    """One line of a job's log; ``id`` is unique within the job."""

    id: str
    created_at: int  # seconds since the epoch
    level: str  # "info", "warn", "error", ...
    message: str


class FinetuneBackend(ABC):
    """One fine-tuning platform: upload, jobs, their events, and chat for smoke tests."""

    # The platform's name: its key in ``finetune.backends.BACKENDS``, kept in the run record.
    platform: ClassVar[str]
    # The file formats (profiles) the platform fine-tunes on, each with its job method.
    job_methods: ClassVar[Mapping[str, str]]
    # Said after the list of formats when a file is in another one ("" for nothing).
    job_methods_note: ClassVar[str] = ""
    # Whether its jobs take ``--seed``; a run with a seed for one that does not is
    # refused before anything is uploaded (a seed silently dropped is a run that
    # cannot be reproduced).
    takes_seed: ClassVar[bool] = True
    # The platform settings it takes (names in ``finetune.settings.PLATFORM_OPTIONS``).
    options: ClassVar[tuple[str, ...]] = ()

    @property
    def settings(self) -> dict[str, str]:
        """The settings of this run (``configure``), kept in the run record: never a
        credential."""
        if not hasattr(self, "_settings"):
            self._settings: dict[str, str] = {}
        return self._settings

    def configure(self, settings: Mapping[str, str]) -> None:
        """Take the run's platform settings (given, or read back from its record); a
        ``JsonlGuardError`` for one the platform does not take. Offline, like the
        constructor; ``check_settings`` completes and checks them."""
        from .settings import refuse_unknown

        refuse_unknown(self.platform, self.options, settings)
        self._settings = dict(settings)

    def smoke_model(self, record: RunRecord) -> str | None:
        """The model a finished run's smoke test talks to (the tuned model by default);
        ``None`` when the platform serves none by itself (``smoke_unavailable`` says why)."""
        return record.fine_tuned_model

    def smoke_unavailable(self, record: RunRecord) -> str:
        """Why there is no model to smoke-test, and what to do (when ``smoke_model`` is None)."""
        return f"{self.platform} names no model to smoke-test for job {record.job_id}"

    def check_settings(self) -> None:  # noqa: B027 - nothing to check by default
        """Check what needs neither the network nor credentials (an endpoint's URL, a
        bucket URI, a required setting), so a setting that cannot work stops a run before
        its files are checked; raise a ``JsonlGuardError`` naming the setting (its flag
        and environment variable). Fill in ``settings`` from the environment where the
        platform reads one (a project), so the record keeps what the run used."""

    def check_smoke_settings(self) -> None:
        """``check_settings`` for ``jsonl-guard smoke``, which uploads nothing and starts
        no job: a platform whose upload settings (a bucket, a role) are required by
        ``finetune`` only leaves them out here. By default the same checks."""
        self.check_settings()

    def begin_run(self, record: RunRecord) -> None:  # noqa: B027 - nothing to note by default
        """The run this backend uploads and starts a job for, told before its first upload
        (and again on ``--resume``): a platform that names the objects it stores (a Cloud
        Storage or S3 key) puts ``record.run_id`` in the name, so runs never share one. A
        ``JsonlGuardError`` here refuses a run the platform cannot start (a job parameter
        it does not take) before anything is uploaded."""

    def connect(  # noqa: B027 - a platform without credentials needs nothing here
        self, *, max_retries: int = DEFAULT_RETRIES, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        """Get ready to send requests: credentials from the environment, the SDK client.

        Raise a ``JsonlGuardError`` naming what to set (or install) when that fails.
        ``max_retries`` and ``timeout`` apply to every request.
        """

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release what ``connect`` opened."""

    def set_time_limit(self, time_left: TimeLeft | None) -> None:  # noqa: B027
        """Bound every request from now on by ``time_left()`` (see the module's note).

        A backend that cannot bound its requests may ignore it: the run still stops
        between requests when the time is up.
        """

    def retryable(self, error: BaseException) -> bool:
        """Whether sending the request again may succeed (a rate limit, a 5xx, a lost
        connection, a timeout). For ``create_job`` it also means the job may exist."""
        return False

    def secrets(self) -> tuple[str, ...]:
        """The credentials in use (however they were given), masked in anything printed."""
        return ()

    @abstractmethod
    def describe_error(self, error: BaseException, step: str) -> str | None:
        """``"<step> failed: <why>"`` on one line, without secrets, for an error of the
        platform's SDK; ``None`` for any other exception (it is raised on). The backend's
        own errors (``JsonlGuardError``) never reach it: ``failure_message`` words them."""

    @abstractmethod
    def upload(self, path: Path) -> str:
        """Upload the file's exact bytes for fine-tuning; return the platform's file id."""

    @abstractmethod
    def create_job(self, record: RunRecord) -> Job:
        """Start the job ``record`` describes (``model``, ``method``, the uploaded file ids,
        ``epochs``, ``suffix``, ``seed``), tagged with ``record.run_id``; one request,
        never retried."""

    @abstractmethod
    def find_jobs(self, record: RunRecord) -> Sequence[Job]:
        """The jobs that may be this run's (see the module's note): empty if none was
        created."""

    @abstractmethod
    def retrieve_job(self, job_id: str) -> Job:
        """The job as it is now."""

    @abstractmethod
    def list_events(self, job_id: str) -> Sequence[JobEvent]:
        """The job's recent events, in any order; the run shows those it has not seen."""

    @abstractmethod
    def cancel_job(self, job_id: str) -> Job:
        """Ask the platform to cancel the job; return it as it is then."""

    @abstractmethod
    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        temperature: float | None = None,
        max_completion_tokens: int | None = None,
    ) -> Reply | None:
        """Send chat ``messages`` to ``model`` (``None``: send no such parameter); the
        reply's text and completion tokens, or ``None`` when the answer holds no reply."""


__all__ = [
    "CANCELLED",
    "CLOCK_SKEW",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "FAILED",
    "RUN_METADATA_KEY",
    "SUCCEEDED",
    "TERMINAL_STATUSES",
    "FinetuneBackend",
    "Job",
    "JobError",
    "JobEvent",
    "Reply",
    "TimeLeft",
    "TimeLimitReached",
    "UnexpectedAnswer",
    "UploadMismatch",
    "backoff",
    "failure_message",
]
