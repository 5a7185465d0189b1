"""Erasure markers: one DELETE is enough, even when a heartbeat races it.

docs/API.md: DELETE "erases the record, its validation log and its stats", and the stats are "erased
with" the record. A heartbeat that read the record just before the erasure deleted it can
still write a validation timestamp (and a stats entry) afterwards. The erasure leaves a marker
naming only the license id and the erasure's time; the Cron Trigger's run past the grace
erases whatever was written late and deletes the marker, so nothing names the license any
more. These tests count and read the emulator's KV, not the code.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from workers_emulator import Emulator, KVEntry

from license_server import storage
from license_server.clock import format_iso
from tests.support.kv import everything_naming

from .conftest import ADMIN, START, create_license, make_emulator

CRON = "*/15 * * * *"


def _run(emu: Emulator) -> Any:
    result = asyncio.run(emu.scheduled(CRON))
    assert result.outcome == "ok", emu.log_lines[-5:]
    return result


def _erase(emu: Emulator, license_id: str) -> Any:
    return emu.test_client().delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN)


def _seed_marker(emu: Emulator, license_id: str, erased_at: int) -> None:
    iso = format_iso(erased_at)
    emu.kv("LICENSE_KV").store.put(
        KVEntry(
            storage.erasure_marker_name(license_id),
            iso.encode(),
            erased_at + storage.ERASURE_MARKER_TTL,
            {"erased_at": iso},
        )
    )


def _seed_timestamp(emu: Emulator, license_id: str, epoch: int, suffix: str = "ab12") -> str:
    name = storage.validation_key_name(license_id, epoch, suffix)
    emu.kv("LICENSE_KV").store.put(
        KVEntry(name, format_iso(epoch).encode(), epoch + storage.VALIDATION_LOG_TTL)
    )
    return name


def test_the_marker_holds_the_id_and_the_erasure_time_and_nothing_else(emu: Emulator) -> None:
    client = emu.test_client()
    key, view = create_license(client, customer="Contoso Ltd", plan="enterprise")
    emu.clock.advance(seconds=2)
    assert client.post("/v1/validate", json={"license_key": key, "stats": {"n": 1}}).json()["valid"]
    emu.clock.advance(seconds=2)
    now = int(emu.clock.now())
    assert _erase(emu, view["id"]).status_code == 204

    entries = emu.kv_entries("LICENSE_KV")
    assert [e.key for e in entries] == [storage.erasure_marker_name(view["id"])]
    (marker,) = entries
    assert marker.value == format_iso(now).encode()
    assert marker.metadata == {"erased_at": format_iso(now)}
    assert marker.expiration == now + storage.ERASURE_MARKER_TTL  # a day at most, sweep or not
    dump = marker.key + marker.value.decode() + json.dumps(marker.metadata)
    for never in ("Contoso", "enterprise", key, key.replace("-", "")):
        assert never not in dump
    # The admin API knows nothing of it: the license is gone.
    assert client.get(f"/v1/admin/licenses/{view['id']}", headers=ADMIN).status_code == 404
    assert client.get(f"/v1/admin/licenses/{view['id']}/export", headers=ADMIN).status_code == 404


def test_a_marker_is_deleted_by_the_first_run_past_the_grace_and_not_before(
    emu: Emulator,
) -> None:
    _, view = create_license(emu.test_client())
    emu.clock.advance(seconds=2)
    assert _erase(emu, view["id"]).status_code == 204
    marker = storage.erasure_marker_name(view["id"])

    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS - 10)
    within = _run(emu)
    assert everything_naming(emu, view["id"]) == [marker]
    assert within.kv_ops["LICENSE_KV"].deletes == 0

    emu.clock.advance(seconds=11)
    past = _run(emu)
    assert everything_naming(emu, view["id"]) == []
    # Nothing late was found, so nothing is reported erased.
    assert past.kv_ops["LICENSE_KV"].deletes == 1
    assert not any("erasure_leftover_erased" in line for line in emu.log_lines)


@pytest.mark.parametrize("with_stats", [False, True])
def test_a_late_timestamp_is_erased_by_the_sweep_without_a_second_delete(
    emu: Emulator, with_stats: bool
) -> None:
    """The leftover the stats sweep cannot see: a heartbeat without stats leaves a bare
    validation timestamp (no stats entry names the license)."""
    license_id = "d" * 32
    _seed_marker(emu, license_id, START)
    late = _seed_timestamp(emu, license_id, START + 1)
    if with_stats:
        document = {"stats": {"n": 1}, "received_at": format_iso(START + 1)}
        emu.kv("LICENSE_KV").store.put(
            KVEntry(
                storage.stats_key_name(license_id),
                json.dumps(document).encode(),
                None,
                {"received_at": format_iso(START + 1)},
            )
        )
    assert late in everything_naming(emu, license_id)
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 1)
    _run(emu)
    assert everything_naming(emu, license_id) == []
    reports = [line for line in emu.log_lines if "erasure_leftover_erased" in line]
    assert len(reports) == 1 and license_id in reports[0]


async def _delete_racing_a_heartbeat(
    emu: Emulator, key: str, license_id: str, stats: bool, turns: int
) -> tuple[Any, Any]:
    """The DELETE first, a heartbeat ``turns`` event-loop turns later (every KV call yields,
    so the two interleave call by call). The heartbeat carries a version, as clients send it:
    its release read puts its writes late enough to cross the erasure's last sweep."""
    payload: dict[str, Any] = {"license_key": key, "version": "2.4.1"}
    if stats:
        payload["stats"] = {"nodes": 3}

    async def later(request: Any) -> Any:
        for _ in range(turns):
            await asyncio.sleep(0)
        return await request

    erase = emu.fetch("DELETE", f"/v1/admin/licenses/{license_id}", headers=ADMIN)
    beat = emu.fetch(
        "POST",
        "/v1/validate",
        headers={"content-type": "application/json"},
        body=json.dumps(payload).encode(),
    )
    erased, beaten = await asyncio.gather(erase, later(beat))
    return erased, beaten


@pytest.mark.parametrize("stats", [False, True])
def test_one_delete_racing_a_heartbeat_leaves_nothing_once_the_sweep_has_run(
    stats: bool,
) -> None:
    """Every interleaving 0-12 turns apart: after the one DELETE and the Cron Trigger's run
    past the grace, nothing names the license. Some interleaving must leave a late write, or
    this test would show nothing."""
    late_writes = 0
    for turns in range(13):
        emu = make_emulator()
        try:
            key, view = create_license(emu.test_client(), expires_at=None)
            emu.clock.advance(seconds=2)
            erased, beaten = asyncio.run(
                _delete_racing_a_heartbeat(emu, key, view["id"], stats, turns)
            )
            assert erased.status_code == 204
            assert beaten.status_code in (200, 404)
            marker = storage.erasure_marker_name(view["id"])
            late_writes += bool(set(everything_naming(emu, view["id"])) - {marker})
            emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 1)
            _run(emu)
            assert everything_naming(emu, view["id"]) == []
        finally:
            emu.close()
    assert late_writes >= 1


def test_an_erasure_that_stopped_before_its_record_is_finished_and_marked_again(
    emu: Emulator,
) -> None:
    """The marker goes in before the record is deleted; if the DELETE stopped there (its
    answer a 503), the sweep finishes the erasure, and since that deletes the record only now,
    a fresh marker waits out a new grace."""
    key, view = create_license(emu.test_client(), expires_at=None)
    emu.clock.advance(seconds=2)
    emu.test_client().post("/v1/validate", json={"license_key": key, "stats": {"n": 1}})
    _seed_marker(emu, view["id"], int(emu.clock.now()))
    marker = storage.erasure_marker_name(view["id"])
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 1)

    _run(emu)
    assert everything_naming(emu, view["id"]) == [marker]
    refreshed = emu.kv("LICENSE_KV").store.get(marker, emu.clock.now())
    assert refreshed is not None
    assert refreshed.metadata == {"erased_at": format_iso(int(emu.clock.now()))}

    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 1)
    _run(emu)
    assert everything_naming(emu, view["id"]) == []


def test_a_delete_whose_marker_cannot_be_written_keeps_the_record_and_answers_503(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without its marker an erasure could leave a late timestamp no sweep finds: it stops
    before the record, and the repeated call (once KV writes again) completes it."""
    _, view = create_license(emu.test_client(), expires_at=None)
    emu.clock.advance(seconds=2)
    emu.inject_kv_faults(rate=1.0, ops=("write",))
    failed = _erase(emu, view["id"])
    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "storage_unavailable"
    assert storage.license_key_name(view["id"]) in everything_naming(emu, view["id"])
    emu.inject_kv_faults(rate=0.0)
    emu.clock.advance(seconds=2)
    assert _erase(emu, view["id"]).status_code == 204
    assert everything_naming(emu, view["id"]) == [storage.erasure_marker_name(view["id"])]


def test_many_markers_are_swept_within_the_run_budget_and_the_shard_sweep_still_runs(
    emu: Emulator,
) -> None:
    """Each run stays within the sweep's budget (under the platform's 1000 operations), later
    runs finish the markers, and the stats shard's sweep gets what a run has left."""
    ids = [f"e{n:031x}" for n in range(250)]
    for license_id in ids:
        _seed_marker(emu, license_id, START)
        _seed_timestamp(emu, license_id, START + 1)
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 1)
    runs = 0
    while any(everything_naming(emu, i) for i in ids):
        result = _run(emu)
        assert result.kv_ops["LICENSE_KV"].total <= storage.SWEEP_OPERATION_BUDGET
        runs += 1
        assert runs < 10
    assert runs >= 2  # 250 settled markers (about 7 operations each) do not fit one run
    shard_sweeps = [line for line in emu.log_lines if '"sweep_erasure_leftovers"' in line]
    assert shard_sweeps, "the stats shard's sweep never ran"


def test_a_kv_failure_in_the_marker_sweep_is_logged_and_the_marker_kept(
    emu: Emulator,
) -> None:
    license_id = "f" * 32
    _seed_marker(emu, license_id, START)
    _seed_timestamp(emu, license_id, START + 1)
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 1)
    emu.inject_kv_faults(rate=1.0, ops=("list",))
    result = asyncio.run(emu.scheduled(CRON))
    assert result.outcome == "ok"  # logged, never thrown
    assert any('"sweep_erased_licenses"' in line and '"error"' in line for line in emu.log_lines)
    assert storage.erasure_marker_name(license_id) in everything_naming(emu, license_id)
    emu.inject_kv_faults(rate=0.0)
    _run(emu)
    assert everything_naming(emu, license_id) == []
