"""The admin API (``/v1/admin/*``): bearer-token authentication and the operator's handlers.

Authentication runs before routing and before any KV operation (see :func:`is_authorized`).
Handlers are listed in :data:`ADMIN_ROUTES`; ``app.py`` mounts them. A handler takes the
request and a :class:`~license_server.context.Context` (``ctx.params`` holds the path
parameters) and returns an :class:`~license_server.http.HttpResponse`.
"""

from __future__ import annotations

import hashlib
import hmac

from license_server import admin_licenses, storage
from license_server.clock import format_iso
from license_server.context import Context, Handler
from license_server.http import (
    HttpRequest,
    HttpResponse,
    error_response,
    json_model_body,
    json_response,
    storage_unavailable,
)
from license_server.logs import log_event
from license_server.models import Release

__all__ = ["ADMIN_PREFIX", "ADMIN_ROUTES", "is_authorized", "unauthorized"]

ADMIN_PREFIX = "/v1/admin/"

# Compared against when no ADMIN_TOKEN is configured, so that case runs the same code as a
# wrong token; the result is then discarded (nothing can equal an unconfigured token).
_UNCONFIGURED_PLACEHOLDER = b"\x00unconfigured"


def is_authorized(authorization: str | None, admin_token: str | None) -> bool:
    """``Authorization: Bearer <token>``, the token compared in constant time.

    RFC 9110: the scheme is case-insensitive and one or more spaces separate it from the
    credentials (the scheme is no secret; only the token needs a constant-time comparison).
    Both tokens are hashed first so ``hmac.compare_digest`` sees equal-length inputs and the
    comparison time reveals neither the token's length nor a matching prefix. A missing
    header, another scheme, a wrong token and an unconfigured token all take the same path.
    """
    scheme, _, credentials = (authorization or "").partition(" ")
    is_bearer = scheme.lower() == "bearer"
    provided = credentials.lstrip(" ").encode("utf-8", "surrogatepass")
    configured = bool(admin_token)  # an empty token is no token
    expected = (
        admin_token.encode("utf-8", "surrogatepass") if admin_token else _UNCONFIGURED_PLACEHOLDER
    )
    matches = hmac.compare_digest(
        hashlib.sha256(provided).digest(), hashlib.sha256(expected).digest()
    )
    return matches & configured & is_bearer


def unauthorized() -> HttpResponse:
    return error_response(
        401,
        "unauthorized",
        "a valid admin token is required (Authorization: Bearer <token>)",
        {"www-authenticate": "Bearer"},
    )


# --- handlers ---------------------------------------------------------------------------------


def _release_view(release: Release | None) -> dict[str, object]:
    if release is None:
        return {"latest_version": None, "release_notes_url": None, "updated_at": None}
    return release.model_dump(mode="json")


async def get_release(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``GET /v1/admin/release``: one read, bypassing the isolate cache (operators want truth).

    No release set yet: 200 with every member null.
    """
    try:
        release = await storage.read_release(ctx.bindings.kv, ctx.now, cache_seconds=0)
    except storage.StorageUnavailable:
        return storage_unavailable()
    return json_response(_release_view(release))


async def put_release(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``PUT /v1/admin/release``: one write; answers the stored release."""
    from license_server.admin_models import ReleaseUpdate  # admin only: no heartbeat imports it

    body = json_model_body(request, ReleaseUpdate)
    if isinstance(body, HttpResponse):
        return body
    release = Release(
        latest_version=body.latest_version,
        release_notes_url=body.release_notes_url,
        updated_at=format_iso(ctx.now),
    )
    try:
        await storage.write_release(ctx.bindings.kv, release, ctx.now)
    except storage.StorageUnavailable:
        return storage_unavailable()
    log_event("release_updated")
    return json_response(_release_view(release))


# --- route table ------------------------------------------------------------------------------
# (path pattern, method, handler). ``{name}`` matches one path segment into ctx.params[name].

ADMIN_ROUTES: list[tuple[str, str, Handler]] = [
    ("/v1/admin/release", "GET", get_release),
    ("/v1/admin/release", "PUT", put_release),
    *admin_licenses.LICENSE_ROUTES,
]
