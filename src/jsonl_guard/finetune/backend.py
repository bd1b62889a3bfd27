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
* ``create_job`` tags the job with the run's id (``record.run_id``, under
  ``RUN_METADATA_KEY`` where the platform takes metadata or labels); ``find_job``
  finds it by that tag. Together they make a resumed run adopt a job whose creation
  was cut off instead of submitting a second one.
* A ``Job``'s ``status`` is shown to the user and kept in the run record as it is: the
  platform's own word while the job runs, but exactly one of ``SUCCEEDED``, ``FAILED``
  or ``CANCELLED`` once it has ended (the run stops following on those).
* The SDK's own retries (rate limits, 5xx, connection errors) happen inside the
  methods; what still fails is raised as the SDK raised it, and ``describe_error``
  turns it into the one line the user sees. Other exceptions pass through.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from .record import CANCELLED, FAILED, SUCCEEDED, TERMINAL_STATUSES, RunRecord

# The key (or label) under which a job carries the id of the run that created it.
RUN_METADATA_KEY = "jsonl_guard_run"
DEFAULT_RETRIES = 3
DEFAULT_TIMEOUT = 120.0  # seconds per request


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

    def connect(  # noqa: B027 - a platform without credentials needs nothing here
        self, *, max_retries: int = DEFAULT_RETRIES, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        """Get ready to send requests: credentials from the environment, the SDK client.

        Raise a ``JsonlGuardError`` naming what to set (or install) when that fails.
        ``max_retries`` and ``timeout`` apply to every request.
        """

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release what ``connect`` opened."""

    @abstractmethod
    def describe_error(self, error: BaseException, step: str) -> str | None:
        """``"<step> failed: <why>"`` on one line, without secrets, for an error of the
        platform's SDK; ``None`` for any other exception (it is raised on)."""

    @abstractmethod
    def upload(self, path: Path) -> str:
        """Upload the file's exact bytes for fine-tuning; return the platform's file id."""

    @abstractmethod
    def create_job(self, record: RunRecord) -> Job:
        """Start the job ``record`` describes (``model``, ``method``, the uploaded file ids,
        ``epochs``, ``suffix``, ``seed``), tagged with ``record.run_id``."""

    @abstractmethod
    def find_job(self, record: RunRecord) -> Job | None:
        """The job tagged with ``record.run_id``, if one was created; else ``None``."""

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
]
