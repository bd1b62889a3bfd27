"""The Fireworks AI fine-tune backend: the ``fireworks-ai`` SDK behind ``FinetuneBackend``.

What a run does on Fireworks (REST paths: ``shared/reference/platform-apis.md`` §4):

* upload: a dataset ``accounts/{account}/datasets/jg-<sha256 of the bytes>``
  (``datasets.create``), then the file in one request (``datasets.upload``, at most
  150 MB), whose answer must name exactly the file's size; then the dataset is read
  back until it is ``READY``. The id is the content's hash because ``upload`` is given
  the file alone: a create retried after a lost answer (409: it exists) adopts that
  dataset, which holds these very bytes, and two runs never write into each other's.
* the job: ``supervised_fine_tuning_jobs.create`` with a job id of our own,
  ``jg-<run id>``: Fireworks puts it in the job's name, so the job of a cut-off
  creation is found again by ``get`` (and a second create of that id is refused by the
  server). Its display name carries the run id too, for a server that ignores the id.
* following: ``get``; ``JOB_STATE_*`` as it is while the job runs (the SDK has no
  event list for these jobs: ``list_events`` is empty); cancel: ``cancel`` then ``get``.
* the tuned model is ``accounts/{account}/models/{output model}``. Fireworks serves a
  LoRA fine-tune only on a deployment, not serverless (docs: deploying-loras), so the
  smoke test runs only against ``--smoke-model`` (a deployed model); without one the
  run says how to deploy and smoke-test later.

Every request goes through ``_send`` (as in ``openai_backend``): the SDK's retries are
off, rate limits, 5xx and lost connections are retried here, never a job creation, and
each attempt's timeout and each wait are cut to the run's time left.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from ..errors import JsonlGuardError
from .backend import (
    CLOCK_SKEW,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    FinetuneBackend,
    Job,
    JobEvent,
    Reply,
    TimeLimitReached,
    UploadMismatch,
    backoff,
)
from .fireworks_client import (
    ACCOUNT_VARIABLE,
    FireworksAnswers,
    base_model,
    check_account,
    check_base_url,
    describe_api_error,
    display_name,
    job_id_for,
    job_parameters,
    make_client,
    retry_after,
    server,
)
from .record import RunRecord
from .time_limit import TimedRequests

if TYPE_CHECKING:
    import fireworks

T = TypeVar("T")
# datasets.upload takes at most 150 MB ("For larger file sizes use Get Dataset Upload
# Endpoint", fireworks/resources/datasets.py).
MAX_UPLOAD_BYTES = 150 * 1024 * 1024
# How long an uploaded dataset may stay UPLOADING before the run stops (resumable).
READY_WAIT = 120.0
MAX_JOB_PAGES = 5  # of 200 jobs each, for a server that ignored the job id
JOBS = "/v1/accounts/{account}/supervisedFineTuningJobs"
DATASETS = "/v1/accounts/{account}/datasets"


class FireworksBackend(TimedRequests, FinetuneBackend):
    """Fireworks AI: datasets, supervised fine-tuning jobs and chat completions."""

    platform: ClassVar[str] = "fireworks"
    takes_seed: ClassVar[bool] = False  # the job API has no seed
    job_methods: ClassVar[Mapping[str, str]] = {"fireworks-chat": "supervised"}
    job_methods_note: ClassVar[str] = "DPO and reinforcement fine-tuning need Fireworks' own tools"
    options: ClassVar[tuple[str, ...]] = ("account", "smoke_model")

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client: fireworks.Fireworks | None = None
        self._max_retries = DEFAULT_RETRIES
        self._timeout: float | None = DEFAULT_TIMEOUT
        TimedRequests.__init__(self, sleep=sleep)

    # -- settings and connection -------------------------------------------------------

    @property
    def account(self) -> str:
        return check_account(self.settings.get("account") or os.environ.get(ACCOUNT_VARIABLE))

    @property
    def client(self) -> fireworks.Fireworks:
        if self._client is None:
            raise RuntimeError("FireworksBackend.connect() was not called")
        return self._client

    def check_settings(self) -> None:
        self.settings["account"] = self.account  # kept in the record: --resume uses it
        check_base_url()

    def connect(
        self, *, max_retries: int = DEFAULT_RETRIES, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        if self._client is None:
            self._client = make_client(self.account, timeout)
            self._max_retries, self._timeout = max_retries, timeout

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def secrets(self) -> tuple[str, ...]:
        key = getattr(self._client, "api_key", None)
        return (key,) if isinstance(key, str) and key else ()

    def retryable(self, error: BaseException) -> bool:
        import fireworks as sdk

        if isinstance(error, sdk.APIConnectionError):  # timeouts included
            return True
        if isinstance(error, sdk.APIStatusError):
            status = error.status_code
            return status in (408, 409, 429) or status >= 500
        return False

    def describe_error(self, error: BaseException, step: str) -> str | None:
        return describe_api_error(error, step, self.secrets())

    def smoke_model(self, record: RunRecord) -> str | None:
        return self.settings.get("smoke_model")

    def smoke_unavailable(self, record: RunRecord) -> str:
        model = record.fine_tuned_model or "the tuned model"
        return (
            f"Fireworks serves a LoRA fine-tune only on a deployment (not serverless). Deploy "
            f"{model} (firectl deployment create {model}), then run "
            f"jsonl-guard smoke SMOKE.jsonl --platform fireworks --model {model}; "
            "or give --smoke-model a deployed model when you start a run"
        )

    # -- the dataset -------------------------------------------------------------------

    def upload(self, path: Path) -> str:
        digest, size, examples = _measure(path)
        if size > MAX_UPLOAD_BYTES:
            raise JsonlGuardError(
                f"{path} is {size:,} bytes; jsonl-guard uploads at most 150 MB to Fireworks "
                "in one request: split the file, or upload it with firectl (nothing was uploaded)"
            )
        dataset_id = "jg-" + digest[:40]
        name = f"accounts/{self.account}/datasets/{dataset_id}"
        existing = self._create_dataset(dataset_id, examples, path.name)
        if existing is not None and _get(existing, "state") == "READY":
            return name  # these bytes, uploaded before (the id is their hash)
        endpoint = f"POST {DATASETS}/{{id}}:upload"

        def send(client: fireworks.Fireworks) -> Any:
            with path.open("rb") as stream:  # the exact bytes, as they are on disk; each try
                return client.datasets.upload(dataset_id, file=(path.name, stream))

        stored = self._reader(endpoint).optional_whole(self._send(endpoint, send), "bytes")
        if stored != size:
            # Deleted, so that no run adopts it by its name (the hash of the right bytes).
            self._send(f"DELETE {DATASETS}/{{id}}", lambda c: c.datasets.delete(dataset_id))
            amount = "an unknown number of" if stored is None else f"{stored:,}"
            raise UploadMismatch(
                f"Fireworks stored {amount} bytes for {path}, which has {size:,}: the upload "
                f"is not the checked file (dataset {dataset_id} deleted); try again later"
            )
        self._wait_until_ready(dataset_id, name)
        return name

    def _create_dataset(self, dataset_id: str, examples: int, filename: str) -> Any | None:
        """Create the dataset; ``None`` if it was made now, the dataset if it existed."""
        import fireworks as sdk

        dataset = {
            "user_uploaded": {},
            "example_count": str(examples),
            "format": "CHAT",
            "display_name": filename[:60],
        }
        try:
            self._send(
                f"POST {DATASETS}",
                lambda c: c.datasets.create(dataset_id=dataset_id, dataset=cast(Any, dataset)),
            )
            return None
        except sdk.ConflictError:  # made before, or by an attempt whose answer was lost
            pass
        endpoint = f"GET {DATASETS}/{{id}}"
        found = self._send(endpoint, lambda c: c.datasets.get(dataset_id))
        count = self._reader(endpoint).optional_text(found, "example_count")
        if count is not None and count != str(examples):
            raise UploadMismatch(
                f"Fireworks dataset {dataset_id} exists with {count} examples, not the "
                f"{examples} of {filename}: it is not this file's (nothing was uploaded)"
            )
        return found

    def _wait_until_ready(self, dataset_id: str, name: str) -> None:
        endpoint = f"GET {DATASETS}/{{id}}"
        waited, attempt = 0.0, 0
        while True:
            answer = self._send(endpoint, lambda c: c.datasets.get(dataset_id))
            state = self._reader(endpoint).optional_text(answer, "state")
            if state != "UPLOADING":
                return  # READY (or a server that does not say)
            if waited >= READY_WAIT:
                raise JsonlGuardError(
                    f"dataset {name} is still being processed after {waited:,.0f} s; "
                    "resume later (the upload is kept)"
                )
            pause = backoff(attempt)
            self._wait(pause, None)
            waited, attempt = waited + pause, attempt + 1

    # -- the job -----------------------------------------------------------------------

    def create_job(self, record: RunRecord) -> Job:
        parameters = job_parameters(record)
        endpoint = f"POST {JOBS}"
        answer = self._send(
            endpoint,
            lambda c: c.supervised_fine_tuning_jobs.create(**parameters),
            retry=False,  # a lost answer may hide a started job: finetune.create looks first
        )
        return self._reader(endpoint).job(answer, self.account)

    def find_jobs(self, record: RunRecord) -> Sequence[Job]:
        import fireworks as sdk

        endpoint = f"GET {JOBS}/{{id}}"
        job_id = job_id_for(record)
        try:
            answer = self._send(endpoint, lambda c: c.supervised_fine_tuning_jobs.get(job_id))
            return [self._reader(endpoint).job(answer, self.account)]
        except sdk.NotFoundError:
            return self._list_jobs(record)

    def _list_jobs(self, record: RunRecord) -> list[Job]:
        """Jobs named for the run (display name), else started from its dataset for its
        model since creation began: for a server that ignored the job id."""
        started = record.create_started_at
        since = None if started is None else started - CLOCK_SKEW
        endpoint = f"GET {JOBS}"
        reader = self._reader(endpoint)
        tag, base = display_name(record), base_model(record.model)
        tagged: list[Job] = []
        untagged: list[Job] = []
        token: str | None = None
        for _ in range(MAX_JOB_PAGES):
            page = self._send(endpoint, functools.partial(_list_page, token=token))
            items = _get(page, "supervised_fine_tuning_jobs")
            if not isinstance(items, list):
                raise reader.unexpected("'supervisedFineTuningJobs' is not a list")
            for item in items:
                job = reader.job(item, self.account)
                if _get(item, "display_name") == tag:
                    tagged.append(job)
                elif (
                    _get(item, "dataset") == record.training_file_id
                    and _get(item, "base_model") == base
                    and (since is None or (job.created_at or 0) >= since)
                ):
                    untagged.append(job)
            token = reader.optional_text(page, "next_page_token")
            if not token:
                break
        return tagged or untagged

    def retrieve_job(self, job_id: str) -> Job:
        endpoint = f"GET {JOBS}/{{id}}"
        short = _short(job_id)
        answer = self._send(endpoint, lambda c: c.supervised_fine_tuning_jobs.get(short))
        return self._reader(endpoint).job(answer, self.account)

    def list_events(self, job_id: str) -> Sequence[JobEvent]:
        return []  # fireworks-ai 1.2.30 has no event list for supervised fine-tuning jobs

    def cancel_job(self, job_id: str) -> Job:
        short = _short(job_id)
        self._send(
            f"POST {JOBS}/{{id}}:cancel",
            lambda c: c.supervised_fine_tuning_jobs.cancel(short, body={}),
        )
        return self.retrieve_job(job_id)

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        temperature: float | None = None,
        max_completion_tokens: int | None = None,
    ) -> Reply | None:
        import fireworks as sdk

        endpoint = "POST /v1/chat/completions"
        completion = self._send(
            endpoint,
            lambda c: c.chat.completions.create(
                model=model,
                messages=cast(Any, list(messages)),
                temperature=sdk.omit if temperature is None else temperature,
                max_tokens=sdk.omit if max_completion_tokens is None else max_completion_tokens,
            ),
        )
        return self._reader(endpoint).reply(completion)

    # -- sending -----------------------------------------------------------------------

    def _send(
        self, endpoint: str, request: Callable[[fireworks.Fireworks], T], *, retry: bool = True
    ) -> T:
        """``request`` with this backend's retries and time limit (see the module's note)."""
        import fireworks as sdk

        attempt = 0
        while True:
            try:
                return request(self._one_request_client())
            except sdk.FireworksError as error:
                if isinstance(error, sdk.APITimeoutError) and self._out_of_time():
                    raise TimeLimitReached("the run's --timeout ran out") from error
                if isinstance(error, sdk.ConflictError | sdk.NotFoundError):
                    raise  # an answer, not a fault: the callers read it
                if not retry or attempt >= self._max_retries or not self.retryable(error):
                    raise
                self._wait(retry_after(error) or backoff(attempt), error)
                attempt += 1
            except (ValueError, TypeError, AttributeError) as error:
                # The SDK could not read the body (not JSON, a bare string...).
                raise self._reader(endpoint).unexpected(type(error).__name__) from None

    def _one_request_client(self) -> fireworks.Fireworks:
        """The client for one attempt: the HTTP timeout cut to the time left."""
        if self._left() is None:
            return self.client
        usual = DEFAULT_TIMEOUT if self._timeout is None else self._timeout
        return self.client.with_options(timeout=self._attempt_timeout(usual))

    def _reader(self, endpoint: str) -> FireworksAnswers:
        return FireworksAnswers(endpoint, server(self._client))


def _measure(path: Path) -> tuple[str, int, int]:
    """The file's sha256, size and number of examples (non-blank lines)."""
    digest, size, examples = hashlib.sha256(), 0, 0
    with path.open("rb") as stream:
        for line in stream:
            digest.update(line)
            size += len(line)
            examples += bool(line.strip())
    return digest.hexdigest(), size, examples


def _list_page(client: fireworks.Fireworks, token: str | None) -> Any:
    import fireworks as sdk

    jobs = client.supervised_fine_tuning_jobs
    return jobs.list(page_size=200, page_token=sdk.omit if token is None else token)


def _get(answer: Any, name: str) -> Any:
    return answer.get(name) if isinstance(answer, dict) else getattr(answer, name, None)


def _short(job_id: str) -> str:
    """``accounts/a/supervisedFineTuningJobs/jg-1`` -> ``jg-1`` (what the SDK's calls take)."""
    return job_id.rsplit("/", 1)[-1]


__all__ = ["FireworksBackend"]
