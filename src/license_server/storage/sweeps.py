"""The Cron Trigger's sweeps for erasure leftovers (``license_server.maintenance`` runs them).

A heartbeat that read a license record just before its erasure can still write a timestamp or
a stats entry after it; these sweeps find such leftovers, by erasure marker and by stats entry
without a record, and erase them, within the invocation's operation budget. The same walk puts
a stats entry back in step with its record when a heartbeat that read the record before a
``PATCH`` moved ``expires_at`` earlier wrote it with the old expiration (for a license that
beats, its next heartbeat does it first: ``heartbeats``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from license_server.clock import parse_iso
from license_server.storage.erasure import Budget, EraseOutcome, erase_within
from license_server.storage.kv import (
    WRITE_ATTEMPTS,
    StorageUnavailable,
    bulk_get,
    delete,
    list_page,
    loads,
)
from license_server.storage.layout import (
    ERASURE_PREFIX,
    STATS_PREFIX,
    license_expiration,
    license_key_name,
)
from license_server.storage.licenses import parse_license, rewrite_stats_expiration
from license_server.storage.reads import FLEET_PAGE_SIZE

__all__ = [
    "SWEEP_GRACE_SECONDS",
    "SWEEP_OPERATION_BUDGET",
    "SweepResult",
    "sweep_erased_licenses",
    "sweep_erasure_leftovers",
]

SWEEP_OPERATION_BUDGET = 900  # of the invocation's 1000, with room for the retries of a delete
# A late write lands within a minute or so of the erasure (KV's reads are stale for up to 60 s)
# and a listing may lag it by as much again: both are settled long before this.
SWEEP_GRACE_SECONDS = 300
_ERASE_RESERVE = 50  # operations set aside per leftover: its erasure is resumed next time if more
_REEXPIRE_COST = 1 + WRITE_ATTEMPTS  # read the stats entry, put it back (retried once)


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
    budget = Budget(operations)
    erased: list[str] = []
    cursor: str | None = None
    settled_before = now - SWEEP_GRACE_SECONDS
    while budget.allows(1 + _ERASE_RESERVE):
        budget.spend()
        page = await list_page(kv, ERASURE_PREFIX, FLEET_PAGE_SIZE, cursor, "sweep")
        for entry in page.keys:
            if not _time_before(entry.get("metadata"), "erased_at", settled_before):
                continue
            name = str(entry.get("name", ""))
            license_id = name[len(ERASURE_PREFIX) :]
            if not budget.allows(_ERASE_RESERVE):
                return SweepResult(erased, False, operations - budget.left)
            reserve = Budget(_ERASE_RESERVE - WRITE_ATTEMPTS)  # the marker's delete
            outcome, marked_again = await erase_within(kv, license_id, now, reserve)
            budget.spend(_ERASE_RESERVE - WRITE_ATTEMPTS - reserve.left)
            if outcome is EraseOutcome.IN_PROGRESS or marked_again:
                continue
            if outcome is EraseOutcome.COMPLETE:
                erased.append(license_id)
            budget.spend(await delete(kv, name, "sweep"))
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
    whose record is gone is a leftover, and the erasure removes it with the timestamps beside
    it. Two operations per page plus at most ``_ERASE_RESERVE`` per leftover, never more than
    ``operations`` in all.
    """
    budget = Budget(operations)
    erased: list[str] = []
    cursor: str | None = None
    settled_before = now - SWEEP_GRACE_SECONDS
    while budget.allows(2 + _ERASE_RESERVE):
        budget.spend(2)
        page = await list_page(kv, STATS_PREFIX + shard, FLEET_PAGE_SIZE, cursor, "sweep")
        settled = [
            str(entry.get("name", ""))[len(STATS_PREFIX) :]
            for entry in page.keys
            if _time_before(entry.get("metadata"), "received_at", settled_before)
        ]
        records = await bulk_get(kv, [license_key_name(i) for i in settled], "sweep")
        expirations = {
            str(entry.get("name", ""))[len(STATS_PREFIX) :]: entry.get("expiration")
            for entry in page.keys
        }
        for license_id in settled:
            record_text = records.get(license_key_name(license_id))
            if record_text is not None:
                if _outlives(expirations.get(license_id), record_text):
                    if not budget.allows(_REEXPIRE_COST):
                        return SweepResult(erased, False, operations - budget.left)
                    budget.spend(_REEXPIRE_COST)
                    await _reexpire(kv, license_id, record_text)
                continue
            if not budget.allows(_ERASE_RESERVE):
                return SweepResult(erased, False, operations - budget.left)
            reserve = Budget(_ERASE_RESERVE)
            # IN_PROGRESS leaves the stats entry (it goes after the timestamps): the shard's
            # next run resumes it, and only then is it reported erased.
            outcome, _ = await erase_within(kv, license_id, now, reserve)
            budget.spend(_ERASE_RESERVE - reserve.left)
            if outcome is EraseOutcome.COMPLETE:
                erased.append(license_id)
        if page.cursor is None:
            return SweepResult(erased, True, operations - budget.left)
        cursor = page.cursor
    return SweepResult(erased, False, operations - budget.left)


def _outlives(stats_expiration: Any, record_text: str) -> bool:
    """Whether a stats entry with this expiration would outlive the stored record."""
    record = loads(record_text)
    if not isinstance(record, dict):
        return False
    try:
        record_expiration = license_expiration(record.get("expires_at"))
    except (TypeError, ValueError):
        return False
    if record_expiration is None:
        return False
    return not isinstance(stats_expiration, int | float) or stats_expiration > record_expiration


async def _reexpire(kv: Any, license_id: str, record_text: str) -> None:
    try:
        record = parse_license(record_text, license_id)
        if record is not None:
            await rewrite_stats_expiration(kv, record)
    except StorageUnavailable:  # the next run of this shard tries again
        pass


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
