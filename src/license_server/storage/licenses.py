"""License records: read, write, and moving a record's expiration with its stats entry's."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from license_server.compact_json import compact_encoder
from license_server.logs import log_event
from license_server.models import LicenseRecord
from license_server.storage.kv import StorageUnavailable, get_text, loads, put_with_retry
from license_server.storage.layout import (
    license_expiration,
    license_key_name,
    stats_key_name,
    stats_put_options,
)

__all__ = [
    "move_license_expiry",
    "parse_license",
    "read_license",
    "rewrite_stats_expiration",
    "sync_stats_expiration",
    "write_license",
]

_encode = compact_encoder(ensure_ascii=False)


async def read_license(kv: Any, license_id: str) -> LicenseRecord | None:
    """One read. ``None`` when there is no such license; a corrupt record is unavailable."""
    return parse_license(
        await get_text(kv, license_key_name(license_id), "read_license"), license_id
    )


def parse_license(text: str | None, license_id: str) -> LicenseRecord | None:
    """A stored record's text as a record; ``None`` for none; a corrupt one is unavailable."""
    if text is None:
        return None
    try:
        return LicenseRecord.model_validate_json(text)
    except ValidationError:
        log_event("license_record_invalid", license_id=license_id)
        raise StorageUnavailable("read_license") from None


def _license_document(record: LicenseRecord) -> tuple[str, dict[str, Any]]:
    document = record.model_dump(mode="json")
    return _encode(document), document


def _expiration_options(expiration: int | None) -> dict[str, Any]:
    return {} if expiration is None else {"expiration": expiration}


async def write_license(kv: Any, record: LicenseRecord) -> None:
    """One write (two on a retry). The record is also the metadata, so a list shows it.

    Callers refuse records whose retention is already over (``layout.retention_is_over``).
    Changing ``expires_at`` of an existing license must go through
    :func:`move_license_expiry`, which moves the stats entry's expiration with it.
    """
    value, metadata = _license_document(record)
    options = _expiration_options(license_expiration(record.expires_at))
    if not await put_with_retry(
        kv, license_key_name(record.id), value, "write_license", metadata=metadata, **options
    ):
        raise StorageUnavailable("write_license")


async def move_license_expiry(
    kv: Any, record: LicenseRecord, *, previous_expires_at: str | None = None
) -> None:
    """Rewrite the record with its (new) ``expires_at`` and re-expire its stats entry with it.

    Up to one read and two writes (plus retries). The stats entry must never outlive the
    license record, even when one of the two writes fails: a shortened retention moves the
    stats first, a lengthened one moves the record first. Without ``previous_expires_at`` the
    move counts as lengthening.
    """
    new_expiration = license_expiration(record.expires_at)
    if _expires_earlier(new_expiration, license_expiration(previous_expires_at)):
        await rewrite_stats_expiration(kv, record)
        await write_license(kv, record)
    else:
        await write_license(kv, record)
        await rewrite_stats_expiration(kv, record)


def _expires_earlier(new: int | None, previous: int | None) -> bool:
    """True when ``new`` ends retention before ``previous`` (``None`` means never)."""
    return new is not None and (previous is None or new < previous)


async def sync_stats_expiration(kv: Any, record: LicenseRecord) -> None:
    """Give the stats entry the record's expiration again (one read, one write if it exists).

    Repairs what a failed :func:`move_license_expiry` left (the record moved, the stats write
    failed) when the operator repeats the PATCH; the stats must never outlive the record. The
    entry is rewritten whether or not it looks in step: the only way to see its expiration is a
    listing, and KV listings can be up to a minute stale, so trusting one could skip the one
    repair that mattered (a heartbeat's write with the old expiration).
    """
    await rewrite_stats_expiration(kv, record)


async def rewrite_stats_expiration(kv: Any, record: LicenseRecord) -> None:
    """Put the stats entry back with the record's expiration and ``expires_at`` (one read, and
    one write when there is an entry)."""
    stats_key = stats_key_name(record.id)
    text = await get_text(kv, stats_key, "read_stats")
    if text is None:
        return
    entry = loads(text)
    received_at = None
    if isinstance(entry, dict):
        received_at = entry.get("received_at")
        entry["expires_at"] = record.expires_at
        text = _encode(entry)
    options = stats_put_options(received_at, license_expiration(record.expires_at))
    if not await put_with_retry(kv, stats_key, text, "write_stats", **options):
        raise StorageUnavailable("write_stats")
