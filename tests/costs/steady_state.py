"""What the service does to KV in a steady state, measured on the emulator: the figures of
docs/COSTS.md (`uv run python -m tests.costs.bill` prints its tables).

Method: one isolate with a fake clock. A license heartbeats hourly for a day (its release
record read every time: an hour is longer than the isolate's release cache); the Cron Trigger
runs every 15 minutes for a full cycle of sixteen stats shards over fleets of 1,000 to 100,000
licenses, cloned from a real license's entries. Only the Worker's own HTTP and scheduled
handlers run; nothing here knows the storage layout beyond the prefixes it clones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from workers_emulator import Emulator, KVEntry

from tests.support.worker import ADMIN, create_license, make_emulator

HOUR = 3600
SWEEP_EVERY = 900  # wrangler.toml: crons = ["*/15 * * * *"]
SWEEP_RUNS_PER_CYCLE = 16
VALIDATION_RETENTION_DAYS = 90
FLEETS = (1_000, 10_000, 100_000)


@dataclass(frozen=True)
class Heartbeat:
    """KV operations of one steady-state heartbeat."""

    reads: int
    writes: int


@dataclass(frozen=True)
class Sweep:
    """KV operations of one full cycle of sixteen Cron Trigger runs over a fleet."""

    fleet: int
    reads: int  # bulk gets (each up to 100 keys)
    keys_read: int  # license records those bulk gets asked for
    lists: int
    writes: int
    deletes: int


@dataclass(frozen=True)
class Measurement:
    changing_stats: Heartbeat
    same_stats: Heartbeat
    no_stats: Heartbeat
    sweeps: tuple[Sweep, ...]
    bytes_per_license: int  # record + stats + 90 days of hourly validation timestamps


def _entry_bytes(entry: KVEntry) -> int:
    metadata = 0 if entry.metadata is None else len(repr(entry.metadata).encode())
    return len(entry.key.encode()) + len(entry.value) + metadata


def _beats(emu: Emulator, client: Any, key: str, stats: list[dict[str, int] | None]) -> Heartbeat:
    """Hourly heartbeats; the KV operations of the last one (all of them are alike)."""
    ops = None
    for sent in stats:
        emu.clock.advance(seconds=HOUR)
        body: dict[str, Any] = {"license_key": key, "version": "2.4.1"}
        if sent is not None:
            body["stats"] = sent
        response = client.post("/v1/validate", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["valid"], response.text
        ops = response.kv_ops["LICENSE_KV"]
    assert ops is not None
    return Heartbeat(reads=ops.reads, writes=ops.writes)


def measure_heartbeats() -> tuple[Heartbeat, Heartbeat, Heartbeat, int]:
    with make_emulator() as emu, emu.test_client() as client:
        created = create_license(client, expires_at=None)
        key, license_id = created.key, created.id
        release = client.put("/v1/admin/release", json={"latest_version": "2.5.0"}, headers=ADMIN)
        assert release.status_code == 200, release.text
        changing = _beats(emu, client, key, [{"secrets_total": 100 + h} for h in range(24)])
        same = _beats(emu, client, key, [{"secrets_total": 7, "certs_expiring_30d": 3}] * 3)
        none = _beats(emu, client, key, [None] * 3)
        mine = [e for e in emu.kv_entries("LICENSE_KV") if license_id in e.key]
        timestamps = [e for e in mine if e.key.startswith("validation:")]
        others = [e for e in mine if not e.key.startswith("validation:")]
        per_timestamp = max(_entry_bytes(e) for e in timestamps)
        retained = 24 * VALIDATION_RETENTION_DAYS
        size = sum(_entry_bytes(e) for e in others) + retained * per_timestamp
    return changing, same, none, size


def _clone_fleet(emu: Emulator, fleet: int) -> None:
    """``fleet`` licenses with a stats entry each, cloned from one real license's entries."""
    with emu.test_client() as client:
        created = create_license(client, expires_at=None)
        body = {"license_key": created.key, "stats": {"secrets_total": 1}}
        assert client.post("/v1/validate", json=body).status_code == 200
    original = created.id
    templates = [
        e
        for e in emu.kv_entries("LICENSE_KV")
        if original in e.key and not e.key.startswith("validation:")
    ]
    store = emu.kv("LICENSE_KV").store
    for n in range(fleet):
        clone = hashlib.sha256(n.to_bytes(4, "big")).hexdigest()[:32]  # across all shards
        for entry in templates:
            store.put(
                KVEntry(
                    entry.key.replace(original, clone),
                    entry.value.replace(original.encode(), clone.encode()),
                    entry.expiration,
                    entry.metadata,
                )
            )


def measure_sweep(fleet: int) -> Sweep:
    with make_emulator() as emu:
        _clone_fleet(emu, fleet)
        stats_entries = sum(1 for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("stats:"))
        emu.reset_counters()
        with emu.test_client() as client:
            for _ in range(SWEEP_RUNS_PER_CYCLE):
                emu.clock.advance(seconds=SWEEP_EVERY)
                result = client.scheduled(cron="*/15 * * * *")
                assert result.outcome == "ok", result
        ops = emu.kv_counters("LICENSE_KV")
        assert len(emu.kv_entries("LICENSE_KV")) >= 2 * fleet  # the sweep erased nothing
    return Sweep(fleet, ops.reads, stats_entries, ops.lists, ops.writes, ops.deletes)


def measure() -> Measurement:
    changing, same, none, size = measure_heartbeats()
    sweeps = tuple(measure_sweep(fleet) for fleet in FLEETS)
    return Measurement(changing, same, none, sweeps, size)
