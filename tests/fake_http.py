"""The HTTP server every fake platform runs on (127.0.0.1, a thread per request)."""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a test's --timeout closes its connection while the fake
        still answers) is not the fake's error: socketserver would print its traceback
        into the captured output of the test's next command."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)
