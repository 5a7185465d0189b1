"""What a heartbeat reads and writes: the license record (with the stored stats, when it sent
stats), one validation timestamp, and the stats entry when its counts are news.

Writing less. A stats entry records the counts, when they were received and the record's
``expires_at`` it expires with. A heartbeat that sent stats reads the entry together with the
record (one bulk get: one operation, so the read budget is unchanged) and skips the write when
the counts are the same, the entry still expires with the record and it was written less than
:data:`STATS_REFRESH_SECONDS` ago: a steady deployment's heartbeat writes once (its validation
timestamp) instead of twice, and its stats once a day. So ``stats_received_at`` is when these
counts were last written: at most a day before the latest heartbeat that sent them (the
validation log has every heartbeat).

Stats never outlive the record. The entry's expiration is the record's, and the entry says for
which ``expires_at``; a heartbeat that read the record just before a ``PATCH`` moved
``expires_at`` writes the old one, and the next heartbeat sees the mismatch and rewrites the
entry with the record's expiration (the Cron sweep does the same for a license that stopped
beating: ``sweeps.sweep_erasure_leftovers``).
"""

from __future__ import annotations

import os
from typing import Any

from license_server.clock import format_iso, parse_iso
from license_server.compact_json import compact_encoder
from license_server.models import LicenseRecord
from license_server.stats import StatsCounts
from license_server.storage.kv import bulk_get, loads, put_with_retry
from license_server.storage.layout import (
    VALIDATION_LOG_TTL,
    expiration_too_close,
    license_expiration,
    license_key_name,
    stats_key_name,
    stats_put_options,
    validation_key_name,
)
from license_server.storage.licenses import parse_license

__all__ = [
    "STATS_REFRESH_SECONDS",
    "read_license_and_stats",
    "record_validation",
    "stats_entry_is_current",
    "write_stats",
]

# Unchanged counts are written again once this old, so received_at stays within a day.
STATS_REFRESH_SECONDS = 86400
_encode = compact_encoder(ensure_ascii=False)


async def read_license_and_stats(
    kv: Any, license_id: str
) -> tuple[LicenseRecord | None, str | None]:
    """One operation (a bulk get): the license record and the stored stats entry's text."""
    record_key, stats_key = license_key_name(license_id), stats_key_name(license_id)
    values = await bulk_get(kv, [record_key, stats_key], "read_license")
    return parse_license(values[record_key], license_id), values[stats_key]


def stats_entry_is_current(
    stored: str | None, record: LicenseRecord, counts_json: str, now: int
) -> bool:
    """Whether the stored entry already says these counts, for this record, recently enough."""
    entry = loads(stored)
    if not isinstance(entry, dict) or "expires_at" not in entry:
        return False
    if entry["expires_at"] != record.expires_at:
        return False
    received_at = entry.get("received_at")
    try:
        received = parse_iso(received_at) if isinstance(received_at, str) else None
    except ValueError:
        received = None
    if received is None or not 0 <= now - received < STATS_REFRESH_SECONDS:
        return False
    return _encode(entry.get("stats")) == counts_json


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
    value = (
        f'{{"stats":{counts_json},"received_at":"{received_at}",'
        f'"expires_at":{_encode(record.expires_at)}}}'
    )
    return await put_with_retry(
        kv,
        stats_key_name(record.id),
        value,
        "write_stats",
        **stats_put_options(received_at, expiration),
    )
