"""Rate limiting through the Workers Rate Limiting bindings; no KV involved.

- ``LICENSE_RATE_LIMITER`` (30 / 60 s) is keyed by the license id (already a one-way hash).
- ``CLIENT_RATE_LIMITER`` (60 / 60 s) is the unknown-key budget of a client address: it is
  spent only by unknown or malformed keys, keyed by an HMAC of the address so the address
  itself never leaves the Worker. The HMAC key is derived from a Worker secret (so every
  isolate and location derives the same bucket); with no secret configured it is random per
  isolate, which still limits, just per isolate.

Minted keys. Check codes can be computed from the open source, so a well-formed key need not
exist, and each gets a fresh per-license bucket: only its KV read shows it is unknown. A client
whose unknown-key budget runs out is therefore remembered by the isolate for
:data:`RETRY_AFTER_SECONDS` and refused (429) *before* the license read. Minted keys so buy at
most the budget plus one read per isolate serving the client, per minute and location (Rate
Limiting counters are per location). The trade-off:

- Known keys never spend the budget, so any number of deployments may share an egress address
  (Azure NAT): no limit applies to them beyond their own per-license one, and the check costs
  them no binding call (an isolate that flagged no client skips it entirely).
- An address that spends the budget (an abuser, or deployments still beating with erased keys)
  is refused as a whole for up to a minute, valid keys included: deployments sharing it with an
  abuser ride that out on their lease's offline grace and ``Retry-After``.

An absent binding means no limiting; a binding that errors lets the request through (failing
closed would turn a limiter outage into a fleet-wide validation outage).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from license_server.logs import log_event

__all__ = ["RETRY_AFTER_SECONDS", "allow_client", "allow_license", "client_is_over_budget"]

RETRY_AFTER_SECONDS = 60
_CLIENT_KEY_DOMAIN = b"certifyclouds/client-rate-limit/v1"

# Per secret: an HMAC already keyed with the derived key; each address MACs a copy of it, which
# skips hashing the key into the inner and outer pads on every request.
_keyed_macs: dict[str | None, hmac.HMAC] = {}

# Client buckets whose unknown-key budget ran out, with the second their refusal ends.
_over_budget: dict[str, int] = {}
# Bounds the isolate's memory under a flood of addresses; forgetting only costs reads.
_MAX_OVER_BUDGET = 10_000


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


def client_is_over_budget(client_ip: str | None, secret: str | None, now: int) -> bool:
    """True while this isolate saw the client's unknown-key budget run out (no binding call)."""
    if not _over_budget:
        return False
    bucket = client_bucket(client_ip, secret)
    until = _over_budget.get(bucket)
    if until is None:
        return False
    if now < until:
        return True
    del _over_budget[bucket]
    return False


async def allow_client(limiter: Any, client_ip: str | None, secret: str | None, now: int) -> bool:
    """Spend one unit of the client's unknown-key budget; ``False`` (and remembered) when out."""
    bucket = client_bucket(client_ip, secret)
    allowed = await _limit(limiter, bucket, "client")
    if not allowed:
        if len(_over_budget) >= _MAX_OVER_BUDGET:
            _over_budget.clear()
        _over_budget[bucket] = now + RETRY_AFTER_SECONDS
    return allowed
