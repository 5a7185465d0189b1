"""The deploy's lease signing keys: the signer heartbeats use and ``/.well-known/jwks.json``."""

from __future__ import annotations

from typing import Any

from license_server.context import Context
from license_server.http import HttpRequest, HttpResponse, json_response
from license_server.lease import LeaseKeyError, LeaseSigner
from license_server.logs import log_event

__all__ = ["jwks", "lease_signer"]


def lease_signer(ctx: Context) -> LeaseSigner | None:
    """The signer of ``LEASE_SIGNING_KEY``, or ``None`` (logging why: missing or invalid)."""
    try:
        signer = LeaseSigner.from_secret(ctx.bindings.lease_signing_key)
    except LeaseKeyError:
        log_event("lease_key_invalid")
        return None
    if signer is None:
        log_event("lease_key_missing")
    return signer


async def jwks(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``GET /.well-known/jwks.json``: the lease verification keys (none when unconfigured)."""
    signer = lease_signer(ctx)
    document: dict[str, Any] = {"keys": []} if signer is None else signer.jwks()
    return json_response(document, headers={"cache-control": "public, max-age=300"})
