"""The admin API's reads: license listing and detail, validation log, fleet, GDPR export.

Every function has a fixed, small KV operation cost per call (stated in its docstring), so one
admin request stays far under the platform's 1000 operations per invocation.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import ValidationError

from license_server.clock import format_iso
from license_server.logs import log_event
from license_server.models import LicenseRecord, StatsRecord
from license_server.storage.kv import StorageUnavailable, bulk_get, list_page, loads
from license_server.storage.layout import (
    LICENSE_PREFIX,
    STATS_PREFIX,
    VALIDATION_LOG_TTL,
    license_key_name,
    stats_key_name,
    validation_epoch,
    validation_prefix,
)

__all__ = [
    "EXPORT_VALIDATION_PAGES",
    "FLEET_PAGE_SIZE",
    "LICENSE_PAGE_SIZE",
    "VALIDATION_PAGE_SIZE",
    "LicenseDetail",
    "LicenseExport",
    "export_license",
    "fleet_page",
    "list_licenses",
    "list_validations",
    "read_license_detail",
]

LICENSE_PAGE_SIZE = 1000  # KV list's maximum: one list operation per page of licenses
FLEET_PAGE_SIZE = 100  # KV bulk get's maximum: one list + one bulk get per page of stats
VALIDATION_PAGE_SIZE = 1000
# Export: validation pages read per request; beyond that the export continues with a cursor.
EXPORT_VALIDATION_PAGES = 20


def _validation_times(keys: list[dict[str, Any]], now: int) -> list[str]:
    """ISO times of validation keys still within retention, in list order (newest first)."""
    oldest = now - VALIDATION_LOG_TTL
    times = []
    for entry in keys:
        epoch = validation_epoch(str(entry.get("name", "")))
        if epoch is not None and epoch >= oldest:
            times.append(format_iso(epoch))
    return times


async def list_licenses(kv: Any, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One list operation: a page of license records, read from the keys' metadata."""
    page = await list_page(kv, LICENSE_PREFIX, LICENSE_PAGE_SIZE, cursor, "list_licenses")
    licenses = []
    for entry in page.keys:
        metadata = entry.get("metadata")
        try:
            licenses.append(LicenseRecord.model_validate(metadata).model_dump(mode="json"))
        except ValidationError:
            # Not worth a read per key: name the license so the operator can `show` it.
            log_event("license_metadata_invalid")
            licenses.append({"id": str(entry.get("name", ""))[len(LICENSE_PREFIX) :]})
    return licenses, page.cursor


class LicenseDetail(NamedTuple):
    record: LicenseRecord
    stats: StatsRecord | None
    last_validated_at: str | None


async def _read_record_and_stats(
    kv: Any, license_id: str, operation: str
) -> tuple[str | None, str | None]:
    """One bulk get: the stored texts of the license record and of its stats entry."""
    record_key, stats_key = license_key_name(license_id), stats_key_name(license_id)
    values = await bulk_get(kv, [record_key, stats_key], operation)
    return values[record_key], values[stats_key]


async def read_license_detail(kv: Any, license_id: str, now: int) -> LicenseDetail | None:
    """Two operations: one bulk get (record + stats) and one list of the newest validation."""
    text, stats_text = await _read_record_and_stats(kv, license_id, "read_license_detail")
    if text is None:
        return None
    try:
        record = LicenseRecord.model_validate_json(text)
    except ValidationError:
        log_event("license_record_invalid", license_id=license_id)
        raise StorageUnavailable("read_license_detail") from None
    stats = None
    if stats_text is not None:
        try:
            stats = StatsRecord.model_validate_json(stats_text)
        except ValidationError:  # shown as "no stats"; the license detail is still worth having
            log_event("stats_record_invalid", license_id=license_id)
    newest = await list_page(kv, validation_prefix(license_id), 1, None, "last_validation")
    times = _validation_times(newest.keys, now)
    return LicenseDetail(record, stats, times[0] if times else None)


async def list_validations(
    kv: Any, license_id: str, cursor: str | None, now: int
) -> tuple[list[str], str | None]:
    """One list operation: a page of validation times, newest first, parsed from key names."""
    page = await list_page(
        kv, validation_prefix(license_id), VALIDATION_PAGE_SIZE, cursor, "list_validations"
    )
    return _validation_times(page.keys, now), page.cursor


class LicenseExport(NamedTuple):
    """Every datum held for one license, as stored."""

    record: dict[str, Any] | None
    stats: dict[str, Any] | None
    validations: list[str]
    cursor: str | None


async def export_license(kv: Any, license_id: str, cursor: str | None, now: int) -> LicenseExport:
    """One bulk get plus at most ``EXPORT_VALIDATION_PAGES`` lists.

    The record and stats are returned exactly as stored (not re-modelled), so nothing held is
    left out; a longer validation log continues with ``cursor``.
    """
    record_text, stats_text = await _read_record_and_stats(kv, license_id, "export_license")
    record, stats = loads(record_text), loads(stats_text)
    validations: list[str] = []
    for _ in range(EXPORT_VALIDATION_PAGES):
        page = await list_page(
            kv, validation_prefix(license_id), VALIDATION_PAGE_SIZE, cursor, "export_license"
        )
        validations.extend(_validation_times(page.keys, now))
        cursor = page.cursor
        if cursor is None:
            break
    return LicenseExport(record, stats, validations, cursor)


async def fleet_page(kv: Any, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Two operations: one list of stats keys and one bulk get of their values."""
    page = await list_page(kv, STATS_PREFIX, FLEET_PAGE_SIZE, cursor, "fleet_page")
    names = [str(entry.get("name", "")) for entry in page.keys]
    values = await bulk_get(kv, names, "fleet_page")
    items = []
    for name in names:
        stored = loads(values.get(name))
        if not isinstance(stored, dict):  # erased between the list and the get
            continue
        items.append(
            {
                "license_id": name[len(STATS_PREFIX) :],
                "stats": stored.get("stats"),
                "received_at": stored.get("received_at"),
            }
        )
    return items, page.cursor
