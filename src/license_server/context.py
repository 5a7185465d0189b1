"""What a request handler is given (bindings as plain values, the time), and its type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from license_server.http import HttpRequest, HttpResponse
from license_server.logs import log_event

__all__ = [
    "DEFAULT_LEASE_TTL_SECONDS",
    "DEFAULT_RELEASE_CACHE_SECONDS",
    "Bindings",
    "Context",
    "Handler",
]

DEFAULT_LEASE_TTL_SECONDS = 604800
DEFAULT_RELEASE_CACHE_SECONDS = 60


def _non_negative_int(env: Any, name: str, default: int, invalid: list[str]) -> int:
    raw = getattr(env, name, None)
    if raw is None:
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = -1
    if value < 0:
        invalid.append(name)
        return default
    return value


def _secret(env: Any, name: str) -> str | None:
    value = getattr(env, name, None)
    # An empty secret is no secret: it must never authenticate or sign anything.
    return value if isinstance(value, str) and value else None


class Bindings(NamedTuple):
    """``self.env`` of the Worker as plain values, read with ``getattr(env, NAME, None)``.

    Read afresh for every request: an unset or invalid setting is logged each time.
    """

    kv: Any = None
    license_limiter: Any = None
    client_limiter: Any = None
    admin_token: str | None = None
    lease_signing_key: str | None = None
    lease_ttl_seconds: int = DEFAULT_LEASE_TTL_SECONDS
    release_cache_seconds: int = DEFAULT_RELEASE_CACHE_SECONDS

    @classmethod
    def from_env(cls, env: Any) -> Bindings:
        """The bindings; each invalid setting is logged and its default used."""
        invalid: list[str] = []
        bindings = cls(
            kv=getattr(env, "LICENSE_KV", None),
            license_limiter=getattr(env, "LICENSE_RATE_LIMITER", None),
            client_limiter=getattr(env, "CLIENT_RATE_LIMITER", None),
            admin_token=_secret(env, "ADMIN_TOKEN"),
            lease_signing_key=_secret(env, "LEASE_SIGNING_KEY"),
            lease_ttl_seconds=_non_negative_int(
                env, "LEASE_TTL_SECONDS", DEFAULT_LEASE_TTL_SECONDS, invalid
            ),
            release_cache_seconds=_non_negative_int(
                env, "RELEASE_CACHE_SECONDS", DEFAULT_RELEASE_CACHE_SECONDS, invalid
            ),
        )
        for name in invalid:
            log_event("config_invalid", reason=name)
        return bindings


class Context:
    __slots__ = ("bindings", "log_fields", "now", "params")

    def __init__(self, bindings: Bindings, now: int) -> None:
        self.bindings = bindings
        self.now = now
        self.params: dict[str, str] = {}
        # Facts a handler adds to the request's single log line (see logs.ALLOWED_FIELDS).
        self.log_fields: dict[str, str | int | bool | None] = {}

    @property
    def client_limiter_secret(self) -> str | None:
        """The secret the client-address HMAC key is derived from (see ratelimit.py)."""
        return self.bindings.admin_token or self.bindings.lease_signing_key


# Every route's handler: the plain request and its context in, the plain response out.
Handler = Callable[[HttpRequest, "Context"], Awaitable[HttpResponse]]
