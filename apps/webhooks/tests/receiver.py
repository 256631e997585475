"""A small HTTP server on 127.0.0.1 that receives webhooks in tests: it records every request (header names in
lower case) and answers the statuses it is given, in turn (the last one repeated). It stops when its ``with``
block ends, or by itself."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, *statuses: int, delay: float = 0.0, lifetime: float = 300.0, headers: dict | None = None):
        self.statuses = list(statuses or (204,))
        self.delay, self.lifetime, self.extra_headers = delay, lifetime, headers or {}
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/badges"

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.statuses[min(len(receiver.requests), len(receiver.statuses)) - 1]
                time.sleep(receiver.delay)
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.server.shutdown)  # stops by itself
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[tuple[dict[str, str], bytes]]:
        """The requests once there are ``count`` of them (fails after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} requests received, {count} expected"
            time.sleep(0.05)
        return list(self.requests)
