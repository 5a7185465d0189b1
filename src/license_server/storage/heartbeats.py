"""What a heartbeat writes: one validation timestamp, and the stats entry when it sent stats."""

from __future__ import annotations

import os
from typing import Any

from license_server.clock import format_iso
from license_server.compact_json import compact_encoder
from license_server.models import LicenseRecord
from license_server.stats import StatsCounts
from license_server.storage.kv import put_with_retry
from license_server.storage.layout import (
    VALIDATION_LOG_TTL,
    expiration_too_close,
    license_expiration,
    stats_key_name,
    stats_put_options,
    validation_key_name,
)

__all__ = ["record_validation", "write_stats"]

_encode = compact_encoder(ensure_ascii=False)


async def record_validation(kv: Any, license_id: str, now: int) -> bool:
    """One write: the validation timestamp, kept 90 days. ``False`` if it could not be stored."""
    key = validation_key_name(license_id, now, os.urandom(2).hex())
    return await put_with_retry(
        kv, key, format_iso(now), "record_validation", expirationTtl=VALIDATION_LOG_TTL
    )


async def write_stats(
    kv: Any, record: LicenseRecord, counts: StatsCounts, now: int, counts_json: str | None = None
) -> bool:
    """One write: the last accepted counts, expiring with the license record.

    ``counts_json`` is the counts' compact JSON when the caller already has it (the stats check
    measured it). ``False`` if the entry could not be stored, including when the record itself
    is within KV's minimum expiration distance of being erased (the stats must not outlive it).
    """
    expiration = license_expiration(record.expires_at)
    if expiration_too_close(expiration, now):
        return False
    received_at = format_iso(now)
    if counts_json is None:
        counts_json = _encode(counts)
    value = f'{{"stats":{counts_json},"received_at":"{received_at}"}}'
    return await put_with_retry(
        kv,
        stats_key_name(record.id),
        value,
        "write_stats",
        **stats_put_options(received_at, expiration),
    )
