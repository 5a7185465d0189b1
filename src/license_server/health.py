"""``GET /healthz``: the Worker answers; nothing else is checked (no KV operation)."""

from __future__ import annotations

from license_server.context import Context
from license_server.http import HttpRequest, HttpResponse, json_response

__all__ = ["healthz"]


async def healthz(request: HttpRequest, ctx: Context) -> HttpResponse:
    """Liveness only, no KV operation."""
    return json_response({"ok": True})
