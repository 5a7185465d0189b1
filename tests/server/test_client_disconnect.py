"""A client that goes away mid-body: answered 499, logged as ``client_disconnected``, no 500."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from workers_emulator.asgi import create_app

from .conftest import create_license

DISCONNECTED_LINE = {"event": "client_disconnected", "method": "POST", "status": 499}


def worker_log(emu: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in emu.log_lines if line.startswith("{")]


def test_a_body_stream_that_fails_midway_is_a_disconnect_not_a_500(emu: Any) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"license_key": '
        raise ConnectionResetError("client went away")

    response = asyncio.run(emu.fetch("POST", "/v1/validate", body=body()))
    assert response.status_code == 499
    assert response.json()["error"]["code"] == "client_disconnected"
    assert worker_log(emu) == [DISCONNECTED_LINE]
    assert not any("internal_error" in line or "Traceback" in line for line in emu.log_lines)
    assert response.kv_ops["LICENSE_KV"].total == 0


def test_an_http_client_that_hangs_up_mid_body_is_logged_as_a_disconnect(
    emu: Any, client: Any
) -> None:
    """Through the emulator's HTTP layer, which sees the hang-up as ASGI's http.disconnect."""
    key, _ = create_license(client)
    emu.log_lines.clear()
    body = json.dumps({"license_key": key, "stats": {"n": 1}}).encode()
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": body[:20], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []
    access: list[str] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/validate",
        "raw_path": b"/v1/validate",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8787"),
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8787),
    }
    before = emu.kv_counters("LICENSE_KV").total
    asyncio.run(create_app(emu, access_log=access.append)(scope, receive, send))
    assert sent[0]["status"] == 499
    assert len(access) == 1 and " POST /v1/validate 499 " in access[0]
    assert worker_log(emu) == [DISCONNECTED_LINE]
    assert emu.kv_counters("LICENSE_KV").total == before
