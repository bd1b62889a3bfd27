"""The OpenAI fine-tune backend (Azure OpenAI too): the ``openai`` SDK behind ``FinetuneBackend``.

The client comes from ``finetune.openai_client.make_client`` (credentials from the environment,
Azure chosen by its variables); errors are told by its ``describe_api_error``. ``openai``
is imported on first use only.

Every request goes through ``_send``, which retries here rather than in the SDK (the
client's own ``max_retries`` is 0 for each request): so job creation is sent exactly
once, and with a time limit (``set_time_limit``) each attempt's HTTP timeout and each
wait are cut to the time left. What the server answers is checked before it is used
(``answers.py``): a body that is not the API's JSON raises ``UnexpectedAnswer``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from ..untrusted import safe
from .answers import AnswerReader
from .backend import (
    CLOCK_SKEW,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    RUN_METADATA_KEY,
    FinetuneBackend,
    Job,
    JobEvent,
    Reply,
    TimeLimitReached,
    backoff,
)
from .record import RunRecord
from .time_limit import TimedRequests

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

    OpenAIClient = openai.OpenAI

T = TypeVar("T")
# A server may ask for a longer wait (``retry-after``); beyond this it is not waited for.
MAX_RETRY_AFTER = 60.0
# Pages of jobs ``find_jobs`` reads at most (100 jobs each, newest first).
MAX_JOB_PAGES = 10


class OpenAIBackend(TimedRequests, FinetuneBackend):
    """OpenAI's fine-tuning API: files, ``fine_tuning.jobs`` and chat completions."""

    platform: ClassVar[str] = "openai"
    # The job method for each profile the fine-tuning API takes from a plain file.
    job_methods: ClassVar[Mapping[str, str]] = {"openai-chat": "supervised", "openai-dpo": "dpo"}
    job_methods_note: ClassVar[str] = (
        "reinforcement fine-tuning also needs a grader, other providers their own tools"
    )

    def __init__(
        self, client: OpenAIClient | None = None, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        """``client``: an ``openai.OpenAI`` (or ``AzureOpenAI``) client to use as it is (its
        ``max_retries`` and ``timeout`` are kept); without one, ``connect`` makes one from
        the environment. ``sleep``: how to wait between retries."""
        self._client = client
        self._max_retries = DEFAULT_RETRIES if client is None else int(client.max_retries)
        self._timeout: Any = DEFAULT_TIMEOUT if client is None else client.timeout
        TimedRequests.__init__(self, sleep=sleep)

    @property
    def client(self) -> OpenAIClient:
        if self._client is None:
            raise RuntimeError("OpenAIBackend.connect() was not called")
        return self._client

    def check_settings(self) -> None:
        from .openai_client import check_endpoints

        check_endpoints()

    def connect(
        self, *, max_retries: int = DEFAULT_RETRIES, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        if self._client is None:
            from .openai_client import make_client

            self._client = make_client(max_retries=0, timeout=timeout)  # retried in _send
            self._max_retries, self._timeout = max_retries, timeout

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def secrets(self) -> tuple[str, ...]:
        client = self._client
        values = (getattr(client, "api_key", None), getattr(client, "_azure_ad_token", None))
        return tuple(value for value in values if isinstance(value, str) and value)

    def retryable(self, error: BaseException) -> bool:
        import openai

        if isinstance(error, openai.APIConnectionError):  # timeouts included
            return True
        if isinstance(error, openai.APIStatusError):
            status = error.status_code
            return status in (408, 409, 429) or status >= 500
        return False

    def describe_error(self, error: BaseException, step: str) -> str | None:
        import openai

        from .openai_client import describe_api_error

        if not isinstance(error, openai.OpenAIError):
            return None
        return safe(describe_api_error(error, step), self.secrets())

    def upload(self, path: Path) -> str:
        def send(client: OpenAIClient) -> Any:
            with path.open("rb") as stream:  # the exact bytes, as they are on disk; each try
                return client.files.create(file=(path.name, stream), purpose="fine-tune")

        answer = self._send("POST /files", send)
        return self._reader("POST /files").text(answer, "id")

    def create_job(self, record: RunRecord) -> Job:
        parameters = job_parameters(record)
        answer = self._send(
            "POST /fine_tuning/jobs",
            lambda client: client.fine_tuning.jobs.create(**parameters),
            retry=False,  # a lost answer may hide a started job: finetune.create looks first
        )
        return self._reader("POST /fine_tuning/jobs").job(answer)

    def find_jobs(self, record: RunRecord) -> Sequence[Job]:
        started = record.create_started_at
        since = None if started is None else started - CLOCK_SKEW
        reader = self._reader("GET /fine_tuning/jobs")
        tagged: list[Job] = []
        untagged: list[Job] = []
        after: str | None = None
        for _ in range(MAX_JOB_PAGES):
            page = self._send("GET /fine_tuning/jobs", functools.partial(_list_jobs, after=after))
            items = reader.items(page)
            for item in items:
                job = reader.job(item)
                after = job.id
                if since is not None and job.created_at is not None and job.created_at < since:
                    return tagged or untagged  # newest first: the rest are older still
                metadata = getattr(item, "metadata", None)
                if isinstance(metadata, dict) and metadata.get(RUN_METADATA_KEY) == record.run_id:
                    tagged.append(job)
                elif not metadata and _started_from(item, record):
                    untagged.append(job)  # a server that does not keep metadata
            # Without a start time only the newest page is read (records of older versions).
            if since is None or not items or getattr(page, "has_more", False) is not True:
                break
        return tagged or untagged

    def retrieve_job(self, job_id: str) -> Job:
        endpoint = "GET /fine_tuning/jobs/{id}"
        answer = self._send(endpoint, lambda c: c.fine_tuning.jobs.retrieve(job_id))
        return self._reader(endpoint).job(answer)

    def list_events(self, job_id: str) -> Sequence[JobEvent]:
        endpoint = "GET /fine_tuning/jobs/{id}/events"
        page = self._send(endpoint, lambda c: c.fine_tuning.jobs.list_events(job_id, limit=100))
        reader = self._reader(endpoint)
        return [reader.event(item) for item in reader.items(page)]

    def cancel_job(self, job_id: str) -> Job:
        endpoint = "POST /fine_tuning/jobs/{id}/cancel"
        answer = self._send(endpoint, lambda c: c.fine_tuning.jobs.cancel(job_id))
        return self._reader(endpoint).job(answer)

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        temperature: float | None = None,
        max_completion_tokens: int | None = None,
    ) -> Reply | None:
        import openai

        completion = self._send(
            "POST /chat/completions",
            lambda client: client.chat.completions.create(
                model=model,
                messages=cast("list[ChatCompletionMessageParam]", list(messages)),
                temperature=openai.omit if temperature is None else temperature,
                max_completion_tokens=max_completion_tokens or openai.omit,
            ),
        )
        return self._reader("POST /chat/completions").reply(completion)

    # -- sending -----------------------------------------------------------------------

    def _send(
        self, endpoint: str, request: Callable[[OpenAIClient], T], *, retry: bool = True
    ) -> T:
        """``request`` with this backend's retries and time limit (see the module's note)."""
        import openai

        attempt = 0
        while True:
            try:
                return request(self._one_request_client())
            except openai.OpenAIError as error:
                if isinstance(error, openai.APITimeoutError) and self._out_of_time():
                    raise TimeLimitReached("the run's --timeout ran out") from error
                if not retry or attempt >= self._max_retries or not self.retryable(error):
                    raise
                self._wait(_retry_after(error) or backoff(attempt), error)
                attempt += 1
            except (ValueError, TypeError, AttributeError) as error:
                # The SDK could not read the body (not JSON, a bare string...).
                raise self._reader(endpoint).unexpected(type(error).__name__) from None

    def _one_request_client(self) -> OpenAIClient:
        """The client for one attempt: no SDK retries, the HTTP timeout cut to the time left."""
        if self._left() is None:
            return self.client.with_options(max_retries=0)
        usual = self._timeout if isinstance(self._timeout, int | float) else DEFAULT_TIMEOUT
        return self.client.with_options(max_retries=0, timeout=self._attempt_timeout(usual))

    def _reader(self, endpoint: str) -> AnswerReader:
        return AnswerReader(endpoint, _server(self._client))


def _list_jobs(client: OpenAIClient, after: str | None) -> Any:
    import openai

    return client.fine_tuning.jobs.list(limit=100, after=openai.omit if after is None else after)


def _started_from(item: Any, record: RunRecord) -> bool:
    """The job was started from the run's uploaded training file, for its model."""
    training_file = getattr(item, "training_file", None)
    return training_file == record.training_file_id and getattr(item, "model", None) == record.model


def _retry_after(error: Exception) -> float | None:
    """The wait the server asked for (``retry-after-ms`` / ``retry-after`` in seconds)."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            seconds = float(headers.get(name, "")) * scale
        except (TypeError, ValueError):
            continue
        if 0 < seconds <= MAX_RETRY_AFTER:
            return seconds
    return None


def _server(client: Any) -> str:
    """The API's base URL without credentials, for messages."""
    from urllib.parse import urlsplit

    try:
        url = urlsplit(str(client.base_url))
        port = f":{url.port}" if url.port else ""
        return f"{url.scheme}://{url.hostname}{port}{url.path.rstrip('/')}"
    except (AttributeError, ValueError):
        return "the API"


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


__all__ = ["OpenAIBackend", "job_parameters"]
