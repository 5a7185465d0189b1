"""One DELETE erases everything naming a license, within its operation budget."""

from __future__ import annotations

from typing import Any

from license_server import storage
from tests.support.kv import everything_naming

from .conftest import ADMIN, create_license


def _left_besides_the_marker(emu: Any, license_id: str) -> list[str]:
    marker = storage.erasure_marker_name(license_id)
    return [key for key in everything_naming(emu, license_id) if key != marker]


def test_a_validated_license_with_stats_is_erased_by_one_delete(emu: Any, client: Any) -> None:
    key, view = create_license(client)
    for _ in range(3):
        emu.clock.advance(seconds=2)
        answer = client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
        assert answer.json()["stats"] == {"accepted": True}
    assert len(everything_naming(emu, view["id"])) == 5  # record, stats, three timestamps
    emu.clock.advance(seconds=2)
    response = client.delete(f"/v1/admin/licenses/{view['id']}", headers=ADMIN)
    assert response.status_code == 204
    assert response.kv_ops["LICENSE_KV"].total <= storage.ERASE_OPERATION_BUDGET
    assert _left_besides_the_marker(emu, view["id"]) == []


def test_a_second_delete_finds_nothing_and_writes_nothing(emu: Any, client: Any) -> None:
    _, view = create_license(client)
    emu.clock.advance(seconds=2)
    first = client.delete(f"/v1/admin/licenses/{view['id']}", headers=ADMIN)
    assert first.status_code == 204
    assert first.kv_ops["LICENSE_KV"].total <= storage.ERASE_OPERATION_BUDGET
    assert _left_besides_the_marker(emu, view["id"]) == []
    emu.clock.advance(seconds=2)
    again = client.delete(f"/v1/admin/licenses/{view['id']}", headers=ADMIN)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "license_not_found"
    counts = again.kv_ops["LICENSE_KV"]
    assert (counts.writes, counts.deletes) == (0, 0)
