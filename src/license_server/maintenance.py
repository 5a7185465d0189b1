"""What the Worker's Cron Trigger runs (``[triggers] crons`` in wrangler.toml).

Each run erases what heartbeats wrote after their license's erasure, in two sweeps:

- the erasure markers (:func:`license_server.storage.sweep_erased_licenses`): every marker
  older than five minutes is checked and deleted, so a late validation timestamp or stats entry
  is gone within about twenty minutes of the erasure (15-minute runs plus the grace);
- one sixteenth of the stats entries (:func:`license_server.storage.sweep_erasure_leftovers`),
  the net for a stats entry without a marker: the shard is the license id's first hex digit,
  chosen from the run's scheduled time, so sixteen runs cover every license (about four hours)
  at two KV operations per hundred licenses.

The markers go first and the shard gets what is left of the run's operation budget.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from license_server import storage
from license_server.context import Bindings
from license_server.logs import log_event

__all__ = ["SWEEP_INTERVAL_SECONDS", "run_scheduled", "shard_for"]

SWEEP_INTERVAL_SECONDS = 900  # wrangler.toml: crons = ["*/15 * * * *"]
_SHARDS = "0123456789abcdef"


def shard_for(scheduled_seconds: int) -> str:
    """The shard of the run scheduled at this time: consecutive runs take consecutive shards."""
    return _SHARDS[(scheduled_seconds // SWEEP_INTERVAL_SECONDS) % len(_SHARDS)]


async def run_scheduled(bindings: Bindings, now: int, scheduled_seconds: int) -> None:
    """One Cron Trigger run. Never raises: a failure is logged (class name only) and the next
    run tries again (for the stats shard, sixteen runs later)."""
    budget = storage.SWEEP_OPERATION_BUDGET
    markers = await _sweep(
        "sweep_erased_licenses", storage.sweep_erased_licenses(bindings.kv, now, budget)
    )
    # A failed marker sweep may have spent its whole budget: the shard waits for the next run.
    spent = budget if markers is None else markers.operations
    await _sweep(
        "sweep_erasure_leftovers",
        storage.sweep_erasure_leftovers(
            bindings.kv, shard_for(scheduled_seconds), now, budget - spent
        ),
    )


async def _sweep(
    operation: str, sweep: Coroutine[Any, Any, storage.SweepResult]
) -> storage.SweepResult | None:
    try:
        result = await sweep
    except Exception as error:  # StorageUnavailable included: nothing to answer, only to log
        log_event("sweep", operation=operation, error=type(error).__name__)
        return None
    for license_id in result.erased:
        log_event("erasure_leftover_erased", license_id=license_id)
    reason = "complete" if result.complete else "budget_spent"
    log_event("sweep", operation=operation, reason=reason)
    return result
