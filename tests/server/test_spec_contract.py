"""docs/API.md promises that no other test pinned on their own.

- "All bodies are JSON (`content-type: application/json`)": every answer with a body, whatever
  its status, including refusals made before any KV operation.
- "all times are UTC ISO 8601 with `Z`, second precision": every time field of every answer,
  with the clock on a fractional second.
- Pagination: a short listing, fleet page and validation log end with `"cursor": null`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

from workers_emulator import ManualClock

from .conftest import ADMIN, START, create_license, make_emulator

TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
TIME_FIELDS = {
    "checked_at",
    "created_at",
    "expires_at",
    "received_at",
    "stats_received_at",
    "last_validated_at",
}


def _is_json(response: Any) -> bool:
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json"


def test_spec_every_answer_with_a_body_is_application_json(emu: Any, client: Any) -> None:
    key, view = create_license(client)
    path = "/v1/admin/licenses/" + view["id"]
    answers = {
        "healthz": client.get("/healthz"),
        "jwks": client.get("/.well-known/jwks.json"),
        "update-check": client.get("/v1/update-check", params={"version": "2.4.1"}),
        "update-check 400": client.get("/v1/update-check"),
        "validate": client.post("/v1/validate", json={"license_key": key, "version": "2.4.1"}),
        "invalid_json": client.post(
            "/v1/validate", content=b"{", headers={"content-type": "application/json"}
        ),
        "invalid_request": client.post("/v1/validate", json=[]),
        "license_not_found": client.post("/v1/validate", json={"license_key": "CC-nope"}),
        "request_too_large": client.post(
            "/v1/validate",
            content=b'{"license_key": "' + b"A" * (17 * 1024) + b'"}',
            headers={"content-type": "application/json"},
        ),
        "not found path": client.get("/no-such-path"),
        "405": client.delete("/v1/validate"),
        "admin 401": client.get("/v1/admin/licenses"),
        "admin create 201": client.post(
            "/v1/admin/licenses",
            json={"customer": "B", "plan": "team", "expires_at": None},
            headers=ADMIN,
        ),
        "admin list": client.get("/v1/admin/licenses", headers=ADMIN),
        "admin show": client.get(path, headers=ADMIN),
        "admin 404": client.get("/v1/admin/licenses/" + "0" * 32, headers=ADMIN),
        "admin validations": client.get(path + "/validations", headers=ADMIN),
        "admin export": client.get(path + "/export", headers=ADMIN),
        "admin fleet": client.get("/v1/admin/fleet", headers=ADMIN),
        "admin release": client.get("/v1/admin/release", headers=ADMIN),
    }
    emu.clock.set(float((int(emu.clock.now()) // 60 + 1) * 60))  # a fresh rate window
    for _ in range(31):
        limited = client.post("/v1/validate", json={"license_key": key})
    answers["rate_limited"] = limited
    emu.clock.advance(seconds=61)
    emu.inject_kv_faults(rate=1.0, ops=("read",))
    answers["storage_unavailable"] = client.post("/v1/validate", json={"license_key": key})

    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses["rate_limited"] == 429 and statuses["storage_unavailable"] == 503
    assert statuses["request_too_large"] == 413 and statuses["admin 401"] == 401
    assert statuses["admin create 201"] == 201 and statuses["405"] == 405
    wrong = {name: r.headers.get("content-type") for name, r in answers.items() if not _is_json(r)}
    assert wrong == {}
    for name, response in answers.items():
        response.json()  # the body is JSON too (raises otherwise)
        assert response.content, name


def _times(value: Any, field: str | None = None) -> list[str]:
    """Every value of a time field (or an entry of a validation log) inside an answer."""
    found: list[str] = []
    if isinstance(value, dict):
        for name, item in value.items():
            found.extend(_times(item, name))
    elif isinstance(value, list):
        for item in value:
            found.extend(_times(item, field))
    elif isinstance(value, str) and field in TIME_FIELDS | {"validations"}:
        found.append(value)
    return found


def test_spec_times_are_utc_iso_8601_z_second_precision() -> None:
    emu = make_emulator(clock=ManualClock(start=START + 0.625))  # mid-second on purpose
    try:
        with emu.test_client() as client:
            key, view = create_license(client)
            emu.clock.advance(seconds=1.5)
            beat = client.post("/v1/validate", json={"license_key": key, "stats": {"nodes": 3}})
            assert beat.status_code == 200
            emu.clock.advance(seconds=1.25)
            path = "/v1/admin/licenses/" + view["id"]
            answers = [
                client.post(
                    "/v1/admin/licenses",
                    json={"customer": "B", "plan": "team", "expires_at": None},
                    headers=ADMIN,
                ),
                beat,
                client.get("/v1/admin/licenses", headers=ADMIN),
                client.get(path, headers=ADMIN),
                client.get(path + "/validations", headers=ADMIN),
                client.get(path + "/export", headers=ADMIN),
                client.get("/v1/admin/fleet", headers=ADMIN),
            ]
    finally:
        emu.close()
    times: list[str] = []
    for response in answers:
        assert response.status_code in (200, 201), response.text
        times.extend(_times(response.json()))
    fields_seen = set()
    for response in answers:
        fields_seen |= {f for f in TIME_FIELDS if f in response.text}
    assert fields_seen == TIME_FIELDS  # every kind of time field was looked at
    assert len(times) >= 12
    assert [t for t in times if not TIME.fullmatch(t)] == []


def test_spec_short_pages_end_with_a_null_cursor(emu: Any, client: Any) -> None:
    ids = []
    for _ in range(3):
        key, view = create_license(client)
        ids.append(view["id"])
        emu.clock.advance(seconds=1)
        assert client.post("/v1/validate", json={"license_key": key, "stats": {"n": 1}}).is_success
        emu.clock.advance(seconds=1)

    listing = client.get("/v1/admin/licenses", headers=ADMIN)
    assert listing.status_code == 200
    assert sorted(item["id"] for item in listing.json()["licenses"]) == sorted(ids)
    assert listing.json()["cursor"] is None

    fleet = client.get("/v1/admin/fleet", headers=ADMIN)
    assert fleet.status_code == 200
    assert sorted(item["license_id"] for item in fleet.json()["items"]) == sorted(ids)
    assert fleet.json()["cursor"] is None

    log = client.get(f"/v1/admin/licenses/{ids[0]}/validations", headers=ADMIN)
    assert log.status_code == 200
    assert len(log.json()["validations"]) == 1
    assert log.json()["cursor"] is None


def test_spec_streamed_refusals_are_application_json_too(emu: Any) -> None:
    """The answers made while the body is still being read (413 on the actual size, the 499 of
    a client that hung up) also carry ``application/json``."""

    async def oversize() -> AsyncIterator[bytes]:
        for _ in range(1000):
            yield b"x" * 1000

    async def broken() -> AsyncIterator[bytes]:
        yield b'{"license_key": '
        raise ConnectionResetError("client went away")

    for body, status in [(oversize(), 413), (broken(), 499)]:
        response = asyncio.run(emu.fetch("POST", "/v1/validate", body=body))
        assert response.status_code == status
        assert _is_json(response), response.headers.get("content-type")
        assert set(response.json()) == {"error"}
