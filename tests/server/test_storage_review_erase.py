"""Erasure's KV cost, counted by the emulator: the validation log is not listed twice."""

from __future__ import annotations

from typing import Any

from .conftest import ADMIN, create_license


def test_erasure_lists_a_short_validation_log_once_before_and_once_after_the_record(
    emu: Any, client: Any
) -> None:
    key, view = create_license(client)
    for _ in range(3):
        emu.clock.advance(seconds=2)
        answer = client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
        assert answer.json()["stats"] == {"accepted": True}
    emu.clock.advance(seconds=2)
    response = client.delete(f"/v1/admin/licenses/{view['id']}", headers=ADMIN)
    assert response.status_code == 204
    counts = response.kv_ops["LICENSE_KV"]
    # One list finds (and starts erasing) the timestamps, one sweeps after the record went.
    assert counts.lists == 2
    # Reads: the record, the stats after the sweep. Writes: the erasure marker. Deletes: 3
    # timestamps, stats, record.
    assert (counts.reads, counts.writes, counts.deletes) == (2, 1, 5)
    assert counts.total == 10


def test_erasure_of_a_license_never_validated_costs_seven_operations(emu: Any, client: Any) -> None:
    _, view = create_license(client)
    emu.clock.advance(seconds=2)
    response = client.delete(f"/v1/admin/licenses/{view['id']}", headers=ADMIN)
    assert response.status_code == 204
    # The record read, two lists, the stats read; the marker; the stats and record deletes.
    assert response.kv_ops["LICENSE_KV"].total == 7
    emu.clock.advance(seconds=2)
    again = client.delete(f"/v1/admin/licenses/{view['id']}", headers=ADMIN)
    assert again.status_code == 404
    # Nothing names the license: the record read, one list, the stats read.
    assert again.kv_ops["LICENSE_KV"].total == 3
