"""Malformed HTTP on the wire against the dev server: request smuggling shapes, odd request
targets, non-ASCII bytes, conflicting lengths. Nothing 5xx, no traceback in the server output,
and whatever reaches the Worker gets the contract's error shape.

The HTTP layer itself (uvicorn here, Cloudflare's edge in production) refuses what is not
HTTP with its own plain 400; that answer is allowed, nothing else is.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
from workers_emulator.asgi import BAD_REQUEST_BODY
from workers_emulator.httpconn import HEAD_TOO_LARGE_BODY

from tests.hostile.harness import FIGURES, DevServer

# uvicorn's refusal of what is not HTTP, and the dev server's own, as workerd's front end
# refuses (a request target or Host that makes no URL; a head over 128 KB).
HTTP_LAYER_REFUSALS = {
    b"Invalid HTTP request received.",
    BAD_REQUEST_BODY.encode(),
    HEAD_TOO_LARGE_BODY,
}

RAW_REQUESTS: list[bytes] = [
    b"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /healthz HTTP/1.0\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: \r\n\r\n",
    b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v1/update-check?version=%ff HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v1/%2e%2e/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v1/update-check?version=1.0.0\xff HTTP/1.1\r\nHost: x\r\n\r\n",
    b"G\xc3\xa9T /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"get /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /" + b"a" * 60_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    # Length games (the classic smuggling shapes).
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
    b"2\r\n{}\r\n0\r\n\r\n",
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"fffffffffffffffff\r\n{}\r\n0\r\n\r\n",
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"4000\r\n" + b"x" * 0x4000 + b"\r\n4000\r\n" + b"x" * 0x4000 + b"\r\n0\r\n\r\n",
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    # Non-ASCII and control bytes in headers.
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nX-Bad: \xff\xfe\r\nContent-Length: 2\r\n\r\n{}",
    b"GET /v1/admin/release HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xe9\r\n\r\n",
    b"GET /v1/admin/release HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\x00b\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
    b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b'Content-Length: 17\r\n\r\n{"license_key":1}',
]


def _exchange(server: DevServer, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)  # nothing more is coming: the server must answer now
        data = b""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            data += chunk
    return data


@pytest.mark.parametrize("raw", RAW_REQUESTS, ids=lambda raw: repr(raw[:40]))
def test_malformed_http_never_5xx(dev_server: DevServer, raw: bytes) -> None:
    data = _exchange(dev_server, raw)
    # The HTTP layer may also just close on what it cannot parse (an overflowing chunk size).
    assert data == b"" or data.startswith(b"HTTP/1.1 "), data[:200]
    # A pipelined second request gets a second answer: check each one.
    for answer in data.split(b"HTTP/1.1 ")[1:]:
        status = int(answer[:3])
        body = answer.partition(b"\r\n\r\n")[2]
        assert status < 500, answer[:300]
        if status >= 400 and body not in HTTP_LAYER_REFUSALS:
            error = json.loads(body)["error"]
            assert set(error) == {"code", "message"}, body
        counts = FIGURES.setdefault("raw_http", {"requests": 0, "statuses": {}})
        counts["requests"] += 1
        counts["statuses"][str(status)] = counts["statuses"].get(str(status), 0) + 1
    assert "Traceback" not in dev_server.output()
