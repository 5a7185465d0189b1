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


# A NamedTuple and a plain class rather than dataclasses: a dataclass compiles its methods when
# it is defined, a few hundred microseconds of every cold start each.
class Bindings(NamedTuple):
    """``self.env`` of the Worker as plain values, read with ``getattr(env, NAME, None)``.

    Immutable: one instance serves every request of an isolate (see :meth:`for_env`).
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
        bindings, invalid = cls._read(env)
        _log_invalid(invalid)
        return bindings

    @classmethod
    def for_env(cls, env: Any) -> Bindings:
        """:meth:`from_env`, read once per ``env`` object rather than on every request.

        The runtime hands every request of an isolate the same ``env``: vars and secrets change
        only with a deploy (a new isolate), and nothing in this Worker writes to ``env``.
        Reading it costs seven attribute lookups through the runtime's proxy per request; the
        answer for the last ``env`` seen is kept instead (one entry, so memory stays bounded),
        and a setting found invalid is still logged on every request, as before.
        """
        global _last_read
        last = _last_read
        if last is not None and last[0] is env:
            _log_invalid(last[2])
            return last[1]
        bindings, invalid = cls._read(env)
        _last_read = (env, bindings, invalid)
        _log_invalid(invalid)
        return bindings

    @classmethod
    def _read(cls, env: Any) -> tuple[Bindings, tuple[str, ...]]:
        """The bindings, and the names of settings that were invalid (defaults used)."""
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
        return bindings, tuple(invalid)


def _log_invalid(names: tuple[str, ...]) -> None:
    for name in names:
        log_event("config_invalid", reason=name)


# (env, its bindings, invalid setting names) for the last env read by Bindings.for_env.
_last_read: tuple[Any, Bindings, tuple[str, ...]] | None = None


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
