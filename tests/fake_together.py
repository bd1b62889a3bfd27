"""A real, local fake of Together AI's REST API for tests: no network, no mocks of the SDK.

The ``together`` SDK (1.5.x) is pointed at it through ``TOGETHER_BASE_URL`` (the
``fake_together_env`` fixture). It listens on 127.0.0.1 on an ephemeral port, in a
background thread, and answers what the SDK sends, with the shapes of Together's
documented API (``base_url`` ends in ``/v1``, as the 1.x SDK's default does):

* the upload, in the SDK's two steps: ``POST /v1/files`` (form fields ``purpose``,
  ``file_name``, ``file_type``) answers **302** with ``Location`` (a presigned URL, here
  ``PUT /upload/{id}`` on this server, without the API key) and ``X-Together-File-Id``;
  the SDK PUTs the raw bytes there, then ``POST /v1/files/{id}/preprocess`` answers the
  file (``bytes`` is the size stored); ``GET /v1/files/{id}``;
* ``GET /v1/fine-tunes/models/limits``, ``POST /v1/fine-tunes/estimate-price``,
  ``POST /v1/fine-tunes``, ``GET /v1/fine-tunes``, ``GET /v1/fine-tunes/{id}`` (each
  look moves the job one status on), ``GET /v1/fine-tunes/{id}/events``,
  ``POST /v1/fine-tunes/{id}/cancel``;
* ``POST /v1/chat/completions``.

Scripting (on ``FakeTogether``): ``fail(route, times, status, disconnect, applied, raw)``
(``applied``: the request is carried out, then its answer is lost; ``raw``: those bytes
as an HTML page, a proxy's), ``statuses`` (how a
new job advances), ``error_message`` (the message of a job that ends in ``error``),
``hold`` (jobs stay where they are), ``echo_suffix = False`` (a server that drops the
suffix: jobs are listed without it and without an output name), ``chat_reply``.
Inspection: ``requests`` / ``count(route)``, ``files``, ``jobs``, ``chat_requests``.

PYTEST_DONT_REWRITE: the module has no asserts.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from fake_http import FakeHTTPServer

API_KEY = "tgk-fake-secret-4f1c9d"
ROUTES: dict[str, re.Pattern[str]] = {
    "POST /v1/files": re.compile(r"/v1/files"),
    "PUT /upload/{id}": re.compile(r"/upload/(?P<id>[^/]+)"),
    "POST /v1/files/{id}/preprocess": re.compile(r"/v1/files/(?P<id>[^/]+)/preprocess"),
    "GET /v1/files/{id}": re.compile(r"/v1/files/(?P<id>[^/]+)"),
    "GET /v1/fine-tunes/models/limits": re.compile(r"/v1/fine-tunes/models/limits"),
    "POST /v1/fine-tunes/estimate-price": re.compile(r"/v1/fine-tunes/estimate-price"),
    "POST /v1/fine-tunes": re.compile(r"/v1/fine-tunes"),
    "GET /v1/fine-tunes": re.compile(r"/v1/fine-tunes"),
    "GET /v1/fine-tunes/{id}": re.compile(r"/v1/fine-tunes/(?P<id>[^/]+)"),
    "GET /v1/fine-tunes/{id}/events": re.compile(r"/v1/fine-tunes/(?P<id>[^/]+)/events"),
    "POST /v1/fine-tunes/{id}/cancel": re.compile(r"/v1/fine-tunes/(?P<id>[^/]+)/cancel"),
    "POST /v1/chat/completions": re.compile(r"/v1/chat/completions"),
}
ENDED = frozenset({"completed", "cancelled", "error", "user_error"})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class Request:
    method: str
    path: str
    route: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    disconnect: bool = False
    raw: bytes | None = None


@dataclass
class Failure:
    times: int
    status: int
    disconnect: bool
    applied: bool
    message: str
    raw: bytes | None = None  # answer these bytes (as text/html) instead of the JSON error


class FakeTogether:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.server = FakeHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.reset()

    def reset(self) -> None:
        self.requests: list[Request] = []
        self.failures: dict[str, list[Failure]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.chat_requests: list[dict[str, Any]] = []
        self.statuses: tuple[str, ...] = ("pending", "queued", "running", "completed")
        self.error_message = "the training data could not be tokenized"
        self.hold = False
        self.echo_suffix = True
        self.chat_reply = "pong"
        self.stored_bytes_delta = 0  # a server that stores other bytes than it was sent
        self._ids = 0

    def start(self) -> FakeTogether:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def fail(
        self,
        route: str,
        *,
        times: int = 1,
        status: int = 500,
        disconnect: bool = False,
        applied: bool = False,
        message: str = "the server had an error",
        raw: bytes | None = None,
    ) -> None:
        self.failures.setdefault(route, []).append(
            Failure(times, status, disconnect, applied, message, raw)
        )

    def count(self, route: str | None = None) -> int:
        return sum(1 for r in self.requests if route is None or r.route == route)

    @property
    def last_job(self) -> dict[str, Any]:
        return list(self.jobs.values())[-1]

    # -- dispatch ----------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        with self.lock:
            match = self._route(request)
            self.requests.append(request)
            if match is None:
                return _error(404, f"no route for {request.method} {request.path}")
            route, params = match
            request.route = route
            if route != "PUT /upload/{id}" and (
                request.headers.get("authorization") != f"Bearer {API_KEY}"
            ):
                return _error(401, "Invalid API key provided", code="invalid_api_key")
            failure = self._next_failure(route)
            if failure is not None and not failure.applied:
                return self._failed(failure)
            name = "_" + re.sub(r"\W+", "_", route.replace("{id}", "id")).strip("_")
            answer: Answer = getattr(self, name)(request, **params)
            return answer if failure is None else self._failed(failure)

    def _route(self, request: Request) -> tuple[str, dict[str, str]] | None:
        for route, pattern in ROUTES.items():
            method = route.split(" ", 1)[0]
            found = pattern.fullmatch(request.path)
            if method == request.method and found:
                return route, found.groupdict()
        return None

    def _next_failure(self, route: str) -> Failure | None:
        queue = self.failures.get(route) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _failed(self, failure: Failure) -> Answer:
        if failure.disconnect:
            return Answer(0, disconnect=True)
        if failure.raw is not None:
            return Answer(failure.status, raw=failure.raw, headers={"content-type": "text/html"})
        answer = _error(failure.status, failure.message, code=None)
        answer.headers["retry-after-ms"] = "1"  # the SDK's own retries wait 1 ms
        return answer

    def _id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}-{self._ids:04d}-5e1f"

    # -- files -------------------------------------------------------------------------

    def _POST_v1_files(self, request: Request) -> Answer:
        form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        file_id = self._id("file")
        self.files[file_id] = {"form": form, "bytes": None, "processed": False}
        headers = {"Location": f"{self.root_url}/upload/{file_id}", "X-Together-File-Id": file_id}
        return Answer(302, headers=headers)

    def _PUT_upload_id(self, request: Request, id: str) -> Answer:
        if id not in self.files:
            return _error(404, "no such upload")
        self.files[id]["bytes"] = request.body
        return Answer(200, {})

    def _POST_v1_files_id_preprocess(self, request: Request, id: str) -> Answer:
        if id not in self.files or self.files[id]["bytes"] is None:
            return _error(404, f"file {id} was not uploaded")
        self.files[id]["processed"] = True
        return Answer(200, self._file_json(id))

    def _GET_v1_files_id(self, request: Request, id: str) -> Answer:
        if id not in self.files:
            return _error(404, f"no file {id}")
        return Answer(200, self._file_json(id))

    def _file_json(self, file_id: str) -> dict[str, Any]:
        stored = self.files[file_id]
        data = stored["bytes"] or b""
        return {
            "id": file_id,
            "object": "file",
            "created_at": int(time.time()),
            "type": stored["form"].get("file_type", "jsonl"),
            "purpose": stored["form"].get("purpose", "fine-tune"),
            "filename": stored["form"].get("file_name"),
            "bytes": len(data) + self.stored_bytes_delta,
            "LineCount": data.count(b"\n"),
            "Processed": stored["processed"],
        }

    # -- fine-tunes --------------------------------------------------------------------

    def _GET_v1_fine_tunes_models_limits(self, request: Request) -> Answer:
        return Answer(
            200,
            {
                "model_name": request.query.get("model_name"),
                "max_num_epochs": 20,
                "max_learning_rate": 1.0,
                "min_learning_rate": 1e-8,
                "full_training": {"max_batch_size": 96, "min_batch_size": 8},
                "lora_training": {
                    "max_batch_size": 128,
                    "min_batch_size": 8,
                    "max_rank": 64,
                    "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
                },
                "supports_vision": False,
            },
        )

    def _POST_v1_fine_tunes_estimate_price(self, request: Request) -> Answer:
        return Answer(
            200,
            {
                "estimated_total_price": 1.25,
                "user_limit": 100.0,
                "estimated_train_token_count": 1000,
                "estimated_eval_token_count": 0,
                "allowed_to_proceed": True,
            },
        )

    def _POST_v1_fine_tunes(self, request: Request) -> Answer:
        body = request.json()
        for key in ("training_file", "validation_file"):
            if body.get(key) and body[key] not in self.files:
                return _error(400, f"{key} {body[key]} does not exist", param=key)
        job_id = self._id("ft")
        short = str(body.get("model", "")).split("/")[-1]
        output = f"fake-account/{short}-{body.get('suffix') or 'tuned'}-{job_id[-9:]}"
        self.jobs[job_id] = {
            "request": body,
            "id": job_id,
            "step": 0,
            "script": self.statuses,
            "status": self.statuses[0],
            "created_at": _now(),
            "output_name": output,
            "events": [],
        }
        self._event(job_id, "JOB_PENDING", "Fine tune request created")
        return Answer(200, self._job_json(self.jobs[job_id]))

    def _GET_v1_fine_tunes(self, request: Request) -> Answer:
        jobs = sorted(self.jobs.values(), key=lambda job: job["created_at"], reverse=True)
        return Answer(200, {"data": [self._job_json(job, listed=True) for job in jobs]})

    def _GET_v1_fine_tunes_id(self, request: Request, id: str) -> Answer:
        job = self.jobs.get(id)
        if job is None:
            return _error(404, f"no fine-tune job {id}")
        if not self.hold and job["status"] not in ENDED:
            if job["status"] == "cancel_requested":
                self._enter(job, "cancelled")
            elif job["step"] + 1 < len(job["script"]):
                job["step"] += 1
                self._enter(job, job["script"][job["step"]])
        return Answer(200, self._job_json(job))

    def _GET_v1_fine_tunes_id_events(self, request: Request, id: str) -> Answer:
        job = self.jobs.get(id)
        if job is None:
            return _error(404, f"no fine-tune job {id}")
        return Answer(200, {"object": "list", "data": job["events"]})

    def _POST_v1_fine_tunes_id_cancel(self, request: Request, id: str) -> Answer:
        job = self.jobs.get(id)
        if job is None:
            return _error(404, f"no fine-tune job {id}")
        if job["status"] not in ENDED:
            self._enter(job, "cancel_requested")
        return Answer(200, self._job_json(job))

    def _enter(self, job: dict[str, Any], status: str) -> None:
        job["status"] = status
        if status in ("error", "user_error"):
            kind = "JOB_ERROR" if status == "error" else "JOB_USER_ERROR"
            self._event(job["id"], kind, self.error_message, level="Error")
        else:
            self._event(job["id"], f"JOB_{status.upper()}", f"job is {status}")

    def _event(self, job_id: str, kind: str, message: str, *, level: str = "Info") -> None:
        events = self.jobs[job_id]["events"]
        events.append(
            {
                "object": "fine-tune-event",
                "created_at": _now(),
                "level": level,
                "message": message,
                "type": kind if kind in _EVENT_TYPES else "WARNING",
                "hash": f"{job_id}-event-{len(events)}",
            }
        )

    def _job_json(self, job: dict[str, Any], *, listed: bool = False) -> dict[str, Any]:
        body = job["request"]
        keep_tag = self.echo_suffix or not listed
        return {
            "id": job["id"],
            "status": job["status"],
            "model": body.get("model"),
            "training_file": body.get("training_file"),
            "validation_file": body.get("validation_file"),
            "suffix": body.get("suffix") if keep_tag else None,
            "model_output_name": job["output_name"] if keep_tag else None,
            "n_epochs": body.get("n_epochs"),
            "n_evals": body.get("n_evals"),
            "created_at": job["created_at"],
            "updated_at": _now(),
            "token_count": 1234 if job["status"] == "completed" else None,
            "training_type": body.get("training_type"),
            "events": [],
        }

    # -- chat --------------------------------------------------------------------------

    def _POST_v1_chat_completions(self, request: Request) -> Answer:
        body = request.json()
        self.chat_requests.append(body)
        return Answer(
            200,
            {
                "id": self._id("chat"),
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": self.chat_reply},
                    }
                ],
                "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
            },
        )


_EVENT_TYPES = frozenset(
    {
        "JOB_PENDING",
        "JOB_START",
        "JOB_STOPPED",
        "TRAINING_START",
        "JOB_COMPLETE",
        "JOB_ERROR",
        "JOB_USER_ERROR",
        "CANCEL_REQUESTED",
    }
)


def _error(
    status: int, message: str, *, code: str | None = None, param: str | None = None
) -> Answer:
    body = {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    }
    return Answer(status, body)


def _handler(fake: FakeTogether) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output clean."""

        def _serve(self) -> None:
            url = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=url.path.rstrip("/") or "/",
                route="",
                query=dict(parse_qsl(url.query, keep_blank_values=True)),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self._body(),
            )
            answer = fake.handle(request)
            if answer.disconnect:
                self.close_connection = True
                return
            payload = b"" if answer.body is None else json.dumps(answer.body).encode()
            payload = payload if answer.raw is None else answer.raw
            self.send_response(answer.status)
            if "content-type" not in answer.headers:
                self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def _body(self) -> bytes:
            if "chunked" in self.headers.get("transfer-encoding", "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("content-length") or 0))

    return Handler


_SERVER: list[FakeTogether] = []


def _server() -> FakeTogether:
    """One fake per test process, started on first use (a daemon thread: it ends with
    the process); each test resets it."""
    if not _SERVER:
        _SERVER.append(FakeTogether().start())
    return _SERVER[0]


@pytest.fixture(name="fake_together")
def fake_together_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTogether]:
    """The fake, reset, with TOGETHER_API_KEY/TOGETHER_BASE_URL pointing at it (and the
    SDK's log switch off), so nothing can reach a real host."""
    fake = _server()
    fake.reset()
    monkeypatch.setenv("TOGETHER_API_KEY", API_KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", fake.base_url)
    monkeypatch.delenv("TOGETHER_LOG", raising=False)
    yield fake
    fake.reset()


__all__ = ["API_KEY", "FakeTogether", "fake_together_fixture"]
