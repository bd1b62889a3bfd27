"""A local fake of Vertex AI's tuning and generateContent REST API, for the real SDKs.

``google-genai`` (Vertex mode) is pointed at it with ``GOOGLE_VERTEX_BASE_URL``, Cloud
Storage (``google-cloud-storage``) with ``STORAGE_EMULATOR_HOST``, and a service
account's ``token_uri`` sends the OAuth token exchange here too, so the whole
credential chain (Application Default Credentials from ``GOOGLE_APPLICATION_CREDENTIALS``)
runs for real. It listens on 127.0.0.1 on an ephemeral port, in a background thread:

* ``POST /token``: the OAuth token endpoint (answers ``ACCESS_TOKEN``);
* ``POST /{v}/projects/{p}/locations/{l}/tuningJobs`` (create), ``GET`` the same (list),
  ``GET /{v}/projects/{p}/locations/{l}/tuningJobs/{id}`` (each GET moves the job one
  state on), ``POST .../tuningJobs/{id}:cancel``;
* ``POST /{v}/projects/{p}/locations/{l}/endpoints/{id}:generateContent``;
* anything under ``/upload/storage/``, ``/storage/`` or ``/download/storage/`` is passed
  on to the Cloud Storage emulator (``storage_upstream``), so faults can be injected on
  uploads as on any other route.

It answers 200 with camelCase JSON (the SDK raises on a 201) and Google's error shape
``{"error": {"code", "message", "status"}}``. Routes are named ``"POST tuningJobs"``,
``"GET tuningJobs"``, ``"GET tuningJob"``, ``"POST cancel"``, ``"POST chat"``,
``"POST token"``, ``"POST upload"`` and ``"storage"`` (the rest of the storage API).

``fail(route, times=1, status=500, disconnect=False, applied=False, body=None, hang=False)``
makes the next ``times`` requests to ``route`` fail (``body``: answer those bytes instead,
e.g. an HTML page with status 200; ``hang``: never answer until the server stops); ``applied=True`` does the work first (the job is created,
the object stored) and then fails, as a server whose answer was lost.
``states``/``error`` script how jobs created from now on advance; ``echo`` names the tags
jobs are listed and returned with (a server that drops labels: ``("tunedModelDisplayName",)``).
Create-only uploads (``ifGenerationMatch=0``) of an existing object answer 412, as Cloud
Storage does (the emulator does not check it).

PYTEST_DONT_REWRITE: the module has no asserts.
"""

from __future__ import annotations

import datetime
import http.client
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fake_http import FakeHTTPServer

ACCESS_TOKEN = "ya29.fake-vertex-access-token-0123456789"
PROJECT_NUMBER = "123456789012"
SUCCESS_STATES = ("JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED")
_STATUS_WORDS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_PARENT = r"/(?P<v>v1|v1beta1)/projects/(?P<p>[^/]+)/locations/(?P<l>[^/]+)"
_ROUTES = (
    ("POST", re.compile(r"/token"), "POST token"),
    ("POST", re.compile(_PARENT + r"/tuningJobs"), "POST tuningJobs"),
    ("GET", re.compile(_PARENT + r"/tuningJobs"), "GET tuningJobs"),
    ("GET", re.compile(_PARENT + r"/tuningJobs/(?P<id>[^/:]+)"), "GET tuningJob"),
    ("POST", re.compile(_PARENT + r"/tuningJobs/(?P<id>[^/:]+):cancel"), "POST cancel"),
    ("POST", re.compile(_PARENT + r"/endpoints/(?P<id>[^/:]+):generateContent"), "POST chat"),
    ("POST", re.compile(r"/upload/storage/.*"), "POST upload"),
    ("*", re.compile(r"/(upload/|download/)?storage/.*"), "storage"),
)


@dataclass
class Request:
    method: str
    path: str
    route: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int | None = None  # what the fake answered (None: the connection was dropped)

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class Fault:
    status: int
    message: str
    disconnect: bool
    applied: bool
    body: bytes | None  # these bytes instead of Google's JSON error (a proxy's page)
    hang: bool  # never answer (until the server stops)


@dataclass
class FakeJob:
    name: str
    request: dict[str, Any]
    states: tuple[str, ...]
    error: dict[str, Any] | None
    created: str
    step: int = 0
    cancelled: bool = False

    @property
    def id(self) -> str:
        return self.name.rsplit("/", 1)[1]

    @property
    def state(self) -> str:
        return "JOB_STATE_CANCELLED" if self.cancelled else self.states[self.step]

    def to_json(self, echo: tuple[str, ...]) -> dict[str, Any]:
        tags = {"labels", "tunedModelDisplayName"}
        body = {key: value for key, value in self.request.items() if key not in tags or key in echo}
        location = self.name.split("/")[3]
        body.update(name=self.name, state=self.state, createTime=self.created)
        if self.state == "JOB_STATE_SUCCEEDED":
            where = f"projects/{PROJECT_NUMBER}/locations/{location}"
            body["tunedModel"] = {
                "model": f"{where}/models/{self.id}@1",
                "endpoint": f"{where}/endpoints/{self.id}",
            }
        if self.state in ("JOB_STATE_FAILED", "JOB_STATE_PARTIALLY_SUCCEEDED") and self.error:
            body["error"] = self.error
        if self.cancelled:
            body["error"] = {"code": 1, "message": "CANCELLED"}
        return body


@dataclass
class FakeVertex:
    """The controller: the server, its scripted answers, what it received."""

    storage_upstream: str | None = None  # http://127.0.0.1:PORT of the Cloud Storage emulator
    states: tuple[str, ...] = SUCCESS_STATES
    error: dict[str, Any] | None = None  # the error of a job that ends FAILED
    reply: str = "pong"
    echo: tuple[str, ...] = ("labels", "tunedModelDisplayName")  # the tags kept on jobs
    requests: list[Request] = field(default_factory=list)
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    _faults: dict[str, list[Fault]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> FakeVertex:
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = FakeHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # hanging requests end (their connections close)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(
        self,
        route: str,
        *,
        times: int = 1,
        status: int = 500,
        message: str = "Internal error encountered.",
        disconnect: bool = False,
        applied: bool = False,
        body: bytes | None = None,
        hang: bool = False,
    ) -> None:
        with self._lock:
            fault = Fault(status, message, disconnect, applied, body, hang)
            self._faults.setdefault(route, []).extend([fault] * times)

    def count(self, route: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if route is None or r.route == route)

    def requests_to(self, route: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.route == route]

    def set_state(self, job_id: str, state: str) -> None:
        with self._lock:
            job = self.jobs[job_id]
            job.states = (*job.states[: job.step + 1], state)
            job.step += 1

    # -- serving -------------------------------------------------------------------------

    @property
    def uploads(self) -> list[Request]:
        return self.requests_to("POST upload")

    def handle(self, request: Request, groups: dict[str, str]) -> tuple[int, Any] | None:
        """The answer (status, JSON body or raw bytes); ``None``: drop the connection."""
        answer = self._handle(request, groups)
        request.status = None if answer is None else answer[0]
        return answer

    def _handle(self, request: Request, groups: dict[str, str]) -> tuple[int, Any] | None:
        with self._lock:
            self.requests.append(request)
            faults = self._faults.get(request.route) or []
            fault = faults.pop(0) if faults else None
        if fault is not None and not fault.applied:
            return self._faulty(fault)
        if request.route not in ("POST token", "POST upload", "storage"):
            authorization = request.headers.get("authorization", "")
            if authorization != f"Bearer {ACCESS_TOKEN}":
                return _error(401, "Request had invalid authentication credentials.")
        answer = self._answer(request, groups)
        if fault is not None:  # the work is done; the answer is lost
            return self._faulty(fault)
        return answer

    def _faulty(self, fault: Fault) -> tuple[int, Any] | None:
        if fault.hang:
            self._stopping.wait(60)
        return _faulty(fault)

    def _answer(self, request: Request, groups: dict[str, str]) -> tuple[int, Any]:
        route = request.route
        if route == "POST token":
            return 200, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}
        if route in ("POST upload", "storage"):
            return self._forward(request)
        parent = f"projects/{groups.get('p')}/locations/{groups.get('l')}"
        with self._lock:
            if route == "POST tuningJobs":
                name = f"{parent}/tuningJobs/{len(self.jobs) + 1:019d}"
                created = (
                    datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
                )
                job = FakeJob(name, request.json(), self.states, self.error, created)
                self.jobs[job.id] = job
                return 200, job.to_json(self.echo)
            if route == "GET tuningJobs":
                mine = [job for job in self.jobs.values() if job.name.startswith(parent + "/")]
                listed = [job.to_json(self.echo) for job in reversed(mine)]
                return 200, {"tuningJobs": listed} if listed else {}
            if route == "POST chat":
                text = self.reply
                usage = {"promptTokenCount": 3, "candidatesTokenCount": len(text.split())}
                candidate = {"content": {"role": "model", "parts": [{"text": text}]}}
                return 200, {"candidates": [{**candidate, "finishReason": "STOP"}],
                             "usageMetadata": usage}  # fmt: skip
            job = self.jobs.get(groups.get("id", ""))
            if job is None:
                return _error(404, "The TuningJob does not exist.")
            if route == "POST cancel":
                job.cancelled = True
                return 200, {}
            if job.step + 1 < len(job.states) and not job.cancelled:
                job.step += 1  # "GET tuningJob": one state on per look
            return 200, job.to_json(self.echo)

    def _forward(self, request: Request) -> tuple[int, Any]:
        assert self.storage_upstream is not None, "no Cloud Storage emulator behind the fake"
        if request.route == "POST upload" and request.query.get("ifGenerationMatch") == "0":
            # Real Cloud Storage refuses a create-only upload of an existing object (412);
            # the emulator does not, so the fake does.
            name = re.search(rb'"name":\s*"([^"]+)"', request.body)
            bucket = request.path.split("/b/", 1)[1].split("/", 1)[0]
            if name is not None and self._exists(bucket, name.group(1).decode()):
                return _error(412, "At least one of the pre-conditions you specified did not hold.")
        return self._send_upstream(request)

    def _exists(self, bucket: str, name: str) -> bool:
        from urllib.parse import quote

        look = Request("GET", f"/storage/v1/b/{bucket}/o/{quote(name, safe='')}", "storage",
                       {}, {}, b"")  # fmt: skip
        return self._send_upstream(look)[0] == 200

    def _send_upstream(self, request: Request) -> tuple[int, Any]:
        assert self.storage_upstream is not None
        target = urlsplit(self.storage_upstream)
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
        path = request.path + ("?" + _query(request.query) if request.query else "")
        skip = {"host", "content-length", "transfer-encoding", "connection"}
        headers = {k: v for k, v in request.headers.items() if k not in skip}
        try:
            connection.request(request.method, path, body=request.body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def _query(query: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


def _faulty(fault: Fault) -> tuple[int, Any] | None:
    if fault.disconnect or fault.hang:
        return None
    return (
        (fault.status, fault.body)
        if fault.body is not None
        else _error(fault.status, fault.message)
    )


def _error(status: int, message: str) -> tuple[int, Any]:
    word = _STATUS_WORDS.get(status, "UNKNOWN")
    return status, {"error": {"code": status, "message": message, "status": word}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeVertex
    protocol_version = "HTTP/1.1"
    timeout = 10
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def _serve(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        route, groups = "", {}
        for method, pattern, name in _ROUTES:
            match = pattern.fullmatch(url.path)
            if match and method in ("*", self.command):
                route, groups = name, {k: v for k, v in match.groupdict().items() if v}
                break
        headers = {name.lower(): value for name, value in self.headers.items()}
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        request = Request(self.command, url.path, route, query, headers, body)
        answer = (404, b"no such route") if not route else self.fake.handle(request, groups)
        if answer is None:
            self.close_connection = True
            return
        status, content = answer
        raw = content if isinstance(content, bytes) else json.dumps(content).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=UTF-8")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


def running(storage_upstream: str | None = None) -> Iterator[FakeVertex]:
    """A started fake (for a fixture), stopped afterwards."""
    fake = FakeVertex(storage_upstream=storage_upstream).start()
    try:
        yield fake
    finally:
        fake.stop()


__all__ = ["ACCESS_TOKEN", "PROJECT_NUMBER", "FakeJob", "FakeVertex", "Request", "running"]
