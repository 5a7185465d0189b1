"""The KV layout (docs/ARCHITECTURE.md): the only module that knows key names and retention.

| key                                              | value            | expiration            |
|--------------------------------------------------|------------------|-----------------------|
| ``license:{id}``                                 | LicenseRecord    | expires_at + 365 days |
| ``validation:{id}:{9999999999-epoch:010d}:{r4}`` | ISO timestamp    | TTL 90 days           |
| ``stats:{id}``                                   | StatsRecord      | same as the license   |
| ``release``                                      | Release          | none                  |

Reading this module is reading the privacy promises: nothing else is written, a validation is a
timestamp under the license id (a one-way hash, never the key), stats never outlive the license.

Every function here is one kind of KV operation. Writes are retried once; a read or a write that
still fails raises :class:`StorageUnavailable` (or returns ``False`` where the caller degrades
instead of failing). The binding raises JavaScript errors (``JsException``) whose text may
quote a key name, so only the error's class name is logged.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from license_server.clock import format_iso, parse_iso
from license_server.logs import log_event
from license_server.models import LicenseRecord, Release, StatsRecord
from license_server.stats import StatsCounts

__all__ = [
    "RECORD_RETENTION",
    "VALIDATION_LOG_TTL",
    "StorageUnavailable",
    "license_expiration",
    "read_license",
    "read_release",
    "record_validation",
    "retention_is_over",
    "write_license",
    "write_release",
    "write_stats",
]

LICENSE_PREFIX = "license:"
VALIDATION_PREFIX = "validation:"
STATS_PREFIX = "stats:"
RELEASE_KEY = "release"

VALIDATION_LOG_TTL = 7776000  # 90 days: the policy's validation log retention
RECORD_RETENTION = 365 * 86400  # a license record outlives its expires_at by one year
# KV refuses an absolute expiration less than 60 seconds ahead.
KV_MIN_EXPIRATION_AHEAD = 60
# Newest-first listing: KV lists keys in lexicographic order, so store the reversed epoch.
_REVERSED_EPOCH_BASE = 9999999999

WRITE_ATTEMPTS = 2  # a failed write is retried once


class StorageUnavailable(Exception):
    """KV could not answer; the request is answered 503 (or degrades, for optional writes)."""


def license_key_name(license_id: str) -> str:
    return f"{LICENSE_PREFIX}{license_id}"


def validation_key_name(license_id: str, epoch: int, suffix: str) -> str:
    return f"{VALIDATION_PREFIX}{license_id}:{_REVERSED_EPOCH_BASE - epoch:010d}:{suffix}"


def validation_prefix(license_id: str) -> str:
    return f"{VALIDATION_PREFIX}{license_id}:"


def stats_key_name(license_id: str) -> str:
    return f"{STATS_PREFIX}{license_id}"


def license_expiration(expires_at: str | None) -> int | None:
    """The record's absolute KV expiration: ``expires_at`` + 365 days; perpetual: none."""
    if expires_at is None:
        return None
    return parse_iso(expires_at) + RECORD_RETENTION


def retention_is_over(expires_at: str | None, now: int) -> bool:
    """True when a record with this ``expires_at`` may no longer be kept (or written)."""
    expiration = license_expiration(expires_at)
    return expiration is not None and expiration < now + KV_MIN_EXPIRATION_AHEAD


def _expiration_options(expiration: int | None) -> dict[str, Any]:
    return {} if expiration is None else {"expiration": expiration}


async def _get_text(kv: Any, key: str, operation: str) -> str | None:
    try:
        return await kv.get(key, type="text")
    except Exception as error:  # any binding failure means "storage unavailable"
        log_event("kv_error", operation=operation, error=type(error).__name__)
        raise StorageUnavailable(operation) from None


async def _put_with_retry(kv: Any, key: str, value: str, operation: str, **options: Any) -> bool:
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            await kv.put(key, value, **options)
            return True
        except Exception as error:  # any binding failure: retry once, then report
            log_event("kv_error", operation=operation, attempt=attempt, error=type(error).__name__)
    return False


# --- license records -------------------------------------------------------------------------


async def read_license(kv: Any, license_id: str) -> LicenseRecord | None:
    """One read. ``None`` when there is no such license; a corrupt record is unavailable."""
    text = await _get_text(kv, license_key_name(license_id), "read_license")
    if text is None:
        return None
    try:
        return LicenseRecord.model_validate_json(text)
    except ValidationError:
        log_event("license_record_invalid", license_id=license_id)
        raise StorageUnavailable("read_license") from None


def _license_document(record: LicenseRecord) -> tuple[str, dict[str, Any]]:
    document = record.model_dump(mode="json")
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False), document


async def write_license(kv: Any, record: LicenseRecord) -> None:
    """One write (two on a retry). The record is also the metadata, so a list shows it.

    Callers refuse records whose retention is already over (:func:`retention_is_over`).
    Changing ``expires_at`` of an existing license must go through
    :func:`move_license_expiry`, which moves the stats entry's expiration with it.
    """
    value, metadata = _license_document(record)
    options = _expiration_options(license_expiration(record.expires_at))
    if not await _put_with_retry(
        kv, license_key_name(record.id), value, "write_license", metadata=metadata, **options
    ):
        raise StorageUnavailable("write_license")


async def move_license_expiry(kv: Any, record: LicenseRecord) -> None:
    """Rewrite the record with its (new) ``expires_at`` and re-expire its stats entry with it.

    Up to one read and two writes (plus retries). The stats entry must never outlive the
    license record, so it is rewritten with the record's new expiration.
    """
    await write_license(kv, record)
    stats_key = stats_key_name(record.id)
    text = await _get_text(kv, stats_key, "read_stats")
    if text is None:
        return
    options = _expiration_options(license_expiration(record.expires_at))
    received_at = json.loads(text).get("received_at")
    if not await _put_with_retry(
        kv, stats_key, text, "write_stats", metadata={"received_at": received_at}, **options
    ):
        raise StorageUnavailable("write_stats")


# --- validations and stats (the heartbeat's writes) -----------------------------------------


async def record_validation(kv: Any, license_id: str, now: int) -> bool:
    """One write: the validation timestamp, kept 90 days. ``False`` if it could not be stored."""
    key = validation_key_name(license_id, now, secrets.token_hex(2))
    return await _put_with_retry(
        kv, key, format_iso(now), "record_validation", expirationTtl=VALIDATION_LOG_TTL
    )


async def write_stats(kv: Any, record: LicenseRecord, counts: StatsCounts, now: int) -> bool:
    """One write: the last accepted counts, expiring with the license record.

    ``False`` if it could not be stored, including when the record itself is within KV's
    minimum expiration distance of being erased (the stats must not outlive it).
    """
    expiration = license_expiration(record.expires_at)
    if expiration is not None and expiration < now + KV_MIN_EXPIRATION_AHEAD:
        return False
    received_at = format_iso(now)
    value = json.dumps(
        {"stats": counts, "received_at": received_at}, separators=(",", ":"), ensure_ascii=False
    )
    return await _put_with_retry(
        kv,
        stats_key_name(record.id),
        value,
        "write_stats",
        metadata={"received_at": received_at},
        **_expiration_options(expiration),
    )


async def read_stats(kv: Any, license_id: str) -> StatsRecord | None:
    text = await _get_text(kv, stats_key_name(license_id), "read_stats")
    if text is None:
        return None
    try:
        return StatsRecord.model_validate_json(text)
    except ValidationError:
        log_event("stats_record_invalid", license_id=license_id)
        return None


# --- the release (cached per isolate) -------------------------------------------------------


@dataclass(slots=True)
class _CachedRelease:
    release: Release | None
    fetched_at: int


# Module state lives as long as the isolate; the emulator loads the modules fresh per isolate.
_release_cache: _CachedRelease | None = None


async def read_release(kv: Any, now: int, cache_seconds: int) -> Release | None:
    """At most one read: the release, from this isolate's cache while it is fresh.

    "No release set" is cached too. A failed read serves a stale cached value when there is
    one, otherwise raises :class:`StorageUnavailable`.
    """
    global _release_cache
    cached = _release_cache
    if cached is not None and 0 <= now - cached.fetched_at < cache_seconds:
        return cached.release
    try:
        text = await _get_text(kv, RELEASE_KEY, "read_release")
    except StorageUnavailable:
        if cached is not None:
            return cached.release
        raise
    release: Release | None = None
    if text is not None:
        try:
            release = Release.model_validate_json(text)
        except ValidationError:
            log_event("release_record_invalid")
    _release_cache = _CachedRelease(release, now)
    return release


async def write_release(kv: Any, release: Release, now: int) -> None:
    """One write (two on a retry); this isolate's cache sees the new release at once."""
    global _release_cache
    value = json.dumps(release.model_dump(mode="json"), separators=(",", ":"))
    if not await _put_with_retry(kv, RELEASE_KEY, value, "write_release"):
        raise StorageUnavailable("write_release")
    _release_cache = _CachedRelease(release, now)


def forget_cached_release() -> None:
    """Drop this isolate's cached release (tests; an operator action that must show at once)."""
    global _release_cache
    _release_cache = None
