"""GDPR erasure: everything naming a license, within one request's KV operation budget.

Validation timestamps and stats go first and the record last, so an interrupted erasure leaves
the license findable and the next call resumes. Just before the record goes an erasure marker
is written (``layout.ERASURE_MARKER_TTL``): a heartbeat that read the record a moment earlier
can still write after the erasure answers, and the Cron Trigger's sweep
(:mod:`license_server.storage.sweeps`) uses the marker to find and erase what it wrote.
"""

from __future__ import annotations

import enum
from typing import Any

from license_server.clock import format_iso
from license_server.storage.kv import (
    WRITE_ATTEMPTS,
    KeyPage,
    StorageUnavailable,
    delete,
    get_text,
    list_page,
    put_with_retry,
)
from license_server.storage.layout import (
    ERASURE_MARKER_TTL,
    erasure_marker_name,
    license_key_name,
    stats_key_name,
    validation_prefix,
)
from license_server.storage.reads import VALIDATION_PAGE_SIZE

__all__ = ["ERASE_OPERATION_BUDGET", "Budget", "EraseOutcome", "erase_license", "erase_within"]

# Erasure: KV operations one DELETE request may spend before answering "in progress".
ERASE_OPERATION_BUDGET = 500


class EraseOutcome(enum.Enum):
    NOT_FOUND = "not_found"
    COMPLETE = "complete"
    IN_PROGRESS = "in_progress"


class Budget:
    """KV operations left to one request."""

    def __init__(self, operations: int) -> None:
        self.left = operations

    def allows(self, n: int = 1, keep: int = 0) -> bool:
        return self.left - keep >= n

    def spend(self, n: int = 1) -> None:
        self.left -= n


async def _list_validations_to_erase(
    kv: Any, license_id: str, cursor: str | None, budget: Budget
) -> KeyPage:
    page = await list_page(
        kv, validation_prefix(license_id), VALIDATION_PAGE_SIZE, cursor, "erase_license"
    )
    budget.spend()
    return page


async def _erase_validations(
    kv: Any, license_id: str, budget: Budget, keep: int, page: KeyPage | None = None
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
            budget.spend(await delete(kv, str(entry.get("name", "")), "erase_license"))
        # Follow the cursor rather than relisting: a listing may briefly lag deletions.
        cursor = page.cursor
        if cursor is None:
            return True
        page = None


async def erase_license(
    kv: Any, license_id: str, now: int, operations: int = ERASE_OPERATION_BUDGET
) -> EraseOutcome:
    """GDPR erasure spending at most ``operations`` KV operations; repeat while ``IN_PROGRESS``.

    A last sweep after the record catches a timestamp a concurrent heartbeat slipped in; such
    leftovers are still erased by a later call, which is not ``NOT_FOUND`` while anything names
    the license. A marker that cannot be written is :class:`StorageUnavailable`, with the
    record still there to resume from.
    """
    outcome, _ = await erase_within(kv, license_id, now, Budget(operations))
    return outcome


async def erase_within(
    kv: Any, license_id: str, now: int, budget: Budget
) -> tuple[EraseOutcome, bool]:
    """:func:`erase_license`, and whether it deleted the record (and so wrote a new marker)."""
    record_text = await get_text(kv, license_key_name(license_id), "erase_license")
    budget.spend()
    # The first page both tells whether anything names the license and starts the erasure.
    first_page = await _list_validations_to_erase(kv, license_id, None, budget)
    if record_text is None and not first_page.keys:
        budget.spend()
        if await get_text(kv, stats_key_name(license_id), "erase_license") is None:
            return EraseOutcome.NOT_FOUND, False
    # Keep room for the marker, the deletes (each possibly retried) and the final sweep's list
    # and read.
    if not await _erase_validations(
        kv, license_id, budget, keep=4 * WRITE_ATTEMPTS + 2, page=first_page
    ):
        return EraseOutcome.IN_PROGRESS, False
    budget.spend(await delete(kv, stats_key_name(license_id), "erase_license"))
    if record_text is not None:
        budget.spend(WRITE_ATTEMPTS)
        await _write_erasure_marker(kv, license_id, now)
        budget.spend(await delete(kv, license_key_name(license_id), "erase_license"))
    # A heartbeat that read the record just before it went may still write: sweep once more.
    if not await _erase_validations(kv, license_id, budget, keep=WRITE_ATTEMPTS + 1):
        return EraseOutcome.IN_PROGRESS, record_text is not None
    # Read before deleting again: KV refuses a second write to one key within a second.
    budget.spend()
    if await get_text(kv, stats_key_name(license_id), "erase_license") is not None:
        budget.spend(await delete(kv, stats_key_name(license_id), "erase_license"))
    return EraseOutcome.COMPLETE, record_text is not None


async def _write_erasure_marker(kv: Any, license_id: str, now: int) -> None:
    """The marker: the id (in its name) and the erasure's time, nothing else."""
    erased_at = format_iso(now)
    if not await put_with_retry(
        kv,
        erasure_marker_name(license_id),
        erased_at,
        "erase_license",
        expirationTtl=ERASURE_MARKER_TTL,
        metadata={"erased_at": erased_at},
    ):
        raise StorageUnavailable("erase_license")
