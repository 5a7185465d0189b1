"""A repeated PATCH of ``expires_at`` puts the stats entry back with the record's expiration.

It does so even when the entry looks in step: only a listing shows an expiration, and KV
listings can be stale, so the repair does not trust one (storage.sync_stats_expiration).
"""

from __future__ import annotations

from typing import Any

from workers_emulator import KVEntry

from .conftest import ADMIN, DAY, START, create_license, iso


def _stats_entry(emu: Any, license_id: str) -> KVEntry:
    return next(e for e in emu.kv_entries("LICENSE_KV") if e.key == f"stats:{license_id}")


def _with_stats(emu: Any, client: Any) -> tuple[str, dict[str, Any]]:
    key, view = create_license(client, expires_at=iso(START + 400 * DAY))
    answer = client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
    assert answer.json()["stats"] == {"accepted": True}
    emu.clock.advance(seconds=2)
    return key, view


def test_repeating_a_patch_rewrites_stats_in_step_unchanged(emu: Any, client: Any) -> None:
    _, view = _with_stats(emu, client)
    before = _stats_entry(emu, view["id"])
    response = client.patch(
        f"/v1/admin/licenses/{view['id']}", json={"expires_at": view["expires_at"]}, headers=ADMIN
    )
    assert response.status_code == 200
    counts = response.kv_ops["LICENSE_KV"]
    assert counts.writes == 1  # the stats entry put back; the unchanged record is not
    assert counts.total == 3  # the record's read, the stats entry's read and write
    assert _stats_entry(emu, view["id"]) == before


def test_repeating_a_patch_still_repairs_stats_out_of_step(emu: Any, client: Any) -> None:
    _, view = _with_stats(emu, client)
    stale = _stats_entry(emu, view["id"])
    store = emu.kv("LICENSE_KV").store
    store.put(KVEntry(stale.key, stale.value, stale.expiration + 365 * DAY, stale.metadata))
    response = client.patch(
        f"/v1/admin/licenses/{view['id']}", json={"expires_at": view["expires_at"]}, headers=ADMIN
    )
    assert response.status_code == 200
    counts = response.kv_ops["LICENSE_KV"]
    assert counts.writes == 1
    repaired = _stats_entry(emu, view["id"])
    assert repaired.expiration == stale.expiration
    assert (repaired.value, repaired.metadata) == (stale.value, stale.metadata)


def test_a_patch_of_a_license_without_stats_writes_nothing(emu: Any, client: Any) -> None:
    _, view = create_license(client, expires_at=iso(START + 400 * DAY))
    emu.clock.advance(seconds=2)
    response = client.patch(
        f"/v1/admin/licenses/{view['id']}", json={"expires_at": view["expires_at"]}, headers=ADMIN
    )
    assert response.status_code == 200
    assert response.kv_ops["LICENSE_KV"].writes == 0
    assert response.kv_ops["LICENSE_KV"].total == 2
