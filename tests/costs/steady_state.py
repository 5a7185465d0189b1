"""What the service does to KV in a steady state, measured on the emulator: the figures of
docs/COSTS.md (`uv run python -m tests.costs.bill` prints its tables).

Method: one isolate with a fake clock. A license heartbeats hourly, and each kind of day (stats
that change every hour, the same stats all day, no stats) is averaged over its 24 heartbeats
after two days of warm-up; an hour is longer than the isolate's release cache, so the release
record is read every time. The Cron Trigger runs every 15 minutes for a full cycle of sixteen
stats shards over fleets of 1,000 to 100,000 licenses, cloned from a real license's entries.
Only the Worker's own HTTP and scheduled handlers run; nothing here knows the storage layout
beyond the prefixes it clones.
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
    """KV use of one steady-state heartbeat, averaged over a day of them."""

    reads: float  # read operations (a bulk get is one)
    keys_read: float  # keys those reads fetched (what a bulk get is billed by)
    writes: float


class _KeyCounter:
    """A KV store that counts the keys read from it (a bulk get reads several in one operation)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.keys = 0

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self.keys += 1
        return self._store.get(*args, **kwargs)

    def get_value(self, *args: Any, **kwargs: Any) -> Any:
        self.keys += 1
        return self._store.get_value(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _count_keys(emu: Emulator) -> _KeyCounter:
    namespace = emu.kv("LICENSE_KV")
    counter = _KeyCounter(namespace.store)
    namespace.store = counter
    return counter


@dataclass(frozen=True)
class Sweep:
    """KV operations of one full cycle of sixteen Cron Trigger runs over a fleet."""

    fleet: int
    reads: int  # read operations: bulk gets of up to 100 keys each
    keys_read: int  # keys those reads fetched
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


def _day(
    emu: Emulator, client: Any, key: str, stats: list[dict[str, int] | None], keys: _KeyCounter
) -> Heartbeat:
    """A day of hourly heartbeats (``stats`` for each, 24 of them); its average heartbeat."""
    assert len(stats) == 24
    reads = writes = 0
    keys_before = keys.keys
    for sent in stats:
        emu.clock.advance(seconds=HOUR)
        body: dict[str, Any] = {"license_key": key, "version": "2.4.1"}
        if sent is not None:
            body["stats"] = sent
        response = client.post("/v1/validate", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["valid"], response.text
        ops = response.kv_ops["LICENSE_KV"]
        reads, writes = reads + ops.reads, writes + ops.writes
    return Heartbeat(reads / 24, (keys.keys - keys_before) / 24, writes / 24)


def measure_heartbeats() -> tuple[Heartbeat, Heartbeat, Heartbeat, int]:
    with make_emulator() as emu, emu.test_client() as client:
        keys = _count_keys(emu)
        created = create_license(client, expires_at=None)
        key, license_id = created.key, created.id
        release = client.put("/v1/admin/release", json={"latest_version": "2.5.0"}, headers=ADMIN)
        assert release.status_code == 200, release.text
        changing_day = [{"secrets_total": 100 + h} for h in range(24)]
        same_day: list[dict[str, int] | None] = [{"secrets_total": 7, "certs_expiring": 3}] * 24
        _day(emu, client, key, same_day, keys)  # warm-up: a day of these stats is stored
        changing = _day(emu, client, key, list(changing_day), keys)
        _day(emu, client, key, same_day, keys)
        same = _day(emu, client, key, same_day, keys)
        none = _day(emu, client, key, [None] * 24, keys)
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
        emu.reset_counters()
        keys = _count_keys(emu)
        with emu.test_client() as client:
            for _ in range(SWEEP_RUNS_PER_CYCLE):
                emu.clock.advance(seconds=SWEEP_EVERY)
                result = client.scheduled(cron="*/15 * * * *")
                assert result.outcome == "ok", result
        ops = emu.kv_counters("LICENSE_KV")
        assert len(emu.kv_entries("LICENSE_KV")) >= 2 * fleet  # the sweep erased nothing
    return Sweep(fleet, ops.reads, keys.keys, ops.lists, ops.writes, ops.deletes)


def measure() -> Measurement:
    changing, same, none, size = measure_heartbeats()
    sweeps = tuple(measure_sweep(fleet) for fleet in FLEETS)
    return Measurement(changing, same, none, sweeps, size)
