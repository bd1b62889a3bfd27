"""A real, local, OpenAI-compatible HTTP server for tests: no network, no mocks of the SDK.

openai 3.x sends requests with HTTPX2, which respx cannot intercept, so tests point the
real SDK at this server instead (``OpenAI(base_url=fake.base_url, api_key="test")``).
It listens on 127.0.0.1 on an ephemeral port, in a background thread, and speaks the
subset of the API that jsonl-guard uses, with the real response shapes:

* ``POST /v1/files`` (multipart), ``GET /v1/files/{id}``
* ``POST /v1/fine_tuning/jobs``, ``GET /v1/fine_tuning/jobs/{id}``,
  ``GET /v1/fine_tuning/jobs/{id}/events``, ``POST /v1/fine_tuning/jobs/{id}/cancel``
* ``POST /v1/chat/completions``

Azure paths (``/openai/deployments/{name}/...`` and ``/openai/...``, key in an
``api-key`` header) are mapped onto the same routes.

Use it through the fixtures ``fake_openai`` and ``fake_openai_env``; import both into a
test module (the functions have other names, so fixture arguments shadow nothing)::

    from fake_openai import fake_openai_env_fixture, fake_openai_fixture  # noqa: F401

    def test_upload(fake_openai_env):        # OPENAI_BASE_URL/OPENAI_API_KEY point here
        fake_openai_env.fail("POST /v1/files", times=1, status=429)
        ...
        assert fake_openai_env.count("POST /v1/files") == 2

Scripting and inspection (all on the ``FakeOpenAI`` controller):

* ``fail(route, times=1, status=500, ...)``: the next ``times`` requests to ``route``
  answer ``status`` with OpenAI's JSON error body and ``retry-after-ms: 1`` (fast SDK
  retries); ``disconnect=True`` closes the connection instead (``APIConnectionError``),
  ``hang=True`` reads the request and never answers (until the server stops), ``body``
  answers those exact bytes instead of the JSON error (``status=200, body=b"<html>"``:
  a proxy's page). ``applied=True`` carries the request out first (the job is created,
  the file stored) and only then fails: a server that did the work but whose answer
  was lost.
* ``echo_metadata = False``: jobs are listed and returned with ``"metadata": null``, as
  by an OpenAI-compatible server that does not keep it.
* ``script_job(statuses=..., error=..., trained_tokens=..., ...)``: how jobs created from
  now on advance; every ``GET /v1/fine_tuning/jobs/{id}`` moves a job one step on.
  ``advance(job_id)`` / ``set_status(job_id, status)`` drive a job by hand.
* ``chat_reply``: a string, a mapping from the last user message to the reply, or a
  function ``(request_json) -> str | dict``; a dict reply may set ``content``,
  ``finish_reason``, ``refusal`` and ``usage`` (``None`` leaves usage out).
* ``requests`` / ``requests_to(route)`` / ``count(route)``: every request received
  (including rejected ones); ``files``, ``jobs`` and ``chat_requests`` hold what was
  stored.  ``api_key`` is the key the server accepts (``require_auth=False`` turns the
  check off).

PYTEST_DONT_REWRITE: the module has no asserts, and may be imported before pytest sees it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from fake_http import FakeHTTPServer

ChatReply = str | Mapping[str, Any]
# None (echo), one reply for every request, {last user message: reply}, or a function.
ChatScript = str | Mapping[str, ChatReply] | Callable[[dict[str, Any]], ChatReply] | None

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
JOB_STATUSES = ("validating_files", "queued", "running", "succeeded", "failed", "cancelled")

# Route templates, as written in OpenAI's API reference.  Keys are "METHOD /v1/path".
_ROUTES: dict[str, re.Pattern[str]] = {
    "POST /v1/files": re.compile(r"/v1/files"),
    "GET /v1/files/{id}": re.compile(r"/v1/files/(?P<id>[^/]+)"),
    "POST /v1/fine_tuning/jobs": re.compile(r"/v1/fine_tuning/jobs"),
    "GET /v1/fine_tuning/jobs": re.compile(r"/v1/fine_tuning/jobs"),
    "GET /v1/fine_tuning/jobs/{id}": re.compile(r"/v1/fine_tuning/jobs/(?P<id>[^/]+)"),
    "GET /v1/fine_tuning/jobs/{id}/events": re.compile(
        r"/v1/fine_tuning/jobs/(?P<id>[^/]+)/events"
    ),
    "POST /v1/fine_tuning/jobs/{id}/cancel": re.compile(
        r"/v1/fine_tuning/jobs/(?P<id>[^/]+)/cancel"
    ),
    "POST /v1/chat/completions": re.compile(r"/v1/chat/completions"),
}

_DEFAULT_ERRORS: dict[int, tuple[str, str | None, str]] = {
    # status: (type, code, message), as the real API words them
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", None, "You are not allowed to perform this request."),
    404: ("invalid_request_error", None, "Not found."),
    409: ("invalid_request_error", None, "Conflict."),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests. Please try again in 1ms.",
    ),
    500: (
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


def normalize_route(route: str) -> str:
    """``"post /files"`` -> ``"POST /v1/files"``; raises ``ValueError`` for unknown routes."""
    method, _, path = route.strip().partition(" ")
    path = path.strip()
    if not path.startswith("/v1/"):
        path = "/v1" + (path if path.startswith("/") else "/" + path)
    path = re.sub(r"\{[^}]*\}", "{id}", path)
    key = f"{method.upper()} {path}"
    if key not in _ROUTES:
        raise ValueError(f"unknown route {route!r}; known: {', '.join(_ROUTES)}")
    return key


@dataclass
class RecordedRequest:
    method: str
    path: str  # as received (Azure paths included), without the query string
    route: str  # the matched route key, e.g. "POST /v1/files"; "" when nothing matched
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int = 0  # the status the fake answered with (0: connection dropped)

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class UploadedFile:
    id: str
    filename: str
    purpose: str
    content: bytes  # the exact uploaded bytes
    created_at: int
    content_type: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            # Answered as already processed, so files.wait_for_processing returns at once.
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }


@dataclass(frozen=True)
class JobScript:
    """How a job advances: one status per ``GET /v1/fine_tuning/jobs/{id}``."""

    statuses: tuple[str, ...] = ("validating_files", "queued", "running", "succeeded")
    error: Mapping[str, Any] | None = None  # {code, message, param} when it ends "failed"
    trained_tokens: int = 12_345
    fine_tuned_model: str | None = None  # default "ft:<model>:org:<suffix>:<id>"
    auto_advance: bool = True
    events: tuple[str, ...] = ()  # extra event messages, logged when the job is created

    def __post_init__(self) -> None:
        bad = [s for s in self.statuses if s not in JOB_STATUSES]
        if not self.statuses or bad:
            raise ValueError(f"bad job statuses {bad or self.statuses}; use {JOB_STATUSES}")


@dataclass
class FakeJob:
    id: str
    request: dict[str, Any]  # the JSON the client sent to POST /v1/fine_tuning/jobs
    script: JobScript
    created_at: int
    statuses: list[str]
    position: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    finished_at: int | None = None
    retrieves: int = 0

    @property
    def status(self) -> str:
        return self.statuses[self.position]

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("ftjob-")

    @property
    def fine_tuned_model(self) -> str:
        if self.script.fine_tuned_model:
            return self.script.fine_tuned_model
        suffix = self.request.get("suffix") or ""
        return f"ft:{self.request['model']}:org:{suffix}:{self.short_id}"

    def to_json(self, *, echo_metadata: bool = True) -> dict[str, Any]:
        request = self.request
        method = request.get("method")
        hyper: dict[str, Any] = dict(request.get("hyperparameters") or {})
        if isinstance(method, dict):
            inner = method.get(method.get("type", ""), {})
            if isinstance(inner, dict):
                hyper = dict(inner.get("hyperparameters") or hyper)
        else:
            method = {"type": "supervised", "supervised": {"hyperparameters": hyper}}
        error = None
        if self.status == "failed":
            error = dict(
                self.script.error
                or {
                    "code": "invalid_training_file",
                    "message": "The job failed due to an invalid training file.",
                    "param": "training_file",
                }
            )
            error.setdefault("param", None)
        succeeded = self.status == "succeeded"
        return {
            "id": self.id,
            "object": "fine_tuning.job",
            "created_at": self.created_at,
            "error": error,
            "fine_tuned_model": self.fine_tuned_model if succeeded else None,
            "finished_at": self.finished_at,
            "hyperparameters": {
                "batch_size": hyper.get("batch_size", "auto"),
                "learning_rate_multiplier": hyper.get("learning_rate_multiplier", "auto"),
                "n_epochs": hyper.get("n_epochs", "auto"),
            },
            "model": request["model"],
            "organization_id": "org-fake",
            "result_files": [f"file-result-{self.short_id}"] if succeeded else [],
            "seed": request.get("seed", 42),
            "status": self.status,
            "trained_tokens": self.script.trained_tokens if succeeded else None,
            "training_file": request["training_file"],
            "validation_file": request.get("validation_file"),
            "estimated_finish": None,
            "integrations": request.get("integrations") or [],
            "metadata": request.get("metadata") if echo_metadata else None,
            "method": method,
            "user_provided_suffix": request.get("suffix"),
        }


@dataclass
class _Failure:
    status: int
    message: str | None
    type: str | None
    code: str | None
    param: str | None
    headers: dict[str, str]
    disconnect: bool
    hang: bool = False
    body: bytes | None = None
    applied: bool = False


@dataclass
class _Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    disconnect: bool = False
    hang: bool = False  # never answer: wait until the server stops, then close
    raw: bytes | None = None  # the exact body to send, instead of ``body`` as JSON


class FakeOpenAI:
    """The controller: starts the server, scripts its answers, records what it received."""

    def __init__(self, *, api_key: str = "test", require_auth: bool = True) -> None:
        self.api_key = api_key
        self.require_auth = require_auth
        self.chat_reply: ChatScript = None
        self.requests: list[RecordedRequest] = []
        self.files: dict[str, UploadedFile] = {}
        self.jobs: dict[str, FakeJob] = {}
        self.chat_requests: list[dict[str, Any]] = []
        self.echo_metadata = True
        self._job_script = JobScript()
        self._stopping = threading.Event()
        self._failures: dict[str, list[_Failure]] = {}
        self._ids = 0
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        self._stopping.clear()
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = FakeHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-openai",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # hanging requests end (their connections close)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake OpenAI server is not running")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``: what Azure's ``azure_endpoint`` takes."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``: what ``OpenAI(base_url=...)`` takes."""
        return self.root_url + "/v1"

    # -- scripting ---------------------------------------------------------------------

    def fail(
        self,
        route: str,
        *,
        times: int = 1,
        status: int = 500,
        message: str | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        retry_after_ms: int | None = 1,
        headers: Mapping[str, str] | None = None,
        disconnect: bool = False,
        hang: bool = False,
        body: bytes | None = None,
        applied: bool = False,
    ) -> None:
        """Make the next ``times`` requests to ``route`` (e.g. ``"POST /v1/files"``) fail
        (see the module's note for ``disconnect``, ``hang``, ``body`` and ``applied``)."""
        key = normalize_route(route)
        extra = dict(headers or {})
        if retry_after_ms is not None:
            extra.setdefault("retry-after-ms", str(retry_after_ms))
        failure = _Failure(
            status, message, type, code, param, extra, disconnect, hang, body, applied
        )
        with self._lock:
            self._failures.setdefault(key, []).extend([failure] * times)

    def pending_failures(self, route: str) -> int:
        with self._lock:
            return len(self._failures.get(normalize_route(route), []))

    def script_job(
        self,
        statuses: tuple[str, ...] | list[str] | None = None,
        *,
        error: Mapping[str, Any] | None = None,
        trained_tokens: int = 12_345,
        fine_tuned_model: str | None = None,
        auto_advance: bool = True,
        events: tuple[str, ...] | list[str] = (),
    ) -> JobScript:
        """Script the jobs created from now on. ``error`` alone means validating -> failed;
        ``events``: messages logged as the job's events when it is created."""
        if statuses is None:
            statuses = (
                ("validating_files", "failed")
                if error is not None
                else ("validating_files", "queued", "running", "succeeded")
            )
        script = JobScript(
            tuple(statuses), error, trained_tokens, fine_tuned_model, auto_advance, tuple(events)
        )
        with self._lock:
            self._job_script = script
        return script

    def advance(self, job_id: str, steps: int = 1) -> str:
        """Move a job ``steps`` statuses on (not past its last); returns the new status."""
        with self._lock:
            job = self.jobs[job_id]
            for _ in range(steps):
                if job.position + 1 < len(job.statuses):
                    self._enter(job, job.position + 1)
            return job.status

    def set_status(self, job_id: str, status: str) -> None:
        """Jump a job to ``status`` now (adding it to the job's script if needed)."""
        with self._lock:
            job = self.jobs[job_id]
            if status in job.statuses[job.position :]:
                self._enter(job, job.statuses.index(status, job.position))
            else:
                job.statuses[job.position + 1 :] = [status]
                self._enter(job, job.position + 1)

    def reset(self) -> None:
        """Forget every request, file, job, failure and script (the server keeps running)."""
        with self._lock:
            self.requests.clear()
            self.files.clear()
            self.jobs.clear()
            self.chat_requests.clear()
            self._failures.clear()
            self.echo_metadata = True
            self._job_script = JobScript()
            self.chat_reply = None

    # -- inspection --------------------------------------------------------------------

    def requests_to(self, route: str) -> list[RecordedRequest]:
        key = normalize_route(route)
        with self._lock:
            return [r for r in self.requests if r.route == key]

    def count(self, route: str | None = None) -> int:
        """Requests received on ``route`` (every route when ``None``), failed ones included."""
        if route is None:
            with self._lock:
                return len(self.requests)
        return len(self.requests_to(route))

    @property
    def last_job(self) -> FakeJob:
        with self._lock:
            return list(self.jobs.values())[-1]

    @property
    def last_file(self) -> UploadedFile:
        with self._lock:
            return list(self.files.values())[-1]

    # -- request handling (called from server threads) ---------------------------------

    def _next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}-fake{self._ids:06d}"

    def handle(self, request: RecordedRequest) -> _Response:
        with self._lock:
            self.requests.append(request)
            response = self._dispatch(request)
            request.status = 0 if response.disconnect or response.hang else response.status
        if response.hang:  # outside the lock: the server keeps answering other requests
            self._stopping.wait()
            response.disconnect = True
        return response

    def _dispatch(self, request: RecordedRequest) -> _Response:
        path = _canonical_path(request.path)
        match: re.Match[str] | None = None
        for key, pattern in _ROUTES.items():
            method = key.split(" ", 1)[0]
            match = pattern.fullmatch(path)
            if match and method == request.method:
                request.route = key
                break
        else:
            match = None
        if self.require_auth:
            denied = self._check_auth(request)
            if denied is not None:
                return denied
        if match is None:
            return _error(404, f"Invalid URL ({request.method} {request.path})", code=None)
        handler = getattr(self, "_route_" + re.sub(r"\W+", "_", request.route).strip("_"))
        queue = self._failures.get(request.route)
        if queue:
            failure = queue.pop(0)
            if failure.applied:  # the work is done; only the answer is lost
                handler(request, **match.groupdict())
            if failure.hang:
                return _Response(0, hang=True)
            if failure.disconnect:
                return _Response(0, disconnect=True)
            if failure.body is not None:
                return _Response(failure.status, raw=failure.body, headers=failure.headers)
            kind, code, message = _DEFAULT_ERRORS.get(
                failure.status, ("server_error" if failure.status >= 500 else "error", None, "")
            )
            response = _error(
                failure.status,
                failure.message or message or f"Injected HTTP {failure.status}.",
                type=failure.type or kind,
                code=failure.code if failure.code is not None else code,
                param=failure.param,
            )
            response.headers.update(failure.headers)
            return response
        result: _Response = handler(request, **match.groupdict())
        return result

    def _check_auth(self, request: RecordedRequest) -> _Response | None:
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else None
        if given is None and "api-key" in request.headers:  # Azure
            given = request.headers["api-key"]
        if not given:
            return _error(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                code=None,
            )
        if given != self.api_key:
            masked = given[:3] + "*" * max(len(given) - 7, 1) + given[-4:]
            return _error(
                401,
                f"Incorrect API key provided: {masked}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        return None

    # Routes: each returns a _Response.  Names follow the route keys.

    def _route_POST_v1_files(self, request: RecordedRequest) -> _Response:
        content_type = request.headers.get("content-type", "")
        boundary = re.search(r'boundary="?([^";]+)"?', content_type)
        if not content_type.startswith("multipart/form-data") or boundary is None:
            return _error(400, "Expected a multipart/form-data body.", param="file")
        fields = _parse_multipart(request.body, boundary.group(1).encode("latin-1"))
        if "file" not in fields:
            return _error(400, "Missing required parameter: 'file'.", param="file")
        if "purpose" not in fields:
            return _error(400, "Missing required parameter: 'purpose'.", param="purpose")
        purpose = fields["purpose"].content.decode()
        part = fields["file"]
        uploaded = UploadedFile(
            id=self._next_id("file"),
            filename=part.filename or "upload",
            purpose=purpose,
            content=part.content,
            created_at=int(time.time()),
            content_type=part.content_type,
        )
        self.files[uploaded.id] = uploaded
        return _Response(200, uploaded.to_json())

    def _route_GET_v1_files_id(self, request: RecordedRequest, id: str) -> _Response:
        if id not in self.files:
            return _error(404, f"No such File object: {id}", param="id")
        return _Response(200, self.files[id].to_json())

    def _route_POST_v1_fine_tuning_jobs(self, request: RecordedRequest) -> _Response:
        body = request.json
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object.")
        for name in ("model", "training_file"):
            if not body.get(name):
                return _error(400, f"Missing required parameter: '{name}'.", param=name)
        for name in ("training_file", "validation_file"):
            file_id = body.get(name)
            if file_id is None:
                continue
            if file_id not in self.files:
                return _error(400, f"invalid {name}: {file_id}", param=name)
            if self.files[file_id].purpose != "fine-tune":
                return _error(
                    400,
                    f"File {file_id} has purpose {self.files[file_id].purpose!r}, "
                    "expected 'fine-tune'.",
                    param=name,
                )
        script = self._job_script
        job = FakeJob(
            id=self._next_id("ftjob"),
            request=body,
            script=script,
            created_at=int(time.time()),
            statuses=list(script.statuses),
        )
        self.jobs[job.id] = job
        self._event(job, f"Created fine-tuning job: {job.id}")
        for message in script.events:
            self._event(job, message)
        self._enter(job, 0)
        return _Response(200, self._job_json(job))

    def _route_GET_v1_fine_tuning_jobs_id(self, request: RecordedRequest, id: str) -> _Response:
        job = self.jobs.get(id)
        if job is None:
            return _error(404, f"Could not find fine-tuning job {id}.", param="fine_tuning_job_id")
        job.retrieves += 1
        if job.script.auto_advance and job.position + 1 < len(job.statuses):
            self._enter(job, job.position + 1)
        return _Response(200, self._job_json(job))

    def _route_GET_v1_fine_tuning_jobs(self, request: RecordedRequest) -> _Response:
        """List jobs, newest first (reading does not advance them)."""
        try:
            limit = int(request.query.get("limit", "20"))
        except ValueError:
            return _error(400, "limit must be an integer.", param="limit")
        newest_first = list(reversed(self.jobs.values()))
        page = [self._job_json(job) for job in newest_first[: max(limit, 0)]]
        return _Response(
            200, {"object": "list", "data": page, "has_more": len(newest_first) > len(page)}
        )

    def _route_GET_v1_fine_tuning_jobs_id_events(
        self,
        request: RecordedRequest,
        id: str,
    ) -> _Response:
        job = self.jobs.get(id)
        if job is None:
            return _error(404, f"Could not find fine-tuning job {id}.", param="fine_tuning_job_id")
        newest_first = list(reversed(job.events))
        after = request.query.get("after")
        if after is not None:
            ids = [event["id"] for event in newest_first]
            newest_first = newest_first[ids.index(after) + 1 :] if after in ids else []
        try:
            limit = int(request.query.get("limit", "20"))
        except ValueError:
            return _error(400, "limit must be an integer.", param="limit")
        page = newest_first[: max(limit, 0)]
        return _Response(
            200, {"object": "list", "data": page, "has_more": len(newest_first) > len(page)}
        )

    def _route_POST_v1_fine_tuning_jobs_id_cancel(
        self,
        request: RecordedRequest,
        id: str,
    ) -> _Response:
        job = self.jobs.get(id)
        if job is None:
            return _error(404, f"Could not find fine-tuning job {id}.", param="fine_tuning_job_id")
        if job.status in TERMINAL_STATUSES:
            return _error(400, f"Job {id} has already completed ({job.status}).")
        job.statuses[job.position + 1 :] = ["cancelled"]
        self._enter(job, job.position + 1)
        return _Response(200, self._job_json(job))

    def _route_POST_v1_chat_completions(self, request: RecordedRequest) -> _Response:
        body = request.json
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object.")
        self.chat_requests.append(body)
        if not body.get("model"):
            return _error(400, "you must provide a model parameter", param="model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "'messages' must be a non-empty array.", param="messages")
        prompt = _last_user_text(messages)
        script = self.chat_reply
        reply: ChatReply | None
        if script is None:
            reply = f"echo: {prompt}"
        elif isinstance(script, str):
            reply = script
        elif callable(script):
            reply = script(body)
        else:
            reply = script.get(prompt)
            if reply is None:
                return _error(
                    400, f"fake_openai has no scripted reply for the user message {prompt!r}."
                )
        spec: dict[str, Any] = {"content": reply} if isinstance(reply, str) else dict(reply)
        content = spec.get("content")
        completion_tokens = _rough_tokens(content or spec.get("refusal") or "")
        prompt_tokens = sum(_rough_tokens(_text(m.get("content"))) + 3 for m in messages)
        usage: Any = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if "usage" in spec:
            usage = spec["usage"] if spec["usage"] is None else {**usage, **spec["usage"]}
        answer: dict[str, Any] = {
            "id": self._next_id("chatcmpl"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": spec.get("finish_reason", "stop"),
                    "logprobs": None,
                    "message": {
                        "role": "assistant",
                        "content": content,
                        "refusal": spec.get("refusal"),
                    },
                }
            ],
            "system_fingerprint": "fp_fake",
        }
        if usage is not None:
            answer["usage"] = usage
        return _Response(200, answer)

    # -- jobs ----------------------------------------------------------------------------

    def _job_json(self, job: FakeJob) -> dict[str, Any]:
        return job.to_json(echo_metadata=self.echo_metadata)

    def _enter(self, job: FakeJob, position: int) -> None:
        """Move ``job`` to ``statuses[position]`` and log the events that status brings."""
        job.position = position
        status = job.status
        request = job.request
        if status == "validating_files":
            files = [request["training_file"], request.get("validation_file")]
            for file_id in filter(None, files):
                self._event(job, f"Validating training file: {file_id}")
        elif status == "queued":
            self._event(job, "Files validated, moving job to queued state")
        elif status == "running":
            self._event(job, "Fine-tuning job started")
            self._metrics(job, step=1)
        elif status == "succeeded":
            self._metrics(job, step=3)
            self._event(job, f"New fine-tuned model created: {job.fine_tuned_model}")
            self._event(job, "The job has successfully completed")
        elif status == "failed":
            error = self._job_json(job)["error"]
            self._event(job, f"Fine-tuning job failed: {error['message']}", level="error")
        elif status == "cancelled":
            self._event(job, "Fine-tuning job cancelled")
        if status in TERMINAL_STATUSES:
            job.finished_at = int(time.time())

    def _event(
        self,
        job: FakeJob,
        message: str,
        *,
        level: str = "info",
        type: str = "message",
        data: dict[str, Any] | None = None,
    ) -> None:
        job.events.append(
            {
                "id": self._next_id("ftevent"),
                "object": "fine_tuning.job.event",
                "created_at": int(time.time()),
                "level": level,
                "message": message,
                "data": data or {},
                "type": type,
            }
        )

    def _metrics(self, job: FakeJob, *, step: int, total: int = 3) -> None:
        loss = round(1.5 / step, 4)
        self._event(
            job,
            f"Step {step}/{total}: training loss={loss}",
            type="metrics",
            data={"step": step, "total_steps": total, "train_loss": loss},
        )


# -- HTTP plumbing -------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI  # set on the per-server subclass
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections end on their own
    disable_nagle_algorithm = True  # headers and body are two writes: avoid 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def _serve(self) -> None:
        url = urlsplit(self.path)
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            route="",
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        response = self.fake.handle(request)
        if response.disconnect:
            self.close_connection = True
            return
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        if response.raw is not None:
            payload = response.raw
        self.send_response(response.status)
        if "content-type" not in response.headers:
            content_type = "text/html" if response.raw is not None else "application/json"
            self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(payload)))
        self.send_header("x-request-id", f"req_fake{len(self.fake.requests):06d}")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("content-length") or 0))


@dataclass
class _Part:
    content: bytes
    filename: str | None = None
    content_type: str = ""


def _parse_multipart(body: bytes, boundary: bytes) -> dict[str, _Part]:
    """Split a multipart/form-data body, keeping each part's bytes exactly as sent."""
    fields: dict[str, _Part] = {}
    delimiter = b"--" + boundary
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', headers)
        if name is None:
            continue
        filename = re.search(r'\bfilename="([^"]*)"', headers)
        ctype = re.search(r"(?im)^content-type:\s*(.+?)\s*$", headers)
        fields[name.group(1)] = _Part(
            content, filename.group(1) if filename else None, ctype.group(1) if ctype else ""
        )
    return fields


def _canonical_path(path: str) -> str:
    """Map Azure's ``/openai/deployments/<name>/x`` and ``/openai/x`` onto ``/v1/x``."""
    azure = re.fullmatch(r"/openai(?:/deployments/[^/]+)?(/.*)", path)
    return "/v1" + azure.group(1) if azure else path.rstrip("/") or "/"


def _error(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
) -> _Response:
    body = {"error": {"message": message, "type": type, "param": param, "code": code}}
    return _Response(status, body)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text(message.get("content"))
    return ""


def _rough_tokens(text: str) -> int:
    """A stand-in for a tokenizer: words and punctuation marks."""
    return len(re.findall(r"\w+|[^\w\s]", text))


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(name="fake_openai")
def fake_openai_fixture() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI server; its ``base_url`` ends in ``/v1``; it accepts key "test"."""
    with FakeOpenAI() as fake:
        yield fake


_ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ADMIN_KEY",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
)


@pytest.fixture(name="fake_openai_env")
def fake_openai_env_fixture(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """The fake server, with OPENAI_BASE_URL/OPENAI_API_KEY pointing at it and every other
    OpenAI/Azure variable removed, so nothing can reach a real host."""
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fake_openai.api_key)
    return fake_openai


__all__ = [
    "FakeJob",
    "FakeOpenAI",
    "JobScript",
    "RecordedRequest",
    "UploadedFile",
    "fake_openai_env_fixture",
    "fake_openai_fixture",
    "normalize_route",
]
