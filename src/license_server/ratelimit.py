"""Rate limiting through the Workers Rate Limiting bindings; no KV involved.

- ``LICENSE_RATE_LIMITER`` (30 / 60 s) is keyed by the license id (already a one-way hash).
- ``CLIENT_RATE_LIMITER`` (60 / 60 s) is used only for unknown or malformed keys, keyed by an
  HMAC of the client address so the address itself never leaves the Worker. The HMAC key is
  derived from a Worker secret (so every isolate and location derives the same bucket); with no
  secret configured it is random per isolate, which still limits, just per isolate.

An absent binding means no limiting; a binding that errors lets the request through (failing
closed would turn a limiter outage into a fleet-wide validation outage).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from license_server.logs import log_event

__all__ = ["RETRY_AFTER_SECONDS", "allow_client", "allow_license"]

RETRY_AFTER_SECONDS = 60
_CLIENT_KEY_DOMAIN = b"certifyclouds/client-rate-limit/v1"

# Per secret: an HMAC already keyed with the derived key; each address MACs a copy of it, which
# skips hashing the key into the inner and outer pads on every request.
_keyed_macs: dict[str | None, hmac.HMAC] = {}


def _client_mac(secret: str | None) -> hmac.HMAC:
    mac = _keyed_macs.get(secret)
    if mac is None:
        # Drawn on first use, never at import: workerd refuses entropy during the import
        # snapshot (a random value there would be shared by every isolate restored from it).
        material = secret.encode() if secret else os.urandom(32)
        key = hmac.new(material, _CLIENT_KEY_DOMAIN, hashlib.sha256).digest()
        mac = hmac.new(key, digestmod=hashlib.sha256)
        if len(_keyed_macs) > 4:  # a secret changes only with a deploy; stay small anyway
            _keyed_macs.clear()
        _keyed_macs[secret] = mac
    return mac


def client_bucket(client_ip: str | None, secret: str | None) -> str:
    """The opaque rate-limit key for a client address (no address: one shared bucket)."""
    digest = _client_mac(secret).copy()
    digest.update((client_ip or "").encode())
    return "client:" + digest.hexdigest()[:32]


async def _limit(limiter: Any, key: str, name: str) -> bool:
    if limiter is None:
        return True
    try:
        outcome = await limiter.limit(key=key)
        # JsDict is a dict; a bare JS proxy exposes the member as an attribute.
        success = outcome.get("success") if isinstance(outcome, dict) else outcome.success
    except Exception as error:  # a limiter outage must not stop validations
        log_event("ratelimit_error", limiter=name, error=type(error).__name__)
        return True
    return bool(success)


async def allow_license(limiter: Any, license_id: str) -> bool:
    return await _limit(limiter, "license:" + license_id, "license")


async def allow_client(limiter: Any, client_ip: str | None, secret: str | None) -> bool:
    return await _limit(limiter, client_bucket(client_ip, secret), "client")
