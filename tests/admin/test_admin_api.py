"""The admin API's per-license operations on the emulator (docs/API.md, "Admin API")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from workers_emulator import Emulator, KVEntry

from license_server import storage
from license_server.clock import format_iso, parse_iso
from license_server.storage import ERASE_OPERATION_BUDGET
from tests.admin.conftest import (
    ADMIN,
    PLATFORM_OPS_LIMIT,
    create_license,
    everything_naming,
    heartbeat,
    heartbeat_paused_after_its_license_read,
    left_after_erasure,
    pages,
    seed,
    sweep_after_grace,
    total_ops,
)

DAY = 86400
YEAR = 365 * DAY
UNKNOWN_ID = "ab" * 16


iso_epoch = parse_iso


def seed_validations(
    emu: Emulator,
    license_id: str,
    count: int,
    *,
    every: int,
    suffix: Callable[[int], str],
    value: Callable[[int], bytes],
) -> None:
    """``count`` validation-log entries of a license, ``every`` seconds apart back from now,
    written straight into the store: the i-th gets key suffix ``suffix(i)`` and value
    ``value(epoch)``."""
    now = int(emu.clock.now())
    entries = []
    for i in range(count):
        epoch = now - i * every
        key = storage.validation_key_name(license_id, epoch, suffix(i))
        entries.append(KVEntry(key, value(epoch), now + storage.VALIDATION_LOG_TTL))
    seed(emu, entries)


def id_routes(license_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/v1/admin/licenses/{license_id}"
    return [
        ("GET", base, None),
        ("PATCH", base, {"status": "suspended"}),
        ("DELETE", base, None),
        ("GET", f"{base}/validations", None),
        ("GET", f"{base}/export", None),
    ]


def call(emu: Emulator, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
    client = emu.test_client()
    if body is not None:
        kwargs["json"] = body
    return client.request(method, path, **kwargs)


# --- the lifecycle, end to end ------------------------------------------------------------------


def test_lifecycle_create_to_erasure_leaves_nothing(emu: Emulator) -> None:
    client = emu.test_client()
    bystander_created = create_license(emu, customer="Bystander GmbH", then_advance=2)
    bystander_key, bystander = bystander_created.key, bystander_created.id
    heartbeat(emu, bystander_key, {"nodes": 9})
    created = create_license(emu, expires_at="2027-03-01T00:00:00Z", then_advance=2)
    key, license_id = created.key, created.id

    assert heartbeat(emu, key, {"secrets_total": 120})["code"] == "VALID"
    for status, code in [("suspended", "SUSPENDED"), ("active", "VALID")]:
        response = client.patch(
            f"/v1/admin/licenses/{license_id}", json={"status": status}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
        assert response.json()["license"]["status"] == status
        emu.clock.advance(seconds=2)
        assert heartbeat(emu, key)["code"] == code

    emu.clock.set(iso_epoch("2027-03-01T00:00:00Z") + DAY)
    assert heartbeat(emu, key)["code"] == "EXPIRED"
    revoke = client.patch(
        f"/v1/admin/licenses/{license_id}", json={"status": "revoked"}, headers=ADMIN
    )
    assert revoke.status_code == 200, revoke.text
    emu.clock.advance(seconds=2)
    assert heartbeat(emu, key)["code"] == "REVOKED"  # revoked beats expired
    assert everything_naming(emu, license_id)  # the record, stats and timestamps are held

    response = client.delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN)
    assert response.status_code == 204, response.text
    assert response.content == b""
    # Only the erasure marker names the license now (its id and the erasure time, no more)...
    assert everything_naming(emu, license_id) == [storage.erasure_marker_name(license_id)]
    assert everything_naming(emu, "Contoso") == []

    assert client.get(f"/v1/admin/licenses/{license_id}", headers=ADMIN).status_code == 404
    again = client.delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "license_not_found"
    gone = client.post("/v1/validate", json={"license_key": key})
    assert gone.status_code == 404
    # The bystander is untouched.
    shown = client.get(f"/v1/admin/licenses/{bystander}", headers=ADMIN).json()
    assert shown["stats"] == {"nodes": 9}
    assert len(everything_naming(emu, bystander)) == 3
    # ...and once the Cron Trigger has run past the grace, nothing does.
    sweep_after_grace(emu)
    assert everything_naming(emu, license_id) == []
    assert len(everything_naming(emu, bystander)) == 3


# --- authentication and ids --------------------------------------------------------------------


def test_every_route_needs_the_token_and_costs_nothing_without_it(emu: Emulator) -> None:
    license_id = create_license(emu, then_advance=2).id
    routes = [*id_routes(license_id), ("GET", "/v1/admin/licenses", None)]
    routes.append(("GET", "/v1/admin/fleet", None))
    for method, path, body in routes:
        for headers in (
            {},
            {"authorization": "Bearer wrong"},
            {"authorization": "admin-test-token"},
        ):
            response = call(emu, method, path, body, headers=headers)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"]["code"] == "unauthorized"
            assert total_ops(response) == 0


@pytest.mark.parametrize(
    "bad_id", ["ABABABABABABABABABABABABABABABAB", "ab" * 15, "ab" * 17, "zz" * 16, "CC-1234", "x"]
)
def test_malformed_ids_are_404_with_zero_kv_operations(emu: Emulator, bad_id: str) -> None:
    for method, path, body in id_routes(bad_id):
        response = call(emu, method, path, body, headers=ADMIN)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "license_not_found"
        assert total_ops(response) == 0


def test_unknown_ids_are_404(emu: Emulator) -> None:
    for method, path, body in id_routes(UNKNOWN_ID):
        response = call(emu, method, path, body, headers=ADMIN)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "license_not_found"
        assert emu.kv("LICENSE_KV").counters.writes == 0


# --- show ---------------------------------------------------------------------------------------


def test_show_has_last_stats_and_last_validation(emu: Emulator) -> None:
    created = create_license(emu, then_advance=2)
    key, license_id = created.key, created.id
    client = emu.test_client()
    shown = client.get(f"/v1/admin/licenses/{license_id}", headers=ADMIN)
    assert shown.json()["stats"] is None and shown.json()["last_validated_at"] is None
    heartbeat(emu, key, {"a": 1})
    emu.clock.advance(seconds=3600)
    heartbeat(emu, key, {"a": 2})
    last = emu.clock.now() - 2  # heartbeat() advanced the clock after answering
    shown = client.get(f"/v1/admin/licenses/{license_id}", headers=ADMIN)
    assert shown.status_code == 200
    body = shown.json()
    assert set(body) == {"license", "stats", "stats_received_at", "last_validated_at"}
    assert body["stats"] == {"a": 2}
    assert iso_epoch(body["last_validated_at"]) == int(last)
    assert body["stats_received_at"] == body["last_validated_at"]
    assert body["license"]["id"] == license_id
    assert total_ops(shown) <= 3 and shown.kv_ops["LICENSE_KV"].writes == 0


# --- PATCH ----------------------------------------------------------------------------------


def entry(emu: Emulator, key: str) -> Any:
    return next(e for e in emu.kv_entries("LICENSE_KV") if e.key == key)


def test_patch_expires_at_moves_record_and_stats_expiration(emu: Emulator) -> None:
    created = create_license(emu, expires_at="2028-01-01T00:00:00Z", then_advance=2)
    key, license_id = created.key, created.id
    heartbeat(emu, key, {"nodes": 3})
    record_key, stats_key = f"license:{license_id}", f"stats:{license_id}"
    old = iso_epoch("2028-01-01T00:00:00Z") + YEAR
    assert entry(emu, record_key).expiration == old
    assert entry(emu, stats_key).expiration == old
    validations_before = [
        (e.key, e.expiration)
        for e in emu.kv_entries("LICENSE_KV")
        if e.key.startswith("validation:")
    ]

    client = emu.test_client()
    path = f"/v1/admin/licenses/{license_id}"
    response = client.patch(path, json={"expires_at": "2029-06-30T00:00:00Z"}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["license"]["expires_at"] == "2029-06-30T00:00:00Z"
    assert total_ops(response) <= 4
    new = iso_epoch("2029-06-30T00:00:00Z") + YEAR
    assert entry(emu, record_key).expiration == new
    assert entry(emu, stats_key).expiration == new
    assert entry(emu, record_key).metadata["expires_at"] == "2029-06-30T00:00:00Z"
    assert json.loads(entry(emu, stats_key).value)["stats"] == {"nodes": 3}

    emu.clock.advance(seconds=2)
    response = client.patch(path, json={"expires_at": None}, headers=ADMIN)
    assert response.status_code == 200
    assert entry(emu, record_key).expiration is None
    assert entry(emu, stats_key).expiration is None

    emu.clock.advance(seconds=2)
    response = client.patch(path, json={"expires_at": "2027-06-01T00:00:00Z"}, headers=ADMIN)
    assert response.status_code == 200
    shorter = iso_epoch("2027-06-01T00:00:00Z") + YEAR
    assert entry(emu, record_key).expiration == shorter
    assert entry(emu, stats_key).expiration == shorter
    # Validation timestamps keep their own 90-day retention.
    assert validations_before == [
        (e.key, e.expiration)
        for e in emu.kv_entries("LICENSE_KV")
        if e.key.startswith("validation:")
    ]


def test_repeating_a_patch_repairs_the_stats_expiration(emu: Emulator) -> None:
    """If the stats write of an expiry move failed, sending the same PATCH again fixes it."""
    created = create_license(emu, expires_at="2028-01-01T00:00:00Z", then_advance=2)
    key, license_id = created.key, created.id
    heartbeat(emu, key, {"nodes": 3})
    stats_key = f"stats:{license_id}"
    stale = entry(emu, stats_key)
    # What a failed stats write leaves: the record moved earlier, the stats kept the old date.
    seed(emu, [KVEntry(stale.key, stale.value, stale.expiration + YEAR, stale.metadata)])
    response = emu.test_client().patch(
        f"/v1/admin/licenses/{license_id}",
        json={"expires_at": "2028-01-01T00:00:00Z"},
        headers=ADMIN,
    )
    assert response.status_code == 200
    assert entry(emu, stats_key).expiration == entry(emu, f"license:{license_id}").expiration
    assert response.kv_ops["LICENSE_KV"].writes == 1  # the stats only, not the record


def test_patch_plan_and_status_keep_the_expiration(emu: Emulator) -> None:
    license_id = create_license(emu, expires_at="2028-01-01T00:00:00Z", then_advance=2).id
    response = emu.test_client().patch(
        f"/v1/admin/licenses/{license_id}",
        json={"plan": "team", "status": "suspended"},
        headers=ADMIN,
    )
    assert response.status_code == 200
    record = entry(emu, f"license:{license_id}")
    assert record.expiration == iso_epoch("2028-01-01T00:00:00Z") + YEAR
    assert json.loads(record.value)["plan"] == "team"
    assert record.metadata["status"] == "suspended"
    assert response.kv_ops["LICENSE_KV"].writes == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "deleted"},
        {"status": None},
        {"plan": None},
        {"plan": "Not A Slug"},
        {"expires_at": "2028-01-01"},
        {"customer": "renamed"},
        {"expires_at": "2020-01-01T00:00:00Z"},  # retention already over: may not be kept
    ],
)
def test_patch_refuses_bad_bodies_without_writing(emu: Emulator, body: dict[str, Any]) -> None:
    license_id = create_license(emu, then_advance=2).id
    response = emu.test_client().patch(f"/v1/admin/licenses/{license_id}", json=body, headers=ADMIN)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.kv_ops["LICENSE_KV"].writes == 0


def test_patch_refuses_non_json(emu: Emulator) -> None:
    license_id = create_license(emu, then_advance=2).id
    response = emu.test_client().patch(
        f"/v1/admin/licenses/{license_id}", content=b"{nope", headers=ADMIN
    )
    assert response.status_code == 400
    assert total_ops(response) == 0


# --- validations ----------------------------------------------------------------------------


def test_validations_newest_first_within_retention(emu: Emulator) -> None:
    created = create_license(emu, expires_at=None, then_advance=2)
    key, license_id = created.key, created.id
    times = []
    for _ in range(5):
        times.append(int(emu.clock.now()))
        heartbeat(emu, key)
        emu.clock.advance(days=20)
    client = emu.test_client()
    response = client.get(f"/v1/admin/licenses/{license_id}/validations", headers=ADMIN)
    assert response.status_code == 200
    stamps = response.json()["validations"]
    # Now is 100 days after the first: it is past the 90-day retention.
    assert [iso_epoch(s) for s in stamps] == sorted(times[1:], reverse=True)
    assert response.json()["cursor"] is None
    # Timestamps come from key names: the only read is the license record.
    assert response.kv_ops["LICENSE_KV"].reads <= 1


def test_bad_cursor_is_400_without_kv_operations(emu: Emulator) -> None:
    license_id = create_license(emu, then_advance=2).id
    for path in (
        "/v1/admin/licenses",
        "/v1/admin/fleet",
        f"/v1/admin/licenses/{license_id}/validations",
        f"/v1/admin/licenses/{license_id}/export",
    ):
        response = emu.test_client().get(path, params={"cursor": "<script>"}, headers=ADMIN)
        assert response.status_code == 400, path
        assert response.json()["error"]["code"] == "invalid_request"
        assert total_ops(response) == 0


# --- export ---------------------------------------------------------------------------------


def test_export_holds_every_datum_and_nothing_of_others(emu: Emulator) -> None:
    created = create_license(emu, customer="Alpha Corp", then_advance=2)
    key, license_id = created.key, created.id
    other_created = create_license(emu, customer="Beta Corp", then_advance=2)
    other_key, other_id = other_created.key, other_created.id
    for _ in range(3):
        heartbeat(emu, key, {"secrets_total": 5, "certs": {"expiring_30d": 1}})
        heartbeat(emu, other_key, {"beta_only_count": 77})
        emu.clock.advance(seconds=3600)

    response = emu.test_client().get(f"/v1/admin/licenses/{license_id}/export", headers=ADMIN)
    assert response.status_code == 200
    document = response.json()
    assert document["cursor"] is None

    held = [e for e in emu.kv_entries("LICENSE_KV") if license_id in e.key]
    by_kind: dict[str, list[Any]] = {}
    for item in held:
        by_kind.setdefault(item.key.split(":")[0], []).append(item)
    assert set(by_kind) == {"license", "stats", "validation"}
    assert document["license"] == json.loads(by_kind["license"][0].value)
    stored_stats = json.loads(by_kind["stats"][0].value)
    assert document["stats"] == stored_stats["stats"]
    assert document["stats_received_at"] == stored_stats["received_at"]
    stored_times = sorted((e.value.decode() for e in by_kind["validation"]), reverse=True)
    assert document["validations"] == stored_times
    assert len(stored_times) == 3

    text = json.dumps(document)
    for foreign in (other_id, "Beta Corp", "beta_only_count"):
        assert foreign not in text
    assert total_ops(response) <= 25


def test_export_of_a_long_log_continues_with_a_cursor(emu: Emulator) -> None:
    license_id = create_license(emu, expires_at=None, then_advance=2).id
    count = storage.EXPORT_VALIDATION_PAGES * storage.VALIDATION_PAGE_SIZE + 250
    seed_validations(
        emu, license_id, count, every=60, suffix=lambda i: "beef", value=lambda t: b"x"
    )
    client = emu.test_client()
    stamps: list[str] = []
    calls = 0
    for response in pages(client, f"/v1/admin/licenses/{license_id}/export"):
        assert response.status_code == 200
        assert total_ops(response) < PLATFORM_OPS_LIMIT
        stamps.extend(response.json()["validations"])
        calls += 1
    assert calls == 2
    assert len(stamps) == count == len(set(stamps))
    assert stamps == sorted(stamps, reverse=True)


# --- erasure --------------------------------------------------------------------------------


def test_erase_of_3000_validations_completes_over_several_calls(emu: Emulator) -> None:
    created = create_license(emu, expires_at=None, then_advance=2)
    key, license_id = created.key, created.id
    heartbeat(emu, key, {"nodes": 1})
    seed_validations(
        emu,
        license_id,
        3000,
        every=30,
        suffix=lambda i: f"{i % 65536:04x}",
        value=lambda t: format_iso(t).encode(),
    )
    client = emu.test_client()
    statuses = []
    while True:
        response = client.delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN)
        assert total_ops(response) <= ERASE_OPERATION_BUDGET < PLATFORM_OPS_LIMIT
        statuses.append(response.status_code)
        if response.status_code != 202:
            break
        assert response.json() == {"erasure": "in_progress"}
        # The record goes last: an unfinished erasure leaves the license findable.
        shown = client.get(f"/v1/admin/licenses/{license_id}", headers=ADMIN)
        assert shown.status_code == 200
        assert len(statuses) < 20
    assert statuses[-1] == 204
    assert len(statuses) >= 3 and set(statuses[:-1]) == {202}
    assert left_after_erasure(emu, license_id) == []
    assert client.delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN).status_code == 404
    sweep_after_grace(emu)
    assert everything_naming(emu, license_id) == []


def test_erase_also_removes_leftovers_without_a_record(emu: Emulator) -> None:
    """A timestamp slipped in after the record went is still erased (and not called 404)."""
    license_id = create_license(emu, then_advance=2).id
    client = emu.test_client()
    assert client.delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN).status_code == 204
    now = int(emu.clock.now())
    straggler = storage.validation_key_name(license_id, now, "0000")
    seed(emu, [KVEntry(straggler, b"t", now + storage.VALIDATION_LOG_TTL)])
    assert client.delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN).status_code == 204
    assert left_after_erasure(emu, license_id) == []
    assert client.delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN).status_code == 404


def test_erase_under_kv_faults_stays_within_budget_and_completes(emu: Emulator) -> None:
    """Failed deletes are retried and counted: no call overspends, and repeating finishes."""
    created = create_license(emu, expires_at=None, then_advance=2)
    key, license_id = created.key, created.id
    heartbeat(emu, key, {"nodes": 1})
    seed_validations(emu, license_id, 1500, every=30, suffix=lambda i: "f00d", value=lambda t: b"t")
    emu.inject_kv_faults(rate=0.02, seed=7, ops=("delete",))
    client = emu.test_client()
    statuses = []
    for _ in range(60):
        response = client.delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN)
        assert total_ops(response) <= ERASE_OPERATION_BUDGET
        statuses.append(response.status_code)
        assert response.status_code in (202, 204, 503), response.text
        if response.status_code == 204:
            break
    assert statuses[-1] == 204
    assert left_after_erasure(emu, license_id) == []
    assert 503 in statuses  # the faults did bite


def test_a_status_change_in_the_last_minute_of_retention_is_refused_not_retried(
    emu: Emulator,
) -> None:
    """KV refuses an expiration less than 60 s ahead: a status or plan change to a record in its
    last minute of retention would answer 503 on every retry. It is a 400 that says why, with
    no KV write."""
    # expires_at + 365 days (the record's KV expiration) is START + 120 s.
    license_id = create_license(emu, expires_at="2026-01-01T00:02:00Z", then_advance=2).id
    client = emu.test_client()
    # With 118 s of retention left the change is still written.
    early = client.patch(f"/v1/admin/licenses/{license_id}", json={"plan": "pro"}, headers=ADMIN)
    assert early.status_code == 200 and early.kv_ops["LICENSE_KV"].writes == 1
    emu.clock.advance(seconds=70)  # 48 s of retention left
    for change in ({"status": "suspended"}, {"plan": "starter"}):
        response = client.patch(f"/v1/admin/licenses/{license_id}", json=change, headers=ADMIN)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_request"
        assert "more than a year in the past" in response.json()["error"]["message"]
        assert response.kv_ops["LICENSE_KV"].writes == 0


async def _after_yields(request: Any, yields: int) -> Any:
    for _ in range(yields):
        await asyncio.sleep(0)
    return await request


async def _race_heartbeat_and_erasure(
    emu: Emulator, key: str, license_id: str, heartbeat_first: bool, offset: int
) -> tuple[Any, Any]:
    """A heartbeat with stats and the DELETE of its license, run concurrently in one isolate,
    one starting ``offset`` event-loop turns after the other (every KV call yields, so they
    interleave call by call)."""
    body = json.dumps({"license_key": key, "version": "2.4.1", "stats": {"secrets_total": 3}})
    beat = emu.fetch(
        "POST", "/v1/validate", headers={"content-type": "application/json"}, body=body.encode()
    )
    erase = emu.fetch("DELETE", f"/v1/admin/licenses/{license_id}", headers=ADMIN)
    beat_answer, erase_answer = await asyncio.gather(
        _after_yields(beat, 0 if heartbeat_first else offset),
        _after_yields(erase, offset if heartbeat_first else 0),
    )
    assert beat_answer.status_code in (200, 404)
    assert erase_answer.status_code == 204
    return beat_answer, erase_answer


@pytest.mark.parametrize("heartbeat_first", [True, False])
@pytest.mark.parametrize("offset", range(0, 14, 2))
def test_erasure_racing_a_heartbeat_is_complete_after_the_repeated_delete(
    emu: Emulator, heartbeat_first: bool, offset: int
) -> None:
    """Whatever a heartbeat racing the erasure of its (perpetual) license wrote, the DELETE
    repeated later, as README's "Known limits" tells operators, leaves nothing naming it."""
    created = create_license(emu, expires_at=None, then_advance=2)
    key, license_id = created.key, created.id
    asyncio.run(_race_heartbeat_and_erasure(emu, key, license_id, heartbeat_first, offset))
    emu.clock.advance(seconds=120)
    again = emu.test_client().delete(f"/v1/admin/licenses/{license_id}", headers=ADMIN)
    assert again.status_code in (204, 404)
    assert left_after_erasure(emu, license_id) == []


def test_a_heartbeat_that_read_the_record_before_one_delete_writes_after_it_until_the_sweep(
    emu: Emulator,
) -> None:
    """README's known limit, driven step by step: the heartbeat reads the record, the DELETE
    runs to its end (204, marker written), then the heartbeat writes its timestamp and stats.
    Those name the license until the Cron Trigger's first run past the grace erases them."""
    created = create_license(emu, expires_at=None, then_advance=2)
    key, license_id = created.key, created.id

    async def erase() -> Any:
        return await emu.fetch("DELETE", f"/v1/admin/licenses/{license_id}", headers=ADMIN)

    beat, erased = asyncio.run(heartbeat_paused_after_its_license_read(emu, key, license_id, erase))
    assert erased.status_code == 204
    assert beat.status_code == 200 and beat.json()["stats"] == {"accepted": True}
    late = left_after_erasure(emu, license_id)
    assert sorted(name.split(":")[0] for name in late) == ["stats", "validation"]
    assert storage.erasure_marker_name(license_id) in everything_naming(emu, license_id)
    sweep_after_grace(emu)
    assert everything_naming(emu, license_id) == []
