"""The KV layout (docs/ARCHITECTURE.md): the only module that knows key names and retention.

| key                                              | value            | expiration            |
|--------------------------------------------------|------------------|-----------------------|
| ``license:{id}``                                 | LicenseRecord    | expires_at + 365 days |
| ``validation:{id}:{9999999999-epoch:010d}:{r4}`` | ISO timestamp    | TTL 90 days           |
| ``stats:{id}``                                   | StatsRecord      | same as the license   |
| ``erasure:{id}``                                 | ISO timestamp    | TTL 1 day             |
| ``release``                                      | Release          | none                  |

Reading this module is reading the privacy promises: nothing else is written, a validation is a
timestamp under the license id (a one-way hash, never the key), stats never outlive the license.
An erasure marker holds only an erased license's id and the erasure's time, for the minutes
until the Cron Trigger's sweep has checked that nothing a late heartbeat wrote names it.

Each public function states its KV operation cost. Writes are retried once; a read or a write that
still fails raises :class:`StorageUnavailable` (or returns ``False`` where the caller degrades
instead of failing). The binding raises JavaScript errors (``JsException``) whose text may
quote a key name, so only the error's class name is logged.
"""

from __future__ import annotations

import enum
import json
import os
from typing import Any, NamedTuple

from pydantic import ValidationError

from license_server.clock import format_iso, parse_iso
from license_server.compact_json import compact_encoder
from license_server.logs import log_event
from license_server.models import LicenseRecord, Release, StatsRecord
from license_server.stats import StatsCounts

__all__ = [
    "ERASURE_MARKER_TTL",
    "EXPORT_VALIDATION_PAGES",
    "RECORD_RETENTION",
    "SWEEP_OPERATION_BUDGET",
    "VALIDATION_LOG_TTL",
    "EraseOutcome",
    "InvalidCursor",
    "LicenseDetail",
    "LicenseExport",
    "StorageUnavailable",
    "SweepResult",
    "erase_license",
    "export_license",
    "fleet_page",
    "license_expiration",
    "list_licenses",
    "list_validations",
    "move_license_expiry",
    "read_license",
    "read_license_detail",
    "read_release",
    "record_validation",
    "retention_is_over",
    "sweep_erased_licenses",
    "sweep_erasure_leftovers",
    "sync_stats_expiration",
    "write_license",
    "write_release",
    "write_stats",
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

WRITE_ATTEMPTS = 2  # a failed write is retried once
_encode = compact_encoder(ensure_ascii=False)


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


def erasure_marker_name(license_id: str) -> str:
    return f"{ERASURE_PREFIX}{license_id}"


def license_expiration(expires_at: str | None) -> int | None:
    """The record's absolute KV expiration: ``expires_at`` + 365 days; perpetual: none."""
    if expires_at is None:
        return None
    return parse_iso(expires_at) + RECORD_RETENTION


def retention_is_over(expires_at: str | None, now: int) -> bool:
    """True when a record with this ``expires_at`` may no longer be kept (or written)."""
    return _expiration_too_close(license_expiration(expires_at), now)


def _expiration_too_close(expiration: int | None, now: int) -> bool:
    return expiration is not None and expiration < now + KV_MIN_EXPIRATION_AHEAD


def _expiration_options(expiration: int | None) -> dict[str, Any]:
    return {} if expiration is None else {"expiration": expiration}


def _stats_put_options(received_at: str | None, expiration: int | None) -> dict[str, Any]:
    """How a stats entry is put: ``received_at`` as metadata, the record's expiration."""
    metadata = {"received_at": received_at}
    if expiration is None:
        return {"metadata": metadata}
    return {"metadata": metadata, "expiration": expiration}


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
    return _encode(document), document


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
        await _rewrite_stats_expiration(kv, record.id, new_expiration)
        await write_license(kv, record)
    else:
        await write_license(kv, record)
        await _rewrite_stats_expiration(kv, record.id, new_expiration)


def _expires_earlier(new: int | None, previous: int | None) -> bool:
    """True when ``new`` ends retention before ``previous`` (``None`` means never)."""
    return new is not None and (previous is None or new < previous)


async def sync_stats_expiration(kv: Any, record: LicenseRecord) -> None:
    """Give the stats entry the record's expiration again (one read, one write if it exists).

    Repairs what a failed :func:`move_license_expiry` left (the record moved, the stats write
    failed) when the operator repeats the PATCH; the stats must never outlive the record. The
    entry is rewritten whether or not it looks in step: the only way to see its expiration is a
    listing, and KV listings can be up to a minute stale, so trusting one could skip the one
    repair that mattered (a heartbeat's write with the old expiration). A repeated PATCH is
    rare; one write is a small price for the promise.
    """
    await _rewrite_stats_expiration(kv, record.id, license_expiration(record.expires_at))


async def _rewrite_stats_expiration(kv: Any, license_id: str, expiration: int | None) -> None:
    """Put the stats entry back as it is, with ``expiration`` (none to do without an entry)."""
    stats_key = stats_key_name(license_id)
    text = await _get_text(kv, stats_key, "read_stats")
    if text is None:
        return
    received_at = (_loads(text) or {}).get("received_at")
    if not await _put_with_retry(
        kv, stats_key, text, "write_stats", **_stats_put_options(received_at, expiration)
    ):
        raise StorageUnavailable("write_stats")


# --- validations and stats (the heartbeat's writes) -----------------------------------------


async def record_validation(kv: Any, license_id: str, now: int) -> bool:
    """One write: the validation timestamp, kept 90 days. ``False`` if it could not be stored."""
    key = validation_key_name(license_id, now, os.urandom(2).hex())
    return await _put_with_retry(
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
    if _expiration_too_close(expiration, now):
        return False
    received_at = format_iso(now)
    if counts_json is None:
        counts_json = _encode(counts)
    value = f'{{"stats":{counts_json},"received_at":"{received_at}"}}'
    return await _put_with_retry(
        kv,
        stats_key_name(record.id),
        value,
        "write_stats",
        **_stats_put_options(received_at, expiration),
    )


# --- the release (cached per isolate) -------------------------------------------------------


# Records are NamedTuples rather than dataclasses: a dataclass compiles its methods when it is
# defined, a few hundred microseconds of every cold start each.
class _CachedRelease(NamedTuple):
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


# --- admin: listing, detail, erasure, export, fleet -------------------------------------------
# Every function below has a fixed, small KV operation cost per call (stated in its docstring),
# so one admin request stays far under the platform's 1000 operations per invocation.

LICENSE_PAGE_SIZE = 1000  # KV list's maximum: one list operation per page of licenses
FLEET_PAGE_SIZE = 100  # KV bulk get's maximum: one list + one bulk get per page of stats
VALIDATION_PAGE_SIZE = 1000
# Export: validation pages read per request; beyond that the export continues with a cursor.
EXPORT_VALIDATION_PAGES = 20
# Erasure: KV operations one DELETE request may spend before answering "in progress".
ERASE_OPERATION_BUDGET = 500


class InvalidCursor(Exception):
    """The caller's pagination cursor was refused by KV."""


class KeyPage(NamedTuple):
    """One ``list()`` page: key entries and the cursor of the next page (``None`` at the end)."""

    keys: list[dict[str, Any]]
    cursor: str | None


async def _list(kv: Any, prefix: str, limit: int, cursor: str | None, operation: str) -> KeyPage:
    options: dict[str, Any] = {"prefix": prefix, "limit": limit}
    if cursor:
        options["cursor"] = cursor
    try:
        result = await kv.list(**options)
    except Exception as error:  # a bad cursor is the caller's fault, anything else is ours
        if cursor and "cursor" in str(error).lower():
            raise InvalidCursor(operation) from None
        log_event("kv_error", operation=operation, error=type(error).__name__)
        raise StorageUnavailable(operation) from None
    keys = [_plain(entry) for entry in (_field(result, "keys") or [])]
    complete = bool(_field(result, "list_complete"))
    next_cursor = None if complete else (_field(result, "cursor") or None)
    return KeyPage(keys, next_cursor)


def _field(obj: Any, name: str) -> Any:
    """A field of a converted JS object (a dict, or a JsDict that also allows attributes)."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _plain(value: Any) -> Any:
    """Converted JS values as plain dicts and lists (JsDict subclasses dict already)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _bulk_get(kv: Any, keys: list[str], operation: str) -> dict[str, str | None]:
    """One operation for up to 100 keys."""
    if not keys:
        return {}
    try:
        result = await kv.get(keys, type="text")
    except Exception as error:
        log_event("kv_error", operation=operation, error=type(error).__name__)
        raise StorageUnavailable(operation) from None
    return {key: _field(result, key) for key in keys}


async def _delete(kv: Any, key: str, operation: str) -> int:
    """Delete one key, retrying once; returns the operations spent (a retry costs one more)."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            await kv.delete(key)
            return attempt
        except Exception as error:
            log_event("kv_error", operation=operation, attempt=attempt, error=type(error).__name__)
    raise StorageUnavailable(operation)


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def validation_epoch(key_name: str) -> int | None:
    """The epoch second a validation key records (parsed from its name: no value read)."""
    parts = key_name.split(":")
    if len(parts) != 4 or parts[0] != VALIDATION_PREFIX.rstrip(":") or not parts[2].isdigit():
        return None
    return _REVERSED_EPOCH_BASE - int(parts[2])


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
    page = await _list(kv, LICENSE_PREFIX, LICENSE_PAGE_SIZE, cursor, "list_licenses")
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
    values = await _bulk_get(kv, [record_key, stats_key], operation)
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
    newest = await _list(kv, validation_prefix(license_id), 1, None, "last_validation")
    times = _validation_times(newest.keys, now)
    return LicenseDetail(record, stats, times[0] if times else None)


async def list_validations(
    kv: Any, license_id: str, cursor: str | None, now: int
) -> tuple[list[str], str | None]:
    """One list operation: a page of validation times, newest first, parsed from key names."""
    page = await _list(
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
    record, stats = _loads(record_text), _loads(stats_text)
    validations: list[str] = []
    for _ in range(EXPORT_VALIDATION_PAGES):
        page = await _list(
            kv, validation_prefix(license_id), VALIDATION_PAGE_SIZE, cursor, "export_license"
        )
        validations.extend(_validation_times(page.keys, now))
        cursor = page.cursor
        if cursor is None:
            break
    return LicenseExport(record, stats, validations, cursor)


async def fleet_page(kv: Any, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Two operations: one list of stats keys and one bulk get of their values."""
    page = await _list(kv, STATS_PREFIX, FLEET_PAGE_SIZE, cursor, "fleet_page")
    names = [str(entry.get("name", "")) for entry in page.keys]
    values = await _bulk_get(kv, names, "fleet_page")
    items = []
    for name in names:
        stored = _loads(values.get(name))
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


class EraseOutcome(enum.Enum):
    NOT_FOUND = "not_found"
    COMPLETE = "complete"
    IN_PROGRESS = "in_progress"


class _Budget:
    """KV operations left to one request."""

    def __init__(self, operations: int) -> None:
        self.left = operations

    def allows(self, n: int = 1, keep: int = 0) -> bool:
        return self.left - keep >= n

    def spend(self, n: int = 1) -> None:
        self.left -= n


async def _list_validations_to_erase(
    kv: Any, license_id: str, cursor: str | None, budget: _Budget
) -> KeyPage:
    page = await _list(
        kv, validation_prefix(license_id), VALIDATION_PAGE_SIZE, cursor, "erase_license"
    )
    budget.spend()
    return page


async def _erase_validations(
    kv: Any, license_id: str, budget: _Budget, keep: int, page: KeyPage | None = None
) -> bool:
    """Delete validation keys, leaving ``keep`` operations; True when none are left.

    ``page`` is a first page the caller already listed (not listed again).
    """
    cursor: str | None = None
    while True:
        if page is None:
            if not budget.allows(1, keep):
                return False
            page = await _list_validations_to_erase(kv, license_id, cursor, budget)
        for entry in page.keys:
            if not budget.allows(WRITE_ATTEMPTS, keep):  # a delete may be retried once
                return False
            budget.spend(await _delete(kv, str(entry.get("name", "")), "erase_license"))
        # Follow the cursor rather than relisting: a listing may briefly lag deletions.
        cursor = page.cursor
        if cursor is None:
            return True
        page = None


async def erase_license(
    kv: Any, license_id: str, now: int, operations: int = ERASE_OPERATION_BUDGET
) -> EraseOutcome:
    """GDPR erasure spending at most ``operations`` KV operations; repeat while ``IN_PROGRESS``.

    Validation timestamps and stats go first and the record last, so an interrupted erasure
    leaves the license findable and the next call resumes. A last sweep after the record
    catches a timestamp a concurrent heartbeat slipped in; such leftovers are still erased by
    a later call, which is not ``NOT_FOUND`` while anything names the license.

    Before the record goes, an erasure marker is written (one write, two on a retry; a marker
    that cannot be written is :class:`StorageUnavailable`, with the record still there to
    resume from): a heartbeat that read the record a moment earlier, here or through KV's
    up-to-60 s stale reads elsewhere, can still write a timestamp after this call returns, and
    :func:`sweep_erased_licenses` uses the marker to find and erase it.
    """
    outcome, _ = await _erase(kv, license_id, now, _Budget(operations))
    return outcome


async def _erase(kv: Any, license_id: str, now: int, budget: _Budget) -> tuple[EraseOutcome, bool]:
    """:func:`erase_license`, and whether it deleted the record (and so wrote a new marker)."""
    record_text = await _get_text(kv, license_key_name(license_id), "erase_license")
    budget.spend()
    # The first page both tells whether anything names the license and starts the erasure.
    first_page = await _list_validations_to_erase(kv, license_id, None, budget)
    if record_text is None and not first_page.keys:
        budget.spend()
        if await _get_text(kv, stats_key_name(license_id), "erase_license") is None:
            return EraseOutcome.NOT_FOUND, False
    # Keep room for the marker, the deletes (each possibly retried) and the final sweep's list
    # and read.
    if not await _erase_validations(
        kv, license_id, budget, keep=4 * WRITE_ATTEMPTS + 2, page=first_page
    ):
        return EraseOutcome.IN_PROGRESS, False
    budget.spend(await _delete(kv, stats_key_name(license_id), "erase_license"))
    if record_text is not None:
        budget.spend(WRITE_ATTEMPTS)
        await _write_erasure_marker(kv, license_id, now)
        budget.spend(await _delete(kv, license_key_name(license_id), "erase_license"))
    # A heartbeat that read the record just before it went may still write: sweep once more.
    if not await _erase_validations(kv, license_id, budget, keep=WRITE_ATTEMPTS + 1):
        return EraseOutcome.IN_PROGRESS, record_text is not None
    # Read before deleting again: KV refuses a second write to one key within a second.
    budget.spend()
    if await _get_text(kv, stats_key_name(license_id), "erase_license") is not None:
        budget.spend(await _delete(kv, stats_key_name(license_id), "erase_license"))
    return EraseOutcome.COMPLETE, record_text is not None


async def _write_erasure_marker(kv: Any, license_id: str, now: int) -> None:
    """The marker: the id (in its name) and the erasure's time, nothing else."""
    erased_at = format_iso(now)
    if not await _put_with_retry(
        kv,
        erasure_marker_name(license_id),
        erased_at,
        "erase_license",
        expirationTtl=ERASURE_MARKER_TTL,
        metadata={"erased_at": erased_at},
    ):
        raise StorageUnavailable("erase_license")


# --- sweeps for erasure leftovers (a Cron Trigger runs them; see license_server.maintenance) ---

SWEEP_OPERATION_BUDGET = 900  # of the invocation's 1000, with room for the retries of a delete
# A late write lands within a minute or so of the erasure (KV's reads are stale for up to 60 s)
# and a listing may lag it by as much again: both are settled long before this.
SWEEP_GRACE_SECONDS = 300
_ERASE_RESERVE = 50  # operations set aside per leftover: its erasure is resumed next time if more


class SweepResult(NamedTuple):
    erased: list[str]  # license ids whose leftovers were erased completely
    complete: bool  # every entry the sweep looks at was walked within the budget
    operations: int  # KV operations spent (at most the budget it was given)


async def sweep_erased_licenses(
    kv: Any, now: int, operations: int = SWEEP_OPERATION_BUDGET
) -> SweepResult:
    """Erase what heartbeats wrote after their license's erasure, found by erasure markers.

    Each marker older than ``SWEEP_GRACE_SECONDS`` is settled: whatever a late heartbeat was
    going to write is written and listed by now. Its license is erased again (a timestamp with
    or without a stats entry, or an erasure that stopped short of its record) and the marker
    deleted; a marker whose erasure needs more than ``_ERASE_RESERVE`` operations stays for the
    next run, and so does one whose erasure deleted the record only now (it was rewritten, and
    the grace starts again). One list per page of 100 markers plus at most ``_ERASE_RESERVE``
    per settled marker (its delete included), never more than ``operations`` in all.
    """
    budget = _Budget(operations)
    erased: list[str] = []
    cursor: str | None = None
    settled_before = now - SWEEP_GRACE_SECONDS
    while budget.allows(1 + _ERASE_RESERVE):
        budget.spend()
        page = await _list(kv, ERASURE_PREFIX, FLEET_PAGE_SIZE, cursor, "sweep")
        for entry in page.keys:
            if not _time_before(entry.get("metadata"), "erased_at", settled_before):
                continue
            name = str(entry.get("name", ""))
            license_id = name[len(ERASURE_PREFIX) :]
            if not budget.allows(_ERASE_RESERVE):
                return SweepResult(erased, False, operations - budget.left)
            reserve = _Budget(_ERASE_RESERVE - WRITE_ATTEMPTS)  # the marker's delete
            outcome, marked_again = await _erase(kv, license_id, now, reserve)
            budget.spend(_ERASE_RESERVE - WRITE_ATTEMPTS - reserve.left)
            if outcome is EraseOutcome.IN_PROGRESS or marked_again:
                continue
            if outcome is EraseOutcome.COMPLETE:
                erased.append(license_id)
            budget.spend(await _delete(kv, name, "sweep"))
        if page.cursor is None:
            return SweepResult(erased, True, operations - budget.left)
        cursor = page.cursor
    return SweepResult(erased, False, operations - budget.left)


async def sweep_erasure_leftovers(
    kv: Any, shard: str, now: int, operations: int = SWEEP_OPERATION_BUDGET
) -> SweepResult:
    """Erase stats entries whose license record is gone, for ids starting ``shard``.

    The second net under :func:`sweep_erased_licenses`: a stats entry names its license, so a
    leftover is found even without a marker (one written before markers existed, or whose
    marker expired before a sweep ran). Stats entries are walked a page of 100 at a time (one
    list, then one bulk get of the records of those received more than
    ``SWEEP_GRACE_SECONDS`` ago: KV may not show a new record everywhere at once); an entry
    whose record is gone is a leftover, and :func:`erase_license` removes it with the
    timestamps beside it. Two operations per page plus at most ``_ERASE_RESERVE`` per leftover,
    never more than ``operations`` in all.
    """
    budget = _Budget(operations)
    erased: list[str] = []
    cursor: str | None = None
    settled_before = now - SWEEP_GRACE_SECONDS
    while budget.allows(2 + _ERASE_RESERVE):
        budget.spend(2)
        page = await _list(kv, STATS_PREFIX + shard, FLEET_PAGE_SIZE, cursor, "sweep")
        settled = [
            str(entry.get("name", ""))[len(STATS_PREFIX) :]
            for entry in page.keys
            if _time_before(entry.get("metadata"), "received_at", settled_before)
        ]
        records = await _bulk_get(kv, [license_key_name(i) for i in settled], "sweep")
        for license_id in settled:
            if records.get(license_key_name(license_id)) is not None:
                continue
            if not budget.allows(_ERASE_RESERVE):
                return SweepResult(erased, False, operations - budget.left)
            reserve = _Budget(_ERASE_RESERVE)
            # IN_PROGRESS leaves the stats entry (it goes after the timestamps): the shard's
            # next run resumes it, and only then is it reported erased.
            outcome, _ = await _erase(kv, license_id, now, reserve)
            budget.spend(_ERASE_RESERVE - reserve.left)
            if outcome is EraseOutcome.COMPLETE:
                erased.append(license_id)
        if page.cursor is None:
            return SweepResult(erased, True, operations - budget.left)
        cursor = page.cursor
    return SweepResult(erased, False, operations - budget.left)


def _time_before(metadata: Any, field: str, epoch: int) -> bool:
    """Whether the ISO time in ``metadata[field]`` is before ``epoch``; an entry without a
    readable one is treated as settled (it cannot be a write of the last minutes)."""
    value = metadata.get(field) if isinstance(metadata, dict) else None
    if not isinstance(value, str):
        return True
    try:
        return parse_iso(value) < epoch
    except ValueError:
        return True
