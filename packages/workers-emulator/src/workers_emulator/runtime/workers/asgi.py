"""``workers.asgi`` (and the top-level ``asgi``): serve an ASGI app (FastAPI, Starlette) from
a Worker, as the SDK's adapter does.

Per request: one lifespan startup/shutdown cycle (when the app supports lifespan), the request
body read in full before the app runs, ``scope["env"]`` the Worker's env. A response whose
first body message says ``more_body`` streams; the rest of the app's run continues in the
background (``waitUntil``). WebSockets are not emulated.
"""

from __future__ import annotations

import logging
from asyncio import Event, Future, Queue, create_task, ensure_future
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ...errors import NotEmulatedError
from ..js.buffers import Uint8Array
from ..js.url import URL
from ._context import wait_until
from ._headers import JsHeaders
from ._streams import ReadableStream
from .entrypoints import WorkerEntrypoint
from .gateway import BaseOptions
from .request import Request
from .response import _JsResponse
from .types import Context

ASGI = {"spec_version": "2.0", "version": "3.0"}
NULL_BODY_STATUSES = frozenset({101, 103, 204, 205, 304})
logger = logging.getLogger("asgi")
background_tasks: set[Future[Any]] = set()


@dataclass(frozen=True, kw_only=True)
class Options(BaseOptions):
    """Options for the ASGI adapter"""


DEFAULT_OPTIONS = Options()


def run_in_background(coro: Awaitable[Any]) -> Future:
    fut = ensure_future(coro)
    background_tasks.add(fut)

    def _on_done(f: Future[Any]) -> None:
        background_tasks.discard(f)
        exc = f.exception() if not f.cancelled() else None
        if exc is not None:
            logger.error("Unhandled exception in background task", exc_info=exc)

    fut.add_done_callback(_on_done)
    return fut


async def close_stream_quietly(writer):
    try:
        await writer.close()
    except Exception:
        logger.debug("Closing the response stream failed", exc_info=True)


@contextmanager
def acquire_js_buffer(pybuffer) -> Iterator[Uint8Array]:
    yield Uint8Array(bytes(pybuffer))


def request_to_scope(req, env, ws=False, state=None):
    req_headers = req.headers.items() if isinstance(req, Request) else req.headers
    headers = [(k.lower().encode(), v.encode()) for k, v in req_headers]
    url = URL(req.url)
    scope = {
        "asgi": ASGI,
        "headers": headers,
        "http_version": "1.1",
        "method": str(req.method),
        "scheme": url.protocol[:-1],
        # ASGI wants the path percent-decoded; the encoded one is raw_path.
        "path": unquote(url.pathname),
        "raw_path": url.pathname.encode(),
        "query_string": url.search[1:].encode(),
        "type": "websocket" if ws else "http",
        "env": env,
    }
    if state is not None:
        # ASGI requires a shallow copy of lifespan state for each request.
        scope["state"] = dict(state)
    return scope


async def start_application(app):
    """One ASGI lifespan startup; returns (shutdown coroutine function, state). An app
    without lifespan support is served without it."""
    receive_queue: Queue[dict[str, Any]] = Queue()
    state: dict[str, Any] = {}
    await receive_queue.put({"type": "lifespan.startup"})
    startup: Future[bool] = Future()
    shutdown_complete: Future[None] = Future()

    async def shutdown() -> None:
        if startup.done() and not startup.result():
            return
        await receive_queue.put({"type": "lifespan.shutdown"})
        await shutdown_complete

    async def no_lifespan_shutdown() -> None:
        return

    async def receive() -> dict[str, Any]:
        return await receive_queue.get()

    async def send(got: dict[str, Any]) -> None:
        kind = got["type"]
        if kind == "lifespan.startup.complete":
            if not startup.done():
                startup.set_result(True)
        elif kind == "lifespan.startup.failed":
            if not startup.done():
                startup.set_exception(
                    RuntimeError(got.get("message") or "ASGI lifespan startup failed")
                )
        elif kind == "lifespan.shutdown.complete":
            if not shutdown_complete.done():
                shutdown_complete.set_result(None)
        elif kind == "lifespan.shutdown.failed":
            if not shutdown_complete.done():
                shutdown_complete.set_exception(
                    RuntimeError(got.get("message") or "ASGI lifespan shutdown failed")
                )
        else:
            raise RuntimeError(f"Unexpected lifespan event {kind}")

    async def run_lifespan() -> None:
        try:
            await app({"asgi": ASGI, "state": state, "type": "lifespan"}, receive, send)
            if not startup.done():
                startup.set_result(False)
            elif not shutdown_complete.done():
                shutdown_complete.set_result(None)
        except Exception as exc:
            if not startup.done():
                # An exception before the startup ack means: no lifespan support.
                logger.debug("ASGI lifespan not supported", exc_info=exc)
                startup.set_result(False)
                return
            logger.exception("Exception in ASGI lifespan application", exc_info=exc)
            if not shutdown_complete.done():
                shutdown_complete.set_result(None)

    run_in_background(run_lifespan())
    if not await startup:
        return no_lifespan_shutdown, state
    return shutdown, state


class _BodyWriter:
    """The writing end of a streamed response body (the SDK's TransformStream writer)."""

    def __init__(self) -> None:
        self._chunks: Queue[bytes | None] = Queue()
        self.stream = ReadableStream(self._read())

    async def _read(self) -> AsyncIterator[bytes]:
        while (chunk := await self._chunks.get()) is not None:
            yield chunk

    async def write(self, chunk: Any) -> None:
        await self._chunks.put(chunk.to_bytes() if hasattr(chunk, "to_bytes") else bytes(chunk))

    async def close(self) -> None:
        await self._chunks.put(None)


async def process_request(
    app: Any,
    req: Any,
    env: Any,
    ctx: Context | None,
    state: dict[str, Any] | None = None,
    options: Options = DEFAULT_OPTIONS,
) -> tuple[_JsResponse, Future[None]]:
    response_init = options.response_init()
    if response_init:
        raise NotEmulatedError("the ASGI adapter's encode_body option")
    status: int | None = None
    headers: list[tuple[str, str]] = []
    result: Future[_JsResponse] = Future()
    finished_response = Event()
    writer: _BodyWriter | None = None
    writer_closed = False

    receive_queue: Queue[dict[str, Any]] = Queue()
    if req.body:
        async for data in req.body:
            await receive_queue.put(
                {"body": data.to_bytes(), "more_body": True, "type": "http.request"}
            )
    await receive_queue.put({"body": b"", "more_body": False, "type": "http.request"})

    async def receive() -> dict[str, Any]:
        if not receive_queue.empty():
            return await receive_queue.get()
        await finished_response.wait()
        return {"type": "http.disconnect"}

    def respond(body: bytes | ReadableStream | None) -> None:
        assert status is not None
        js_headers = JsHeaders.new(headers)
        result.set_result(_JsResponse.new(body, status=status, headers=js_headers))

    async def send(got: dict[str, Any]) -> None:
        nonlocal status, headers, writer, writer_closed
        if got["type"] == "http.response.start":
            status = got["status"]
            # Pairs, not a mapping: a name may repeat (Set-Cookie).
            headers = [(k.decode(), v.decode()) for k, v in got.get("headers", [])]
        elif got["type"] == "http.response.body":
            body = got.get("body", b"")
            more_body = got.get("more_body", False)
            if writer is not None:
                await writer.write(body)
                if not more_body:
                    await writer.close()
                    writer_closed = True
                    finished_response.set()
            elif more_body:
                writer = _BodyWriter()
                respond(writer.stream)
                await writer.write(body)
            elif status in NULL_BODY_STATUSES:
                respond(None)
                finished_response.set()
            else:
                respond(bytes(body))
                finished_response.set()

    async def run_app() -> None:
        try:
            await app(request_to_scope(req, env, state=state), receive, send)
            if not result.done():
                raise RuntimeError("The application did not generate a response")
        except Exception as e:
            if not result.done():
                result.set_exception(e)
                if writer is not None:
                    await writer.close()
                finished_response.set()
            else:
                # The response is out: the error can only be logged, and the body ended.
                logger.exception("Exception in ASGI application after response started")
                finished_response.set()
                if writer is not None and not writer_closed:
                    run_in_background(close_stream_quietly(writer))

    request_task = create_task(run_app())
    try:
        response = await result
    except Exception:
        await request_task
        raise
    if writer is None:
        await request_task
    return response, request_task


async def process_websocket(app: Any, req: Any, env: Any = None) -> _JsResponse:
    raise NotEmulatedError("WebSockets (workers.asgi.websocket)")


async def fetch(
    app: Any,
    req: Any,
    env: Any,
    ctx: Context | None = None,
    *,
    options: Options | None = None,
) -> _JsResponse:
    """Serve one request with the ASGI ``app``; the JavaScript Response."""
    logger.debug("ASGI request: %s %s", req.method, req.url)
    shutdown, state = await start_application(app)
    try:
        result, request_task = await process_request(
            app, req, env, ctx, state=state, options=options or DEFAULT_OPTIONS
        )
    except Exception:
        logger.exception("ASGI request failed")
        await shutdown()
        raise
    if request_task.done():
        await shutdown()
    else:

        async def finalize_request() -> None:
            try:
                await request_task
            finally:
                await shutdown()

        wait_until(run_in_background(finalize_request()))
    return result


async def websocket(app: Any, req: Any, env: Any = None) -> _JsResponse:
    return await process_websocket(app, req, env)


def entrypoint(app: Any, *, options: Options | None = None) -> type[WorkerEntrypoint]:
    """Create the default Worker entrypoint for an ASGI application."""

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            if (request.headers.get("upgrade") or "").lower() == "websocket":
                return await websocket(app, request, self.env)
            return await fetch(app, request, self.env, self.ctx, options=options)

    return Default


def __getattr__(name):
    if name == "env":
        # FastAPI's dependency for the Worker's env: `env = Depends(asgi.env)`-style use.
        from fastapi import Depends
        from fastapi import Request as FastAPIRequest

        @Depends
        async def env(request: FastAPIRequest):
            return request.scope["env"]

        return env
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
