"""The Cron Trigger's sweep: what a heartbeat wrote after its license was erased is erased too.

docs/API.md: the stats entry "never outlives the license record and is erased with it". A heartbeat
that read the record just before a DELETE removed it can still write after the erasure (README,
"Known limits"); license_server.maintenance sweeps one shard of the stats entries per run.
"""

from __future__ import annotations

import asyncio
import json
import tomllib
from typing import Any

from workers_emulator import Emulator, KVEntry

from license_server import storage
from license_server.clock import format_iso
from license_server.maintenance import SWEEP_INTERVAL_SECONDS, shard_for
from tests.support.kv import everything_naming

from .conftest import START, WRANGLER_TOML, create_license

DAY = 86400


def _seed_leftover(emu: Emulator, license_id: str, received_at: int) -> None:
    """What a late heartbeat leaves: a stats entry (no expiration: a perpetual license) and a
    validation timestamp, with no license record."""
    store = emu.kv("LICENSE_KV").store
    document = {"stats": {"nodes": 1}, "received_at": format_iso(received_at)}
    store.put(
        KVEntry(
            storage.stats_key_name(license_id),
            json.dumps(document).encode(),
            None,
            {"received_at": format_iso(received_at)},
        )
    )
    stamp = storage.validation_key_name(license_id, received_at, "ab12")
    store.put(KVEntry(stamp, b"t", received_at + storage.VALIDATION_LOG_TTL))


def _advance_to_shard(emu: Emulator, shard: str) -> int:
    """Move the clock to the next scheduled run (at or after now) that sweeps ``shard``."""
    now = int(emu.clock.now())
    when = now - now % SWEEP_INTERVAL_SECONDS
    while when < now or shard_for(when) != shard:
        when += SWEEP_INTERVAL_SECONDS
    emu.clock.advance(seconds=when - now)
    return when


def _run_for_shard(emu: Emulator, shard: str) -> Any:
    """The scheduled run whose time falls on ``shard`` (the next one at or after now)."""
    when = _advance_to_shard(emu, shard)
    return asyncio.run(emu.scheduled("*/15 * * * *", scheduled_time=float(when)))


def test_a_leftover_is_erased_by_its_shards_run_and_nothing_else_is(
    emu: Emulator, client: Any
) -> None:
    key, live = create_license(client, expires_at=None)
    beat = client.post("/v1/validate", json={"license_key": key, "stats": {"nodes": 2}})
    assert beat.json()["stats"] == {"accepted": True}
    shard = live["id"][0]
    other = "0" if shard != "0" else "1"
    gone_same_shard = shard + "1" * 31
    gone_other_shard = other + "2" * 31
    recent_leftover = shard + "3" * 31
    _seed_leftover(emu, gone_same_shard, START)
    _seed_leftover(emu, gone_other_shard, START)
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 60)
    when = _advance_to_shard(emu, shard)
    _seed_leftover(emu, recent_leftover, when - 30)  # 30 s before the run: within the grace

    result = asyncio.run(emu.scheduled("*/15 * * * *", scheduled_time=float(when)))

    assert result.outcome == "ok"
    assert everything_naming(emu, gone_same_shard) == []
    assert everything_naming(emu, gone_other_shard) != []  # another run's shard
    # Within the grace: its record may still be in flight.
    assert everything_naming(emu, recent_leftover) != []
    assert len(everything_naming(emu, live["id"])) >= 3  # record, stats, timestamp: all kept
    assert any('"event":"erasure_leftover_erased"' in line for line in emu.log_lines)
    # The next run of that shard (sixteen runs later, the grace long over) erases it too.
    emu.clock.advance(seconds=SWEEP_INTERVAL_SECONDS)
    assert _run_for_shard(emu, shard).outcome == "ok"
    assert everything_naming(emu, recent_leftover) == []
    assert len(everything_naming(emu, live["id"])) >= 3


def test_sixteen_runs_cover_every_shard(emu: Emulator) -> None:
    ids = [f"{digit}{'4' * 31}" for digit in "0123456789abcdef"]
    for license_id in ids:
        _seed_leftover(emu, license_id, START)
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 60)
    for _ in range(16):
        assert _run_for_shard(emu, shard_for(int(emu.clock.now()))).outcome == "ok"
        emu.clock.advance(seconds=SWEEP_INTERVAL_SECONDS)
    assert [i for i in ids if everything_naming(emu, i)] == []


def test_a_run_stays_within_its_operation_budget(emu: Emulator) -> None:
    """Many leftovers in one shard: each run spends at most the sweep's budget (under the
    platform's 1000) and later runs finish the job."""
    ids = [f"a{n:031x}" for n in range(300)]
    for license_id in ids:
        _seed_leftover(emu, license_id, START)
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 60)
    runs = 0
    while any(everything_naming(emu, i) for i in ids):
        result = _run_for_shard(emu, "a")
        assert result.outcome == "ok"
        assert sum(c.total for c in result.kv_ops.values()) <= storage.SWEEP_OPERATION_BUDGET
        emu.clock.advance(seconds=SWEEP_INTERVAL_SECONDS)
        runs += 1
        assert runs < 10
    assert runs >= 2  # 300 leftovers (about 6 operations each) do not fit one run's budget


def test_a_kv_failure_is_logged_and_changes_nothing_else(emu: Emulator, monkeypatch: Any) -> None:
    _seed_leftover(emu, "b" * 32, START)
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 60)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Error: KV list failed: 500")

    monkeypatch.setattr(emu.kv("LICENSE_KV"), "list", broken)
    result = _run_for_shard(emu, "b")
    assert result.outcome == "ok"  # the handler itself never throws
    assert any('"event":"sweep"' in line and "StorageUnavailable" in line for line in emu.log_lines)
    assert everything_naming(emu, "b" * 32) != []


def test_a_leftover_too_big_for_one_erasure_is_resumed_and_reported_once_done(
    emu: Emulator,
) -> None:
    """A leftover with more timestamps than one erasure's reserve is not reported erased by
    the run that only began it; the shard's next run finishes it and reports it then."""
    license_id = "c" * 32
    _seed_leftover(emu, license_id, START)
    store = emu.kv("LICENSE_KV").store
    for n in range(1, 80):
        stamp = storage.validation_key_name(license_id, START - n, "ab12")
        store.put(KVEntry(stamp, b"t", START + storage.VALIDATION_LOG_TTL))
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 60)

    def reported() -> int:
        event = '"event":"erasure_leftover_erased"'
        return sum(event in line and license_id in line for line in emu.log_lines)

    assert _run_for_shard(emu, "c").outcome == "ok"
    assert everything_naming(emu, license_id) != []  # begun, not finished
    assert reported() == 0
    runs = 0
    while everything_naming(emu, license_id):
        emu.clock.advance(seconds=SWEEP_INTERVAL_SECONDS)
        assert _run_for_shard(emu, "c").outcome == "ok"
        runs += 1
        assert runs < 5
    assert reported() == 1


def test_the_deployed_cron_runs_at_the_interval_the_shards_are_counted_in() -> None:
    """shard_for counts runs in SWEEP_INTERVAL_SECONDS: a cron at another interval would skip
    shards for good (every 30 minutes, say, only the even ones would ever be swept)."""
    crons = tomllib.loads(WRANGLER_TOML.read_text())["triggers"]["crons"]
    assert crons == [f"*/{SWEEP_INTERVAL_SECONDS // 60} * * * *"]
