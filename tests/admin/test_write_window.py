"""KV takes one write per second per key: a refused write waits that second out, then succeeds.

The emulator enforces the platform's rule (a 429 for a second write within the second); its
ManualClock turns the Worker's ``asyncio.sleep`` into virtual time, so nothing here waits.
"""

from __future__ import annotations

from typing import Any

from workers_emulator import Emulator

from tests.support.worker import ADMIN

LICENSE = {"customer": "Contoso Ltd", "plan": "enterprise", "expires_at": "2028-01-01T00:00:00Z"}


def kv_error_lines(emu: Emulator) -> list[str]:
    return [line for line in emu.log_lines if '"event":"kv_error"' in line]


def test_create_then_suspend_within_one_second_succeeds(emu: Emulator) -> None:
    client = emu.test_client()
    created = client.post("/v1/admin/licenses", json=LICENSE, headers=ADMIN)
    assert created.status_code == 201, created.text
    started = emu.clock.now()
    license_id = created.json()["license"]["id"]
    suspended = client.patch(
        f"/v1/admin/licenses/{license_id}", json={"status": "suspended"}, headers=ADMIN
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["license"]["status"] == "suspended"
    # The first put was refused (429), the second went through after the window.
    assert suspended.kv_ops["LICENSE_KV"].writes == 2
    assert emu.clock.now() - started == 1.0
    assert [line for line in kv_error_lines(emu) if '"reason":"write_rate"' in line]
    shown = client.get(f"/v1/admin/licenses/{license_id}", headers=ADMIN)
    assert shown.json()["license"]["status"] == "suspended"


def test_two_release_updates_within_one_second_both_succeed(emu: Emulator) -> None:
    client = emu.test_client()
    for version in ("2.5.0", "2.5.1"):
        answer = client.put("/v1/admin/release", json={"latest_version": version}, headers=ADMIN)
        assert answer.status_code == 200, answer.text
    assert client.get("/v1/admin/release", headers=ADMIN).json()["latest_version"] == "2.5.1"


def test_two_heartbeats_stats_within_one_second_are_both_stored(emu: Emulator) -> None:
    client = emu.test_client()
    created = client.post("/v1/admin/licenses", json=LICENSE, headers=ADMIN)
    key, license_id = created.json()["license_key"], created.json()["license"]["id"]
    emu.clock.advance(seconds=5)
    for count in (1, 2):
        answer = client.post("/v1/validate", json={"license_key": key, "stats": {"n": count}})
        assert answer.status_code == 200, answer.text
        assert answer.json()["stats"] == {"accepted": True}
    shown = client.get(f"/v1/admin/licenses/{license_id}", headers=ADMIN).json()
    assert shown["stats"] == {"n": 2}


def test_a_real_kv_failure_is_still_503_and_is_not_waited_for(emu: Emulator) -> None:
    client = emu.test_client()
    emu.inject_kv_faults(rate=1.0, seed=1, ops=("write",))
    started = emu.clock.now()
    answer: Any = client.put("/v1/admin/release", json={"latest_version": "3.0.0"}, headers=ADMIN)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "storage_unavailable"
    assert answer.headers["retry-after"]
    assert answer.kv_ops["LICENSE_KV"].writes == 2  # tried, and retried once
    assert emu.clock.now() == started  # only KV's write window is waited out
    assert not [line for line in kv_error_lines(emu) if "write_rate" in line]
