"""The Worker as an ASGI application: what ``workers-emulator dev`` serves with uvicorn.

The request body reaches the Worker as a ReadableStream that pulls from ``receive()``
only when the Worker reads: a Worker can refuse a 1 GiB upload without it being read.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from .emulator import Emulator
from .errors import JsException
from .runtime.workers.response import FetchResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Headers the platform sets itself; a client cannot choose them.
_PLATFORM_HEADERS = frozenset({"cf-connecting-ip", "cf-ray", "cf-ipcountry", "cf-visitor"})
_BODY_HEADERS = frozenset({"content-length", "transfer-encoding"})
# HTTPStatus(status) per request is an enum lookup through its metaclass: a dict is cheaper.
_PHRASES = {s.value: s.phrase for s in HTTPStatus}


def request_log_line(method: str, path: str, status: int, elapsed_ms: int) -> str:
    """wrangler dev's request line; the path is without its query string, and neither
    the client address nor any header is ever part of it."""
    phrase = _PHRASES.get(status)
    status_line = f"{status} {phrase}" if phrase else str(status)
    return f"[wrangler:info] {method} {path} {status_line} ({elapsed_ms}ms)"


def _body_source(receive: Receive, state: dict[str, bool]) -> AsyncIterator[bytes]:
    async def source() -> AsyncIterator[bytes]:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise JsException("Error", "Network connection lost.")
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                state["complete"] = True
                return

    return source()


def create_app(emulator: Emulator, *, access_log: Callable[[str], None] | None = None) -> ASGIApp:
    """An ASGI app serving ``emulator``'s Worker; ``access_log`` gets one line per request."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1003})
            return
        started = time.perf_counter()
        method: str = scope["method"]
        # One pass: names lower-cased, platform headers dropped, host and body noted.
        headers: list[tuple[str, str]] = []
        host: str | None = None
        has_body = False
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            if name in _PLATFORM_HEADERS:
                continue
            value = raw_value.decode("latin-1")
            headers.append((name, value))
            if name == "host":
                if host is None:
                    host = value
            elif name in _BODY_HEADERS:
                has_body = True
        if host is None:
            server = scope.get("server") or ("127.0.0.1", 8787)
            host = f"{server[0]}:{server[1]}"
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
        query = scope.get("query_string", b"").decode("latin-1")
        url = f"{scope.get('scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")
        client = scope.get("client")
        body_state = {"complete": not has_body}
        body = None if body_state["complete"] else _body_source(receive, body_state)
        request = emulator.build_request(
            method, url, headers, body, client_ip=client[0] if client else None
        )
        status = {"code": 500}

        async def respond(response: FetchResponse) -> None:
            status["code"] = response.status
            js = response.js_response
            out: list[tuple[bytes, bytes]] = []
            has_length = False
            for name, value in js.headers.raw_items():  # names are stored lower-cased
                out.append((name.encode("latin-1"), value.encode("latin-1")))
                if name == "content-length":
                    has_length = True
            send_body = method != "HEAD"
            if js.stream is None and not has_length:
                out.append((b"content-length", str(len(js.body_bytes or b"")).encode()))
            if not body_state["complete"]:
                # Answered before the body ended (a 413 at the cap): close the connection, or
                # the HTTP server would go on reading (draining) the unread rest to keep it.
                out.append((b"connection", b"close"))
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": out,
                }
            )
            if js.stream is not None and send_body:
                while (chunk := await js.stream._pull()) is not None:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            else:
                body = js.body_bytes if send_body else b""
                await send({"type": "http.response.body", "body": body or b""})

        try:
            await emulator.handle(request, respond)
        finally:
            if access_log is not None:
                elapsed = int((time.perf_counter() - started) * 1000)
                access_log(request_log_line(method, scope["path"], status["code"], elapsed))

    return app


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
