"""The 16 KiB body cap (docs/API.md: a larger body, declared or actual, is answered 413
`request_too_large` without reading more than the cap), on the wire and in-process.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time

import pytest

from tests.hostile.harness import FIGURES, DevServer, Runner

CAP = 16 * 1024
GIB = 1024**3


def _connect(server: DevServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    length = [
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    ]
    return bool(length) and len(body) >= length[0]


def _read_answer(sock: socket.socket, deadline: float, data: bytes = b"") -> bytes:
    """Bytes received until the answer's headers and its declared body are in, or EOF."""
    while not _complete(data) and time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _status_and_body(raw: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


@pytest.mark.parametrize("path", ["/v1/validate", "/v1/admin/licenses", "/v1/admin/release"])
def test_one_gib_declared_body_is_refused_within_a_second(dev_server: DevServer, path: str) -> None:
    method = "PUT" if path.endswith("release") else "POST"
    with _connect(dev_server) as sock:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {dev_server.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {GIB}\r\n\r\n"
        )
        started = time.monotonic()
        # Headers and a slow trickle of a body that will never be complete.
        sock.sendall(head.encode() + b'{"license_key":"CC-')
        raw = _read_answer(sock, started + 5.0)
        elapsed = time.monotonic() - started
    status, body = _status_and_body(raw)
    assert status == 413, raw[:300]
    assert body == {"error": {"code": "request_too_large", "message": body["error"]["message"]}}  # type: ignore[index]
    assert elapsed < 1.0, f"answered after {elapsed:.3f}s"
    FIGURES.setdefault("body_cap", {})[f"1GiB_declared_{method}_{path}_ms"] = round(
        elapsed * 1000, 1
    )


def test_chunked_over_cap_is_refused_without_reading_it_all(dev_server: DevServer) -> None:
    total = 8 * 1024 * 1024
    chunk = b"x" * 1024
    with _connect(dev_server) as sock:
        sock.sendall(
            b"POST /v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.setblocking(False)
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        sent_body = 0
        sent_at_answer: int | None = None
        raw = b""
        started = time.monotonic()
        pending = b""
        # Trickle the body (about 1 KiB per millisecond) and watch for the answer.
        while sent_body < total and time.monotonic() - started < 10:
            ready_read, _, _ = select.select([sock], [], [], 0.001)
            if ready_read:
                try:
                    data = sock.recv(65536)
                except (ConnectionResetError, BlockingIOError):
                    data = b""
                raw += data
                if sent_at_answer is None and raw:
                    sent_at_answer = sent_body
                if not data or b"\r\n\r\n" in raw:
                    break
            if not pending:
                pending = frame
            try:
                written = sock.send(pending)
            except BlockingIOError:
                continue  # the server stopped reading: its buffers are full
            except (BrokenPipeError, ConnectionResetError):
                break
            pending = pending[written:]
            if not pending:
                sent_body += len(chunk)
        # After the answer the server reads no further: pushing the rest of the body either
        # fails (connection closed) or stalls once the socket buffers are full.
        accepted_after = 0
        stop = time.monotonic() + 1.0
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while time.monotonic() < stop and accepted_after < total:
                _, ready_write, _ = select.select([], [sock], [], 0.05)
                if ready_write:
                    with contextlib.suppress(BlockingIOError):
                        accepted_after += sock.send(frame)
        sock.setblocking(True)
        with contextlib.suppress(ConnectionResetError):  # closed after the answer
            raw = _read_answer(sock, time.monotonic() + 5.0, raw)
    status, body = _status_and_body(raw)
    assert status == 413, raw[:300]
    assert body["error"]["code"] == "request_too_large"  # type: ignore[index]
    assert sent_at_answer is not None
    # The answer came long before the body was sent: the server did not wait to read it all.
    # (What the kernel and the HTTP server buffered is included, hence the margin over 16 KiB.)
    assert sent_at_answer < 1024 * 1024, sent_at_answer
    assert sent_body < total
    assert accepted_after < total, "the server kept reading after its answer"
    FIGURES.setdefault("body_cap", {})["chunked_bytes_sent_before_413"] = sent_at_answer
    FIGURES["body_cap"]["chunked_bytes_accepted_after_413"] = accepted_after


def test_worker_pulls_no_more_than_the_cap(runner: Runner) -> None:
    """In-process, the bytes the Worker pulls from the stream are counted exactly."""
    chunks = [b"y" * 1024 for _ in range(1024)]  # 1 MiB, no Content-Length
    response = runner.send(
        "POST", "/v1/validate", [("content-type", "application/json")], None, chunks=chunks
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert runner.pulled <= CAP + 1024, runner.pulled
    FIGURES.setdefault("body_cap", {})["in_process_bytes_pulled_of_1MiB"] = runner.pulled


def test_exactly_the_cap_is_read_and_one_more_byte_is_not(runner: Runner) -> None:
    prefix, suffix = b'{"license_key":"x","pad":"', b'"}'
    exact = prefix + b"z" * (CAP - len(prefix) - len(suffix)) + suffix
    assert len(exact) == CAP
    headers = [("content-type", "application/json")]
    assert runner.send("POST", "/v1/validate", headers, exact).status_code == 404
    over = exact[:-2] + b'z"}'
    assert runner.send("POST", "/v1/validate", headers, over).status_code == 413
