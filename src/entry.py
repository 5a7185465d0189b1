"""The Worker: turns a ``workers.Request`` into a plain call and the result into a Response.

All license logic lives in the plain-Python package ``license_server`` (tested without a
runtime); this module only reads the body under the size cap, reads the bindings and converts
(and, at deploy on the real runtime, readies the snapshot: ``license_server.snapshot``).
"""

from urllib.parse import parse_qsl, urlsplit

from workers import Response, WorkerEntrypoint

from license_server.app import client_disconnected, handle, internal_error, request_too_large
from license_server.clock import now
from license_server.context import Bindings
from license_server.http import MAX_BODY_BYTES, HttpRequest, HttpResponse
from license_server.maintenance import run_scheduled
from license_server.snapshot import prepare_when_snapshotted

# On Cloudflare this top level runs once, at deploy, into the memory snapshot every isolate
# starts from: the work a first request would do is done here instead (license_server.snapshot).
prepare_when_snapshotted()


def _declared_length(headers: dict[str, str]) -> int | None:
    raw = headers.get("content-length")
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


async def _read_capped_body(stream: object) -> bytes | None:
    """The body, or ``None`` as soon as it exceeds the cap (the rest is never read)."""
    # No body is None here, but Pyodide may hand JavaScript's null over as a `jsnull` object.
    get_reader = getattr(stream, "getReader", None)
    if stream is None or get_reader is None:
        return b""
    reader = get_reader()
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = await reader.read()
        if chunk.done:
            break
        data = chunk.value.to_bytes()
        total += len(data)
        if total > MAX_BODY_BYTES:
            await reader.cancel()
            return None
        chunks.append(data)
    return b"".join(chunks)


def _headers(request: object) -> dict[str, str]:
    """Lower-cased names; for a repeated header the runtime has already joined the values.

    Read from the JavaScript Request under the SDK object (``request.js_object.headers``, which
    iterates as ``[name, value]`` pairs), not the SDK's ``request.headers``, which copies them
    into an ``http.client.HTTPMessage`` on every access. Values are stripped as that copy strips
    them. A bare JavaScript Request (no ``js_object``) is read the same way; a mapping is read
    by ``items()``.
    """
    headers = getattr(request, "js_object", request).headers  # type: ignore[attr-defined]
    pairs = headers.items() if hasattr(headers, "items") else headers
    return {str(name).lower(): str(value).strip() for name, value in pairs}


def _method(request: object) -> str:
    # The SDK maps the method through HTTPMethod[...], which raises for names it does not know
    # (a lower-case "patch", "FOO"); those reach no handler, so a placeholder is enough.
    try:
        method = request.method  # type: ignore[attr-defined]
    except (KeyError, AttributeError):
        return "UNKNOWN"
    return str(getattr(method, "value", method))


# The runtime throws for any body (even an empty one) with these statuses (DELETE answers 204).
_NULL_BODY_STATUSES = frozenset({204, 205, 304})


def _to_workers_response(response: HttpResponse) -> Response:
    body = None if response.status in _NULL_BODY_STATUSES else response.body
    return Response(body, status=response.status, headers=response.headers)


async def _plain_request(request: object) -> HttpRequest | HttpResponse:
    """The plain request, or the 413 answer once the body is known to exceed the cap."""
    headers = _headers(request)
    declared = _declared_length(headers)
    if declared is not None and declared > MAX_BODY_BYTES:
        return request_too_large()
    try:
        body = await _read_capped_body(request.body)  # type: ignore[attr-defined]
    except Exception:  # the platform's body stream fails only when the connection does
        return client_disconnected(_method(request))
    if body is None:
        return request_too_large()
    url = urlsplit(request.url)  # type: ignore[attr-defined]
    query: dict[str, str] = {}
    if url.query:  # parse_qsl("") is [] (a heartbeat has no query string)
        for name, value in parse_qsl(url.query, keep_blank_values=True):
            query.setdefault(name, value)
    return HttpRequest(
        method=_method(request),
        path=url.path or "/",
        query=query,
        headers=headers,
        body=body,
        client_ip=headers.get("cf-connecting-ip"),
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request: object) -> Response:
        try:
            plain = await _plain_request(request)
        except Exception as error:  # last resort: never a traceback
            plain = internal_error(error)
        if isinstance(plain, HttpResponse):
            return _to_workers_response(plain)
        response = await handle(plain, Bindings.from_env(self.env), now())
        return _to_workers_response(response)

    async def scheduled(self, controller: object, env: object = None, ctx: object = None) -> None:
        """A Cron Trigger run: the erasure-leftover sweep (license_server.maintenance)."""
        now_seconds = now()
        # controller.scheduledTime is JavaScript's milliseconds since the epoch.
        scheduled_ms = getattr(controller, "scheduledTime", None)
        scheduled = int(scheduled_ms) // 1000 if scheduled_ms is not None else now_seconds
        await run_scheduled(Bindings.from_env(self.env), now_seconds, scheduled)
