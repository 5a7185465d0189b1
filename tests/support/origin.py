"""A local origin server on 127.0.0.1 for outbound-fetch tests: a thread per connection, so a
slow answer never holds up another.

Paths: ``/hello`` (text), ``/echo`` (the request's method, headers and body as JSON),
``/slow?seconds=S`` (answers after S seconds), ``/redirect?to=PATH`` (302), ``/status/N``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _answer(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("x-origin", "local")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        if parts.path == "/hello":
            self._answer(200, b"hello from the origin")
        elif parts.path == "/echo":
            doc = {
                "method": self.command,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
            self._answer(200, json.dumps(doc).encode(), "application/json")
        elif parts.path == "/slow":
            time.sleep(float(query.get("seconds", ["1"])[0]))
            self._answer(200, b"slow answer")
        elif parts.path == "/redirect":
            self.send_response(302)
            self.send_header("location", query.get("to", ["/hello"])[0])
            self.send_header("content-length", "0")
            self.end_headers()
        elif parts.path.startswith("/status/"):
            self._answer(int(parts.path.rsplit("/", 1)[1]), b"status")
        else:
            self._answer(404, b"no such path")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _route


@contextmanager
def origin_server() -> Iterator[str]:
    """Serve on a free loopback port for the block; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="origin", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
