"""The dev server's HTTP front end under abuse: the Host never moves the path, a CR/LF cannot
forge a log line, request heads are capped, and slow heads and stalled bodies time out.

Served in-process on a free port with small limits (the defaults are workerd's 15 s and
Cloudflare's 128 KB); tests/differential/test_http_differential.py holds the same front end
to real workerd's answers.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from workers_emulator import Emulator
from workers_emulator.httpconn import HEAD_TOO_LARGE_BODY, HTTPLimits
from workers_emulator.server import uvicorn_config

from tests.support.devserver import free_port

ENTRY = """\
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        print(f"ran {request.url}")
        body = b"" if request.body is None else await request.bytes()
        return Response(f"{request.url} {len(body)}")
"""

LIMITS = HTTPLimits(max_head_bytes=4096, head_timeout=0.5, body_idle_timeout=0.5)


class Served:
    """The dev server's uvicorn config over ``emulator``, in a thread, with its request lines."""

    def __init__(self, emulator: Emulator, limits: HTTPLimits) -> None:
        self.emulator = emulator
        self.lines: list[str] = []
        self.port = free_port()
        config = uvicorn_config(
            emulator, host="127.0.0.1", port=self.port, access_log=self.lines.append, limits=limits
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()))

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=5)


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def exchange(served: Served, raw: bytes) -> bytes:
    with served.connect() as sock:
        sock.sendall(raw)
        return read_all(sock)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    (tmp_path / "entry.py").write_text(ENTRY, encoding="utf-8")
    (tmp_path / "wrangler.jsonc").write_text(
        '{"main": "entry.py", "compatibility_flags": ["python_workers"],}', encoding="utf-8"
    )
    with Emulator(tmp_path / "wrangler.jsonc") as emulator, Served(emulator, LIMITS) as served:
        yield served


def test_the_host_header_never_moves_the_path(served: Served) -> None:
    answer = exchange(served, b"GET /licenses HTTP/1.1\r\nHost: x/v1/admin\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ") and answer.endswith(b"\r\n\r\nBad Request")
    assert not any("ran " in line for line in served.emulator.log_lines)  # the Worker never ran
    answer = exchange(
        served, b"GET /v1/x/../admin/licenses HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert answer.endswith(b"http://x/v1/admin/licenses 0")


def test_an_invalid_host_is_a_400_without_a_traceback(served: Served, capfd) -> None:
    answer = exchange(served, b"GET / HTTP/1.1\r\nHost: [\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Traceback" not in answer
    assert "Traceback" not in "".join(capfd.readouterr())


def test_a_cr_lf_in_the_path_cannot_forge_a_log_line(served: Served) -> None:
    forged = b"/a%0D%0A[wrangler:info]%20GET%20/admin%20200"
    exchange(served, b"GET " + forged + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert len(served.lines) == 1
    assert served.lines[0].startswith("[wrangler:info] GET /a%0D%0A[wrangler:info]%20GET")
    assert "\r" not in served.lines[0] and "\n" not in served.lines[0]


def test_a_head_over_the_cap_is_431_before_it_ends(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ")
        for _ in range(3):
            sock.sendall(b"p" * 2048)  # never finishes the header
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert answer.endswith(HEAD_TOO_LARGE_BODY)
    # Complete but over the cap in one write: the same.
    answer = exchange(served, b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 5000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    # Under it, served.
    assert exchange(served, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").endswith(
        b"http://x/ 0"
    )


def test_a_slow_head_is_closed_at_the_deadline(served: Served) -> None:
    with served.connect() as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        for _ in range(3):  # still sending, too slowly
            time.sleep(0.2)
            sock.sendall(b"X-Slow: 1\r\n")
        assert read_all(sock) == b""  # closed without an answer, as workerd does
        assert 0.4 < time.monotonic() - started < 3
    with served.connect() as sock:  # a connection that never sends a byte
        started = time.monotonic()
        assert read_all(sock) == b""
        assert time.monotonic() - started < 3


def test_a_stalled_body_times_out(served: Served) -> None:
    with served.connect() as sock:
        started = time.monotonic()
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        answer = read_all(sock)  # the server closes the connection after answering
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 500 ") and b"connection: close" in answer.lower()
    assert 0.4 < elapsed < 3
    assert any("Network connection lost." in line for line in served.emulator.log_lines)
