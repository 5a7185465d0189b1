"""The Worker as an ASGI application: what ``workers-emulator dev`` serves with uvicorn.

The request body reaches the Worker as a ReadableStream that pulls from ``receive()``
only when the Worker reads: a Worker can refuse a 1 GiB upload without it being read.

Like ``wrangler dev``, it fires the Worker's Cron Trigger over HTTP: always at
``/cdn-cgi/handler/scheduled?cron=&time=``, and at ``/__scheduled?cron=`` with
``--test-scheduled``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from .emulator import Emulator
from .errors import JsException, error_line
from .httpconn import HTTP_LIMITS, HTTPLimits
from .requesturl import InvalidRequestTarget, normalise_path, normalise_query, parse_host
from .runtime.workers.response import FetchResponse
from .scheduled import NoScheduledHandlerError, TriggerTimeError, trigger_time_ms

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Headers the platform sets itself; a client cannot choose them.
_PLATFORM_HEADERS = frozenset({"cf-connecting-ip", "cf-ray", "cf-ipcountry", "cf-visitor"})
# Hop-by-hop headers workerd does not hand the Worker (checked against wrangler 4.86).
_HOP_BY_HOP_HEADERS = frozenset({"connection", "keep-alive", "te", "trailer", "upgrade"})
_DROPPED_HEADERS = _PLATFORM_HEADERS | _HOP_BY_HOP_HEADERS
# workerd's answer to a request without a usable Host (the Worker never sees it).
BAD_REQUEST_BODY = "Bad Request"
_BODY_HEADERS = frozenset({"content-length", "transfer-encoding"})
# HTTPStatus(status) per request is an enum lookup through its metaclass: a dict is cheaper.
_PHRASES = {s.value: s.phrase for s in HTTPStatus}

# What wrangler dev answers itself, in front of the Worker, with or without --test-scheduled.
SCHEDULED_HANDLER_PATH = "/cdn-cgi/handler/scheduled"
LEGACY_SCHEDULED_PATH = "/cdn-cgi/mf/scheduled"
_HANDLER_PREFIX = "/cdn-cgi/handler/"
_EMAIL_HANDLER_PATH = "/cdn-cgi/handler/email"
# What `wrangler dev --test-scheduled` adds in front of the Worker's fetch.
TEST_SCHEDULED_PATH = "/__scheduled"
TEST_SCHEDULED_BODY = "Ran scheduled event"
# wrangler dev runs the Worker's email() there; the emulator has no email events.
EMAIL_NOT_EMULATED = (
    f"workers-emulator does not emulate email handlers ({_EMAIL_HANDLER_PATH}); "
    "use wrangler dev for them"
)
LEGACY_SCHEDULED_WARNING = (
    "[wrangler:warn] Triggering scheduled handlers via a request to "
    f"`{LEGACY_SCHEDULED_PATH}` is deprecated, and will be removed in a future version of "
    f"Miniflare. Instead, send a request to `{SCHEDULED_HANDLER_PATH}`"
)


def request_log_line(method: str, path: str, status: int, elapsed_ms: int) -> str:
    """wrangler dev's request line; the path is the URL's pathname (percent-encoded, so a
    CR/LF sent in it cannot start a line), without its query string, and neither the
    client address nor any header is ever part of it."""
    phrase = _PHRASES.get(status)
    status_line = f"{status} {phrase}" if phrase else str(status)
    return f"[wrangler:info] {method} {path} {status_line} ({elapsed_ms}ms)"


def _body_source(
    receive: Receive, state: dict[str, bool], idle_timeout: float
) -> AsyncIterator[bytes]:
    async def source() -> AsyncIterator[bytes]:
        while True:
            try:
                message = await asyncio.wait_for(receive(), idle_timeout)
            except TimeoutError:
                # A client that stops sending its body is a lost connection (it is closed).
                raise JsException("Error", "Network connection lost.") from None
            if message["type"] == "http.disconnect":
                raise JsException("Error", "Network connection lost.")
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                state["complete"] = True
                return

    return source()


def _first_param(query: str, name: str) -> str | None:
    """``URLSearchParams.get(name)``: the first value, ``+`` and escapes decoded."""
    # The query holds the raw bytes as latin-1; a URL reads bytes sent unescaped as UTF-8.
    text = query.encode("latin-1").decode("utf-8", "replace")
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key == name:
            return value
    return None


async def _scheduled_handler_answer(emulator: Emulator, path: str, query: str) -> tuple[int, str]:
    """``/cdn-cgi/handler/scheduled`` (or its legacy path): the Cron Trigger with ``?cron=``
    (default ``""``) at ``?time=`` (epoch ms, default now); ``ok`` or ``exception`` as the
    run's outcome, as wrangler dev answers."""
    try:
        return await _run_scheduled_handler(emulator, query)
    finally:
        if path == LEGACY_SCHEDULED_PATH:  # after the run's own lines, as wrangler logs it
            emulator._emit("stderr", LEGACY_SCHEDULED_WARNING)


async def _run_scheduled_handler(emulator: Emulator, query: str) -> tuple[int, str]:
    cron = _first_param(query, "cron") or ""
    time_param = _first_param(query, "time")
    scheduled_time = None
    if time_param:  # an empty ?time= is no time, as in JavaScript
        try:
            scheduled_time = trigger_time_ms(time_param) / 1000
        except TriggerTimeError as exc:
            return 500, str(exc)
    try:
        result = await emulator.scheduled(cron, scheduled_time)
    except NoScheduledHandlerError as exc:
        emulator._emit("stderr", str(exc))
        return 500, "exception"
    return (200, "ok") if result.outcome == "ok" else (500, "exception")


async def _test_scheduled_answer(emulator: Emulator, query: str) -> tuple[int, str]:
    """``/__scheduled`` under ``--test-scheduled``: the handler with ``?cron=`` (default
    ``""``) at the current time (``?time=`` is not read here); 200 once it returns, even for
    a Worker without a scheduled handler, and a 500 with the error's line if it raised."""
    if not emulator.isolate.has_scheduled:
        return 200, TEST_SCHEDULED_BODY
    result = await emulator.scheduled(_first_param(query, "cron") or "")
    # Only the handler's own exception counts: its waitUntil work runs after this answer.
    if result.error is not None:
        return 500, error_line(result.error)
    return 200, TEST_SCHEDULED_BODY


async def _send_text(send: Send, method: str, status: int, text: str, close: bool) -> None:
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain;charset=UTF-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:  # a request body nobody reads: do not keep the connection for it
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


def create_app(
    emulator: Emulator,
    *,
    access_log: Callable[[str], None] | None = None,
    test_scheduled: bool = False,
    limits: HTTPLimits = HTTP_LIMITS,
) -> ASGIApp:
    """An ASGI app serving ``emulator``'s Worker; ``access_log`` gets one line per request.

    ``test_scheduled`` serves ``/__scheduled`` as ``wrangler dev --test-scheduled`` does;
    without it that path reaches the Worker like any other.
    """

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
        # One pass: names lower-cased, platform and hop-by-hop headers dropped, host and body
        # noted.
        headers: list[tuple[str, str]] = []
        hosts: list[str] = []
        has_body = False
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            if name in _DROPPED_HEADERS:
                continue
            value = raw_value.decode("latin-1")
            headers.append((name, value))
            if name == "host":
                hosts.append(value)
            elif name in _BODY_HEADERS:
                has_body = True
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query_bytes: bytes = scope.get("query_string", b"")
        try:
            if len(hosts) != 1:
                raise InvalidRequestTarget("one Host header is required")
            scheme = scope.get("scheme", "http")
            host = parse_host(hosts[0], scheme)
            # The URL's pathname: what routes and what is logged (percent-encoded: no CR/LF).
            path = normalise_path(raw_path)
        except InvalidRequestTarget:
            # The Worker never sees it (workerd does not either): the Host could move the path.
            await _send_text(send, method, 400, BAD_REQUEST_BODY, close=True)
            return
        if host != hosts[0]:  # the header says what the URL says, as workerd hands it over
            headers = [(n, host if n == "host" else v) for n, v in headers]
        query = query_bytes.decode("latin-1")
        # Matched on the URL's pathname (escapes kept, dot segments resolved), before the Worker.
        if path.startswith(_HANDLER_PREFIX) or path == LEGACY_SCHEDULED_PATH:
            if path in (SCHEDULED_HANDLER_PATH, LEGACY_SCHEDULED_PATH):
                answer = await _scheduled_handler_answer(emulator, path, query)
            elif path == _EMAIL_HANDLER_PATH:
                answer = (501, EMAIL_NOT_EMULATED)
            else:
                answer = (404, _not_a_handler(path))
            # wrangler dev logs no request line for what it answers itself.
            await _send_text(send, method, *answer, close=has_body)
            return
        if test_scheduled and path == TEST_SCHEDULED_PATH:
            code, text = await _test_scheduled_answer(emulator, query)
            await _send_text(send, method, code, text, close=has_body)
            if access_log is not None:
                elapsed = int((time.perf_counter() - started) * 1000)
                access_log(request_log_line(method, path, code, elapsed))
            return
        url = f"{scheme}://{host}{path}"
        if query_bytes:
            url += "?" + normalise_query(query_bytes)
        client = scope.get("client")
        body_state = {"complete": not has_body}
        body = (
            None
            if body_state["complete"]
            else _body_source(receive, body_state, limits.body_idle_timeout)
        )
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
                access_log(request_log_line(method, path, status["code"], elapsed))

    return app


def _not_a_handler(path: str) -> str:
    return (
        f'"{path}" is not a valid handler. Did you mean to use "{SCHEDULED_HANDLER_PATH}" '
        f'or "{_EMAIL_HANDLER_PATH}"?'
    )


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
