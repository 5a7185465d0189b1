"""The KV layout: every key this Worker writes, and how long each is kept (the privacy page).

| key                                              | value            | expiration            |
|--------------------------------------------------|------------------|-----------------------|
| ``license:{id}``                                 | LicenseRecord    | expires_at + 365 days |
| ``validation:{id}:{9999999999-epoch:010d}:{r4}`` | ISO timestamp    | TTL 90 days           |
| ``stats:{id}``                                   | StatsRecord (1)  | same as the license   |
| ``erasure:{id}``                                 | ISO timestamp    | TTL 1 day             |
| ``release``                                      | Release          | none                  |

(1) With the record's ``expires_at`` it was written for (``heartbeats``: a stale one is
rewritten).

Nothing else is written: a validation is a timestamp under the license id (a one-way hash,
never the key), stats never outlive the license. An erasure marker holds only an erased
license's id and the erasure's time, for the minutes until the Cron Trigger's sweep has checked
that nothing a late heartbeat wrote names it. Only this module builds key names.
"""

from __future__ import annotations

from typing import Any

from license_server.clock import parse_iso

__all__ = [
    "ERASURE_MARKER_TTL",
    "ERASURE_PREFIX",
    "KV_MIN_EXPIRATION_AHEAD",
    "LICENSE_PREFIX",
    "RECORD_RETENTION",
    "RELEASE_KEY",
    "STATS_PREFIX",
    "VALIDATION_LOG_TTL",
    "VALIDATION_PREFIX",
    "erasure_marker_name",
    "expiration_too_close",
    "license_expiration",
    "license_key_name",
    "retention_is_over",
    "stats_key_name",
    "stats_put_options",
    "validation_epoch",
    "validation_key_name",
    "validation_prefix",
]

LICENSE_PREFIX = "license:"
VALIDATION_PREFIX = "validation:"
STATS_PREFIX = "stats:"
ERASURE_PREFIX = "erasure:"
RELEASE_KEY = "release"

VALIDATION_LOG_TTL = 7776000  # 90 days: the policy's validation log retention
RECORD_RETENTION = 365 * 86400  # a license record outlives its expires_at by one year
# The erasure marker's backstop: the sweep deletes it at its first run after the grace
# (SWEEP_GRACE_SECONDS); the TTL bounds it should the Cron Trigger not run.
ERASURE_MARKER_TTL = 86400
# KV refuses an absolute expiration less than 60 seconds ahead.
KV_MIN_EXPIRATION_AHEAD = 60
# Newest-first listing: KV lists keys in lexicographic order, so store the reversed epoch.
_REVERSED_EPOCH_BASE = 9999999999


def license_key_name(license_id: str) -> str:
    return f"{LICENSE_PREFIX}{license_id}"


def validation_key_name(license_id: str, epoch: int, suffix: str) -> str:
    return f"{VALIDATION_PREFIX}{license_id}:{_REVERSED_EPOCH_BASE - epoch:010d}:{suffix}"


def validation_prefix(license_id: str) -> str:
    return f"{VALIDATION_PREFIX}{license_id}:"


def validation_epoch(key_name: str) -> int | None:
    """The epoch second a validation key records (parsed from its name: no value read)."""
    parts = key_name.split(":")
    if len(parts) != 4 or parts[0] != VALIDATION_PREFIX.rstrip(":") or not parts[2].isdigit():
        return None
    return _REVERSED_EPOCH_BASE - int(parts[2])


def stats_key_name(license_id: str) -> str:
    return f"{STATS_PREFIX}{license_id}"


def erasure_marker_name(license_id: str) -> str:
    return f"{ERASURE_PREFIX}{license_id}"


def license_expiration(expires_at: str | None) -> int | None:
    """The record's absolute KV expiration: ``expires_at`` + 365 days; perpetual: none."""
    if expires_at is None:
        return None
    return parse_iso(expires_at) + RECORD_RETENTION


def retention_is_over(expires_at: str | None, now: int) -> bool:
    """True when a record with this ``expires_at`` may no longer be kept (or written)."""
    return expiration_too_close(license_expiration(expires_at), now)


def expiration_too_close(expiration: int | None, now: int) -> bool:
    return expiration is not None and expiration < now + KV_MIN_EXPIRATION_AHEAD


def stats_put_options(received_at: str | None, expiration: int | None) -> dict[str, Any]:
    """How a stats entry is put: ``received_at`` as metadata, the record's expiration."""
    metadata = {"received_at": received_at}
    if expiration is None:
        return {"metadata": metadata}
    return {"metadata": metadata, "expiration": expiration}
