"""Revocation is final: a revoked license never becomes active or suspended again."""

from __future__ import annotations

from typing import Any

import pytest
from workers_emulator import Emulator

from tests.admin.conftest import heartbeat
from tests.support.worker import ADMIN, create_license


def patch(emu: Emulator, license_id: str, body: dict[str, object]) -> Any:
    response = emu.test_client().patch(f"/v1/admin/licenses/{license_id}", json=body, headers=ADMIN)
    emu.clock.advance(seconds=2)  # KV takes one write per second per key
    return response


def revoked_license(emu: Emulator) -> tuple[str, str]:
    key, view = create_license(emu, then_advance=2)
    license_id = view["id"]
    response = patch(emu, license_id, {"status": "revoked"})
    assert response.status_code == 200, response.text
    return key, license_id


@pytest.mark.parametrize(
    "body",
    [
        {"status": "active"},
        {"status": "suspended"},
        {"status": "active", "plan": "team"},
        {"status": "active", "expires_at": "2030-01-01T00:00:00Z"},
    ],
)
def test_leaving_revoked_is_409_and_changes_nothing(emu: Emulator, body: dict[str, object]) -> None:
    key, license_id = revoked_license(emu)
    before = [(e.key, e.value, e.expiration) for e in emu.kv_entries("LICENSE_KV")]
    response = patch(emu, license_id, body)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "license_revoked"
    assert "final" in error["message"]
    counts = response.kv_ops["LICENSE_KV"]
    assert (counts.reads, counts.writes, counts.deletes) == (1, 0, 0)
    assert [(e.key, e.value, e.expiration) for e in emu.kv_entries("LICENSE_KV")] == before
    assert heartbeat(emu, key)["code"] == "REVOKED"


def test_a_revoked_license_keeps_its_plan_and_retention_editable(emu: Emulator) -> None:
    key, license_id = revoked_license(emu)
    for body in (
        {"status": "revoked"},
        {"plan": "team"},
        {"expires_at": "2029-01-01T00:00:00Z"},
    ):
        response = patch(emu, license_id, body)
        assert response.status_code == 200, response.text
        assert response.json()["license"]["status"] == "revoked"
    assert heartbeat(emu, key)["code"] == "REVOKED"
