"""``workers-emulator dev`` over real HTTP, as a newcomer starts it."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.devserver import DevProcess as DevServer
from tests.support.devserver import emulator_command as command

MINIMAL = Path(__file__).parent / "workers" / "minimal"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[DevServer]:
    target = tmp_path_factory.mktemp("dev") / "w"
    shutil.copytree(MINIMAL, target)
    dev = DevServer(target / "wrangler.toml")
    try:
        dev.wait_ready()
        yield dev
    finally:
        dev.stop()


@pytest.fixture(scope="module")
def http(server: DevServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def test_banner_lists_bindings_and_generated_secrets(server: DevServer) -> None:
    text = "\n".join(server.out)
    assert "env.KV (minimal-kv)" in text and "KV Namespace" in text
    assert "env.LIMITER (2 requests/60s)" in text and "Rate Limit " in text
    assert 'env.GREETING ("hello")' in text
    assert f"Local KV state: {server.config.parent / '.wrangler' / 'state' / 'kv'}" in text
    token_lines = [line for line in server.out if line.startswith("API_TOKEN ")]
    assert len(token_lines) == 1 and "generated" in token_lines[0]
    signing = [line for line in server.out if line.startswith("SIGNING_KEY ")]
    assert len(signing) == 1 and "ephemeral" in signing[0]


def test_generated_token_is_the_one_the_worker_sees(server: DevServer, http) -> None:
    printed = next(line for line in server.out if line.startswith("API_TOKEN ")).split()[-1]
    assert http.get("/env").json()["token"] == printed


def test_round_trip_and_client_address_from_the_socket(http) -> None:
    r = http.post(
        "/echo?q=1",
        content=b"hello",
        headers={"CF-Connecting-IP": "6.6.6.6", "X-Forwarded-For": "7.7.7.7"},
    )
    assert r.status_code == 200
    data = r.json()
    assert data["body"] == "hello" and data["url"].endswith("/echo?q=1")
    assert data["client"] == "127.0.0.1"  # the platform sets it; a client cannot


def test_chunked_upload_and_head(http) -> None:
    def parts():
        yield b"ab"
        yield b"cd"

    r = http.post("/echo", content=parts())  # no length: sent chunked
    assert r.json()["body"] == "abcd"
    head = http.head("/headers")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == "2"


def test_an_exception_is_a_500_with_its_first_line_and_the_traceback_in_the_log(
    server: DevServer, http
) -> None:
    r = http.get("/boom", headers={"accept": "application/json"})
    assert (r.status_code, r.text) == (500, "ValueError: the handler failed")
    assert r.headers["content-type"] == "text/plain;charset=UTF-8"
    page = http.get("/boom", headers={"accept": "text/html"})  # a browser gets a page
    assert page.status_code == 500 and page.headers["content-type"] == "text/html;charset=utf-8"
    assert "ValueError: the handler failed" in page.text and "Traceback" not in page.text
    time.sleep(0.2)
    assert any("Traceback" in line for line in server.err)  # the log has it


def test_request_log_line_has_no_query_ip_or_headers(server: DevServer, http) -> None:
    http.get("/echo?token=hunter2", headers={"X-Private": "swordfish"})
    server.wait_for_line("GET /echo 200")
    everything = "\n".join(server.out + server.err)
    assert "hunter2" not in everything and "swordfish" not in everything
    line = next(line for line in server.out if "GET /echo 200" in line)
    assert "127.0.0.1" not in line and line.endswith("ms)")


def test_worker_output_is_forwarded(server: DevServer, http) -> None:
    http.get("/print")
    server.wait_for_line('{"event": "hello"}')
    time.sleep(0.2)
    assert "to stderr" in server.err


def raw_exchange(port: int, head: bytes, body: bytes = b"") -> tuple[bytes, float]:
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data, time.monotonic() - start


def test_a_1_gib_declared_body_is_refused_at_once(server: DevServer) -> None:
    head = b"POST /declared HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n"
    data, elapsed = raw_exchange(server.port, head)
    assert data.startswith(b"HTTP/1.1 413") and elapsed < 1.0


def test_the_worker_refuses_after_its_first_chunk(server: DevServer) -> None:
    head = b"POST /stream-head HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n"
    data, elapsed = raw_exchange(server.port, head, b"y" * 70_000)
    assert data.startswith(b"HTTP/1.1 413") and elapsed < 1.0


def test_kv_cli_reads_state_while_the_server_runs(server: DevServer, http) -> None:
    assert http.get("/kv").text == "v"
    config = str(server.config)
    listed = subprocess.run(
        command("kv", "list", "KV", "--config", config),
        cwd=REPO,
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert json.loads(listed.stdout) == [{"name": "k"}]
    got = subprocess.run(
        command("kv", "get", "KV", "k", "--config", config),
        cwd=REPO,
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert got.stdout == b"v"
    # The default state folder is .wrangler/state beside the config.
    assert (server.config.parent / ".wrangler" / "state" / "kv" / "minimal-kv.sqlite").is_file()


def test_sigterm_shuts_down_gracefully(tmp_path) -> None:
    shutil.copytree(MINIMAL, tmp_path / "w")
    dev = DevServer(tmp_path / "w" / "wrangler.toml")
    dev.wait_ready()
    assert httpx.get(dev.url + "/count", timeout=10).text == "1"
    assert dev.stop(signal.SIGTERM) == 0
    time.sleep(0.1)
    assert dev.out[-1] == "Shutting down"
    with pytest.raises(httpx.ConnectError):
        httpx.get(dev.url + "/count", timeout=2)
