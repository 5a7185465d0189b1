"""Outbound HTTP: what a Worker's ``fetch()`` reaches (``workers.fetch``, ``js.fetch``).

One hook for every stand-in that fetches: ``await outbound.fetch(resource, **init)`` takes what
JavaScript's ``fetch(resource, init)`` takes (a URL string, a ``workers.Request`` or its
``js_object``; ``method``, ``headers``, ``body``, ``redirect``) and resolves to a stand-in
``workers.Response``. The request goes out through an asynchronous HTTP client on the running
event loop, so other requests of the isolate run while it waits, as on the platform. The
response body streams from the origin as the Worker reads it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Mapping
from http import HTTPMethod
from typing import Any
from urllib.parse import urlsplit

import httpx

from .errors import JsException
from .invocation import Invocation
from .runtime.workers._headers import JsHeaders
from .runtime.workers._streams import ReadableStream
from .runtime.workers.response import FetchResponse, Response, _JsResponse

# The redirect modes workerd implements, and its refusal of any other (checked with wrangler dev).
_REDIRECT_MODES = ("follow", "manual")
INVALID_REDIRECT_MESSAGE = (
    'Invalid redirect value, must be one of "follow" or "manual" ("error" won\'t be '
    'implemented since it does not make sense at the edge; use "manual" and check the '
    "response status code)."
)
# Fetch follows at most 20 redirects, then fails.
MAX_REDIRECTS = 20
# What workerd throws when the origin cannot be reached (connection refused, DNS, reset).
NETWORK_ERROR_MESSAGE = "Network connection lost."

# The origin sets these from the URL and the body, as workerd does.
_DERIVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding"})

# One client per event loop: its connection pool belongs to the loop that made it.
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def _client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        # Redirects are followed here, one hop at a time, so that `redirect` modes apply; no
        # timeout, as workerd's fetch has none of its own (the Worker decides how long to wait).
        client = _clients[loop] = httpx.AsyncClient(follow_redirects=False, timeout=None)  # noqa: S113
    return client


async def aclose_clients() -> None:
    """Close the running loop's client (its pooled connections)."""
    client = _clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


def _parts_of(resource: Any) -> tuple[str, str, JsHeaders, Any]:
    """URL, method, headers and body of a fetch's first argument."""
    if isinstance(resource, str):
        return resource, "GET", JsHeaders(), None
    request = getattr(resource, "js_object", resource)
    url, method = getattr(request, "url", None), getattr(request, "method", None)
    if not isinstance(url, str) or method is None:
        return str(resource), "GET", JsHeaders(), None
    headers = getattr(request, "headers", None)
    return (
        url,
        str(method),
        JsHeaders(headers if isinstance(headers, JsHeaders) else None),
        (getattr(request, "body", None)),
    )


async def _body_bytes(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, ReadableStream):
        return await body._read_all()
    to_bytes = getattr(body, "to_bytes", None)  # a Uint8Array stand-in
    if callable(to_bytes):
        return bytes(to_bytes())
    raise TypeError(f"Unsupported type in fetch body: {type(body).__name__}")


async def fetch(resource: Any, /, **init: Any) -> Response:
    """JavaScript's ``fetch(resource, init)`` as a Python Worker calls it."""
    url, method, headers, body = _parts_of(resource)
    if init.get("method") is not None:
        method = init["method"]
        method = method.value if isinstance(method, HTTPMethod) else str(method)
    upper = method.upper()
    if upper in ("DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"):
        method = upper
    if init.get("headers") is not None:
        given = init["headers"]
        headers = JsHeaders(list(given.items()) if isinstance(given, Mapping) else given)
    if init.get("body") is not None:
        body = init["body"]
        if isinstance(body, str) and not headers.has("content-type"):
            headers.set("content-type", "text/plain;charset=UTF-8")
    redirect = init.get("redirect") or "follow"
    if redirect not in _REDIRECT_MODES:
        raise JsException("TypeError", INVALID_REDIRECT_MESSAGE)
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise JsException("TypeError", f"Invalid URL: {url}")
    if parts.scheme not in ("http", "https"):
        raise JsException("TypeError", f"Fetch API cannot load: {url}")
    content = await _body_bytes(body)
    if content is not None and method in ("GET", "HEAD"):
        raise JsException("TypeError", "Request with a GET or HEAD method cannot have a body.")
    return await _send(url, method, headers.raw_items(), content, redirect)


async def _send(
    url: str, method: str, headers: list[tuple[str, str]], content: bytes | None, redirect: str
) -> Response:
    client = _client()
    sent = [(k, v) for k, v in headers if k not in _DERIVED_HEADERS]
    if not any(k == "accept-encoding" for k, _ in sent):
        # Bodies reach the Worker as the origin sent them: nothing to decode, and a response
        # passed on unchanged keeps headers that match its body.
        sent.append(("accept-encoding", "identity"))
    try:
        request = client.build_request(method, url, headers=sent, content=content)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
        raise JsException("TypeError", f"Invalid URL: {url}") from exc
    for hops in range(MAX_REDIRECTS + 1):
        try:
            answer = await client.send(request, stream=True)
        except httpx.UnsupportedProtocol as exc:
            raise JsException("TypeError", f"Fetch API cannot load: {request.url}") from exc
        except httpx.TransportError as exc:
            raise JsException("Error", NETWORK_ERROR_MESSAGE) from exc
        if answer.next_request is None or redirect == "manual":
            return await _response(answer, str(request.url), redirected=hops > 0)
        await answer.aclose()  # a hop's own body is not wanted
        request = answer.next_request
    raise JsException("TypeError", "Fetch failed: too many redirects.")


async def _response(answer: httpx.Response, request_url: str, redirected: bool) -> Response:
    """The stand-in Response over ``answer``, its body streamed from the origin as the Worker
    reads it; what the Worker leaves unread is closed when its invocation ends."""
    pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in answer.headers.raw]
    if answer.headers.get("content-encoding", "identity") != "identity":
        # httpx decodes the body: its length is no longer the one announced.
        pairs = [(k, v) for k, v in pairs if k.lower() != "content-length"]
    body: ReadableStream | None = None
    if answer.status_code in (101, 204, 205, 304) or answer.request.method == "HEAD":
        await answer.aclose()
    else:
        body = ReadableStream(_chunks(answer))
        invocation = Invocation.current()
        if invocation is not None:
            invocation.on_end(answer.aclose)
    js = _JsResponse(body, answer.status_code, answer.reason_phrase, JsHeaders(pairs))
    js.url = request_url
    js._redirected = redirected
    response = Response.__new__(Response)
    FetchResponse.__init__(response, request_url, js)
    return response


async def _chunks(answer: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in answer.aiter_bytes():
            yield chunk
    finally:
        await answer.aclose()
