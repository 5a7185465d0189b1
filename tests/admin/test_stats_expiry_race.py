"""A heartbeat that read the record before a PATCH moved expires_at earlier: its stats entry
must not outlive the record. It is written with the old expiration (no heartbeat can know
better), and put back in step by the license's next heartbeat, or by the Cron sweep."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from workers_emulator import Emulator

from license_server import storage
from license_server.clock import parse_iso
from license_server.maintenance import SWEEP_INTERVAL_SECONDS, shard_for
from tests.admin.conftest import heartbeat, heartbeat_paused_after_its_license_read
from tests.support.worker import ADMIN, create_license

LONG = "2030-01-01T00:00:00Z"
SHORT = "2027-06-01T00:00:00Z"


def expirations(emu: Emulator, license_id: str) -> tuple[Any, Any, Any]:
    """(record's expiration, stats entry's expiration, the expires_at the entry says)."""
    entries = {e.key: e for e in emu.kv_entries("LICENSE_KV")}
    record = entries[storage.license_key_name(license_id)]
    stats = entries[storage.stats_key_name(license_id)]
    return record.expiration, stats.expiration, json.loads(stats.value)["expires_at"]


def race(emu: Emulator) -> tuple[str, str]:
    """The interleaving: heartbeat reads the record, the PATCH runs to its end, the heartbeat
    writes. Returns the license's key and id."""
    created = create_license(emu, expires_at=LONG, then_advance=2)
    heartbeat(emu, created.key, {"n": 1})

    async def shorten() -> Any:
        return await emu.fetch(
            "PATCH",
            f"/v1/admin/licenses/{created.id}",
            headers={**ADMIN, "content-type": "application/json"},
            body=json.dumps({"expires_at": SHORT}).encode(),
        )

    beat, patched = asyncio.run(
        heartbeat_paused_after_its_license_read(
            emu, created.key, created.id, shorten, stats={"n": 2}
        )
    )
    assert patched.status_code == 200, patched.text
    assert beat.status_code == 200 and beat.json()["stats"] == {"accepted": True}
    return created.key, created.id


def test_the_racing_write_carries_the_old_expiry_and_the_next_heartbeat_repairs_it(
    emu: Emulator,
) -> None:
    key, license_id = race(emu)
    record_expiration, stats_expiration, written_for = expirations(emu, license_id)
    assert record_expiration == storage.license_expiration(SHORT)
    # What the heartbeat knew: the old record. The entry says so.
    assert (stats_expiration, written_for) == (storage.license_expiration(LONG), LONG)
    emu.clock.advance(seconds=3600)
    repaired = emu.test_client().post("/v1/validate", json={"license_key": key, "stats": {"n": 2}})
    assert repaired.kv_ops["LICENSE_KV"].writes == 2  # same counts, but out of step: rewritten
    assert expirations(emu, license_id) == (record_expiration, record_expiration, SHORT)


def test_the_cron_sweep_repairs_it_when_the_license_beats_no_more(emu: Emulator) -> None:
    _, license_id = race(emu)
    record_expiration = storage.license_expiration(SHORT)
    assert expirations(emu, license_id)[1] != record_expiration
    # The run whose shard holds this license, past the sweep's grace.
    when = int(emu.clock.now()) + storage.SWEEP_GRACE_SECONDS + 1
    while shard_for(when) != license_id[0]:
        when += SWEEP_INTERVAL_SECONDS
    emu.clock.set(when)
    result = asyncio.run(emu.scheduled("*/15 * * * *"))
    assert result.outcome == "ok", emu.log_lines[-5:]
    assert expirations(emu, license_id) == (record_expiration, record_expiration, SHORT)
    assert record_expiration is not None and record_expiration > when
    assert parse_iso(SHORT) < record_expiration
