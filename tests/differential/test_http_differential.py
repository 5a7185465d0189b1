"""The dev server's HTTP front end, tried as an attacker would: real ``wrangler dev`` (workerd)
against ``workers-emulator dev``, the same raw bytes sent to both.

``http/js`` echoes what workerd hands a Worker (method, URL, pathname, headers, body length);
``http/py`` is the same Worker in Python (configured in jsonc). Each case is sent over a plain
socket (an HTTP client would normalise the very things under test) and the answers must be
the same, but for what is written down here and in the emulator's README:

- workerd sets ``accept-encoding: br, gzip`` itself whatever the client sent: not compared;
- a ``Host`` that is not a host is a 500 from workerd (its URL parser throws) and a 400 from
  the emulator (as Cloudflare's edge refuses it); in both the Worker never runs.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.devserver import TWIN_LOG, DevProcess, js_twin

HERE = Path(__file__).parent / "http"
HEAD_CAP = 128 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def echo(self) -> dict[str, Any]:
        data = json.loads(self.body)
        data["headers"] = [h for h in data["headers"] if h[0] != "accept-encoding"]
        return data


def exchange(port: int, raw: bytes) -> Answer:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Answer(response.status, response.read())


def get(target: bytes, *headers: bytes, host: bytes | None = b"example.com") -> bytes:
    lines = [b"GET " + target + b" HTTP/1.1"]
    if host is not None:
        lines.append(b"Host: " + host)
    lines.extend(headers)
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def padded_head(total: int, path: bytes) -> bytes:
    """A GET whose head (request line, headers, blank line) is ``total`` bytes."""
    base = get(path, b"X-Pad: ")
    return base.replace(b"X-Pad: ", b"X-Pad: " + b"p" * (total - len(base)))


SAME: dict[str, bytes] = {
    "dot-dot segment": get(b"/v1/x/../admin/licenses"),
    "dot segment": get(b"/./healthz"),
    "escaped dot-dot": get(b"/a/%2e%2E/b"),
    "trailing dot-dot": get(b"/a/b/.."),
    "above the root": get(b"/../../etc"),
    "double slashes": get(b"//double//slash"),
    "backslash": get(b"/x\\y"),
    "escapes kept": get(b"/%7e/%41"),
    "CR LF escaped": get(b"/a%0D%0Aforged%20line"),
    "query escapes": get(b"/p?a=%0D%0A&b=<>\"'`"),
    "path escapes": get(b'/p<>"`{}|'),
    "Host upper case, trailing dot": get(b"/h", host=b"EXAMPLE.com."),
    "Host default port": get(b"/h", host=b"example.com:80"),
    "Host empty port": get(b"/h", host=b"example.com:"),
    "Host IPv6": get(b"/h", host=b"[::1]:8787"),
    "Host underscore": get(b"/h", host=b"under_score.example"),
    "hop-by-hop headers": get(
        b"/hop", b"Keep-Alive: 5", b"TE: trailers", b"Trailer: x", b"Upgrade: foo", b"X-A: 1"
    ),
    "no Host": get(b"/h", host=None),
    "empty Host": get(b"/h", host=b""),
    "HTTP/1.0 without Host": b"GET /h HTTP/1.0\r\n\r\n",
    "head under the cap": padded_head(100_000, b"/under-cap"),
    "head over the cap": padded_head(HEAD_CAP + 10_000, b"/over-cap"),
    "one header over the cap": get(b"/one-header", b"X-Big: " + b"b" * (HEAD_CAP + 10)),
    "body by length": b"POST /b HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n"
    b"Connection: close\r\n\r\nabc",
    "body chunked": b"POST /c HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n"
    b"Connection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
}

# Hosts workerd's URL parser throws on (500) and the emulator refuses (400); the Worker never
# runs for either. The path names the case, to find it in the logs if it ever got through.
NOT_A_HOST = {
    "bracket": b"[",
    "path-in-host": b"x/v1/admin",
    "space": b"ex ample.com",
    "port-too-large": b"example.com:99999",
    "userinfo": b"user@example.com",
    "escape": b"a%41.example",
}


@pytest.fixture(scope="module")
def workerd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """``wrangler dev`` serving http/js: its port and its log file."""
    folder = tmp_path_factory.mktemp("workerd")
    with js_twin(HERE / "js" / "wrangler.toml", folder, health_path="/") as url:
        yield int(url.rsplit(":", 1)[1]), folder / TWIN_LOG


@pytest.fixture(scope="module")
def emulator() -> Iterator[DevProcess]:
    server = DevProcess(HERE / "py" / "wrangler.jsonc")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def answers(workerd: tuple[int, Path], emulator: DevProcess) -> dict[str, tuple[Answer, Answer]]:
    cases = {**SAME, **{f"Host {k}": get(f"/{k}".encode(), host=v) for k, v in NOT_A_HOST.items()}}
    cases["two Hosts"] = get(b"/two-hosts", b"Host: other.example")
    return {
        name: (exchange(workerd[0], raw), exchange(emulator.port, raw))
        for name, raw in cases.items()
    }


@pytest.mark.parametrize("case", list(SAME))
def test_same_answer_as_workerd(answers: dict[str, tuple[Answer, Answer]], case: str) -> None:
    js, py = answers[case]
    assert py.status == js.status, (js, py)
    if js.status == 200:
        assert py.echo() == js.echo()
    else:
        assert py.body == js.body


def test_the_path_workerd_resolves_is_the_one_the_worker_sees(
    answers: dict[str, tuple[Answer, Answer]],
) -> None:
    """The attacks the issue lists, spelled out (the parametrised test compares the rest)."""
    _, py = answers["dot-dot segment"]
    assert py.echo()["pathname"] == "/v1/admin/licenses"
    assert answers["dot segment"][1].echo()["pathname"] == "/healthz"
    assert answers["head over the cap"][1].status == 431
    assert answers["no Host"][1].status == 400


@pytest.mark.parametrize("case", [*(f"Host {k}" for k in NOT_A_HOST), "two Hosts"])
def test_a_host_that_is_not_one_never_reaches_the_worker(
    answers: dict[str, tuple[Answer, Answer]], case: str
) -> None:
    js, py = answers[case]
    assert (js.status, js.body) == (500, b"Internal Server Error")
    assert (py.status, py.body) == (400, b"Bad Request")  # no traceback either way


def test_refused_hosts_and_forged_lines_stay_out_of_both_logs(
    answers: dict[str, tuple[Answer, Answer]], workerd: tuple[int, Path], emulator: DevProcess
) -> None:
    emulator.wait_for_line("GET /b 200")
    logs = {"workerd": workerd[1].read_text(errors="replace"), "emulator": "\n".join(emulator.out)}
    for name, log in logs.items():
        assert "path seen: /v1/admin/licenses" in log, name  # the log shows what ran
        for case in NOT_A_HOST:
            assert f"path seen: /{case}" not in log, (name, case)
        # A CR/LF sent escaped stays escaped: no line of the log starts with it.
        assert not any(line.startswith("forged") for line in log.splitlines()), name
        assert "GET /a%0D%0Aforged%20line 200" in log, name
