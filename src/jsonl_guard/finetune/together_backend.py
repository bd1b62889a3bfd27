"""The Together AI fine-tune backend: the ``together`` SDK (1.x) behind ``FinetuneBackend``.

Credentials: ``TOGETHER_API_KEY``; the API's URL: ``TOGETHER_BASE_URL`` (read by the SDK;
default ``https://api.together.xyz/v1``). ``together`` is imported on first use only,
with its import-time banner and pydantic deprecation warnings silenced, and every SDK
call runs ``quiet``: the SDK's progress bars, banner and log lines never reach the
terminal (the run's ``Console`` alone talks to the user).

Every request goes through ``_send``, which retries here rather than in the SDK (the
client's ``max_retries`` is 0): so the job-creation request is sent once (the SDK would
retry a POST that hit a 5xx with the same body, and Together has no idempotency key),
and each attempt's HTTP timeout is cut to the run's time left. The run's tag is the
job's ``suffix`` (Together takes no metadata; see ``together_answers.job_suffix``).

The upload keeps the SDK's own check (``check=True``: Together's validator, run locally
before anything is sent) and verifies the size Together stored against the file's.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from ..errors import JsonlGuardError
from ..untrusted import safe
from .backend import (
    CLOCK_SKEW,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    FAILED,
    FinetuneBackend,
    Job,
    JobEvent,
    Reply,
    TimeLimitReached,
    backoff,
)
from .record import RunRecord
from .settings import SettingsError
from .time_limit import TimedRequests
from .together_answers import (
    MAX_DETAIL,
    TogetherReader,
    TogetherRefused,
    error_detail,
    failure_message,
    job_parameters,
    retry_after,
    run_tag,
)

T = TypeVar("T")
KEY_VARIABLE = "TOGETHER_API_KEY"
URL_VARIABLE = "TOGETHER_BASE_URL"
INSTALL = 'pip install "jsonl-guard[together]"'


def import_together() -> ModuleType:
    """The ``together`` SDK, imported quietly: its 1.x line prints a banner about SDK 2.0
    at import, and defines pydantic models that pydantic 2 warns about."""
    with quiet():  # its warnings too
        try:
            return importlib.import_module("together")
        except ImportError:
            raise JsonlGuardError(
                f"fine-tuning on Together needs the together SDK: {INSTALL}"
            ) from None


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Nothing the SDK prints (progress bars, banners, log lines) reaches the terminal."""
    sink = io.StringIO()
    with (
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def _no_sdk_upload_retries() -> Iterator[None]:
    """The SDK's upload retries its two requests (the ``POST /files`` that answers with a
    presigned URL, the ``PUT`` of the bytes there) five times whatever the client's
    ``max_retries`` (``together.filemanager.MAX_RETRIES``), and 1.5.35 retries the PUT
    to the base URL with the presigned URL appended (a 404): while it uploads, they are
    turned off, and ``_send`` retries the whole upload (a new file id each time: the
    upload is free and nothing else refers to the abandoned one)."""
    filemanager: Any = importlib.import_module("together.filemanager")
    saved = filemanager.MAX_RETRIES
    filemanager.MAX_RETRIES = 0
    try:
        yield
    finally:
        filemanager.MAX_RETRIES = saved


class TogetherBackend(TimedRequests, FinetuneBackend):
    """Together's files, ``fine_tuning`` and OpenAI-compatible chat completions."""

    platform: ClassVar[str] = "together"
    # Together's formats (providers/together/provider.toml) and the job method of each.
    takes_seed: ClassVar[bool] = False  # the job API has no seed
    job_methods: ClassVar[Mapping[str, str]] = {
        "together-conversation": "supervised",
        "together-instruction": "supervised",
        "together-text": "supervised",
        "together-preference": "dpo",
    }

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client: Any = None
        self._key: str | None = None
        self._max_retries = DEFAULT_RETRIES
        self._timeout: float | None = DEFAULT_TIMEOUT
        TimedRequests.__init__(self, sleep=sleep)

    @property
    def client(self) -> Any:
        if self._client is None:
            raise RuntimeError("TogetherBackend.connect() was not called")
        return self._client

    def check_settings(self) -> None:
        url = os.environ.get(URL_VARIABLE, "").strip()
        if not url:
            return
        try:
            parts = urlsplit(url)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if not ok:
            raise SettingsError(
                f"{URL_VARIABLE} is not an http(s) URL: set it to Together's API "
                "(https://api.together.xyz/v1) or unset it (nothing was uploaded)"
            )

    def connect(
        self, *, max_retries: int = DEFAULT_RETRIES, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        if self._client is not None:
            return
        sdk = import_together()
        key = os.environ.get(KEY_VARIABLE, "").strip()
        if not key:
            raise JsonlGuardError(
                f"no Together API key: set {KEY_VARIABLE} (see "
                "https://api.together.ai/settings/api-keys); the run record is kept"
            )
        self._key, self._max_retries, self._timeout = key, max_retries, timeout
        # The SDK reads TOGETHER_BASE_URL itself; its retries are off (``_send`` retries).
        self._client = sdk.Together(api_key=key, max_retries=0, timeout=timeout)

    def secrets(self) -> tuple[str, ...]:
        return (self._key,) if self._key else ()

    def retryable(self, error: BaseException) -> bool:
        errors = import_together().error
        if isinstance(error, errors.Timeout | errors.APIConnectionError):
            return True
        if isinstance(error, errors.RateLimitError | errors.ServiceUnavailableError):
            return True
        status = getattr(error, "http_status", None) if isinstance(error, errors.APIError) else None
        return isinstance(status, int) and (status in (408, 409, 429) or status >= 500)

    def describe_error(self, error: BaseException, step: str) -> str | None:
        errors = import_together().error
        if not isinstance(error, errors.TogetherException):
            return None
        status = getattr(error, "http_status", None)
        if isinstance(error, errors.AuthenticationError):
            status = 401  # the upload's raises it for a 401 without saying so
        code = f"HTTP {status}" if status else "no HTTP status"
        detail = error_detail(error)
        where = self._server()
        if isinstance(error, errors.AuthenticationError):
            text = f"Together rejected the API key ({code}): set {KEY_VARIABLE} to a valid key"
        elif isinstance(error, errors.RateLimitError):
            text = f"rate limited ({code}) after retries: {detail}; try again later"
        elif isinstance(error, errors.Timeout):
            text = f"the request to {where} timed out (after retries); try again later"
        elif isinstance(error, errors.APIConnectionError):
            text = (
                f"cannot connect to {where} (after retries): {detail}; check your network "
                f"and {URL_VARIABLE}"
            )
        else:
            text = f"{code}: {detail}"
        return safe(f"{step} failed: {text}", self.secrets())

    # -- the platform's calls ----------------------------------------------------------

    def upload(self, path: Path) -> str:
        if path.suffix != ".jsonl":  # the SDK names the file's type by its extension
            raise TogetherRefused(
                f"Together takes .jsonl files: copy {path} to a name ending in .jsonl and "
                f"start over with that file (nothing was uploaded)"
            )
        size = path.stat().st_size
        files_api = "POST /files"
        try:
            with _no_sdk_upload_retries():
                answer = self._send(
                    files_api, lambda c: c.files.upload(file=path, purpose="fine-tune", check=True)
                )
        except import_together().error.FileTypeError as error:
            raise TogetherRefused(self._check_failure(path, error)) from None
        file_id, stored = self._reader(files_api).file(answer)
        if stored is None:  # not in the answer: ask for the file
            got = self._send("GET /files/{id}", lambda c: c.files.retrieve(file_id))
            stored = self._reader("GET /files/{id}").file(got)[1]
        if stored is None:
            raise self._reader("GET /files/{id}").unexpected("the file's 'bytes' is missing")
        if stored != size:
            raise JsonlGuardError(
                f"Together stored {stored:,} bytes as {file_id} for {path}, which has "
                f"{size:,}: that is not the file that was checked. Start over: "
                f"jsonl-guard finetune {path} --new"
            )
        return file_id

    def create_job(self, record: RunRecord) -> Job:
        parameters = job_parameters(record)
        # One call, three requests: the SDK reads the model's limits (GET), checks the job
        # against them, asks for a price estimate, then POSTs the job. None is retried; a
        # failure of the first two started no job (finetune.create looks, then tries again).
        # (Passing ``model_limits=`` would skip the GET, but 1.5.35 then fails on an unbound
        # ``model_name`` before the estimate.)
        answer = self._send(
            "POST /fine-tunes",
            lambda c: c.fine_tuning.create(**parameters),
            retry=False,  # a lost answer may hide a started job: finetune.create looks first
        )
        return self._reader("POST /fine-tunes").job(answer)

    def find_jobs(self, record: RunRecord) -> Sequence[Job]:
        started = record.create_started_at
        since = None if started is None else started - CLOCK_SKEW
        reader = self._reader("GET /fine-tunes")
        page = self._send("GET /fine-tunes", lambda c: c.fine_tuning.list())
        tagged: list[Job] = []
        untagged: list[Job] = []
        for item in reader.items(page):
            tag = run_tag(item, record)
            if tag is None:
                continue
            job = reader.job(item)
            if tag == "tagged":
                tagged.append(job)
            elif since is None or job.created_at is None or job.created_at >= since:
                untagged.append(job)
        return tagged or untagged

    def retrieve_job(self, job_id: str) -> Job:
        endpoint = "GET /fine-tunes/{id}"
        answer = self._send(endpoint, lambda c: c.fine_tuning.retrieve(job_id))
        job = self._reader(endpoint).job(answer)
        if job.status == FAILED and not failure_message(getattr(answer, "events", None) or []):
            events = self._raw_events(job_id)  # why it failed is in its events
            job = self._reader(endpoint).job(answer, events)
        return job

    def list_events(self, job_id: str) -> Sequence[JobEvent]:
        reader = self._reader("GET /fine-tunes/{id}/events")
        return [reader.event(item) for item in self._raw_events(job_id)]

    def cancel_job(self, job_id: str) -> Job:
        endpoint = "POST /fine-tunes/{id}/cancel"
        answer = self._send(endpoint, lambda c: c.fine_tuning.cancel(job_id))
        return self._reader(endpoint).job(answer)

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        temperature: float | None = None,
        max_completion_tokens: int | None = None,
    ) -> Reply | None:
        endpoint = "POST /chat/completions"
        completion = self._send(
            endpoint,
            lambda c: c.chat.completions.create(
                model=model,
                messages=[dict(message) for message in messages],
                temperature=temperature,
                max_tokens=max_completion_tokens,
            ),
        )
        return self._reader(endpoint).reply(completion)

    # -- sending -----------------------------------------------------------------------

    def _raw_events(self, job_id: str) -> list[Any]:
        endpoint = "GET /fine-tunes/{id}/events"
        page = self._send(endpoint, lambda c: c.fine_tuning.list_events(job_id))
        return self._reader(endpoint).items(page)

    def _send(self, endpoint: str, request: Callable[[Any], T], *, retry: bool = True) -> T:
        """``request`` with this backend's retries and time limit (see the module's note)."""
        sdk = import_together()
        attempt = 0
        while True:
            self._cut_timeout()
            try:
                with quiet():
                    return request(self.client)
            except sdk.error.TogetherException as error:
                status = getattr(error, "http_status", None)
                if isinstance(status, int) and 200 <= status < 300:  # a body that is not JSON
                    raise self._reader(endpoint).unexpected("a body that is not JSON") from None
                if isinstance(error, sdk.error.Timeout) and self._out_of_time():
                    raise TimeLimitReached("the run's --timeout ran out") from error
                if not retry or attempt >= self._max_retries or not self.retryable(error):
                    raise
                self._wait(retry_after(error) or backoff(attempt), error)
                attempt += 1
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                raise self._not_sent_or_unexpected(endpoint, error) from None

    def _not_sent_or_unexpected(self, endpoint: str, error: Exception) -> JsonlGuardError:
        """The SDK's own refusal of a request (its checks raise ``ValueError``, its request
        models a ``ValidationError`` titled ``...Request``), else an answer it could not read."""
        if hasattr(error, "errors") and hasattr(error, "title"):  # pydantic's ValidationError
            refused = str(error.title).endswith("Request")
        else:
            refused = isinstance(error, ValueError)  # a KeyError: a header the answer lacks
        if not refused:
            return self._reader(endpoint).unexpected(type(error).__name__)
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return TogetherRefused(f"Together's SDK refused {endpoint}: {text[:MAX_DETAIL]}")

    def _cut_timeout(self) -> None:
        """This attempt's HTTP timeout: the usual one, cut to the run's time left."""
        usual = DEFAULT_TIMEOUT if self._timeout is None else self._timeout
        self.client.client.timeout = (
            self._timeout if self._left() is None else self._attempt_timeout(usual)
        )

    def _check_failure(self, path: Path, error: Exception) -> str:
        """Together's own check refused the file: what it said, on one line."""
        utils = importlib.import_module("together.utils")
        with quiet():
            report = utils.check_file(path)
        message = str(report.get("message") or "")
        if str(report.get("filetype", "")).startswith("Unknown extension"):
            message = str(report["filetype"])
        if not message or message == "Checks passed":
            message = error_detail(error)
        line = report.get("line_number")
        where = f" (line {line})" if isinstance(line, int) else ""
        return (
            f"Together's own file check refused {path}{where}: {message[:MAX_DETAIL]}. "
            "Nothing was uploaded; fix the file and start over with --new"
        )

    def _server(self) -> str:
        """The API's base URL without credentials, for messages."""
        try:
            url = urlsplit(str(self.client.client.base_url))
            port = f":{url.port}" if url.port else ""
            return f"{url.scheme}://{url.hostname}{port}{url.path.rstrip('/')}"
        except (AttributeError, RuntimeError, ValueError):
            return "Together's API"

    def _reader(self, endpoint: str) -> TogetherReader:
        return TogetherReader(endpoint, self._server())


__all__ = ["TogetherBackend", "TogetherRefused", "import_together", "job_parameters"]
