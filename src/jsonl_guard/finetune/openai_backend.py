"""The OpenAI fine-tune backend (Azure OpenAI too): the ``openai`` SDK behind ``FinetuneBackend``.

The client comes from ``finetune.openai_client.make_client`` (credentials from the environment,
Azure chosen by its variables, the SDK's retries); errors are told by its
``describe_api_error``. ``openai`` is imported on first use only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from .backend import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    RUN_METADATA_KEY,
    FinetuneBackend,
    Job,
    JobError,
    JobEvent,
    Reply,
)
from .record import RunRecord

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

    OpenAIClient = openai.OpenAI


class OpenAIBackend(FinetuneBackend):
    """OpenAI's fine-tuning API: files, ``fine_tuning.jobs`` and chat completions."""

    platform: ClassVar[str] = "openai"
    # The job method for each profile the fine-tuning API takes from a plain file.
    job_methods: ClassVar[Mapping[str, str]] = {"openai-chat": "supervised", "openai-dpo": "dpo"}
    job_methods_note: ClassVar[str] = (
        "reinforcement fine-tuning also needs a grader, other providers their own tools"
    )

    def __init__(self, client: OpenAIClient | None = None) -> None:
        """``client``: an ``openai.OpenAI`` (or ``AzureOpenAI``) client to use as it is;
        without one, ``connect`` makes one from the environment."""
        self._client = client

    @property
    def client(self) -> OpenAIClient:
        if self._client is None:
            raise RuntimeError("OpenAIBackend.connect() was not called")
        return self._client

    def connect(
        self, *, max_retries: int = DEFAULT_RETRIES, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        if self._client is None:
            from .openai_client import make_client

            self._client = make_client(max_retries=max_retries, timeout=timeout)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def describe_error(self, error: BaseException, step: str) -> str | None:
        import openai

        from .openai_client import describe_api_error

        if not isinstance(error, openai.OpenAIError):
            return None
        return describe_api_error(error, step)

    def upload(self, path: Path) -> str:
        with path.open("rb") as stream:  # the exact bytes, as they are on disk
            uploaded = self.client.files.create(file=(path.name, stream), purpose="fine-tune")
        return str(uploaded.id)

    def create_job(self, record: RunRecord) -> Job:
        return _job(self.client.fine_tuning.jobs.create(**job_parameters(record)))

    def find_job(self, record: RunRecord) -> Job | None:
        page = self.client.fine_tuning.jobs.list(limit=100)
        for job in page.data:
            metadata = getattr(job, "metadata", None) or {}
            if metadata.get(RUN_METADATA_KEY) == record.run_id:
                return _job(job)
        return None

    def retrieve_job(self, job_id: str) -> Job:
        return _job(self.client.fine_tuning.jobs.retrieve(job_id))

    def list_events(self, job_id: str) -> Sequence[JobEvent]:
        page = self.client.fine_tuning.jobs.list_events(job_id, limit=100)
        return [JobEvent(e.id, e.created_at, e.level, e.message) for e in page.data]

    def cancel_job(self, job_id: str) -> Job:
        return _job(self.client.fine_tuning.jobs.cancel(job_id))

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        temperature: float | None = None,
        max_completion_tokens: int | None = None,
    ) -> Reply | None:
        import openai

        completion = self.client.chat.completions.create(
            model=model,
            messages=cast("list[ChatCompletionMessageParam]", list(messages)),
            temperature=openai.omit if temperature is None else temperature,
            max_completion_tokens=max_completion_tokens or openai.omit,
        )
        if not completion.choices:
            return None
        choice = completion.choices[0]
        usage = completion.usage
        return Reply(
            content=choice.message.content or "",
            completion_tokens=usage.completion_tokens if usage is not None else None,
            finish_reason=choice.finish_reason,
            refusal=choice.message.refusal,
        )


def job_parameters(record: RunRecord) -> dict[str, Any]:
    """The ``fine_tuning.jobs.create`` arguments for a run."""
    parameters: dict[str, Any] = {
        "model": record.model,
        "training_file": record.training_file_id,
        "metadata": {RUN_METADATA_KEY: record.run_id},
        "method": {"type": record.method, record.method: {"hyperparameters": {}}},
    }
    if record.epochs is not None:
        parameters["method"][record.method]["hyperparameters"]["n_epochs"] = record.epochs
    for key in ("validation_file_id", "suffix", "seed"):
        value = getattr(record, key)
        if value is not None:
            parameters[key.removesuffix("_id")] = value
    return parameters


def _job(job: Any) -> Job:
    """The SDK's ``FineTuningJob`` as a ``Job``; OpenAI's statuses are the neutral ones."""
    error, message = job.error, getattr(job.error, "message", None)
    return Job(
        id=str(job.id),
        status=str(job.status),
        fine_tuned_model=job.fine_tuned_model,
        trained_tokens=job.trained_tokens,
        error=JobError(message, error.code, error.param) if message else None,
    )


__all__ = ["OpenAIBackend", "job_parameters"]
