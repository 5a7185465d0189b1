"""``workers.wsgi``: serve a WSGI app (Django, Flask) from a Worker, as the SDK's adapter does.

The request body is read in full first (the SDK's fallback when it cannot block on the
stream, which is always the case on the emulator's event loop); the response body is pulled
from the app's iterable only as the client reads it, and the iterable is closed at its end.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from ...errors import NotEmulatedError
from ..js.buffers import Uint8Array
from ._headers import JsHeaders
from ._streams import ReadableStream
from .entrypoints import WorkerEntrypoint
from .gateway import BaseOptions
from .request import Request
from .response import _JsResponse
from .types import Context

logger = logging.getLogger("wsgi")
NULL_BODY_STATUSES = frozenset({101, 103, 204, 205, 304})


@dataclass(frozen=True, kw_only=True)
class Options(BaseOptions):
    """Options for the WSGI adapter, see ``BaseOptions`` for shared fields."""


DEFAULT_OPTIONS = Options()


def _wsgi_native_string(value: str) -> str:
    # PEP 3333's bytes-in-unicode: UTF-8 bytes, each as one latin-1 character.
    return value.encode("utf-8").decode("latin-1")


def _make_wsgi_input(req: Any) -> io.BufferedIOBase | None:
    """A lazily read ``wsgi.input``; None (pre-buffer the body) unless there is no body: a
    blocking read of the stream is impossible on the emulator's event loop."""
    if not req.body:
        return io.BytesIO(b"")
    return None


async def _read_body(req: Any) -> bytes:
    if not req.body:
        return b""
    return b"".join([data.to_bytes() async for data in req.body])


def build_environ(req: Any, env: dict[str, Any], body: bytes | io.IOBase) -> dict[str, Any]:
    if isinstance(body, bytes | bytearray):
        wsgi_input: Any = io.BytesIO(body)
        content_length_fallback: int | None = len(body)
    else:
        wsgi_input = body
        content_length_fallback = None

    req_headers = req.headers.items() if isinstance(req, Request) else req.headers
    url = urlsplit(req.url)
    scheme = url.scheme
    if not scheme:
        raise ValueError(f"Request URL is not absolute: {req.url!r}")
    server_port = str(url.port) if url.port else ("443" if scheme == "https" else "80")
    method = req.method
    method = str(method.value) if hasattr(method, "value") else str(method)

    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _wsgi_native_string(unquote(url.path or "/")),
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": wsgi_input,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        # The bindings, as asgi's scope["env"].
        "workers.env": env,
    }
    for key, value in req_headers:
        name = key.upper().replace("-", "_")
        if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[name] = value
        else:
            http_name = "HTTP_" + name
            if http_name in environ:
                environ[http_name] += "," + value
            else:
                environ[http_name] = value
    if "CONTENT_LENGTH" not in environ and content_length_fallback:
        environ["CONTENT_LENGTH"] = str(content_length_fallback)
    return environ


def _to_js_uint8array(chunk: bytes) -> Uint8Array:
    return Uint8Array(bytes(chunk))


def _close_iterable(iterable: Any) -> None:
    close = getattr(iterable, "close", None)
    if close is not None:
        close()


_END = object()


def _make_streaming_response(
    status: str,
    headers: list[tuple[str, str]],
    chunks: Iterator[bytes],
    on_close: Callable[[], None],
    response_init: dict[str, Any],
) -> _JsResponse:
    code_str, _, reason = status.partition(" ")
    code = int(code_str)
    js_headers = JsHeaders()
    for key, value in headers:
        js_headers.append(key, value)  # append: Set-Cookie may repeat
    if code in NULL_BODY_STATUSES:
        on_close()
        return _JsResponse.new(None, status=code, statusText=reason, headers=js_headers)

    async def pull() -> AsyncIterator[bytes]:
        try:
            for chunk in chunks:
                yield bytes(chunk)
        except Exception:
            logger.exception("Exception while streaming WSGI response body")
            raise
        finally:
            on_close()

    return _JsResponse.new(
        ReadableStream(pull()), status=code, statusText=reason, headers=js_headers
    )


def process_request(
    app: Any,
    req: Any,
    env: Any,
    body: bytes | io.IOBase,
    options: Options = DEFAULT_OPTIONS,
) -> _JsResponse:
    if options.response_init():
        raise NotEmulatedError("the WSGI adapter's encode_body option")
    environ = build_environ(req, env, body)
    response_state: dict[str, Any] = {"status": None, "headers": None}
    write_chunks: list[bytes] = []

    def write(chunk: bytes) -> None:
        if response_state["status"] is None:
            raise AssertionError("write() called before start_response()")
        if chunk:
            write_chunks.append(chunk)

    def start_response(status, response_headers, exc_info=None):
        if exc_info is not None:
            try:
                if response_state["status"] is not None:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif response_state["status"] is not None:
            raise AssertionError("start_response() called more than once")
        response_state["status"] = status
        response_state["headers"] = response_headers
        return write

    result = app(environ, start_response)
    result_iter = iter(result)

    def close_all() -> None:
        _close_iterable(result)
        try:
            environ["wsgi.input"].close()
        except Exception:
            logger.exception("Failed to close wsgi.input")

    # Some apps call start_response only with their first non-empty chunk.
    try:
        first_chunk: Any = _END
        for chunk in result_iter:
            if chunk:
                first_chunk = chunk
                break
    except Exception:
        close_all()
        raise
    if response_state["status"] is None:
        close_all()
        raise RuntimeError("The WSGI application did not call start_response()")

    def body_chunks() -> Iterator[bytes]:
        yield from write_chunks
        if first_chunk is not _END:
            yield first_chunk
        for chunk in result_iter:
            if chunk:
                yield chunk

    return _make_streaming_response(
        response_state["status"],
        response_state["headers"],
        body_chunks(),
        close_all,
        options.response_init(),
    )


async def fetch(
    app: Any,
    req: Any,
    env: Any,
    ctx: Context | None = None,
    *,
    options: Options | None = None,
) -> _JsResponse:
    """Serve one request with the WSGI ``app``; the JavaScript Response."""
    logger.debug("WSGI request: %s %s", req.method, req.url)
    body: bytes | io.IOBase | None = _make_wsgi_input(req)
    if body is None:
        body = await _read_body(req)
    try:
        return process_request(app, req, env, body, options or DEFAULT_OPTIONS)
    except Exception:
        logger.exception("WSGI request failed")
        raise


def entrypoint(app: Any, *, options: Options | None = None) -> type[WorkerEntrypoint]:
    """Create the default Worker entrypoint for a WSGI application."""

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            return await fetch(app, request, self.env, options=options)

    return Default
