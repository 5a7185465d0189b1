"""What the Worker's Cron Trigger runs (``[triggers] crons`` in wrangler.toml).

Each run sweeps one sixteenth of the stats entries for erasure leftovers
(:func:`license_server.storage.sweep_erasure_leftovers`): the shard is the license id's first
hex digit, chosen from the run's scheduled time, so sixteen runs cover every license. At one
run every 15 minutes, a leftover is gone within about four hours and the sweep costs two KV
operations per hundred licenses.
"""

from __future__ import annotations

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
    run of the same shard, sixteen runs later, tries again."""
    try:
        result = await storage.sweep_erasure_leftovers(
            bindings.kv, shard_for(scheduled_seconds), now
        )
    except Exception as error:  # StorageUnavailable included: nothing to answer, only to log
        log_event("sweep", operation="sweep_erasure_leftovers", error=type(error).__name__)
        return
    for license_id in result.erased:
        log_event("erasure_leftover_erased", license_id=license_id)
    log_event(
        "sweep",
        operation="sweep_erasure_leftovers",
        reason="complete" if result.complete else "budget_spent",
    )
