"""Moving ``expires_at`` never leaves the stats entry outliving the record, even half-failed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from workers_emulator import KVEntry

from license_server import storage
from license_server.models import LicenseRecord

from .conftest import ADMIN, DAY, START, create_license, iso


class FailingPuts:
    """The Worker's KV binding, except that every put to keys with ``prefix`` fails."""

    def __init__(self, kv: Any, prefix: str) -> None:
        self._kv = kv
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kv, name)

    async def put(self, key: str, value: Any, **options: Any) -> None:
        if key.startswith(self._prefix):
            raise RuntimeError("KV PUT failed: 500 Internal Server Error")
        await self._kv.put(key, value, **options)


def expirations(emu: Any, license_id: str) -> tuple[int | None, int | None]:
    by_key = {entry.key: entry.expiration for entry in emu.kv_entries("LICENSE_KV")}
    return by_key[f"license:{license_id}"], by_key[f"stats:{license_id}"]


def outlives(stats: int | None, record: int | None) -> bool:
    if record is None:
        return False
    return stats is None or stats > record


@pytest.mark.parametrize(
    ("old_days", "new_days", "failing_prefix"),
    [
        (400, 30, "license:"),  # shortened, the record write fails
        (400, 30, "stats:"),  # shortened, the stats write fails
        (30, 400, "license:"),  # lengthened, the record write fails
        (30, 400, "stats:"),  # lengthened, the stats write fails
        (None, 30, "license:"),  # perpetual made finite, the record write fails
        (30, None, "stats:"),  # made perpetual, the stats write fails
    ],
)
def test_a_half_failed_move_never_lets_stats_outlive_the_record(
    emu: Any, client: Any, old_days: int | None, new_days: int | None, failing_prefix: str
) -> None:
    old = None if old_days is None else iso(START + old_days * DAY)
    new = None if new_days is None else iso(START + new_days * DAY)
    key, view = create_license(client, expires_at=old)
    assert client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}}).json()[
        "stats"
    ] == {"accepted": True}
    emu.clock.advance(seconds=1)
    moved = LicenseRecord.model_validate({**view, "expires_at": new})
    kv = FailingPuts(emu.kv("LICENSE_KV"), failing_prefix)
    with pytest.raises(storage.StorageUnavailable):
        asyncio.run(storage.move_license_expiry(kv, moved, previous_expires_at=old))
    record_expiration, stats_expiration = expirations(emu, view["id"])
    assert not outlives(stats_expiration, record_expiration)


def test_patch_shortening_expiry_moves_both(emu: Any, client: Any) -> None:
    key, view = create_license(client, expires_at=iso(START + 400 * DAY))
    client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
    emu.clock.advance(seconds=1)
    answer = client.patch(
        f"/v1/admin/licenses/{view['id']}",
        json={"expires_at": iso(START + 30 * DAY)},
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    assert expirations(emu, view["id"]) == (START + 395 * DAY, START + 395 * DAY)


# A repeated PATCH of expires_at puts the stats entry back with the record's expiration, even
# when it looks in step: only a listing shows an expiration, and KV listings can be stale.


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
    assert response.kv_ops["LICENSE_KV"].writes <= 2  # the record and its stats entry at most
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
    repaired = _stats_entry(emu, view["id"])
    assert repaired.expiration == stale.expiration
    assert (repaired.value, repaired.metadata) == (stale.value, stale.metadata)


def test_repeating_a_patch_of_a_license_without_stats_writes_nothing(emu: Any, client: Any) -> None:
    _, view = create_license(client, expires_at=iso(START + 400 * DAY))
    emu.clock.advance(seconds=2)
    response = client.patch(
        f"/v1/admin/licenses/{view['id']}", json={"expires_at": view["expires_at"]}, headers=ADMIN
    )
    assert response.status_code == 200
    assert response.kv_ops["LICENSE_KV"].writes == 0
    assert [e.key for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("stats:")] == []
