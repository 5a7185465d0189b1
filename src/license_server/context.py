"""What a request handler is given: the Worker's bindings (as plain values) and the time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from license_server.logs import log_event

__all__ = ["DEFAULT_LEASE_TTL_SECONDS", "DEFAULT_RELEASE_CACHE_SECONDS", "Bindings", "Context"]

DEFAULT_LEASE_TTL_SECONDS = 604800
DEFAULT_RELEASE_CACHE_SECONDS = 60


def _non_negative_int(env: Any, name: str, default: int) -> int:
    raw = getattr(env, name, None)
    if raw is None:
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = -1
    if value < 0:
        log_event("config_invalid", reason=name)
        return default
    return value


def _secret(env: Any, name: str) -> str | None:
    value = getattr(env, name, None)
    # An empty secret is no secret: it must never authenticate or sign anything.
    return value if isinstance(value, str) and value else None


@dataclass(slots=True)
class Bindings:
    """``self.env`` of the Worker, read once per request with ``getattr(env, NAME, None)``."""

    kv: Any = None
    license_limiter: Any = None
    client_limiter: Any = None
    admin_token: str | None = None
    lease_signing_key: str | None = None
    lease_ttl_seconds: int = DEFAULT_LEASE_TTL_SECONDS
    release_cache_seconds: int = DEFAULT_RELEASE_CACHE_SECONDS

    @classmethod
    def from_env(cls, env: Any) -> Bindings:
        return cls(
            kv=getattr(env, "LICENSE_KV", None),
            license_limiter=getattr(env, "LICENSE_RATE_LIMITER", None),
            client_limiter=getattr(env, "CLIENT_RATE_LIMITER", None),
            admin_token=_secret(env, "ADMIN_TOKEN"),
            lease_signing_key=_secret(env, "LEASE_SIGNING_KEY"),
            lease_ttl_seconds=_non_negative_int(
                env, "LEASE_TTL_SECONDS", DEFAULT_LEASE_TTL_SECONDS
            ),
            release_cache_seconds=_non_negative_int(
                env, "RELEASE_CACHE_SECONDS", DEFAULT_RELEASE_CACHE_SECONDS
            ),
        )


@dataclass(slots=True)
class Context:
    bindings: Bindings
    now: int
    params: dict[str, str] = field(default_factory=dict)
    # Facts a handler adds to the request's single log line (see logs.ALLOWED_FIELDS).
    log_fields: dict[str, str | int | bool | None] = field(default_factory=dict)

    @property
    def client_limiter_secret(self) -> str | None:
        """The secret the client-address HMAC key is derived from (see ratelimit.py)."""
        return self.bindings.admin_token or self.bindings.lease_signing_key
