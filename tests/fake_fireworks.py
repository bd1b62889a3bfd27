"""A local fake of the Fireworks AI REST API for tests: the real ``fireworks-ai`` SDK
talks to it through ``FIREWORKS_BASE_URL``; no network, no mocks of the SDK.

It listens on 127.0.0.1 on an ephemeral port, in a background thread, and speaks what
jsonl-guard uses, with the shapes of the API reference (``fireworks/types``; REST paths
in ``shared/reference/platform-apis.md`` §4). With a base URL set, the SDK sends the
control plane *and* chat under it, chat without ``/inference`` (both are accepted):

* ``POST /v1/accounts/{a}/datasets`` (``datasetId`` chosen by the client; 409 if taken),
  ``GET /v1/accounts/{a}/datasets/{id}``, ``POST /v1/accounts/{a}/datasets/{id}:upload``
  (multipart ``file``; the dataset becomes ``READY``);
* ``POST /v1/accounts/{a}/supervisedFineTuningJobs?supervisedFineTuningJobId=ID`` (409
  if taken), ``GET`` one or the list (``pageSize``/``pageToken``), ``POST …/{id}:cancel``;
* ``POST /v1/chat/completions`` (and ``/inference/v1/chat/completions``).

Routes are named ``"POST /datasets"``, ``"GET /datasets/{id}"``, ``"POST /upload"``,
``"POST /jobs"``, ``"GET /jobs"``, ``"GET /jobs/{id}"``, ``"POST /cancel"``, ``"POST /chat"``.

Scripting: ``fail(route, times=1, status=500, disconnect=False, applied=False)`` (applied:
do the work, then lose the answer); ``states``: the states a new job goes through, one
step per ``GET`` of it; ``job_error``: the ``status`` of a job that ends failed;
``body``: answer those bytes instead (``status=200, body=b"<html>"``: a proxy's
page); ``honour_job_id = False``: a server that names jobs itself; ``stored_bytes_delta``: the
upload answer misstates the size; ``reply``: the chat answer. Inspection: ``requests``,
``count(route)``, ``datasets``, ``jobs``, ``chat_requests``.

PYTEST_DONT_REWRITE: the module has no asserts.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from fake_http import FakeHTTPServer

API_KEY = "fw-fake-secret-key-0123456789"
ACCOUNT = "acme-labs"
STATES = ("JOB_STATE_CREATING", "JOB_STATE_RUNNING", "JOB_STATE_COMPLETED")
_ACC = r"/v1/accounts/(?P<account>[^/]+)"
_ROUTES = [
    ("POST", "POST /upload", re.compile(_ACC + r"/datasets/(?P<id>[^/:]+):upload")),
    ("POST", "POST /datasets", re.compile(_ACC + r"/datasets")),
    ("GET", "GET /datasets/{id}", re.compile(_ACC + r"/datasets/(?P<id>[^/:]+)")),
    ("DELETE", "DELETE /datasets/{id}", re.compile(_ACC + r"/datasets/(?P<id>[^/:]+)")),
    ("POST", "POST /cancel", re.compile(_ACC + r"/supervisedFineTuningJobs/(?P<id>[^/:]+):cancel")),
    ("POST", "POST /jobs", re.compile(_ACC + r"/supervisedFineTuningJobs")),
    ("GET", "GET /jobs", re.compile(_ACC + r"/supervisedFineTuningJobs")),
    ("GET", "GET /jobs/{id}", re.compile(_ACC + r"/supervisedFineTuningJobs/(?P<id>[^/:]+)")),
    ("POST", "POST /chat", re.compile(r"(?:/inference)?/v1/chat/completions")),
]
# gRPC status codes in the control plane's error bodies.
_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 500: 13, 502: 14, 503: 14}


@dataclass
class Seen:
    method: str
    path: str
    route: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class Fault:
    status: int
    times: int
    disconnect: bool
    applied: bool
    message: str
    body: bytes | None


@dataclass
class FakeJob:
    name: str
    request: dict[str, Any]
    states: list[str]
    created: str
    position: int = 0

    @property
    def state(self) -> str:
        return self.states[self.position]


@dataclass
class FakeFireworks:
    base_url: str = ""
    api_key: str = API_KEY
    states: tuple[str, ...] = STATES
    job_error: dict[str, str] = field(
        default_factory=lambda: {"code": "INVALID_ARGUMENT", "message": "line 2: bad role"}
    )
    honour_job_id: bool = True
    stored_bytes_delta: int = 0
    reply: str = "pong"
    requests: list[Seen] = field(default_factory=list)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    chat_requests: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        fresh = FakeFireworks(base_url=self.base_url)
        names = ("api_key", "states", "job_error", "honour_job_id", "stored_bytes_delta", "reply")
        for name in names:
            setattr(self, name, getattr(fresh, name))
        for store in (self.requests, self.datasets, self.jobs, self.chat_requests, self.faults):
            store.clear()

    def fail(
        self,
        route: str,
        *,
        times: int = 1,
        status: int = 500,
        disconnect: bool = False,
        applied: bool = False,
        message: str = "internal error",
        body: bytes | None = None,
    ) -> None:
        if route not in {key for _, key, _ in _ROUTES}:
            raise ValueError(f"unknown route {route!r}")
        self.faults.setdefault(route, []).append(
            Fault(status, times, disconnect, applied, message, body)
        )

    def count(self, route: str | None = None) -> int:
        return sum(1 for seen in self.requests if route is None or seen.route == route)

    @property
    def last_job(self) -> FakeJob:
        return list(self.jobs.values())[-1]

    # -- the API ---------------------------------------------------------------------

    def handle(self, seen: Seen, match: re.Match[str]) -> tuple[int, Any]:
        account = match.groupdict().get("account")
        ident = unquote(match.groupdict().get("id") or "")
        route = seen.route
        if route == "POST /datasets":
            body = seen.json or {}
            dataset_id = str(body.get("datasetId", ""))
            name = f"accounts/{account}/datasets/{dataset_id}"
            if name in self.datasets:
                return 409, _error(409, f"dataset {name} already exists")
            self.datasets[name] = {**body.get("dataset", {}), "name": name, "state": "UPLOADING"}
            return 200, {k: v for k, v in self.datasets[name].items() if k != "content"}
        if route in ("GET /datasets/{id}", "POST /upload", "DELETE /datasets/{id}"):
            dataset = self.datasets.get(f"accounts/{account}/datasets/{ident}")
            if dataset is None:
                return 404, _error(404, f"dataset {ident} not found")
            if route == "GET /datasets/{id}":
                return 200, {k: v for k, v in dataset.items() if k != "content"}
            if route == "DELETE /datasets/{id}":
                del self.datasets[f"accounts/{account}/datasets/{ident}"]
                return 200, {}
            if dataset["state"] == "READY":
                return 400, _error(400, "dataset is already uploaded")
            filename, content = _multipart_file(seen)
            dataset.update(content=content, state="READY", filename=filename)
            return 200, {
                "id": ident,
                "object": "file",
                "bytes": len(content) + self.stored_bytes_delta,
                "filename": filename,
                "created_at": 1_700_000_000,
            }
        if route == "POST /jobs":
            wanted = seen.query.get("supervisedFineTuningJobId") if self.honour_job_id else None
            job_id = wanted or f"auto-{len(self.jobs) + 1}"
            name = f"accounts/{account}/supervisedFineTuningJobs/{job_id}"
            if name in self.jobs:
                return 409, _error(409, f"supervised fine-tuning job {job_id} already exists")
            created = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
            self.jobs[name] = FakeJob(name, seen.json or {}, list(self.states), created)
            return 200, self._job_json(self.jobs[name])
        if route == "GET /jobs":
            names = sorted(self.jobs)
            start = int(seen.query.get("pageToken") or 0)
            size = int(seen.query.get("pageSize") or 50)
            page = names[start : start + size]
            more = start + size < len(names)
            return 200, {
                "supervisedFineTuningJobs": [self._job_json(self.jobs[n]) for n in page],
                "nextPageToken": str(start + size) if more else "",
            }
        if route in ("GET /jobs/{id}", "POST /cancel"):
            job = self.jobs.get(f"accounts/{account}/supervisedFineTuningJobs/{ident}")
            if job is None:
                return 404, _error(404, f"supervised fine-tuning job {ident} not found")
            if route == "POST /cancel":
                job.states = [*job.states[: job.position + 1], "JOB_STATE_CANCELLED"]
                return 200, {}
            if job.position + 1 < len(job.states):
                job.position += 1
            return 200, self._job_json(job)
        if route == "POST /chat":
            body = seen.json or {}
            self.chat_requests.append(body)
            return 200, {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.reply},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
            }
        return 404, _error(404, "no such route")

    def _job_json(self, job: FakeJob) -> dict[str, Any]:
        answer = {**job.request, "name": job.name, "state": job.state, "createTime": job.created}
        if job.state == "JOB_STATE_FAILED":
            answer["status"] = self.job_error
        if job.state == "JOB_STATE_COMPLETED":
            answer["outputModel"] = job.request.get("outputModel") or job.name.rsplit("/", 1)[1]
        return answer


def _error(status: int, message: str) -> dict[str, Any]:
    return {"code": _CODES.get(status, 2), "message": message, "details": []}


def _multipart_file(seen: Seen) -> tuple[str, bytes]:
    """The ``file`` part of a multipart body: its file name and exact bytes."""
    boundary = seen.headers.get("content-type", "").partition("boundary=")[2].strip('"')
    for part in seen.body.split(b"--" + boundary.encode()):
        head, _, content = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            filename = re.search(rb'filename="([^"]*)"', head)
            return (filename.group(1).decode() if filename else ""), content[: -len(b"\r\n")]
    return "", b""


def _handler(fake: FakeFireworks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen = Seen(method, url.path, "", dict(parse_qsl(url.query)), headers, body)
            found = next(
                ((key, m) for verb, key, rx in _ROUTES if verb == method
                 for m in [rx.fullmatch(url.path)] if m),
                None,
            )  # fmt: skip
            with fake.lock:
                fake.requests.append(seen)
                if found is None:
                    return self._answer(seen, 404, _error(404, "no such route"))
                seen.route, match = found
                if headers.get("authorization") != f"Bearer {fake.api_key}":
                    return self._answer(seen, 401, _error(401, "invalid API key"))
                fault = _take_fault(fake, seen.route)
                if fault is not None and fault.applied:
                    fake.handle(seen, match)
                if fault is not None:
                    if fault.disconnect:
                        self.close_connection = True
                        return None
                    if fault.body is not None:  # a proxy's page, say
                        return self._answer(seen, fault.status, fault.body)
                    return self._answer(seen, fault.status, _error(fault.status, fault.message))
                status, answer = fake.handle(seen, match)
            return self._answer(seen, status, answer)

        def _answer(self, seen: Seen, status: int, answer: Any) -> None:
            seen.status = status
            raw = isinstance(answer, bytes)
            data = answer if raw else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "text/html" if raw else "application/json")
            self.send_header("content-length", str(len(data)))
            if status == 429 or status >= 500:
                self.send_header("retry-after-ms", "1")
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _take_fault(fake: FakeFireworks, route: str) -> Fault | None:
    queue = fake.faults.get(route) or []
    if not queue:
        return None
    fault = queue[0]
    fault.times -= 1
    if fault.times <= 0:
        queue.pop(0)
    return fault


@pytest.fixture(scope="module")
def fake_fireworks_server() -> Iterator[FakeFireworks]:
    fake = FakeFireworks()
    server = FakeHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(name="fake_fireworks")
def fake_fireworks_fixture(
    fake_fireworks_server: FakeFireworks, monkeypatch: pytest.MonkeyPatch
) -> FakeFireworks:
    """The fake, emptied, with ``FIREWORKS_*`` pointing at it (and no other platform's)."""
    fake_fireworks_server.reset()
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "FIREWORKS_CUSTOM_HEADERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FIREWORKS_API_KEY", API_KEY)
    monkeypatch.setenv("FIREWORKS_ACCOUNT_ID", ACCOUNT)
    monkeypatch.setenv("FIREWORKS_BASE_URL", fake_fireworks_server.base_url)
    return fake_fireworks_server
