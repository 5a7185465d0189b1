"""Writing less: unchanged stats are not written again, except once a day; changes always are.

Also the figure the bench reports: KV writes per steady-state heartbeat (before this rule: 2).
"""

from __future__ import annotations

import json
from typing import Any

from license_server.storage import STATS_REFRESH_SECONDS

from .conftest import ADMIN, create_license, iso

HOUR = 3600


def beat(client: Any, key: str, stats: dict[str, Any], version: str | None = "2.4.1") -> Any:
    body: dict[str, Any] = {"license_key": key, "stats": stats}
    if version is not None:
        body["version"] = version
    answer = client.post("/v1/validate", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stats"] == {"accepted": True}
    return answer


def stored_entry(emu: Any) -> Any:
    (entry,) = [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("stats:")]
    return entry


def test_unchanged_stats_cost_one_write_and_one_read(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    stats = {"secrets_total": 120, "certs": {"expiring_30d": 3}}
    first = beat(client, key, stats)
    assert first.kv_ops["LICENSE_KV"].writes == 2
    emu.clock.advance(seconds=HOUR)
    again = beat(client, key, stats)
    counts = again.kv_ops["LICENSE_KV"]
    assert counts.writes == 1  # the validation timestamp only
    # The read budget: record and stats entry in one bulk get, and the release (cached 60 s).
    assert counts.reads == 2
    assert json.loads(stored_entry(emu).value)["received_at"] == iso(int(emu.clock.now()) - HOUR)


def test_changed_counts_are_written(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    beat(client, key, {"a": 1})
    emu.clock.advance(seconds=HOUR)
    changed = beat(client, key, {"a": 2})
    assert changed.kv_ops["LICENSE_KV"].writes == 2
    assert json.loads(stored_entry(emu).value)["stats"] == {"a": 2}


def test_unchanged_stats_are_written_again_after_a_day(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    beat(client, key, {"a": 1})
    emu.clock.advance(seconds=STATS_REFRESH_SECONDS - 1)
    assert beat(client, key, {"a": 1}).kv_ops["LICENSE_KV"].writes == 1
    emu.clock.advance(seconds=1)
    refreshed = beat(client, key, {"a": 1})
    assert refreshed.kv_ops["LICENSE_KV"].writes == 2
    entry = stored_entry(emu)
    assert json.loads(entry.value)["received_at"] == iso(int(emu.clock.now()))
    assert entry.metadata == {"received_at": iso(int(emu.clock.now()))}


def test_a_moved_expiry_does_not_cost_the_next_heartbeat_a_write(emu: Any, client: Any) -> None:
    key, view = create_license(client)
    beat(client, key, {"a": 1})
    emu.clock.advance(seconds=HOUR)
    moved = client.patch(
        f"/v1/admin/licenses/{view['id']}",
        json={"expires_at": "2029-06-01T00:00:00Z"},
        headers=ADMIN,
    )
    assert moved.status_code == 200, moved.text
    emu.clock.advance(seconds=HOUR)
    assert beat(client, key, {"a": 1}).kv_ops["LICENSE_KV"].writes == 1
    assert json.loads(stored_entry(emu).value)["expires_at"] == "2029-06-01T00:00:00Z"


def test_writes_per_steady_state_heartbeat(emu: Any, client: Any) -> None:
    """Two days of hourly heartbeats with the same stats: 50 writes for 48 heartbeats.

    Before unchanged stats were skipped, every one of them wrote twice (96).
    """
    key, _ = create_license(client)
    emu.clock.advance(seconds=HOUR)
    stats = {"secrets_total": 120, "certs_expiring_30d": 3}
    writes = reads = 0
    for _ in range(48):
        counts = beat(client, key, stats).kv_ops["LICENSE_KV"]
        writes += counts.writes
        reads += counts.reads
        emu.clock.advance(seconds=HOUR)
    assert writes == 48 + 2  # every validation timestamp, and the stats at 0 h and 24 h
    assert reads <= 48 * 2
