"""AWS on 127.0.0.1 for the Bedrock backend's tests: moto, a proxy in front of it, Converse.

* ``moto`` in server mode (``ThreadedMotoServer``, in this process) is S3 and the Bedrock
  control plane: buckets, objects, model customization jobs, their tags.
* ``AwsProxy`` stands between boto3 and moto (``AWS_ENDPOINT_URL`` names it). It counts
  every request, injects faults (a status before or after forwarding, a dropped
  connection) and moves jobs on: moto's jobs stay ``InProgress`` forever, so on each
  ``GetModelCustomizationJob`` the proxy sets the job's next status in moto's own state
  (moto runs in this process) before forwarding, so ``get`` and ``list`` agree. This
  keeps moto the one source of truth; only the clock of a real training run is faked.
* ``FakeConverse`` answers bedrock-runtime's ``Converse`` (which moto lacks), reached
  through ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fake_http import FakeHTTPServer

ACCESS_KEY = "AKIAFAKEJSONLGUARD01"
SECRET_KEY = "fake/secret+Key/jsonlguard0123456789abcd"
SESSION_TOKEN = "FakeSessionTokenJsonlGuard000111222333"
JOB_PATH = re.compile(r"^/model-customization-jobs/([^/?]+)$")
_SERVICE = re.compile(r"Credential=[^/]+/\d+/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


@dataclass
class Fault:
    service: str  # "s3", "bedrock"
    method: str
    path: re.Pattern[str]
    status: int = 500
    times: int = 1
    applied: bool = False  # forward first (the work is done), then answer the fault
    disconnect: bool = False
    code: str = "InternalServerException"
    html: bool = False  # a web page with this status (a proxy's, a wrong endpoint's)


@dataclass
class Seen:
    service: str
    method: str
    path: str
    body: bytes


@dataclass
class AwsProxy:
    moto: str  # host:port
    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    steps: tuple[str, ...] = ("InProgress", "Completed")  # a job's status on each get
    failure_message: str = "Training data validation failed: line 3 has no assistant turn"
    polls: dict[str, int] = field(default_factory=dict)

    def count(self, service: str | None = None, method: str | None = None, path: str = "") -> int:
        return sum(
            1
            for s in self.seen
            if (service is None or s.service == service)
            and (method is None or s.method == method)
            and path in s.path
        )

    def fail(self, service: str, method: str, path: str, **kwargs: Any) -> None:
        self.faults.append(Fault(service, method, re.compile(path), **kwargs))

    def _fault(self, service: str, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            same = (fault.service, fault.method) == (service, method)
            if same and fault.path.search(path) and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def advance(self, name: str) -> None:
        """The job's next status, set in moto's state (a stopped job stays stopped)."""
        from moto.bedrock.models import bedrock_backends

        for regions in bedrock_backends.values():
            for backend in regions.values():
                job = backend.model_customization_jobs.get(name)
                if job is None or job.status == "Stopped":
                    continue
                step = self.polls.get(name, 0)
                self.polls[name] = step + 1
                job.status = self.steps[min(step, len(self.steps) - 1)]
                job.failure_message = self.failure_message if job.status == "Failed" else None


def _handler(proxy: AwsProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each answer waits 40 ms for a delayed ACK

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get("Transfer-Encoding") == "chunked":
                body = _read_chunked(self.rfile)
            match = _SERVICE.search(self.headers.get("Authorization", ""))
            service = match.group(2) if match else "?"
            path = self.path
            proxy.seen.append(Seen(service, self.command, path, body))
            fault = proxy._fault(service, self.command, path)
            if fault is not None and not fault.applied:
                return self._answer_fault(fault)
            job = JOB_PATH.match(path.split("?")[0])
            if service == "bedrock" and self.command == "GET" and job:
                proxy.advance(job.group(1))
            status, headers, answer = self._forward(body)
            if fault is not None:
                return self._answer_fault(fault)
            self.send_response(status)
            dropped = ("transfer-encoding", "connection", "content-length")
            for name, value in headers:  # a HEAD's Content-Length is the object's: kept
                if name.lower() not in dropped or (
                    self.command == "HEAD" and name.lower() == dropped[2]
                ):
                    self.send_header(name, value)
            if self.command != "HEAD":
                self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            connection = http.client.HTTPConnection(proxy.moto, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"}
            if self.headers.get("Transfer-Encoding") == "chunked":
                headers["Content-Length"] = str(len(body))
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            connection.close()
            return response.status, response.getheaders(), answer

        def _answer_fault(self, fault: Fault) -> None:
            if fault.disconnect:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fault.html:
                body = b"<html><body>Please log in to the corporate proxy</body></html>"
                self.send_response(fault.status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if fault.service == "s3":  # S3 speaks XML
                body = (
                    f"<Error><Code>{fault.code}</Code><Message>fake fault</Message>"
                    "<RequestId>FAKE0001</RequestId></Error>"
                ).encode()
            else:
                body = json.dumps({"message": "fake fault"}).encode()
            self.send_response(fault.status)
            self.send_header(
                "Content-Type", "application/xml" if fault.service == "s3" else "application/json"
            )
            self.send_header("x-amzn-ErrorType", fault.code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

    return Handler


def _read_chunked(stream: Any) -> bytes:
    """An aws-chunked/chunked body as sent (moto reads the framing itself)."""
    data = b""
    while True:
        line = stream.readline()
        data += line
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while True:  # trailers, then the blank line
                trailer = stream.readline()
                data += trailer
                if trailer in (b"\r\n", b"\n", b""):
                    return data
        data += stream.read(size + 2)


@dataclass
class FakeConverse:
    """``POST /model/{modelId}/converse``: a scripted reply; the requests it got."""

    reply: Callable[[dict[str, Any]], str] = lambda request: "pong"
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    port: int = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                match = re.fullmatch(r"/model/([^/]+)/converse", self.path)
                if match is None:
                    self.send_error(404)
                    return
                from urllib.parse import unquote

                fake.requests.append((unquote(match.group(1)), request))
                text = fake.reply(request)
                body = json.dumps(
                    {
                        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                        "stopReason": "end_turn",
                        "usage": {"inputTokens": 5, "outputTokens": len(text.split()),
                                  "totalTokens": 5 + len(text.split())},
                        "metrics": {"latencyMs": 1},
                    }
                ).encode()  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = FakeHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class FakeAws:
    moto_url: str
    proxy: AwsProxy
    converse: FakeConverse

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy.port}"

    @property
    def converse_url(self) -> str:
        return f"http://127.0.0.1:{self.converse.port}"

    def reset(self) -> None:
        """A clean AWS: moto's state wiped, no faults, nothing seen."""
        import urllib.request

        reset = urllib.request.Request(f"{self.moto_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(reset) as answer:
            answer.read()
        self.proxy.seen.clear()
        self.proxy.faults.clear()
        self.proxy.polls.clear()
        self.proxy.steps = ("InProgress", "Completed")
        self.converse.requests.clear()
        self.converse.reply = lambda request: "pong"


def start_fake_aws() -> tuple[FakeAws, Callable[[], None]]:
    """moto, the proxy and the Converse fake on 127.0.0.1, and how to stop them."""
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    proxy = AwsProxy(f"{host}:{port}")
    proxy_server = _serve(_handler(proxy))
    proxy.port = proxy_server.server_address[1]
    converse = FakeConverse()
    converse_server = _serve(converse.handler())
    converse.port = converse_server.server_address[1]

    def stop() -> None:
        for server in (proxy_server, converse_server):
            server.shutdown()
            server.server_close()
        moto.stop()

    return FakeAws(f"http://{host}:{port}", proxy, converse), stop


@pytest.fixture(scope="module", name="fake_aws_server")
def fake_aws_server_fixture() -> Iterator[FakeAws]:
    """moto, the proxy and the Converse fake, started once per test module."""
    fake, stop = start_fake_aws()
    try:
        yield fake
    finally:
        stop()


__all__ = [
    "ACCESS_KEY",
    "SECRET_KEY",
    "SESSION_TOKEN",
    "AwsProxy",
    "FakeAws",
    "FakeConverse",
    "fake_aws_server_fixture",
]
