"""Routing and dispatch: the one entry point ``handle(request, bindings, now)``.

Unknown path: 404 ``not_found``; known path, other method: 405 ``method_not_allowed`` with
``Allow``. ``HEAD`` is answered on every ``GET`` route as ``GET`` is, without the body (the
route table and the OpenAPI document list ``GET`` only, as is usual). Everything under
``/v1/admin/`` is authenticated before routing, so an unauthenticated caller learns nothing
about admin routes and costs no KV operation.

An exception escaping a handler becomes a bare 500 ``internal_error`` and a log event; the test
suite proves no request reaches it. A client that goes away mid-body is no server error: it is
answered 499 (nginx's "client closed request"; nobody receives it) and logged as
``client_disconnected``, so it never inflates the 5xx rate or the ``internal_error`` count.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from license_server import admin, health, heartbeat, lease_keys, openapi
from license_server.context import Bindings, Context, Handler
from license_server.http import MAX_BODY_BYTES, HttpRequest, HttpResponse, error_response
from license_server.logs import Value, log_event, log_fields

__all__ = ["ROUTES", "client_disconnected", "handle", "internal_error", "request_too_large"]

_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Route(NamedTuple):
    pattern: str
    matcher: re.Pattern[str]
    methods: dict[str, Handler]


def _compile(pattern: str) -> re.Pattern[str]:
    # "{name}" captures one non-empty path segment; everything else is literal (the "." of
    # "/.well-known/jwks.json" included: unescaped, "/Xwell-known/jwksYjson" would match).
    # re.split with one group alternates literal text (even places) and names (odd places).
    parts = re.split(r"\{(\w+)\}", pattern)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
        for index, part in enumerate(parts)
    )
    return re.compile(regex)


def _build_routes(table: list[tuple[str, str, Handler]]) -> list[Route]:
    by_pattern: dict[str, dict[str, Handler]] = {}
    for pattern, method, handler in table:
        by_pattern.setdefault(pattern, {})[method] = handler
    return [Route(p, _compile(p), methods) for p, methods in by_pattern.items()]


ROUTES: list[Route] = _build_routes(
    [
        ("/v1/validate", "POST", heartbeat.validate),
        ("/v1/update-check", "GET", heartbeat.update_check),
        ("/.well-known/jwks.json", "GET", lease_keys.jwks),
        ("/healthz", "GET", health.healthz),
        (openapi.OPENAPI_PATH, "GET", openapi.serve),
        *admin.ADMIN_ROUTES,
    ]
)


def _resolve(path: str) -> tuple[Route, dict[str, str]] | None:
    """The first route whose pattern matches ``path``, and the path's parameters."""
    for route in ROUTES:
        match = route.matcher.fullmatch(path)
        if match is not None:
            return route, match.groupdict()
    return None


async def _dispatch(request: HttpRequest, ctx: Context) -> tuple[HttpResponse, str]:
    if request.path.startswith(admin.ADMIN_PREFIX) and not admin.is_authorized(
        request.headers.get("authorization"), ctx.bindings.admin_token
    ):
        return admin.unauthorized(), "admin"
    resolved = _resolve(request.path)
    if resolved is None:
        return error_response(404, "not_found", "no such endpoint"), "unmatched"
    route, params = resolved
    # HEAD is GET without the body (RFC 9110): every GET route answers it, undeclared.
    method = "GET" if request.method == "HEAD" else request.method
    handler = route.methods.get(method)
    if handler is None:
        allow = ", ".join(sorted({*route.methods, *(["HEAD"] if "GET" in route.methods else [])}))
        return (
            error_response(
                405, "method_not_allowed", f"use {allow} for this endpoint", {"allow": allow}
            ),
            route.pattern,
        )
    ctx.params = params
    return await handler(request, ctx), route.pattern


async def handle(request: HttpRequest, bindings: Bindings, now: int) -> HttpResponse:
    ctx = Context(bindings=bindings, now=now)
    route = "unmatched"
    try:
        response, route = await _dispatch(request, ctx)
    except Exception as error:  # last resort: no traceback ever reaches a client
        response = internal_error(error, route)
    if request.method == "HEAD":
        response.body = b""
    fields: dict[str, Value] = {
        # The method is client-supplied text: log it only when it is one we know.
        "method": request.method if request.method in _KNOWN_METHODS else "other",
        "route": route,
        "status": response.status,
        "code": response.error_code,
    }
    fields.update(ctx.log_fields)  # a handler's "code" replaces the error code, in place
    log_fields("request", fields)
    return response


def internal_error(error: Exception, route: str = "unmatched") -> HttpResponse:
    """The bare 500: the error's class name goes to the log, nothing to the client."""
    log_event("internal_error", route=route, error=type(error).__name__)
    return error_response(500, "internal_error", "internal error")


def client_disconnected(method: str) -> HttpResponse:
    """499 for a body the client stopped sending; entry.py answers it instead of routing."""
    response = error_response(
        499, "client_disconnected", "the connection closed before the body was complete"
    )
    known = method if method in _KNOWN_METHODS else "other"
    log_event("client_disconnected", method=known, status=499)
    return response


def request_too_large() -> HttpResponse:
    """413 for a body over the cap; entry.py answers it without reading further."""
    response = error_response(
        413, "request_too_large", f"the request body exceeds {MAX_BODY_BYTES} bytes"
    )
    log_event("request", status=413, code="request_too_large")
    return response
